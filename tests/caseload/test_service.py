import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palermo.caseload import htcds
from palermo.caseload.records import StatuteRange
from palermo.security.audit import verify
from palermo.security.permissions import Actor
from palermo.services import caseload as svc
from palermo.services.errors import InvalidInput, NotFound, PermissionDenied
from palermo.store.models import AuditEntry, Case, Charge, Person, Role, Unit
from palermo.store.models.caseload import Outcome, StageTransition

from .conftest import make_actor

RANGES = {
    "us-18-1591": StatuteRange("us-18-1591", 120, None),
    "us-18-1592": StatuteRange("us-18-1592", 0, 60),
}


def test_transitions_update_case_and_are_audited(
    session: Session, case: Case, actor: Actor
) -> None:
    svc.record_transition(session, actor, case_id=case.id, to_stage="charged", on=date(2023, 5, 1))
    svc.record_transition(
        session, actor, case_id=case.id, to_stage="pre_trial", on=date(2023, 5, 20)
    )
    assert case.stage == "pre_trial" and case.charged_on == date(2023, 5, 1)
    with pytest.raises(InvalidInput) as exc:
        svc.record_transition(
            session, actor, case_id=case.id, to_stage="sentencing", on=date(2023, 4, 1)
        )
    msg = str(exc.value)
    assert "case HT-2023-001 transition on 2023-04-01, to_stage: cannot go from 'pre_trial'" in msg
    assert "occurred_on: 2023-04-01 is before the previous stage change on 2023-05-20" in msg
    saved = svc.record_transition(
        session,
        actor,
        case_id=case.id,
        to_stage="diverted",
        on=date(2023, 6, 1),
        reason="victim chose mediation",
        diversion_kind="mediation",
    )
    row = session.get(StageTransition, saved.id)
    assert row is not None
    assert (row.from_stage, row.to_stage, row.diversion_kind) == (
        "pre_trial",
        "diverted",
        "mediation",
    )
    assert case.closed_on == date(2023, 6, 1)
    actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions == ["caseload.transition"] * 3
    assert verify(session).ok


def test_hearing_needs_party_when_adjourned(session: Session, case: Case, actor: Actor) -> None:
    with pytest.raises(InvalidInput, match="requested_by: an adjournment must say who"):
        svc.add_hearing(
            session, actor, case_id=case.id, held_on=date(2023, 6, 1), kind="trial", adjourned=True
        )
    with pytest.raises(InvalidInput, match="'lawyer' is not one of"):
        svc.add_hearing(
            session,
            actor,
            case_id=case.id,
            held_on=date(2023, 6, 1),
            kind="trial",
            adjourned=True,
            requested_by="lawyer",
        )
    saved = svc.add_hearing(
        session,
        actor,
        case_id=case.id,
        held_on=date(2023, 6, 1),
        kind="trial",
        adjourned=True,
        requested_by="defence",
        reason="counsel ill",
    )
    assert saved.id > 0


def test_outcome_validation_against_case_and_statute(
    session: Session, case: Case, people: dict[str, Person], actor: Actor
) -> None:
    case.charged_on = date(2023, 3, 1)
    s1 = people["S1"]
    with pytest.raises(InvalidInput) as exc:
        svc.add_outcome(
            session,
            actor,
            case_id=case.id,
            person_id=s1.id,
            verdict="convicted",
            statute_id="us-18-1592",
            ranges=RANGES,
            verdict_on=date(2023, 2, 1),
            sentenced_on=date(2023, 4, 1),
            custodial_months=72,
        )
    msg = str(exc.value)
    assert "outcome for person S1 in case HT-2023-001, verdict_on: verdict on 2023-02-01" in msg
    assert "custodial_months: 72 months is above the maximum of 60 months" in msg
    ok = svc.add_outcome(
        session,
        actor,
        case_id=case.id,
        person_id=s1.id,
        verdict="convicted",
        statute_id="us-18-1591",
        ranges=RANGES,
        verdict_on=date(2024, 2, 1),
        sentenced_on=date(2024, 4, 1),
        suspended_months=24,
    )
    assert ok.warnings and "below the minimum of 120 months" in ok.warnings[0]
    with pytest.raises(InvalidInput, match="unknown outcome fields"):
        svc.add_outcome(
            session,
            actor,
            case_id=case.id,
            person_id=s1.id,
            verdict="pending",
            ranges=RANGES,
            jail_years=3,
        )
    with pytest.raises(InvalidInput, match="person_id"):
        svc.add_outcome(
            session, actor, case_id=case.id, person_id=9999, verdict="pending", ranges=RANGES
        )


