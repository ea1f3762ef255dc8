"""Statutes as data: one YAML file per instrument under ``law/statutes/``.

A file holds instrument metadata (id, jurisdiction, the case jurisdictions it
applies to) and one or more offences ("statutes", e.g. ``us-18-1589``), each
with its elements grouped by kind, the rules that change what must be proved,
penalty ranges and related or lesser offences. Adding a jurisdiction is adding
a file. Loading validates everything and raises :class:`StatuteError` naming
the file and the key at fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from palermo.law.concepts import Concept, LawDataError, load_concepts, pydantic_key, read_yaml

STATUTES_DIR = Path(__file__).parent / "statutes"

ElementKind = Literal[
    "act", "means", "purpose", "mental_state", "jurisdictional", "benefit", "aggravating"
]
ELEMENT_KINDS: tuple[str, ...] = get_args(ElementKind)
Jurisdiction = Literal["INTL", "US", "UK", "EU"]
RuleKind = Literal["waiver", "consent_irrelevant", "venture_benefit", "note"]


class StatuteError(LawDataError):
    """A statute file is invalid; ``file`` and ``key`` say where."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Element(_Model):
    """One element of an offence; any concept in ``satisfied_by`` satisfies it."""

    id: str
    kind: ElementKind
    label: str
    description: str
    satisfied_by: list[str] = Field(min_length=1)
    required: bool = True
    # "venture": facts about any suspect in the case count (the venture's conduct,
    # US 1589(b)/1591(a)(2)); "suspect": only facts about this suspect.
    scope: Literal["suspect", "venture"] = "suspect"
    notes: str | None = None


class Trigger(_Model):
    """When a rule applies. Exactly one of the three conditions is set."""

    # A concept that holds for a victim linked to the suspect (e.g. victim.minor).
    victim_concept: str | None = None
    # An element of this statute that is shown by confirmed evidence.
    element_shown: str | None = None
    always: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> Trigger:
        n = sum([self.victim_concept is not None, self.element_shown is not None, self.always])
        if n != 1:
            raise ValueError("set exactly one of victim_concept, element_shown, always")
        return self


class Rule(_Model):
    """A rule that changes what must be proved (waiver) or how to read the evidence.

    ``explanation`` is a template; ``{victims}`` is replaced by the victim keys
    that triggered the rule and ``{element}`` by the triggering element label.
    """

    id: str
    kind: RuleKind
    when: Trigger
    waives: list[str] = Field(default_factory=list)
    # venture_benefit: the elements that must be shown (the benefit).
    requires: list[str] = Field(default_factory=list)
    citation: str
    explanation: str
    notes: str | None = None

    @model_validator(mode="after")
    def _waiver_has_targets(self) -> Rule:
        if self.kind == "waiver" and not self.waives:
            raise ValueError("a waiver must list the element ids it waives in 'waives'")
        if self.kind != "waiver" and self.waives:
            raise ValueError("only a rule of kind 'waiver' may waive elements")
        if self.kind == "venture_benefit" and not self.requires:
            raise ValueError("a venture_benefit rule must list the benefit element in 'requires'")
        return self


class Penalty(_Model):
    """A sentencing range in months; ``when`` lists the aggravating concepts that trigger it."""

    id: str
    label: str
    min_months: int = Field(default=0, ge=0)
    max_months: int | None = Field(default=None, ge=0)
    life: bool = False
    # EU directives set the floor of the maximum a Member State must provide.
    max_at_least: bool = False
    # Attempt and some conspiracies are punished as the completed offence.
    same_as_offence: bool = False
    when: list[str] = Field(default_factory=list)
    notes: str | None = None

    @model_validator(mode="after")
    def _range(self) -> Penalty:
        if self.max_months is None and not self.life and not self.same_as_offence:
            raise ValueError("give max_months, life: true or same_as_offence: true")
        if self.max_months is not None and self.max_months < self.min_months:
            raise ValueError("max_months is below min_months")
        return self


class RelatedRef(_Model):
    id: str
    note: str


class RelatedOffence(_Model):
    """An offence that is not trafficking but may fit the facts (smuggling, pimping, wages)."""

    id: str
    title: str
    citation: str
    note: str
    notes: str | None = None


class RestitutionComponent(_Model):
    id: str
    label: str
    description: str
    includes: list[str] = Field(default_factory=list)


class Restitution(_Model):
    """Restitution rule read by the money engine (e.g. 18 U.S.C. 1593)."""

    mandatory: bool
    measure: Literal["greater_of", "sum_of"]
    components: list[RestitutionComponent] = Field(min_length=1)
    also_includes: list[str] = Field(default_factory=list)
    parameters: dict[str, float] = Field(default_factory=dict)
    citation: str
    notes: str | None = None


