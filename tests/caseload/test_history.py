from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from palermo.caseload import lifecycle, stats
from palermo.caseload.records import CaseInfo, OutcomeInfo, TransitionInfo
from palermo.security.permissions import Actor
from palermo.services import caseload as svc
from palermo.simulate.history import HistoryData, generate_history
from palermo.store.models import Unit

HIST = generate_history(7, n_cases=150)


def _dec(v: int | None) -> Decimal | None:
    return None if v is None else Decimal(v)


def _outcomes(h: HistoryData) -> list[OutcomeInfo]:
    return [
        OutcomeInfo(
            o.case_key,
            o.person_key,
            o.verdict,
            o.statute_id,
            o.verdict_on,
            o.sentenced_on,
            o.custodial_months,
            o.suspended_months,
            o.probation_months,
            _dec(o.fine_amount),
            o.currency if o.fine_amount else None,
            _dec(o.restitution_requested),
            _dec(o.restitution_ordered),
            _dec(o.restitution_paid),
        )
        for o in h.outcomes
    ]


def test_deterministic_and_dates_within_range() -> None:
    again = generate_history(7, n_cases=150)
    assert again.cases == HIST.cases and again.hearings == HIST.hearings
    assert generate_history(8, n_cases=150).cases != HIST.cases
    assert all(date(2019, 1, 1) <= c.opened_on <= HIST.as_of for c in HIST.cases)
    assert len(HIST.cases) == 150


def test_every_case_has_a_valid_lifecycle_and_valid_outcomes() -> None:
    by_case: dict[int, list[TransitionInfo]] = {}
    for t in HIST.transitions:
        by_case.setdefault(t.case_key, []).append(
            TransitionInfo(t.case_key, t.from_stage, t.to_stage, t.on, t.reason, t.diversion_kind)
        )
    infos = {}
    for c in HIST.cases:
        info = CaseInfo(c.key, c.reference, c.stage, c.opened_on, c.charged_on, c.closed_on)
        infos[c.key] = info
        assert lifecycle.check_history(info, by_case.get(c.key, [])) == [], c
        assert [i for i in lifecycle.check_case(info) if i.severity == "error"] == []
    for o in _outcomes(HIST):
        assert [
            i for i in lifecycle.check_outcome(o, infos[o.case_id]) if i.severity == "error"
        ] == [], o


def test_realistic_mix() -> None:
    stages = Counter(c.stage for c in HIST.cases)
    assert stages["closed"] > 0 and stages["diverted"] > 0
    assert sum(stages[s] for s in ("investigation", "pre_trial", "trial")) > 0  # open cases
    adjourned = [h for h in HIST.hearings if h.adjourned]
    parties = Counter(h.requested_by for h in adjourned)
    assert parties.most_common(1)[0][0] == "defence"
    assert any(h.on > HIST.as_of for h in HIST.hearings)  # scheduled hearings exist
    outs = _outcomes(HIST)
    rate = stats.conviction_rate(outs).value
    assert rate is not None and 0.3 < rate < 0.85
    mix = stats.sentence_mix(outs, by="all")[0]
    custodial = mix.share("custodial")
    assert custodial is not None and custodial > 0.6
    assert mix.counts["suspended"] + mix.counts["fine_only"] > 0
    r = stats.restitution(outs)
    assert r.request_rate is not None and r.request_rate < 0.4
    assert sum(1 for d in HIST.deadlines if d.kind == "custody_limit") > 0


def test_write_history_into_unit(session: Session, unit: Unit, actor: Actor) -> None:
    small = generate_history(3, n_cases=40)
    written = svc.write_history(session, actor, unit.id, small)
    assert written.cases == 40 and written.hearings == len(small.hearings)
    d = svc.dashboard(session, actor, unit.id, small.as_of)
    assert sum(d.cases_by_stage.values()) == 40
    assert d.adjournments_total == sum(1 for h in small.hearings if h.adjourned)
    st = svc.outcome_statistics(session, actor, unit.id, ranges={})
    expected = stats.conviction_rate(_outcomes(small))
    assert (st.convicted, st.decided) == (expected.numerator, expected.denominator)
