"""The elements engine: which elements of which charge the evidence supports.

Pure functions over plain data. The single entry point is :func:`assess_case`.

Input
    ``facts`` (an iterable of :class:`~palermo.law.facts.Fact`), the case's
    ``suspects`` (key and statute ids charged or considered) and ``victims``
    (key, is_minor), optionally the case jurisdiction (for warnings).

Output
    A :class:`CaseAssessment`: one :class:`StatuteAssessment` per suspect and
    statute, each with one :class:`ElementResult` per element of the statute:

    ``proved``                 two or more independent confirmed sources
    ``single_source``          exactly one independent confirmed source
    ``supported_if_confirmed`` only suggested (machine or unreviewed) facts
    ``missing``                nothing
    ``waived``                 a rule removes the need (e.g. child victim waives means)

    plus the supporting facts (confirmed and suggested), the independent source
    ids and kinds, and the rules applied with their explanation text.

The facts are indexed once by (suspect, concept); each element then merges the
few index entries of its concepts, so the cost is one pass over the facts plus
a small amount per suspect x statute x element.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from palermo.law.concepts import Concept, load_concepts
from palermo.law.facts import Fact, Suspect, Victim
from palermo.law.statutes import Element, Rule, Statute, StatuteBook, load_statutes

# Kinds of concept that describe the case or a victim, not what a suspect did:
# a fact of these kinds without a suspect counts for every suspect.
CASE_WIDE_KINDS = frozenset({"jurisdiction", "other"})
_STATUSES = frozenset({"confirmed", "suggested", "rejected"})


class ElementStatus(StrEnum):
    PROVED = "proved"
    SINGLE_SOURCE = "single_source"
    SUPPORTED_IF_CONFIRMED = "supported_if_confirmed"
    MISSING = "missing"
    WAIVED = "waived"


@dataclass(frozen=True, slots=True)
class AppliedRule:
    """A statute rule that was applied, with the explanation to show the user.

    ``pending`` rules would apply if suggested facts were confirmed (e.g. a
    victim's minority rests only on a suggestion); they waive nothing yet.
    """

    rule_id: str
    kind: str
    citation: str
    explanation: str
    waives: tuple[str, ...] = ()
    victims: tuple[str, ...] = ()
    pending: bool = False


@dataclass(slots=True)
class ElementResult:
    """The evidence for one element of one statute against one suspect.

    ``status`` is the displayed status; ``evidence_status`` is what the evidence
    alone gives (it differs only when the element is waived).
    """

    element_id: str
    kind: str
    label: str
    required: bool
    satisfied_by: tuple[str, ...]
    status: ElementStatus
    evidence_status: ElementStatus
    confirmed: list[Fact] = field(default_factory=list)
    suggested: list[Fact] = field(default_factory=list)
    sources: tuple[str, ...] = ()
    source_kinds: tuple[str, ...] = ()
    concepts_confirmed: tuple[str, ...] = ()
    concepts_suggested: tuple[str, ...] = ()
    waived_by: AppliedRule | None = None

    @property
    def source_count(self) -> int:
        """Number of independent confirmed sources."""
        return len(self.sources)

    @property
    def victims(self) -> list[str]:
        """Victims named in the confirmed facts (for a per-victim view of the element)."""
        return sorted({f.victim for f in self.confirmed if f.victim is not None})


@dataclass(slots=True)
class StatuteAssessment:
    """All elements of one statute for one suspect, with rules, penalties and warning."""

    suspect: str
    statute_id: str
    title: str
    citation: str
    jurisdiction: str
    elements: list[ElementResult]
    rules: list[AppliedRule]
    # Penalty ids of the statute that the confirmed facts bring into play.
    penalties: list[str]
    warning: str | None = None

    def element(self, element_id: str) -> ElementResult:
        for el in self.elements:
            if el.element_id == element_id:
                return el
        raise KeyError(f"{self.statute_id} has no element {element_id!r}")

    def by_status(self, status: ElementStatus, required_only: bool = True) -> list[ElementResult]:
        return [
            el for el in self.elements if el.status == status and (el.required or not required_only)
        ]


@dataclass(slots=True)
class CaseAssessment:
    results: list[StatuteAssessment]

    def get(self, suspect: str, statute_id: str) -> StatuteAssessment:
        for r in self.results:
            if r.suspect == suspect and r.statute_id == statute_id:
                return r
        raise KeyError(f"no assessment of {statute_id!r} for suspect {suspect!r}")

    def for_suspect(self, suspect: str) -> list[StatuteAssessment]:
        return [r for r in self.results if r.suspect == suspect]


_NO_FACTS: list[Fact] = []


class _Bucket:
    """Facts of one (suspect, concept), split by status; sources and victims computed lazily."""

    __slots__ = ("_sources", "_victims", "_victims_suggested", "confirmed", "suggested")

    def __init__(self, confirmed: list[Fact], suggested: list[Fact]) -> None:
        self.confirmed = confirmed
        self.suggested = suggested
        self._sources: dict[str, str] | None = None
        self._victims: set[str] | None = None
        self._victims_suggested: set[str] | None = None

    @property
    def sources(self) -> dict[str, str]:
        """Independent confirmed sources: source_id -> source_kind."""
        if self._sources is None:
            self._sources = {f.source_id: f.source_kind for f in self.confirmed}
        return self._sources

    @property
    def victims(self) -> set[str]:
        """Victims named in confirmed facts."""
        if self._victims is None:
            self._victims = {f.victim for f in self.confirmed if f.victim is not None}
        return self._victims

    @property
    def victims_suggested(self) -> set[str]:
        if self._victims_suggested is None:
            self._victims_suggested = {f.victim for f in self.suggested if f.victim is not None}
        return self._victims_suggested


class _Index:
    """One pass over the facts; everything later reads from here."""

    def __init__(self, facts: Iterable[Fact]) -> None:
        # The only per-fact work: one dict lookup and one append. Status is part
        # of the key so that no second pass is needed to split by status.
        raw: dict[tuple[str | None, str, str], list[Fact]] = {}
        get = raw.get
        for f in facts:
            key = (f.suspect, f.concept, f.status)
            lst = get(key)
            if lst is None:
                lst = raw[key] = []
            lst.append(f)
        pairs: set[tuple[str | None, str]] = set()
        for (suspect, concept, status), lst in raw.items():
            if status not in _STATUSES:
                raise ValueError(f"fact {lst[0].id}: unknown status {status!r}")
            pairs.add((suspect, concept))
        self.buckets: dict[tuple[str | None, str], _Bucket] = {}
        self.by_concept: dict[str, list[_Bucket]] = {}
        self.by_suspect: dict[str | None, list[_Bucket]] = {}
        for suspect, concept in pairs:
            b = _Bucket(
                raw.get((suspect, concept, "confirmed"), _NO_FACTS),
                raw.get((suspect, concept, "suggested"), _NO_FACTS),
            )
            if not b.confirmed and not b.suggested:
                continue  # only rejected facts
            self.buckets[(suspect, concept)] = b
            self.by_concept.setdefault(concept, []).append(b)
            self.by_suspect.setdefault(suspect, []).append(b)
        self._linked: dict[str | None, set[str]] = {}
        self._linked_suggested: dict[str | None, set[str]] = {}
        self.venture_cache: dict[tuple[str, str], ElementResult] = {}
        self._holders: dict[str, tuple[set[str], set[str]]] = {}

    def linked(self, suspect: str) -> set[str]:
        """Victims tied to the suspect by any confirmed fact (computed on first use)."""
        got = self._linked.get(suspect)
        if got is None:
            got = set().union(*(b.victims for b in self.by_suspect.get(suspect, ())))
            self._linked[suspect] = got
        return got

    def linked_suggested(self, suspect: str) -> set[str]:
        got = self._linked_suggested.get(suspect)
        if got is None:
            got = set().union(*(b.victims_suggested for b in self.by_suspect.get(suspect, ())))
            self._linked_suggested[suspect] = got
        return got

    def victims_with(self, concept: str) -> tuple[set[str], set[str]]:
        """Victims for whom ``concept`` is confirmed, and those for whom it is only suggested."""
        got = self._holders.get(concept)
        if got is None:
            confirmed: set[str] = set()
            suggested: set[str] = set()
            for b in self.by_concept.get(concept, ()):
                confirmed |= b.victims
                suggested |= b.victims_suggested
            got = self._holders[concept] = (confirmed, suggested - confirmed)
        return got


def assess_case(
    facts: Iterable[Fact],
    suspects: Iterable[Suspect],
    victims: Iterable[Victim] = (),
    *,
    case_jurisdiction: str | None = None,
    book: StatuteBook | None = None,
    concepts: dict[str, Concept] | None = None,
) -> CaseAssessment:
    """Assess every (suspect, statute) pair; see the module docstring for the contract.

    Statutes that are not offences (e.g. the restitution section us-18-1593)
    are skipped. An unknown statute id raises ``KeyError``; a fact with an
    unknown status raises ``ValueError``. A suspect with no facts comes out
    with every element ``missing``.
    """
    book = book or load_statutes()
    concepts = concepts or load_concepts()
    index = _Index(facts)
    minors_from_case = {v.key for v in victims if v.is_minor}
    results: list[StatuteAssessment] = []
    for suspect in suspects:
        for sid in suspect.statutes:
            statute = book.get(sid)
            if not statute.offence:
                continue
            assessment = _assess(statute, suspect.key, index, concepts, minors_from_case)
            if case_jurisdiction:
                assessment.warning = book.jurisdiction_warning(sid, case_jurisdiction)
            results.append(assessment)
    return CaseAssessment(results)


def _element_buckets(
    el: Element, suspect: str, index: _Index, concepts: dict[str, Concept]
) -> list[tuple[str, _Bucket]]:
    out: list[tuple[str, _Bucket]] = []
    for cid in el.satisfied_by:
        if el.scope == "venture":
            # Any participant's conduct shows what the venture did.
            out.extend((cid, b) for b in index.by_concept.get(cid, ()))
            continue
        b = index.buckets.get((suspect, cid))
        if b is not None:
            out.append((cid, b))
        c = concepts.get(cid)
        if c is not None and c.kind in CASE_WIDE_KINDS:
            wide = index.buckets.get((None, cid))
            if wide is not None:
                out.append((cid, wide))
    return out


def _evaluate(el: Element, buckets: list[tuple[str, _Bucket]]) -> ElementResult:
    confirmed: list[Fact] = []
    suggested: list[Fact] = []
    sources: dict[str, str] = {}
    c_conf: list[str] = []
    c_sugg: list[str] = []
    for cid, b in buckets:
        if b.confirmed:
            confirmed.extend(b.confirmed)
            sources.update(b.sources)
            if cid not in c_conf:
                c_conf.append(cid)
        if b.suggested:
            suggested.extend(b.suggested)
            if cid not in c_sugg:
                c_sugg.append(cid)
    n = len(sources)
    if n >= 2:
        status = ElementStatus.PROVED
    elif n == 1:
        status = ElementStatus.SINGLE_SOURCE
    elif suggested:
        status = ElementStatus.SUPPORTED_IF_CONFIRMED
    else:
        status = ElementStatus.MISSING
    return ElementResult(
        element_id=el.id,
        kind=el.kind,
        label=el.label,
        required=el.required,
        satisfied_by=tuple(el.satisfied_by),
        status=status,
        evidence_status=status,
        confirmed=confirmed,
        suggested=suggested,
        sources=tuple(sorted(sources)),
        source_kinds=tuple(sorted(set(sources.values()))),
        concepts_confirmed=tuple(c_conf),
        concepts_suggested=tuple(c_sugg),
    )


_SHOWN = (ElementStatus.PROVED, ElementStatus.SINGLE_SOURCE)


def _assess(
    statute: Statute,
    suspect: str,
    index: _Index,
    concepts: dict[str, Concept],
    minors_from_case: set[str],
) -> StatuteAssessment:
    elements: list[ElementResult] = []
    for el in statute.elements:
        if el.scope == "venture":
            # The venture's conduct is the same for every participant: evaluate once.
            ckey = (statute.id, el.id)
            cached = index.venture_cache.get(ckey)
            if cached is None:
                cached = _evaluate(el, _element_buckets(el, suspect, index, concepts))
                index.venture_cache[ckey] = cached
            elements.append(replace(cached))
        else:
            elements.append(_evaluate(el, _element_buckets(el, suspect, index, concepts)))
    by_id = {e.element_id: e for e in elements}
    applied: list[AppliedRule] = []

    # Waivers first: later rules (consent, venture) read the final statuses.
    for rule in statute.rules:
        if rule.kind != "waiver" or rule.when.victim_concept is None:
            continue
        holders, holders_suggested = index.victims_with(rule.when.victim_concept)
        if rule.when.victim_concept == "victim.minor":
            holders = holders | minors_from_case
            holders_suggested = holders_suggested - holders
        if not holders and not holders_suggested:
            continue
        linked = index.linked(suspect)
        hit = sorted(holders & linked)
        if hit:
            ar = _applied(rule, victims=hit)
            applied.append(ar)
            for target in rule.waives:
                res = by_id[target]
                res.status = ElementStatus.WAIVED
                res.waived_by = ar
            continue
        # Would apply if a suggested age or a suggested link were confirmed.
        linked_any = linked | index.linked_suggested(suspect)
        maybe = sorted((holders | holders_suggested) & linked_any)
        if maybe:
            applied.append(_applied(rule, victims=maybe, pending=True))

    for rule in statute.rules:
        if rule.kind == "waiver":
            continue
        when = rule.when
        if when.always:
            if rule.kind == "venture_benefit":
                applied.append(_venture(rule, by_id, concepts))
            else:
                applied.append(_applied(rule))
        elif when.element_shown is not None:
            res = by_id[when.element_shown]
            if res.evidence_status in _SHOWN:
                shown = ", ".join(_label(c, concepts) for c in res.concepts_confirmed)
                applied.append(_applied(rule, element=shown))
        elif when.victim_concept is not None:
            holders, _ = index.victims_with(when.victim_concept)
            hit = sorted(holders & index.linked(suspect)) if holders else []
            if hit:
                applied.append(_applied(rule, victims=hit))

    return StatuteAssessment(
        suspect=suspect,
        statute_id=statute.id,
        title=statute.title,
        citation=statute.citation,
        jurisdiction=statute.jurisdiction,
        elements=elements,
        rules=applied,
        penalties=_penalties(statute, suspect, index, minors_from_case),
    )


def _label(concept_id: str, concepts: dict[str, Concept]) -> str:
    c = concepts.get(concept_id)
    return c.label.lower() if c is not None else concept_id


def _victim_words(victims: list[str]) -> dict[str, str]:
    """Template slots: "victim V-02 is a minor" / "victims V-02 and V-03 are minors"."""
    if len(victims) <= 1:
        return {"{victims}": f"victim {''.join(victims)}", "{is_a}": "is a", "{s}": "",
                "{ren}": ""}  # fmt: skip
    names = ", ".join(victims[:-1]) + " and " + victims[-1]
    return {"{victims}": f"victims {names}", "{is_a}": "are", "{s}": "s", "{ren}": "ren"}


def _applied(
    rule: Rule, *, victims: list[str] | None = None, element: str = "", pending: bool = False
) -> AppliedRule:
    text = " ".join(rule.explanation.split())
    for slot, value in _victim_words(victims or []).items():
        text = text.replace(slot, value)
    text = text.replace("{element}", element)
    if pending:
        text = f"Would apply if confirmed: {text}"
    return AppliedRule(
        rule_id=rule.id,
        kind=rule.kind,
        citation=rule.citation,
        explanation=text,
        waives=() if pending else tuple(rule.waives),
        victims=tuple(victims or ()),
        pending=pending,
    )


def _venture(
    rule: Rule, by_id: dict[str, ElementResult], concepts: dict[str, Concept]
) -> AppliedRule:
    base = _applied(rule)
    missing = [by_id[e].label for e in rule.requires if by_id[e].status not in _SHOWN]
    if missing:
        tail = f" Not yet shown: {'; '.join(missing)}."
    else:
        tail = " Benefit shown by confirmed evidence."
    return AppliedRule(
        rule_id=base.rule_id,
        kind=base.kind,
        citation=base.citation,
        explanation=base.explanation + tail,
    )


def _penalties(
    statute: Statute, suspect: str, index: _Index, minors_from_case: set[str]
) -> list[str]:
    out: list[str] = []
    minors = index.victims_with("victim.minor")[0] | minors_from_case
    linked_minors = minors & index.linked(suspect) if minors else set()
    for pen in statute.penalties:
        if not pen.when:
            out.append(pen.id)
            continue
        for cid in pen.when:
            b = index.buckets.get((suspect, cid))
            if (b is not None and b.confirmed) or (cid == "victim.minor" and linked_minors):
                out.append(pen.id)
                break
    return out
