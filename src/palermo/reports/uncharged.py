"""Other culpable parties not charged, and what would be needed to charge them.

Pure code over plain values. Two kinds of people: suspects with no charge filed while
others are charged (their elements are assessed like everyone's), and people the network
analysis gives a culpable role who are not recorded as suspects (their role's evidence
meets some elements of the case's main statute). For each: the elements already
supported, and per missing or weak required element the evidence that would close it
(from the gap advice, by the kind of source).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SUPPORTED = ("proved", "single_source", "waived", "role")
STATUS_TEXT = {
    "proved": "proved",
    "single_source": "one source",
    "waived": "not needed",
    "role": "shown by the role's evidence (machine suggestion)",
    "supported_if_confirmed": "unreviewed suggestions only",
    "missing": "no evidence",
}


@dataclass(frozen=True, slots=True)
class ElementNeed:
    label: str
    required: bool
    status: str  # proved | single_source | waived | role | supported_if_confirmed | missing
    sources: int
    seek: tuple[str, ...]  # what would close it, if weak or missing


@dataclass(frozen=True, slots=True)
class StatuteElement:
    """An element of a statute as the law data defines it, with the gap advice of its
    concepts."""

    label: str
    required: bool
    satisfied_by: tuple[str, ...]
    seek: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnchargedInput:
    name: str
    kind: str
    roles: tuple[str, ...]
    statute: str  # citation of the statute the elements are of ("" if none)
    elements: tuple[ElementNeed, ...]
    why: str = ""
    evidence: tuple[str, ...] = ()
    score: float = 0.0  # the best role score, 0 without a role


@dataclass(frozen=True, slots=True)
class UnchargedEntry:
    name: str
    kind: str
    roles: tuple[str, ...]
    statute: str
    supported: tuple[str, ...]  # "Means: proved (3 sources)"
    needed: tuple[tuple[str, str, tuple[str, ...]], ...]  # (element, status text, seek)
    why: str
    evidence: tuple[str, ...]
    score: float = 0.0

    @property
    def chargeable(self) -> bool:
        """Every required element supported by confirmed evidence already."""
        return not self.needed and bool(self.supported)


def elements_from_role(
    concepts: Iterable[str], statute: Sequence[StatuteElement]
) -> tuple[ElementNeed, ...]:
    """The statute's elements as a role's evidence meets them: an element whose concepts
    the role shows is supported (by a suggestion), the other required ones are missing."""
    have = set(concepts)
    out = []
    for el in statute:
        met = have.intersection(el.satisfied_by)
        if met:
            out.append(ElementNeed(el.label, el.required, "role", 0, ()))
        elif el.required:
            out.append(ElementNeed(el.label, True, "missing", 0, el.seek))
    return tuple(out)


def _supported(el: ElementNeed) -> str:
    text = STATUS_TEXT.get(el.status, el.status.replace("_", " "))
    if el.sources and el.status in ("proved", "single_source"):
        text += f", {el.sources} source{'s' if el.sources != 1 else ''}"
    return f"{el.label}: {text}"


def uncharged_parties(people: Iterable[UnchargedInput]) -> list[UnchargedEntry]:
    """Per person the supported elements and what is needed: recorded suspects first, then
    by role score, then nearest to a charge."""
    out = []
    for p in people:
        supported = tuple(_supported(el) for el in p.elements if el.status in SUPPORTED)
        needed = tuple(
            (el.label, STATUS_TEXT.get(el.status, el.status.replace("_", " ")), el.seek)
            for el in p.elements
            if el.required and el.status not in SUPPORTED
        )
        out.append(
            UnchargedEntry(
                p.name, p.kind, p.roles, p.statute, supported, needed, p.why, p.evidence, p.score
            )
        )
    # Recorded suspects first, then the strongest roles, then the nearest to a charge.
    out.sort(
        key=lambda e: (e.kind != "suspect", -e.score, len(e.needed), -len(e.supported), e.name)
    )
    return out
