"""Case lifecycle: which stage changes are allowed, and date and value checks.

Every check returns :class:`~palermo.caseload.records.Issue` objects that name the record
and the field, so a user can find and fix the entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from palermo.caseload.records import CaseInfo, Issue, IssueList, OutcomeInfo, StatuteRange
from palermo.caseload.records import TransitionInfo as Transition
from palermo.store.models.caseload import Verdict
from palermo.store.models.core import Stage

S = Stage
ALLOWED: dict[Stage, frozenset[Stage]] = {
    S.INTAKE: frozenset({S.INVESTIGATION, S.CHARGED, S.DIVERTED, S.CLOSED}),
    S.INVESTIGATION: frozenset({S.CHARGED, S.DIVERTED, S.CLOSED}),
    S.CHARGED: frozenset({S.PRE_TRIAL, S.TRIAL, S.VERDICT, S.DIVERTED, S.CLOSED}),
    # A plea at pre-trial goes straight to verdict.
    S.PRE_TRIAL: frozenset({S.TRIAL, S.VERDICT, S.DIVERTED, S.CLOSED}),
    S.TRIAL: frozenset({S.VERDICT, S.DIVERTED, S.CLOSED}),
    S.VERDICT: frozenset({S.SENTENCING, S.APPEAL, S.CLOSED}),
    S.SENTENCING: frozenset({S.APPEAL, S.CLOSED}),
    # A retrial after a successful appeal goes back to trial.
    S.APPEAL: frozenset({S.TRIAL, S.SENTENCING, S.CLOSED}),
    # Failed mediation can bring a case back to charges.
    S.DIVERTED: frozenset({S.CHARGED, S.CLOSED}),
    # Reopening a closed case needs a reason (checked below).
    S.CLOSED: frozenset({S.INVESTIGATION}),
}
DIVERSION_KINDS = frozenset({"mediation", "settlement", "administrative", "other"})
STAGE_ORDER = [s.value for s in Stage]


def _stage(value: str | None, record: str, field: str, out: IssueList) -> Stage | None:
    if value is None:
        return None
    try:
        return Stage(value)
    except ValueError:
        out.add(record, field, f"unknown stage {value!r}; expected one of {STAGE_ORDER}")
        return None


def check_transition(
    current: str | None,
    t: Transition,
    *,
    previous_on: date | None = None,
    opened_on: date | None = None,
    record: str | None = None,
) -> list[Issue]:
    """Check one stage change against the case's current stage and dates."""
    out = IssueList()
    rec = record or (f"transition {t.id}" if t.id else f"transition of case {t.case_id}")
    to = _stage(t.to_stage, rec, "to_stage", out)
    frm = _stage(t.from_stage, rec, "from_stage", out)
    cur = _stage(current, rec, "from_stage", out)
    if frm is not None and cur is not None and frm != cur:
        out.add(rec, "from_stage", f"case is in stage {cur.value!r}, not {frm.value!r}")
    start = frm or cur
    if start is not None and to is not None:
        if to == start:
            out.add(rec, "to_stage", f"case is already in stage {to.value!r}")
        elif to not in ALLOWED[start]:
            allowed = sorted(s.value for s in ALLOWED[start])
            out.add(
                rec,
                "to_stage",
                f"cannot go from {start.value!r} to {to.value!r}; allowed: {allowed}",
            )
        if start == S.CLOSED and not (t.reason or "").strip():
            out.add(rec, "reason", "reopening a closed case needs a reason")
    if to == S.DIVERTED:
        if not (t.reason or "").strip():
            out.add(rec, "reason", "diversion needs a reason")
        if t.diversion_kind not in DIVERSION_KINDS:
            out.add(
                rec,
                "diversion_kind",
                f"{t.diversion_kind!r} is not one of {sorted(DIVERSION_KINDS)}",
            )
    if previous_on is not None and t.occurred_on < previous_on:
        out.add(
            rec,
            "occurred_on",
            f"{t.occurred_on} is before the previous stage change on {previous_on}",
        )
    if opened_on is not None and t.occurred_on < opened_on:
        out.add(rec, "occurred_on", f"{t.occurred_on} is before the case opened on {opened_on}")
    return out.issues


def check_history(case: CaseInfo, transitions: Iterable[Transition]) -> list[Issue]:
    """Check a case's whole chain of stage changes, oldest first."""
    issues: list[Issue] = []
    current: str | None = Stage.INTAKE.value
    previous_on: date | None = None
    ordered = sorted(transitions, key=lambda t: (t.occurred_on, t.id or 0))
    for t in ordered:
        issues += check_transition(
            current,
            t,
            previous_on=previous_on,
            opened_on=case.opened_on,
            record=f"case {case.reference} transition on {t.occurred_on}",
        )
        current = t.to_stage
        previous_on = t.occurred_on
    if ordered and current != case.stage:
        issues.append(
            Issue(
                f"case {case.reference}",
                "stage",
                f"stage is {case.stage!r} but the last transition went to {current!r}",
            )
        )
    return issues


