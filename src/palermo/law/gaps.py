"""Gap advice: what corroborating evidence to seek for a weak element.

The advice is data (``gap_advice.yaml``): per concept, and per element kind as
a fallback, a list of (source kind, what to look for). For an element that is
missing, rests on one source, or only on suggestions, :func:`gaps_for`
produces a :class:`Gap` with plain advice that never asks for the kind of
evidence the element already rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from palermo.law.concepts import Concept, LawDataError, load_concepts, pydantic_key, read_yaml
from palermo.law.engine import ElementResult, ElementStatus, StatuteAssessment
from palermo.law.statutes import ELEMENT_KINDS

ADVICE_PATH = Path(__file__).parent / "gap_advice.yaml"
MAX_ITEMS = 4
_GAP_STATUSES = (
    ElementStatus.MISSING,
    ElementStatus.SINGLE_SOURCE,
    ElementStatus.SUPPORTED_IF_CONFIRMED,
)


class AdviceItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    seek: str


class GapAdvice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source_kinds: dict[str, str]
    by_concept: dict[str, list[AdviceItem]]
    by_kind: dict[str, list[AdviceItem]]

    def items_for(self, result: ElementResult) -> list[AdviceItem]:
        """Advice for an element: its confirmed concepts first, then the rest, then the kind."""
        order = list(result.concepts_confirmed) + [
            c for c in result.satisfied_by if c not in result.concepts_confirmed
        ]
        have = set(result.source_kinds)
        out: list[AdviceItem] = []
        seen: set[str] = set()
        specific = [self.by_concept[c] for c in order if c in self.by_concept]
        # The generic advice of the element kind only when no concept has its own.
        for items in specific or [self.by_kind.get(result.kind, [])]:
            for item in items:
                if item.kind in have or item.seek in seen:
                    continue
                seen.add(item.seek)
                out.append(item)
        return out[:MAX_ITEMS]


@dataclass(frozen=True, slots=True)
class Gap:
    """A weak element of a charge and the evidence that would close it."""

    suspect: str
    statute_id: str
    element_id: str
    kind: str
    status: ElementStatus
    required: bool
    have: tuple[str, ...]  # source kinds the element rests on now
    seek: tuple[AdviceItem, ...]
    advice: str


def load_gap_advice(
    path: Path | None = None, concepts: dict[str, Concept] | None = None
) -> GapAdvice:
    """Load and validate ``gap_advice.yaml`` (cached for the shipped file)."""
    if path is None and concepts is None:
        return _default_advice()
    return _load(path or ADVICE_PATH, concepts or load_concepts())


@lru_cache(maxsize=1)
def _default_advice() -> GapAdvice:
    return _load(ADVICE_PATH, load_concepts())


def _load(path: Path, concepts: dict[str, Concept]) -> GapAdvice:
    try:
        advice = GapAdvice.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise LawDataError(path, *pydantic_key(exc)) from exc
    for cid, items in advice.by_concept.items():
        if cid not in concepts:
            raise LawDataError(path, f"by_concept.{cid}", f"unknown concept {cid!r}")
        _check_kinds(path, f"by_concept.{cid}", items, advice)
    for kind, items in advice.by_kind.items():
        if kind not in ELEMENT_KINDS:
            raise LawDataError(path, f"by_kind.{kind}", f"unknown element kind {kind!r}")
        _check_kinds(path, f"by_kind.{kind}", items, advice)
    return advice


def _check_kinds(path: Path, key: str, items: list[AdviceItem], advice: GapAdvice) -> None:
    for i, item in enumerate(items):
        if item.kind not in advice.source_kinds:
            raise LawDataError(path, f"{key}[{i}].kind", f"unknown source kind {item.kind!r}")


def _kind_label(kind: str) -> str:
    return {"mental_state": "mental state", "jurisdictional": "jurisdiction"}.get(kind, kind)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def gap_for(
    result: ElementResult,
    suspect: str,
    statute_id: str,
    advice: GapAdvice,
    concepts: dict[str, Concept],
) -> Gap | None:
    """The gap for one element, or None when the element is proved or waived."""
    if result.status not in _GAP_STATUSES:
        return None
    items = advice.items_for(result)
    look = _join([i.seek for i in items])
    kind = _kind_label(result.kind)
    if result.status == ElementStatus.SINGLE_SOURCE:
        what = " and ".join(
            concepts[c].label.lower() if c in concepts else c for c in result.concepts_confirmed
        )
        have = _join([advice.source_kinds.get(k, k) for k in result.source_kinds])
        text = f"{kind}: {what} rests only on {have}"
    elif result.status == ElementStatus.SUPPORTED_IF_CONFIRMED:
        n = len(result.suggested)
        text = (
            f"{kind}: {result.label.lower()} rests only on {n} unconfirmed "
            f"suggestion{'s' if n != 1 else ''}; review {'them' if n != 1 else 'it'}"
        )
    else:
        text = f"{kind}: no evidence yet of {result.label.lower()}"
    if look:
        text += f"; look for {look}"
    return Gap(
        suspect=suspect,
        statute_id=statute_id,
        element_id=result.element_id,
        kind=result.kind,
        status=result.status,
        required=result.required,
        have=result.source_kinds,
        seek=tuple(items),
        advice=text + ".",
    )


def gaps_for(
    assessment: StatuteAssessment,
    advice: GapAdvice | None = None,
    concepts: dict[str, Concept] | None = None,
    required_only: bool = True,
) -> list[Gap]:
    """Gaps of one suspect x statute, in element order (optional elements skipped by default)."""
    advice = advice or load_gap_advice()
    concepts = concepts or load_concepts()
    out: list[Gap] = []
    for res in assessment.elements:
        if required_only and not res.required:
            continue
        gap = gap_for(res, assessment.suspect, assessment.statute_id, advice, concepts)
        if gap is not None:
            out.append(gap)
    return out
