"""Evidence-to-element rules: structured records become suggested facts.

Rules live in ``evidence_rules.yaml``; each has a list of conditions (all must
hold) on the fields of an :class:`EvidenceItem`, and says which concept it
suggests and which of the item's parties is the suspect and the victim. One
generic interpreter evaluates them; there is no code per rule.

Field paths a condition may read:

- ``kind``, ``source_kind``, ``source_id``, ``occurred_at``
- ``<party>.role`` / ``<party>.key``: the person in that party slot of the
  record (``source``, ``target``, ``payer``, ``traveller``, ``subject``,
  ``holder``, ...) and their role in the case (``victim``, ``suspect``, ...)
- ``<party>.first_travel_at``: the first travel record of that person
- ``first_contact``: true when the record is the earliest call or message
  between its ``source`` and ``target`` persons (either direction)
- anything else: a key (dotted for nesting) of ``EvidenceItem.fields``

Operators: ``eq``, ``ne``, ``in``, ``not_in``, ``lt``, ``le``, ``gt``, ``ge``,
``exists``, ``contains_any`` (case-insensitive substrings), and ``lt_field`` /
``gt_field`` (compare with another field path).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from palermo.law.concepts import Concept, LawDataError, load_concepts, pydantic_key, read_yaml
from palermo.law.facts import Fact

RULES_PATH = Path(__file__).parent / "evidence_rules.yaml"
_OPS = (
    "eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "exists", "contains_any",
    "lt_field", "gt_field",
)  # fmt: skip


class EvidenceRuleError(LawDataError):
    """``evidence_rules.yaml`` is invalid; ``file`` and ``key`` say where."""


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """A record or assertion, with its parties resolved to person keys.

    ``parties`` maps the slot in the record (source, target, payer, traveller,
    subject, holder) to a person key; ``fields`` holds the rest (amount,
    predicate, value, channel, counterparty_category, attrs, ...).
    """

    id: str
    kind: str
    source_id: str
    source_kind: str
    occurred_at: datetime | None = None
    parties: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)
    quote: str | None = None
    locator: str | None = None
    evidence_file: str | None = None


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    eq: Any = None
    ne: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    lt: Any = None
    le: Any = None
    gt: Any = None
    ge: Any = None
    exists: bool | None = None
    contains_any: list[str] | None = None
    lt_field: str | None = None
    gt_field: str | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        ops = [op for op in _OPS if getattr(self, "in_" if op == "in" else op) is not None]
        if len(ops) != 1:
            raise ValueError(f"give exactly one operator of {', '.join(_OPS)}")
        return self

    @property
    def op(self) -> str:
        return next(op for op in _OPS if getattr(self, "in_" if op == "in" else op) is not None)

    @property
    def operand(self) -> Any:
        return getattr(self, "in_" if self.op == "in" else self.op)


class Emit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    concept: str
    suspect: str | None = None  # party slot holding the suspect
    victim: str | None = None  # party slot holding the victim
    status: str = "suggested"


class EvidenceRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    description: str
    when: list[Condition] = Field(min_length=1)
    emit: Emit


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    contact_kinds: list[str]
    travel_kinds: list[str]
    rules: list[EvidenceRule]


def load_evidence_rules(
    path: Path | None = None, concepts: dict[str, Concept] | None = None
) -> RuleSet:
    """Load and validate the rule file (cached for the shipped file)."""
    if path is None and concepts is None:
        return _default_rules()
    return _load(path or RULES_PATH, concepts or load_concepts())


@lru_cache(maxsize=1)
def _default_rules() -> RuleSet:
    return _load(RULES_PATH, load_concepts())


def _load(path: Path, concepts: dict[str, Concept]) -> RuleSet:
    try:
        rs = RuleSet.model_validate(read_yaml(path, EvidenceRuleError))
    except ValidationError as exc:
        raise EvidenceRuleError(path, *pydantic_key(exc)) from exc
    seen: set[str] = set()
    for rule in rs.rules:
        if rule.id in seen:
            raise EvidenceRuleError(path, f"rules[{rule.id}].id", f"duplicate id {rule.id!r}")
        seen.add(rule.id)
        if rule.emit.concept not in concepts:
            raise EvidenceRuleError(
                path, f"rules[{rule.id}].emit.concept", f"unknown concept {rule.emit.concept!r}"
            )
        if rule.emit.status not in ("suggested", "confirmed"):
            raise EvidenceRuleError(path, f"rules[{rule.id}].emit.status", "suggested or confirmed")
    return rs


_MISSING = object()
_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
}  # fmt: skip


class _View:
    """Reads field paths of one item against the case context."""

    __slots__ = ("ctx", "item")

    def __init__(self, item: EvidenceItem, ctx: _Context) -> None:
        self.item = item
        self.ctx = ctx

    def get(self, path: str) -> Any:
        item = self.item
        if path in ("kind", "source_kind", "source_id", "occurred_at"):
            return getattr(item, path)
        if path == "first_contact":
            return item.id in self.ctx.first_contacts
        head, _, tail = path.partition(".")
        if head in item.parties and tail in ("role", "key", "first_travel_at"):
            key = item.parties[head]
            if tail == "key":
                return key
            if tail == "role":
                return self.ctx.roles.get(key, _MISSING)
            return self.ctx.first_travel.get(key, _MISSING)
        value: Any = item.fields
        for part in path.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return _MISSING
            value = value[part]
        return value


@dataclass(slots=True)
class _Context:
    roles: Mapping[str, str]
    first_contacts: set[str]
    first_travel: dict[str, datetime]


def _holds(cond: Condition, view: _View) -> bool:
    value = view.get(cond.field)
    op, arg = cond.op, cond.operand
    if op == "exists":
        return (value is not _MISSING and value is not None) == arg
    if value is _MISSING or value is None:
        return op in ("ne", "not_in")
    try:
        if op == "eq":
            return bool(value == arg)
        if op == "ne":
            return bool(value != arg)
        if op == "in":
            return value in arg
        if op == "not_in":
            return value not in arg
        if op == "contains_any":
            text = " ".join(value) if isinstance(value, list | tuple) else str(value)
            low = text.lower()
            return any(needle.lower() in low for needle in arg)
        if op in ("lt_field", "gt_field"):
            other = view.get(arg)
            if other is _MISSING or other is None:
                return False
            return bool(value < other if op == "lt_field" else value > other)
        return _CMP[op](value, arg)
    except TypeError:
        # Comparing incomparable values (e.g. text with a number) is simply false.
        return False


def _context(items: list[EvidenceItem], roles: Mapping[str, str], rs: RuleSet) -> _Context:
    contact_kinds = set(rs.contact_kinds)
    travel_kinds = set(rs.travel_kinds)
    first_pair: dict[frozenset[str], tuple[datetime, str]] = {}
    first_travel: dict[str, datetime] = {}
    for it in items:
        if it.occurred_at is None:
            continue
        if it.kind in contact_kinds:
            a, b = it.parties.get("source"), it.parties.get("target")
            if a and b:
                pair = frozenset((a, b))
                best = first_pair.get(pair)
                if best is None or it.occurred_at < best[0]:
                    first_pair[pair] = (it.occurred_at, it.id)
        if it.kind in travel_kinds:
            who = it.parties.get("traveller")
            if who and (who not in first_travel or it.occurred_at < first_travel[who]):
                first_travel[who] = it.occurred_at
    return _Context(roles, {i for _, i in first_pair.values()}, first_travel)


def apply_evidence_rules(
    items: Iterable[EvidenceItem],
    roles: Mapping[str, str],
    rules: RuleSet | None = None,
) -> list[Fact]:
    """Facts suggested by the rules for these items.

    ``roles`` maps person key -> role in the case (``victim``, ``suspect``,
    ``witness``, ...). Each matching (rule, item) gives one :class:`Fact`
    with the item's source and provenance, ``origin="machine"`` and the
    rule's status (``suggested`` unless the rule says otherwise).
    """
    rs = rules or load_evidence_rules()
    materialised = list(items)
    ctx = _context(materialised, roles, rs)
    out: list[Fact] = []
    for it in materialised:
        view = _View(it, ctx)
        for rule in rs.rules:
            if not all(_holds(c, view) for c in rule.when):
                continue
            e = rule.emit
            out.append(
                Fact(
                    id=f"{it.id}#{rule.id}",
                    concept=e.concept,
                    suspect=it.parties.get(e.suspect) if e.suspect else None,
                    victim=it.parties.get(e.victim) if e.victim else None,
                    status=e.status,
                    source_id=it.source_id,
                    source_kind=it.source_kind,
                    quote=it.quote or rule.description,
                    locator=it.locator,
                    evidence_file=it.evidence_file,
                    origin="machine",
                )
            )
    return out