def check_case(case: CaseInfo) -> list[Issue]:
    """Dates out of order on the case itself."""
    out = IssueList()
    rec = f"case {case.reference}"
    _stage(case.stage, rec, "stage", out)
    if case.opened_on and case.charged_on and case.charged_on < case.opened_on:
        out.add(rec, "charged_on", f"{case.charged_on} is before opened_on {case.opened_on}")
    if case.opened_on and case.closed_on and case.closed_on < case.opened_on:
        out.add(rec, "closed_on", f"{case.closed_on} is before opened_on {case.opened_on}")
    if case.charged_on and case.closed_on and case.closed_on < case.charged_on:
        out.add(rec, "closed_on", f"{case.closed_on} is before charged_on {case.charged_on}")
    if case.stage == Stage.CLOSED.value and case.closed_on is None:
        out.add(rec, "closed_on", "case is closed but has no closing date", "warning")
    return out.issues


def _nonneg(out: IssueList, rec: str, o: OutcomeInfo, names: Iterable[str]) -> None:
    for name in names:
        value = getattr(o, name)
        if value is not None and value < 0:
            out.add(rec, name, f"must not be negative (got {value})")


SENTENCE_FIELDS = ("custodial_months", "suspended_months", "probation_months", "fine_amount")
MONEY_FIELDS = (
    "restitution_requested",
    "restitution_ordered",
    "restitution_paid",
    "forfeiture_amount",
)


def check_outcome(
    o: OutcomeInfo,
    case: CaseInfo | None = None,
    ranges: Mapping[str, StatuteRange] | None = None,
    *,
    record: str | None = None,
) -> list[Issue]:
    """Check one outcome: verdict value, dates, sentence fields and the statute's range.

    A custodial term above the statute's maximum is an error; below its minimum a warning
    (a departure may be lawful, but it should be looked at).
    """
    out = IssueList()
    rec = record or (f"outcome {o.id}" if o.id else f"outcome for person {o.person_id}")
    try:
        verdict = Verdict(o.verdict)
    except ValueError:
        expected = [v.value for v in Verdict]
        out.add(rec, "verdict", f"unknown verdict {o.verdict!r}; expected {expected}")
        return out.issues
    _nonneg(out, rec, o, (*SENTENCE_FIELDS, *MONEY_FIELDS))
    if verdict != Verdict.PENDING and o.verdict_on is None:
        out.add(rec, "verdict_on", f"a {verdict.value} verdict needs a date")
    if verdict == Verdict.PENDING and o.verdict_on is not None:
        out.add(rec, "verdict_on", "a pending outcome cannot have a verdict date")
    if verdict != Verdict.CONVICTED:
        for name in SENTENCE_FIELDS:
            if getattr(o, name):
                out.add(rec, name, f"a sentence needs a conviction (verdict is {verdict.value})")
        if o.restitution_ordered:
            out.add(
                rec,
                "restitution_ordered",
                f"restitution needs a conviction (verdict is {verdict.value})",
            )
    if case is not None and o.verdict_on is not None:
        if case.charged_on and o.verdict_on < case.charged_on:
            out.add(
                rec,
                "verdict_on",
                f"verdict on {o.verdict_on} is before the charge on {case.charged_on}",
            )
        elif case.opened_on and o.verdict_on < case.opened_on:
            out.add(
                rec,
                "verdict_on",
                f"verdict on {o.verdict_on} is before the case opened on {case.opened_on}",
            )
    if o.sentenced_on is not None and (o.verdict_on is None or o.sentenced_on < o.verdict_on):
        out.add(
            rec,
            "sentenced_on",
            f"sentence on {o.sentenced_on} is before the verdict ({o.verdict_on})",
        )
    if o.appeal_on is not None and o.verdict_on is not None and o.appeal_on < o.verdict_on:
        out.add(
            rec, "appeal_on", f"appeal on {o.appeal_on} is before the verdict on {o.verdict_on}"
        )
    if o.fine_amount and not o.fine_currency:
        out.add(rec, "fine_currency", "a fine needs a currency")
    if o.restitution_paid and (o.restitution_ordered or 0) < o.restitution_paid:
        out.add(
            rec,
            "restitution_paid",
            f"paid {o.restitution_paid} is more than ordered ({o.restitution_ordered or 0})",
            "warning",
        )
    if ranges and o.statute_id and verdict == Verdict.CONVICTED:
        rng = ranges.get(o.statute_id)
        if rng is not None:
            total = o.custodial_months or 0
            if rng.max_months is not None and total > rng.max_months:
                out.add(
                    rec,
                    "custodial_months",
                    f"{total} months is above the maximum of {rng.max_months} months "
                    f"for {o.statute_id}",
                )
            if rng.min_months is not None and total < rng.min_months:
                out.add(
                    rec,
                    "custodial_months",
                    f"{total} months is below the minimum of {rng.min_months} months "
                    f"for {o.statute_id}",
                    "warning",
                )
    return out.issues
