"""Alerts for a unit: hearings coming up, cases over target, deadlines, adjournments, witness risk.

All functions are pure: they take plain dataclasses and ``today`` and return plain data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from palermo.caseload.records import CaseInfo, DeadlineInfo, HearingInfo, WitnessInfo
from palermo.caseload.targets import Targets
from palermo.store.models.caseload import DeadlineKind, HearingParty
from palermo.store.models.core import Stage

# Stages in which a case is before the court and the hearing interval applies.
IN_COURT = frozenset({Stage.PRE_TRIAL.value, Stage.TRIAL.value})
# Stages at which a decision has been reached (the 180-day target is met or missed).
DECIDED = frozenset(
    {
        Stage.VERDICT.value,
        Stage.SENTENCING.value,
        Stage.APPEAL.value,
        Stage.CLOSED.value,
        Stage.DIVERTED.value,
    }
)


def upcoming_hearings(
    hearings: Iterable[HearingInfo], today: date, days: int = 14
) -> list[HearingInfo]:
    """Hearings from today to ``today + days`` inclusive, soonest first."""
    end = today + timedelta(days=days)
    return sorted(
        (h for h in hearings if today <= h.held_on <= end), key=lambda h: (h.held_on, h.case_id)
    )


@dataclass(frozen=True, slots=True)
class OverTarget:
    case_id: int
    reference: str
    stage: str
    reasons: tuple[str, ...]


def over_target(
    cases: Iterable[CaseInfo],
    hearings: Iterable[HearingInfo],
    targets: Targets,
    today: date,
) -> list[OverTarget]:
    """Cases that miss a target, each with the reasons in words.

    * in pre-trial or trial: a gap between consecutive hearings (or from the last past
      hearing to the next one, or to today if none is set) longer than the target;
    * not yet decided more than N days after arraignment (``charged_on`` if no arraignment);
    * longer in the current stage than ``max_days_in_stage`` allows.
    """
    by_case: dict[int, list[date]] = defaultdict(list)
    for h in hearings:
        by_case[h.case_id].append(h.held_on)
    result: list[OverTarget] = []
    max_gap = targets.max_days_between_hearings
    for case in cases:
        reasons: list[str] = []
        if case.stage in IN_COURT:
            dates = sorted(by_case.get(case.id, []))
            past = [d for d in dates if d <= today]
            future = [d for d in dates if d > today]
            worst = 0
            worst_pair: tuple[date, date] | None = None
            seq = [*past, future[0]] if future else [*past, today]
            since = case.stage_since or case.arraigned_on or case.charged_on
            if since is not None:
                seq = [d for d in seq if d >= since]
            for a, b in pairwise(seq):
                if (b - a).days > worst:
                    worst, worst_pair = (b - a).days, (a, b)
            if worst > max_gap and worst_pair is not None:
                a, b = worst_pair
                end = "today" if (not future and b == today) else str(b)
                reasons.append(f"{worst} days between hearings ({a} to {end}); target {max_gap}")
        arraigned = case.arraigned_on or case.charged_on
        if arraigned is not None and case.stage not in DECIDED:
            age = (today - arraigned).days
            limit = targets.decision_within_days_of_arraignment
            if age > limit:
                reasons.append(
                    f"no decision {age} days after arraignment on {arraigned}; target {limit}"
                )
        stage_limit = targets.max_days_in_stage.get(case.stage)
        if stage_limit is not None and case.stage_since is not None:
            in_stage = (today - case.stage_since).days
            if in_stage > stage_limit:
                reasons.append(f"{in_stage} days in stage {case.stage}; target {stage_limit}")
        if reasons:
            result.append(OverTarget(case.id, case.reference, case.stage, tuple(reasons)))
    return result


@dataclass(frozen=True, slots=True)
class DeadlineAlert:
    deadline: DeadlineInfo
    days_left: int  # negative when overdue
    status: str  # overdue | due_soon


URGENT_KINDS = (DeadlineKind.CUSTODY_LIMIT.value, DeadlineKind.FOREIGN_REQUEST.value)


def deadline_alerts(
    deadlines: Iterable[DeadlineInfo], today: date, warning_days: int = 7
) -> list[DeadlineAlert]:
    """Open deadlines overdue or due within ``warning_days``; custody limits and foreign
    requests first, then by date."""
    out = []
    for d in deadlines:
        if d.done:
            continue
        left = (d.due_on - today).days
        if left < 0:
            out.append(DeadlineAlert(d, left, "overdue"))
        elif left <= warning_days:
            out.append(DeadlineAlert(d, left, "due_soon"))
    return sorted(out, key=lambda a: (a.deadline.kind not in URGENT_KINDS, a.deadline.due_on))


@dataclass(frozen=True, slots=True)
class AdjournmentSummary:
    total: int
    by_party: dict[str, int]
    hearings: int

    def share(self, party: str) -> float:
        return self.by_party.get(party, 0) / self.total if self.total else 0.0

    def sentences(self) -> list[str]:
        """E.g. ``["defence requested 5 of 7 adjournments", ...]``, most frequent first."""
        order = sorted(self.by_party.items(), key=lambda kv: (-kv[1], kv[0]))
        return [f"{party} requested {n} of {self.total} adjournments" for party, n in order]


def adjournments(hearings: Iterable[HearingInfo]) -> AdjournmentSummary:
    """Who asks for adjournments and how often. Unknown requester counts as ``other``."""
    counts: Counter[str] = Counter()
    n = 0
    for h in hearings:
        n += 1
        if h.adjourned:
            party = h.requested_by or HearingParty.OTHER.value
            if party not in HearingParty.__members__.values():
                party = HearingParty.OTHER.value
            counts[party] += 1
    return AdjournmentSummary(total=sum(counts.values()), by_party=dict(counts), hearings=n)


def summarise_adjournments(counts: Mapping[str | None, int], hearings: int) -> AdjournmentSummary:
    """The same summary from counts per requesting party (e.g. a SQL GROUP BY)."""
    parties = {p.value for p in HearingParty}
    merged: Counter[str] = Counter()
    for party, n in counts.items():
        merged[party if party in parties else HearingParty.OTHER.value] += n
    return AdjournmentSummary(total=sum(merged.values()), by_party=dict(merged), hearings=hearings)


def adjournments_by_case(
    hearings: Iterable[HearingInfo],
) -> dict[int, AdjournmentSummary]:
    grouped: dict[int, list[HearingInfo]] = defaultdict(list)
    for h in hearings:
        grouped[h.case_id].append(h)
    return {cid: adjournments(hs) for cid, hs in grouped.items()}


@dataclass(frozen=True, slots=True)
class WitnessRisk:
    person_id: int
    case_id: int
    pseudonym: str
    level: str  # high | medium | low
    score: int
    reasons: tuple[str, ...] = field(default=())


# Points per risk factor; 4 or more is high, 2-3 medium.
RISK_POINTS = {
    "intimidation": 3,
    "consent_withdrawn": 3,
    "no_contact": 2,
    "repatriated": 2,
    "support_ended": 1,
    "unavailable": 1,
}


def witness_risk(w: WitnessInfo, today: date, no_contact_weeks: int = 4) -> WitnessRisk:
    """Rate the risk that a victim-witness drops out or is harmed, with the reasons."""
    reasons: list[str] = []
    score = 0
    if w.intimidation_reports > 0:
        score += RISK_POINTS["intimidation"]
        reasons.append(f"intimidation reported ({w.intimidation_reports})")
    if w.consent_to_testify is False or w.consent_withdrawn_on is not None:
        score += RISK_POINTS["consent_withdrawn"]
        when = f" on {w.consent_withdrawn_on}" if w.consent_withdrawn_on else ""
        reasons.append(f"consent to testify withdrawn{when}")
    if w.last_contact_on is None:
        score += RISK_POINTS["no_contact"]
        reasons.append("never contacted")
    else:
        weeks = (today - w.last_contact_on).days // 7
        if weeks >= no_contact_weeks:
            score += RISK_POINTS["no_contact"]
            reasons.append(f"no contact for {weeks} weeks (last {w.last_contact_on})")
    if w.repatriated:
        score += RISK_POINTS["repatriated"]
        reasons.append("repatriated")
    if w.support_ended and not w.support_active:
        service, ended = max(w.support_ended, key=lambda s: s[1])
        score += RISK_POINTS["support_ended"]
        reasons.append(f"support ended ({service} on {ended}), none active")
    if not w.available:
        score += RISK_POINTS["unavailable"]
        reasons.append("not available")
    level = "high" if score >= 4 else "medium" if score >= 2 else "low"
    return WitnessRisk(w.person_id, w.case_id, w.pseudonym, level, score, tuple(reasons))


def at_risk_witnesses(
    witnesses: Sequence[WitnessInfo], today: date, no_contact_weeks: int = 4
) -> list[WitnessRisk]:
    """Medium and high risk witnesses, highest score first."""
    rated = [witness_risk(w, today, no_contact_weeks) for w in witnesses]
    return sorted(
        (r for r in rated if r.level != "low"), key=lambda r: (-r.score, r.case_id, r.person_id)
    )