def test_non_member_cannot_edit_and_analyst_cannot_edit(session: Session, case: Case) -> None:
    outsider = make_actor(session, Role.PROSECUTOR, "outsider")
    with pytest.raises(NotFound):
        svc.add_hearing(session, outsider, case_id=case.id, held_on=date(2023, 6, 1), kind="trial")
    analyst = make_actor(session, Role.ANALYST, "analyst", [case.id])
    with pytest.raises(PermissionDenied):
        svc.add_hearing(session, analyst, case_id=case.id, held_on=date(2023, 6, 1), kind="trial")


def _setup_unit(session: Session, case: Case, people: dict[str, Person], actor: Actor) -> None:
    svc.record_transition(session, actor, case_id=case.id, to_stage="charged", on=date(2023, 3, 1))
    svc.record_transition(
        session, actor, case_id=case.id, to_stage="pre_trial", on=date(2023, 3, 20)
    )
    for day, adj, party in [
        (date(2023, 3, 15), False, None),
        (date(2023, 4, 1), True, "defence"),
        (date(2023, 4, 20), True, "defence"),
        (date(2023, 5, 2), True, "court"),
        (date(2023, 6, 10), False, None),
    ]:
        svc.add_hearing(
            session,
            actor,
            case_id=case.id,
            held_on=day,
            kind="arraignment" if day.month == 3 else "pre_trial",
            adjourned=adj,
            requested_by=party,
        )
    svc.add_deadline(
        session,
        actor,
        case_id=case.id,
        kind="custody_limit",
        due_on=date(2023, 6, 5),
        description="custody ends",
    )
    svc.add_contact(session, actor, person_id=people["V1"].id, on=date(2023, 3, 1), kind="visit")
    svc.add_contact(session, actor, person_id=people["V2"].id, on=date(2023, 5, 25), kind="phone")
    svc.set_witness_status(
        session,
        actor,
        person_id=people["V1"].id,
        repatriated=True,
        intimidation_reports=1,
        location="shelter X",
    )


def test_dashboard(
    session: Session, unit: Unit, case: Case, people: dict[str, Person], actor: Actor
) -> None:
    _setup_unit(session, case, people, actor)
    closed = Case(
        unit_id=unit.id,
        reference="HT-2020-009",
        title="old",
        jurisdiction="US",
        stage="closed",
        statutes=[],
        opened_on=date(2020, 1, 1),
    )
    session.add(closed)
    session.flush()
    d = svc.dashboard(session, actor, unit.id, date(2023, 6, 1))
    assert d.cases_by_stage == {"pre_trial": 1, "closed": 1}
    assert d.open_cases == 1
    # opened 2023-01-10 -> 142 days on 2023-06-01
    assert d.cases_by_stage_and_age["pre_trial"]["3-6 months"] == 1
    assert [(h.held_on, h.days_away) for h in d.hearings_next_two_weeks] == [(date(2023, 6, 10), 9)]
    assert d.adjournments_by_party == {"defence": 2, "court": 1}
    assert d.adjournment_sentences[0] == "defence requested 2 of 3 adjournments"
    (over,) = d.over_target
    # pre-trial hearings since 2023-03-20: 04-01, 04-20, 05-02, next 06-10: 39 days
    assert over.reasons[0] == "39 days between hearings (2023-05-02 to 2023-06-10); target 14"
    (dl,) = d.deadlines
    assert (dl.kind, dl.days_left, dl.status) == ("custody_limit", 4, "due_soon")
    risky = {w.pseudonym: w for w in d.at_risk_witnesses}
    assert set(risky) == {"V1"}  # V2 was contacted a week ago
    assert risky["V1"].level == "high"
    assert "repatriated" in risky["V1"].reasons
    # The audit log never holds a witness's location.
    details = session.scalars(sa.select(AuditEntry.details)).all()
    assert not any("shelter X" in str(x) for x in details)


def test_dashboard_rows_only_for_member_cases(
    session: Session, unit: Unit, case: Case, people: dict[str, Person], actor: Actor
) -> None:
    _setup_unit(session, case, people, actor)
    head = make_actor(session, Role.PROSECUTOR, "head")
    d = svc.dashboard(session, head, unit.id, date(2023, 6, 1))
    assert d.rows_limited_to_member_cases
    assert d.cases_by_stage == {"pre_trial": 1}
    assert d.hearings_next_two_weeks == [] and d.over_target == [] and d.at_risk_witnesses == []
    auditor = make_actor(session, Role.AUDITOR, "aud")
    with pytest.raises(PermissionDenied):
        svc.dashboard(session, auditor, unit.id, date(2023, 6, 1))