class Statute(_Model):
    """One offence (or remedy section) of an instrument.

    ``instrument`` and ``jurisdiction`` are filled in from the file's header.
    ``offence`` is false for remedy-only sections (e.g. restitution), which have
    no elements and are never assessed.
    """

    id: str
    instrument: str
    jurisdiction: Jurisdiction
    title: str
    citation: str
    offence: bool = True
    elements: list[Element] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    penalties: list[Penalty] = Field(default_factory=list)
    related: list[RelatedRef] = Field(default_factory=list)
    restitution: Restitution | None = None
    remedies: list[str] = Field(default_factory=list)
    notes: str | None = None

    def element(self, element_id: str) -> Element:
        for el in self.elements:
            if el.id == element_id:
                return el
        raise KeyError(f"{self.id} has no element {element_id!r}")

    def elements_of(self, kind: str) -> list[Element]:
        return [el for el in self.elements if el.kind == kind]


class Instrument(_Model):
    id: str
    jurisdiction: Jurisdiction
    title: str
    source: str
    applies_to: list[str] = Field(min_length=1)
    notes: str | None = None
    file: str


def _fits(applies_to: list[str], case_jurisdiction: str) -> bool:
    code = case_jurisdiction.strip().upper()
    for pattern in applies_to:
        p = pattern.upper()
        if p == "*" or p == code or (p.endswith("*") and code.startswith(p[:-1])):
            return True
    return False


class StatuteBook:
    """All loaded statutes, with lookups. Immutable once built."""

    def __init__(
        self,
        statutes: dict[str, Statute],
        instruments: dict[str, Instrument],
        related: dict[str, RelatedOffence],
    ) -> None:
        self._statutes = statutes
        self.instruments = instruments
        self.related_offences = related

    def __iter__(self) -> Iterator[Statute]:
        return iter(self._statutes.values())

    def __len__(self) -> int:
        return len(self._statutes)

    def __contains__(self, statute_id: object) -> bool:
        return statute_id in self._statutes

    def ids(self) -> list[str]:
        return list(self._statutes)

    def get(self, statute_id: str) -> Statute:
        try:
            return self._statutes[statute_id]
        except KeyError:
            raise KeyError(f"unknown statute {statute_id!r}") from None

    def by_jurisdiction(self, jurisdiction: str, offences_only: bool = True) -> list[Statute]:
        """Statutes of one instrument jurisdiction (INTL, US, UK, EU)."""
        j = jurisdiction.upper()
        return [
            s
            for s in self._statutes.values()
            if s.jurisdiction == j and (s.offence or not offences_only)
        ]

    def for_case(self, case_jurisdiction: str) -> list[Statute]:
        """Offences whose instrument applies to a case in ``case_jurisdiction`` ("US", "DE")."""
        return [
            s
            for s in self._statutes.values()
            if s.offence and _fits(self.instruments[s.instrument].applies_to, case_jurisdiction)
        ]

    def jurisdiction_warning(self, statute_id: str, case_jurisdiction: str | None) -> str | None:
        """A warning when a statute does not fit the case's jurisdiction, else None.

        Picking such a statute is allowed (e.g. to compare with a partner
        country), but the user should see the warning.
        """
        statute = self.get(statute_id)
        if not case_jurisdiction:
            return None
        instrument = self.instruments[statute.instrument]
        if _fits(instrument.applies_to, case_jurisdiction):
            return None
        return (
            f"{statute.citation} ({instrument.title}) applies to "
            f"{', '.join(instrument.applies_to[:6])}"
            f"{', ...' if len(instrument.applies_to) > 6 else ''}; "
            f"this case's jurisdiction is {case_jurisdiction}."
        )


def load_statutes(
    path: Path | str | None = None, concepts: dict[str, Concept] | None = None
) -> StatuteBook:
    """Load and validate statute files: a directory of ``*.yaml`` or one file.

    With no arguments the shipped statutes are loaded once and cached.
    Raises :class:`StatuteError` (``file``, ``key``) on any problem.
    """
    if path is None and concepts is None:
        return _default_book()
    return _load(Path(path) if path is not None else STATUTES_DIR, concepts or load_concepts())


@lru_cache(maxsize=1)
def _default_book() -> StatuteBook:
    return _load(STATUTES_DIR, load_concepts())


def jurisdiction_warning(statute_id: str, case_jurisdiction: str | None) -> str | None:
    """See :meth:`StatuteBook.jurisdiction_warning` (on the shipped statutes)."""
    return load_statutes().jurisdiction_warning(statute_id, case_jurisdiction)


_HEADER_KEYS = {"instrument", "jurisdiction", "title", "source", "applies_to", "notes"}


