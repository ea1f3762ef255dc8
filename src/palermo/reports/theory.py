"""The theory of the case per defendant: the charge, the role, and per element the
strongest evidence with short quotes and how many independent sources carry it.

Pure code over plain values. Weak elements (missing, one source only, resting on
unreviewed suggestions) are stated plainly first, so a reader sees what is at risk
before what is solid. "Strongest" evidence: one quote per independent source, sources
with a file to cite first, dated record rows last (a statement or a chat says more).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from palermo.reports.facts import citation, short

EVIDENCE_PER_ELEMENT = 2

WEAK: dict[str, str] = {
    "missing": "no confirmed evidence",
    "single_source": "only one independent source",
    "supported_if_confirmed": "rests only on suggestions nobody has reviewed yet",
}
WEAK_SHORT: dict[str, str] = {
    "missing": "none",
    "single_source": "1 source",
    "supported_if_confirmed": "unreviewed",
}
STATUS_TEXT: dict[str, str] = {
    "proved": "proved",
    "single_source": "one source",
    "supported_if_confirmed": "unreviewed suggestions only",
    "missing": "missing",
    "waived": "not needed",
}


@dataclass(frozen=True, slots=True)
class Evidence:
    quote: str
    file: str | None
    locator: str | None
    source_id: str


@dataclass(frozen=True, slots=True)
class ElementInput:
    label: str
    required: bool
    status: str
    source_count: int
    confirmed: tuple[Evidence, ...]
    waived_by: str | None = None


@dataclass(frozen=True, slots=True)
class ChargeInput:
    citation: str
    title: str
    status: str  # charged or considered
    readiness: str
    elements: tuple[ElementInput, ...]
    rules: tuple[str, ...] = ()
    note: str = ""  # why the elements are not assessed, if they are not


@dataclass(frozen=True, slots=True)
class DefendantInput:
    name: str
    role: str | None
    charges: tuple[ChargeInput, ...]


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    cite: str


@dataclass(frozen=True, slots=True)
class ElementTheory:
    label: str
    required: bool
    status: str
    status_text: str
    sources: int
    quotes: tuple[Quote, ...]
    waived_by: str | None


@dataclass(frozen=True, slots=True)
class ChargeTheory:
    citation: str
    title: str
    status: str
    readiness: str
    weak: tuple[str, ...]
    elements: tuple[ElementTheory, ...]
    rules: tuple[str, ...]
    note: str = ""

    @property
    def weak_short(self) -> list[str]:
        """``label (1 source)``: the weak elements in a few words, for the brief."""
        return [
            f"{el.label} ({WEAK_SHORT[el.status]})"
            for el in self.elements
            if el.required and el.status in WEAK_SHORT
        ]

    @property
    def weak_items(self) -> list[tuple[str, str]]:
        """(label, ``1 source``) of each weak element, for the brief to shorten."""
        return [
            (el.label, WEAK_SHORT[el.status])
            for el in self.elements
            if el.required and el.status in WEAK_SHORT
        ]

    @property
    def proved(self) -> int:
        return sum(1 for el in self.elements if el.status in ("proved", "waived"))


@dataclass(frozen=True, slots=True)
class DefendantTheory:
    name: str
    role: str | None
    charges: tuple[ChargeTheory, ...]

    @property
    def weak(self) -> list[str]:
        return [f"{c.citation}: {w}" for c in self.charges for w in c.weak]


def strongest(evidence: Iterable[Evidence], limit: int = EVIDENCE_PER_ELEMENT) -> list[Quote]:
    """One quote per independent source, those with a place to cite first."""
    ranked = sorted(
        (e for e in evidence if e.quote.strip()),
        key=lambda e: (not citation(e.file, e.locator), (e.locator or "").startswith("row")),
    )
    out: list[Quote] = []
    seen: set[str] = set()
    for e in ranked:
        if e.source_id in seen:
            continue
        seen.add(e.source_id)
        out.append(Quote(short(e.quote), citation(e.file, e.locator) or "note in the case file"))
        if len(out) == limit:
            break
    return out


def _charge(charge: ChargeInput) -> ChargeTheory:
    weak = tuple(
        f"{el.label}: {WEAK[el.status]}"
        for el in charge.elements
        if el.required and el.status in WEAK
    )
    return ChargeTheory(
        citation=charge.citation,
        title=charge.title,
        status=charge.status,
        readiness=charge.readiness,
        weak=weak,
        elements=tuple(
            ElementTheory(
                label=el.label,
                required=el.required,
                status=el.status,
                status_text=STATUS_TEXT.get(el.status, el.status.replace("_", " ")),
                sources=el.source_count,
                quotes=tuple(strongest(el.confirmed)),
                waived_by=el.waived_by,
            )
            for el in charge.elements
            if el.required or el.confirmed
        ),
        rules=charge.rules,
        note=charge.note,
    )


def theory_of_the_case(defendants: Iterable[DefendantInput]) -> list[DefendantTheory]:
    """Per defendant with a charge filed, the theory of each filed charge. Before any
    charge is filed (a memo for the charging decision), per suspect the theory of each
    statute under consideration, whose status says so."""
    people = list(defendants)
    charged = [
        DefendantTheory(
            d.name, d.role, tuple(_charge(c) for c in d.charges if c.status == "charged")
        )
        for d in people
        if any(c.status == "charged" for c in d.charges)
    ]
    if charged:
        return charged
    return [
        DefendantTheory(d.name, d.role, tuple(_charge(c) for c in d.charges))
        for d in people
        if d.charges
    ]


def weak_across(defendants: Iterable[DefendantTheory]) -> list[tuple[str, str, int]]:
    """(element, ``1 source``, how many defendants) for each weak element of any charge,
    most widespread first: the brief's one line on what is at risk."""
    counts: dict[tuple[str, str], set[str]] = {}
    for d in defendants:
        for c in d.charges:
            for label, status in c.weak_items:
                counts.setdefault((label, status), set()).add(d.name)
    return sorted(
        ((label, status, len(names)) for (label, status), names in counts.items()),
        key=lambda row: (-row[2], row[0]),
    )
