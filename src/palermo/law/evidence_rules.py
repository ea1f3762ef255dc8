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
- ``<party>.hours_to_payment``: hours from the item to the next payment that person
  made to a suspect (missing when there is none afterwards)
- ``<party>.contacted_advert``: true when that person called or messaged a number
  listed in a commercial-sex advertisement (a contact item whose field
  ``target_advertised`` is true)
- ``<party>.concepts``: the concepts of the facts already held against that person
  (given by the caller as ``known``; empty otherwise)
- ``first_contact``: true when the record is the earliest call or message
  between its ``source`` and ``target`` persons (either direction)
- anything else: a key (dotted for nesting) of ``EvidenceItem.fields``

Operators: ``eq``, ``ne``, ``in``, ``not_in``, ``lt``, ``le``, ``gt``, ``ge``,
``exists``, ``contains_any`` (case-insensitive substrings), ``has_any`` (a list
field holds one of the values; ``means.*`` matches every ``means.`` concept), and
``lt_field`` / ``gt_field`` (compare with another field path).

Item kinds besides records: the caller may also pass ``own_words`` items (what a
suspect wrote or said: fields ``concepts``, ``indicators``, ``text``; parties
``speaker``, ``recipient``, ``victim``) and ``contact_series`` items (all calls and
messages between two people: fields ``contacts``, ``days``, ``near_events``), so
that rules about state of mind and agreement read like the others.
"""

from __future__ import annotations

import operator
from bisect import bisect_left
from collections import defaultdict
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
    "has_any", "lt_field", "gt_field",
)  # fmt: skip
# Per-person fields a rule may read as ``<party>.<name>``.
_PERSON_FIELDS = (
    "role", "key", "first_travel_at", "hours_to_payment", "contacted_advert", "concepts",
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
    # The status of facts from this item when it rests on a person's decision (an
    # assertion confirmed by a reviewer); None: the rule's status.
    status: str | None = None


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
    has_any: list[str] | None = None
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
    # Indicators that mark a page as a commercial-sex advertisement: the phone numbers
    # on such a page are "advertised numbers" (field ``target_advertised``).
    advert_indicators: list[str] = Field(default_factory=list)
    # A contact between two people counts as "near" a victim's trip or a payment into
    # the venture when it is this close in time (field ``near_events``).
    event_window_hours: float = Field(default=24, gt=0)
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
        if head in item.parties and tail in _PERSON_FIELDS:
            key = item.parties[head]
            if tail == "key":
                return key
            if tail == "role":
                return self.ctx.roles.get(key, _MISSING)
            if tail == "first_travel_at":
                return self.ctx.first_travel.get(key, _MISSING)
            if tail == "hours_to_payment":
                return self.ctx.hours_to_payment(key, item.occurred_at)
            if tail == "contacted_advert":
                return key in self.ctx.contacted_advert
            return sorted(self.ctx.known.get(key, ()))
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
    paid_suspect: dict[str, list[datetime]] = field(default_factory=dict)  # sorted
    contacted_advert: set[str] = field(default_factory=set)
    known: Mapping[str, Iterable[str]] = field(default_factory=dict)

    def hours_to_payment(self, person: str, at: datetime | None) -> Any:
        times = self.paid_suspect.get(person)
        if not times or at is None:
            return _MISSING
        i = bisect_left(times, at)
        return (times[i] - at).total_seconds() / 3600 if i < len(times) else _MISSING


def _has_any(value: Any, wanted: list[Any]) -> bool:
    values = value if isinstance(value, list | tuple | set | frozenset) else [value]
    for w in wanted:
        if isinstance(w, str) and w.endswith(".*"):
            prefix = w[:-1]
            if any(isinstance(v, str) and v.startswith(prefix) for v in values):
                return True
        elif w in values:
            return True
    return False


def _holds(cond: tuple[str, str, Any], view: _View) -> bool:
    path, op, arg = cond
    value = view.get(path)
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
        if op == "has_any":
            return _has_any(value, arg)
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


def _context(
    items: list[EvidenceItem],
    roles: Mapping[str, str],
    rs: RuleSet,
    known: Mapping[str, Iterable[str]],
) -> _Context:
    contact_kinds = set(rs.contact_kinds)
    travel_kinds = set(rs.travel_kinds)
    first_pair: dict[frozenset[str], tuple[datetime, str]] = {}
    first_travel: dict[str, datetime] = {}
    paid: dict[str, list[datetime]] = defaultdict(list)
    advert: set[str] = set()
    for it in items:
        if it.kind in contact_kinds and it.fields.get("target_advertised") is True:
            caller = it.parties.get("source")
            if caller:
                advert.add(caller)
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
        if it.kind == "payment":
            payer, payee = it.parties.get("source"), it.parties.get("target")
            if payer and payee and payer != payee and roles.get(payee) == "suspect":
                paid[payer].append(it.occurred_at)
    for times in paid.values():
        times.sort()
    return _Context(
        roles, {i for _, i in first_pair.values()}, first_travel, dict(paid), advert, known
    )


_Compiled = list[tuple[EvidenceRule, tuple[tuple[str, str, Any], ...]]]


def _rules_by_kind(rs: RuleSet) -> tuple[dict[str, _Compiled], _Compiled]:
    """The rules, with their conditions as (field, operator, operand), that can hold for
    each item kind (a rule with a condition ``kind: eq`` or ``kind: in`` holds only for
    those kinds), in file order; and those for any other kind."""
    compiled: _Compiled = []
    kinds: list[set[str] | None] = []
    for rule in rs.rules:
        allowed: set[str] | None = None
        conds = []
        for c in rule.when:
            op = c.op
            conds.append((c.field, op, c.operand))
            if c.field == "kind" and op in ("eq", "in"):
                values = {c.eq} if op == "eq" else set(c.in_ or ())
                allowed = values if allowed is None else allowed & values
        compiled.append((rule, tuple(conds)))
        kinds.append(allowed)
    named = {k for allowed in kinds if allowed for k in allowed}
    any_kind = [rc for rc, allowed in zip(compiled, kinds, strict=True) if allowed is None]
    by_kind = {
        k: [
            rc
            for rc, allowed in zip(compiled, kinds, strict=True)
            if allowed is None or k in allowed
        ]
        for k in named
    }
    return by_kind, any_kind


def apply_evidence_rules(
    items: Iterable[EvidenceItem],
    roles: Mapping[str, str],
    rules: RuleSet | None = None,
    known: Mapping[str, Iterable[str]] | None = None,
) -> list[Fact]:
    """Facts suggested by the rules for these items.

    ``roles`` maps person key -> role in the case (``victim``, ``suspect``,
    ``witness``, ...); ``known`` maps person key -> concepts of the facts already
    held against that person (read by rules as ``<party>.concepts``). Each matching
    (rule, item) gives one :class:`Fact` with the item's source and provenance,
    ``origin="machine"`` and the rule's status (``suggested`` unless the rule says
    otherwise), or the item's own status when it rests on a person's decision.
    """
    rs = rules or load_evidence_rules()
    materialised = list(items)
    ctx = _context(materialised, roles, rs, known or {})
    by_kind, any_kind = _rules_by_kind(rs)
    out: list[Fact] = []
    for it in materialised:
        view = _View(it, ctx)
        for rule, conds in by_kind.get(it.kind, any_kind):
            if not all(_holds(c, view) for c in conds):
                continue
            e = rule.emit
            out.append(
                Fact(
                    id=f"{it.id}#{rule.id}",
                    concept=e.concept,
                    suspect=it.parties.get(e.suspect) if e.suspect else None,
                    victim=it.parties.get(e.victim) if e.victim else None,
                    status=it.status or e.status,
                    source_id=it.source_id,
                    source_kind=it.source_kind,
                    quote=it.quote or rule.description,
                    locator=it.locator,
                    evidence_file=it.evidence_file,
                    origin="machine",
                )
            )
    return out