def _load(path: Path, concepts: dict[str, Concept]) -> StatuteBook:
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise StatuteError(path, "(directory)", "no statute files (*.yaml) found")
    statutes: dict[str, Statute] = {}
    where: dict[str, Path] = {}  # any id -> the file that defined it
    instruments: dict[str, Instrument] = {}
    related: dict[str, RelatedOffence] = {}
    pending_refs: list[tuple[Path, str, str]] = []  # (file, key, referenced id)

    for file in files:
        data = read_yaml(file, StatuteError)
        unknown = set(data) - _HEADER_KEYS - {"statutes", "related_offences"}
        if unknown:
            raise StatuteError(file, sorted(unknown)[0], "unknown top-level key")
        try:
            header = {k: v for k, v in data.items() if k in _HEADER_KEYS - {"instrument"}}
            inst = Instrument.model_validate(
                header | {"id": data.get("instrument"), "file": file.name}
            )
        except ValidationError as exc:
            raise StatuteError(file, *pydantic_key(exc)) from exc
        if inst.id in instruments:
            raise StatuteError(file, "instrument", f"duplicate instrument id {inst.id!r}")
        instruments[inst.id] = inst

        for i, raw in enumerate(data.get("related_offences") or []):
            key = f"related_offences[{i}]"
            try:
                rel = RelatedOffence.model_validate(raw)
            except ValidationError as exc:
                raise StatuteError(file, *pydantic_key(exc, key)) from exc
            _claim(rel.id, file, f"related_offences[{rel.id}]", where)
            related[rel.id] = rel

        raw_statutes = data.get("statutes")
        if not isinstance(raw_statutes, list) or not raw_statutes:
            raise StatuteError(file, "statutes", "expected a non-empty list of statutes")
        for i, raw in enumerate(raw_statutes):
            statute = _statute(file, i, raw, inst, concepts)
            _claim(statute.id, file, f"statutes[{statute.id}].id", where)
            statutes[statute.id] = statute
            for j, ref in enumerate(statute.related):
                pending_refs.append((file, f"statutes[{statute.id}].related[{j}].id", ref.id))

    for file, key, ref_id in pending_refs:
        if ref_id not in statutes and ref_id not in related:
            raise StatuteError(file, key, f"unknown related offence {ref_id!r}")
    return StatuteBook(statutes, instruments, related)


def _claim(item_id: str, file: Path, key: str, where: dict[str, Path]) -> None:
    if item_id in where:
        raise StatuteError(
            file, key, f"duplicate id {item_id!r} (first defined in {where[item_id]})"
        )
    where[item_id] = file


def _statute(
    file: Path, index: int, raw: Any, inst: Instrument, concepts: dict[str, Concept]
) -> Statute:
    if not isinstance(raw, dict):
        raise StatuteError(file, f"statutes[{index}]", "expected a mapping")
    sid = raw.get("id", index)
    key = f"statutes[{sid}]"
    grouped = raw.get("elements") or {}
    if not isinstance(grouped, dict):
        raise StatuteError(file, f"{key}.elements", "expected a mapping of element kind to list")
    elements: list[dict[str, Any]] = []
    for kind, items in grouped.items():
        if kind not in ELEMENT_KINDS:
            raise StatuteError(
                file,
                f"{key}.elements.{kind}",
                f"unknown element kind {kind!r}; expected one of {', '.join(ELEMENT_KINDS)}",
            )
        if not isinstance(items, list):
            raise StatuteError(file, f"{key}.elements.{kind}", "expected a list of elements")
        elements.extend(
            {**item, "kind": kind} if isinstance(item, dict) else item for item in items
        )
    body = {**raw, "elements": elements, "instrument": inst.id, "jurisdiction": inst.jurisdiction}
    try:
        statute = Statute.model_validate(body)
    except ValidationError as exc:
        k, msg = pydantic_key(exc, key)
        raise StatuteError(file, k, msg) from exc
    _check_refs(file, key, statute, concepts)
    return statute


def _check_refs(file: Path, key: str, s: Statute, concepts: dict[str, Concept]) -> None:
    element_ids: set[str] = set()
    for el in s.elements:
        ekey = f"{key}.elements.{el.kind}[{el.id}]"
        if el.id in element_ids:
            raise StatuteError(file, ekey, f"duplicate element id {el.id!r}")
        element_ids.add(el.id)
        for cid in el.satisfied_by:
            if cid not in concepts:
                raise StatuteError(file, f"{ekey}.satisfied_by", f"unknown concept {cid!r}")
    if s.offence and not any(el.required for el in s.elements):
        raise StatuteError(
            file, f"{key}.elements", "an offence needs at least one required element"
        )
    if not s.offence and s.elements:
        raise StatuteError(file, f"{key}.elements", "a non-offence section has no elements")
    rule_ids: set[str] = set()
    for rule in s.rules:
        rkey = f"{key}.rules[{rule.id}]"
        if rule.id in rule_ids:
            raise StatuteError(file, rkey, f"duplicate rule id {rule.id!r}")
        rule_ids.add(rule.id)
        for field in ("waives", "requires"):
            for target in getattr(rule, field):
                if target not in element_ids:
                    raise StatuteError(file, f"{rkey}.{field}", f"no element {target!r} in {s.id}")
        shown = rule.when.element_shown
        if shown is not None and shown not in element_ids:
            raise StatuteError(
                file, f"{rkey}.when.element_shown", f"no element {shown!r} in {s.id}"
            )
        vc = rule.when.victim_concept
        if vc is not None and vc not in concepts:
            raise StatuteError(file, f"{rkey}.when.victim_concept", f"unknown concept {vc!r}")
    for pen in s.penalties:
        for cid in pen.when:
            if cid not in concepts:
                raise StatuteError(
                    file, f"{key}.penalties[{pen.id}].when", f"unknown concept {cid!r}"
                )
