"""Readiness of a case to charge: per suspect and statute, and for the whole case.

Thin layer over :mod:`palermo.law.engine` and :mod:`palermo.law.gaps`.

Labels per suspect x statute (required elements only):

``ready``               every required element proved (2+ independent sources) or waived
``needs corroboration`` nothing missing, but some element rests on a single source
``not ready``           some element missing or supported only by unconfirmed suggestions

The case is ``ready`` when every suspect has at least one ready statute,
``not ready`` when some suspect has no statute that is at least "needs
corroboration", and ``needs corroboration`` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from palermo.law.engine import (
    AppliedRule,
    CaseAssessment,
    ElementStatus,
    StatuteAssessment,
    assess_case,
)
from palermo.law.facts import Fact, Suspect, Victim
from palermo.law.gaps import Gap, GapAdvice, gaps_for, load_gap_advice
from palermo.law.statutes import StatuteBook

Label = Literal["ready", "needs corroboration", "not ready"]
_RANK: dict[Label, int] = {"not ready": 0, "needs corroboration": 1, "ready": 2}


@dataclass(slots=True)
class StatuteReadiness:
    """One suspect x statute: element ids by status, the label and why, gaps and rules."""

    suspect: str
    statute_id: str
    citation: str
    title: str
    label: Label
    reason: str
    proved: list[str]
    single_source: list[str]
    supported_if_confirmed: list[str]
    missing: list[str]
    waived: list[str]
    gaps: list[Gap]
    rules: list[AppliedRule]
    warning: str | None = None


@dataclass(slots=True)
class CaseReadiness:
    label: Label
    reason: str
    statutes: list[StatuteReadiness] = field(default_factory=list)

    def for_suspect(self, suspect: str) -> list[StatuteReadiness]:
        return [s for s in self.statutes if s.suspect == suspect]

    def get(self, suspect: str, statute_id: str) -> StatuteReadiness:
        for s in self.statutes:
            if s.suspect == suspect and s.statute_id == statute_id:
                return s
        raise KeyError(f"no readiness for {statute_id!r} and suspect {suspect!r}")


def _ids(a: StatuteAssessment, status: ElementStatus) -> list[str]:
    return [e.element_id for e in a.by_status(status)]


def statute_readiness(a: StatuteAssessment, advice: GapAdvice | None = None) -> StatuteReadiness:
    """Summarise one :class:`StatuteAssessment`."""
    proved = _ids(a, ElementStatus.PROVED)
    single = _ids(a, ElementStatus.SINGLE_SOURCE)
    suggested = _ids(a, ElementStatus.SUPPORTED_IF_CONFIRMED)
    missing = _ids(a, ElementStatus.MISSING)
    waived = _ids(a, ElementStatus.WAIVED)
    label: Label
    if missing or suggested:
        label = "not ready"
        parts = []
        if missing:
            parts.append(f"missing: {', '.join(missing)}")
        if suggested:
            parts.append(f"only unconfirmed suggestions for: {', '.join(suggested)}")
        reason = "; ".join(parts)
    elif single:
        label = "needs corroboration"
        reason = f"single source for: {', '.join(single)}"
    else:
        label = "ready"
        n = len(proved) + len(waived)
        reason = f"all {n} required elements proved by 2+ independent sources" + (
            f" or waived ({', '.join(waived)})" if waived else ""
        )
    return StatuteReadiness(
        suspect=a.suspect,
        statute_id=a.statute_id,
        citation=a.citation,
        title=a.title,
        label=label,
        reason=reason,
        proved=proved,
        single_source=single,
        supported_if_confirmed=suggested,
        missing=missing,
        waived=waived,
        gaps=gaps_for(a, advice),
        rules=a.rules,
        warning=a.warning,
    )


def readiness_summary(assessment: CaseAssessment, advice: GapAdvice | None = None) -> CaseReadiness:
    """Per suspect x statute readiness plus the case label and its reason."""
    advice = advice or load_gap_advice()
    items = [statute_readiness(a, advice) for a in assessment.results]
    if not items:
        return CaseReadiness("not ready", "no suspect has a statute charged or considered", [])
    best: dict[str, Label] = {}
    for it in items:
        if it.suspect not in best or _RANK[it.label] > _RANK[best[it.suspect]]:
            best[it.suspect] = it.label
    worst = min(best.values(), key=_RANK.__getitem__)
    behind = sorted(s for s, lab in best.items() if lab == worst)
    if worst == "ready":
        reason = f"every suspect ({len(best)}) has at least one charge ready"
    elif worst == "needs corroboration":
        reason = f"best charge still needs corroboration for: {', '.join(behind)}"
    else:
        reason = f"no charge close to ready for: {', '.join(behind)}"
    return CaseReadiness(worst, reason, items)


def assess_readiness(
    facts: Iterable[Fact],
    suspects: Iterable[Suspect],
    victims: Iterable[Victim] = (),
    *,
    case_jurisdiction: str | None = None,
    book: StatuteBook | None = None,
) -> CaseReadiness:
    """Run the elements engine and summarise: the one call a service needs."""
    assessment = assess_case(
        facts, suspects, victims, case_jurisdiction=case_jurisdiction, book=book
    )
    return readiness_summary(assessment)