def test_unit_targets_override(
    session: Session, unit: Unit, case: Case, people: dict[str, Person], actor: Actor
) -> None:
    _setup_unit(session, case, people, actor)
    unit.settings = {
        "caseload_targets": {
            "max_days_between_hearings": 60,
            "decision_within_days_of_arraignment": 365,
        }
    }
    session.flush()
    d = svc.dashboard(session, actor, unit.id, date(2023, 6, 1))
    assert d.over_target == [] and d.targets["max_days_between_hearings"] == 60


def test_outcome_statistics_and_csv(
    session: Session, unit: Unit, case: Case, people: dict[str, Person], actor: Actor
) -> None:
    _setup_unit(session, case, people, actor)
    s1 = people["S1"]
    svc.record_transition(session, actor, case_id=case.id, to_stage="verdict", on=date(2024, 1, 10))
    svc.add_outcome(
        session,
        actor,
        case_id=case.id,
        person_id=s1.id,
        verdict="convicted",
        statute_id="us-18-1591",
        ranges=RANGES,
        verdict_on=date(2024, 1, 10),
        sentenced_on=date(2024, 3, 1),
        custodial_months=180,
        restitution_requested=Decimal(50000),
        restitution_ordered=Decimal(20000),
    )
    # bypass validation to show that statistics still flag an impossible sentence
    session.add(
        Outcome(
            case_id=case.id,
            person_id=s1.id,
            statute_id="us-18-1592",
            verdict="convicted",
            verdict_on=date(2024, 1, 10),
            custodial_months=90,
        )
    )
    session.flush()
    st = svc.outcome_statistics(session, actor, unit.id, ranges=RANGES)
    assert st.conviction_rate == 1.0 and st.convicted == 1
    # 2023-03-01 -> 2024-01-10 = 315 days
    assert st.disposition_median_days == 315
    assert st.restitution.request_rate == 1.0
    assert len(st.range_errors) == 1
    assert "90 months is above the maximum of 60" in st.range_errors[0]
    assert st.tip_table[0].year == 2023 and st.tip_table[0].victims_identified == 2
    assert st.victims_breakdown.by_sex == {"Female": 2}
    assert {b.crime for b in st.benchmarks} == {"rape", "kidnapping"}
    out = io.StringIO()
    text = svc.export_csv(session, actor, unit.id, "hearings", out)
    lines = text.strip().splitlines()
    assert lines[0] == "id,case_id,held_on,kind,adjourned,requested_by,reason,result"
    assert len(lines) == 6 and out.getvalue() == text
    with pytest.raises(InvalidInput, match="not one of"):
        svc.export_csv(session, actor, unit.id, "victim_contacts")
    advocate = make_actor(session, Role.ADVOCATE, "adv")
    with pytest.raises(PermissionDenied):
        svc.outcome_statistics(session, advocate, unit.id)


def test_htcds_export_from_the_database_round_trips(
    session: Session, unit: Unit, case: Case, people: dict[str, Person], actor: Actor
) -> None:
    people["V1"].nationality = "NG"
    people["V1"].is_minor = True
    people["V1"].birth_year = 2008
    session.add(Charge(case_id=case.id, person_id=people["S1"].id, statute_id="us-18-1591"))
    session.flush()
    exported = svc.htcds_people(session, actor, unit.id)
    by_ref = {p.person_ref: p for p in exported}
    assert set(by_ref) == {"S1", "V1", "V2"}
    v1 = by_ref["V1"]
    assert (v1.role, v1.gender, v1.citizenship, v1.is_minor, v1.birth_year) == (
        "victim",
        "Female",
        "NG",
        True,
        2008,
    )
    assert v1.trafficking_status == "Possible victim of trafficking"
    assert v1.types_of_exploitation == ("Sexual exploitation",)
    assert v1.case_status == "Open" and v1.case_reference == "HT-2023-001"
    assert by_ref["S1"].role == "perpetrator" and by_ref["S1"].perpetrator_charged is True
    out = io.StringIO()
    htcds.write_csv(exported, out)
    back = htcds.read_csv(out.getvalue())
    assert back.problems == [] and back.people == exported
