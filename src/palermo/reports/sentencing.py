"""The sentencing position: each charge against its statute's range (from the law data)
and the outcomes of the unit's other cases under the same statute.

Pure code over plain values. "Similar outcomes": convictions under the same statute in
other cases of the unit; the count, and the median and mean custodial months of those
with a custodial term (linear-interpolation median, as the caseload statistics use).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from palermo.caseload.stats import percentile

CONVICTED = "convicted"


@dataclass(frozen=True, slots=True)
class ChargeLine:
    defendant: str
    statute_id: str
    citation: str
    status: str  # charged | considered


@dataclass(frozen=True, slots=True)
class Range:
    """A statute's overall range: the lowest floor and the highest maximum of its
    penalties; ``max_months`` None with ``life`` when life imprisonment is possible."""

    min_months: int
    max_months: int | None
    life: bool
    penalties: tuple[str, ...] = ()  # each penalty in words, from the law data

    @property
    def text(self) -> str:
        top = (
            "life"
            if self.life
            else f"{self.max_months} months"
            if self.max_months
            else "no set maximum"
        )
        low = f"{self.min_months} months minimum" if self.min_months else "no minimum"
        return f"{low}, up to {top}"


@dataclass(frozen=True, slots=True)
class PastOutcome:
    case_id: int
    statute_id: str | None
    verdict: str
    custodial_months: int | None


@dataclass(frozen=True, slots=True)
class Similar:
    convictions: int
    custodial: int  # of which with a custodial term
    median_months: float | None
    mean_months: float | None


@dataclass(frozen=True, slots=True)
class SentencingLine:
    statute_id: str
    citation: str
    defendants: tuple[str, ...]
    status: str  # charged if any defendant is charged, else considered
    range: Range | None
    similar: Similar | None  # None: the figures were not available to the reader


def similar_outcomes(
    outcomes: Iterable[PastOutcome], statute_id: str, *, exclude_case: int | None = None
) -> Similar:
    """Convictions under ``statute_id`` in other cases, with their custodial months."""
    convicted = [
        o
        for o in outcomes
        if o.statute_id == statute_id and o.verdict == CONVICTED and o.case_id != exclude_case
    ]
    months = [float(o.custodial_months) for o in convicted if o.custodial_months]
    return Similar(
        convictions=len(convicted),
        custodial=len(months),
        median_months=percentile(months, 50),
        mean_months=round(sum(months) / len(months), 1) if months else None,
    )


def sentencing_position(
    charges: Sequence[ChargeLine],
    ranges: Mapping[str, Range],
    outcomes: Sequence[PastOutcome] | None,
    *,
    case_id: int | None = None,
) -> list[SentencingLine]:
    """One line per statute charged or considered, filed charges first. ``outcomes``
    None: the reader may not see the caseload's figures."""
    by_statute: dict[str, list[ChargeLine]] = {}
    for c in charges:
        by_statute.setdefault(c.statute_id, []).append(c)
    lines = []
    for sid, items in by_statute.items():
        charged = any(c.status == "charged" for c in items)
        lines.append(
            SentencingLine(
                statute_id=sid,
                citation=items[0].citation,
                defendants=tuple(dict.fromkeys(c.defendant for c in items)),
                status="charged" if charged else "considered",
                range=ranges.get(sid),
                similar=None
                if outcomes is None
                else similar_outcomes(outcomes, sid, exclude_case=case_id),
            )
        )
    lines.sort(key=lambda line: (line.status != "charged", line.citation))
    return lines
