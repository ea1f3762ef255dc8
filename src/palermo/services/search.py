"""Find anything across the caller's cases: case references (from their start) and
titles, people by any name or alias (whole words or their beginnings, three letters or
more), identifiers in any usual format or by their beginning ("+40 721 555", "0721555666"
and "40721555666" all find +40721555666), and words of document text.

Names, identifiers and page text are encrypted at rest, so they are found through the
keyed blind index (:mod:`palermo.security.blind_index`): the typed words are normalised
and hashed, and the hashes looked up in an indexed table, restricted to the caller's
cases. Only the hits shown are then read (decrypted), and only for roles allowed: a role
that may not see victims' identities finds no victim by name or by her own identifiers,
and does not search document text (a hit would say that a name is in the evidence).
Victims appear by pseudonym.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, intersect, or_, select
from sqlalchemy.orm import Session, aliased

from palermo.security import audit, blind_index, identities, search_index
from palermo.security.blind_index import IDENTIFIER, NAME, WORD
from palermo.security.permissions import Actor, Permission
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.store.models import Case, CaseMember, EvidenceFile, Identifier, Person, PersonKind
from palermo.store.models.documents import Document, DocumentPage
from palermo.store.models.find import SearchKey

KINDS = ("cases", "people", "identifiers", "documents")
ROLES = tuple(k.value for k in PersonKind)
words = blind_index.words


# --- upkeep (called where people and their identifiers are written) ----------------------


def index_person(
    ctx: Context, session: Session, person: Person, names: list[str], *, sealed: bool
) -> None:
    """Replace the person's name keys with those of ``names`` (name and aliases)."""
    session.flush()
    search_index.index_person(
        session,
        ctx.keyring.master,
        person_id=person.id,
        case_id=person.case_id,
        names=names,
        sealed=sealed,
    )


def index_identifiers_of(ctx: Context, session: Session, person: Person) -> None:
    """Index the identifiers now attached to ``person`` (after they were added)."""
    session.flush()
    items = session.execute(
        select(Identifier.id, Identifier.kind, Identifier.value).where(
            Identifier.person_id == person.id
        )
    ).all()
    search_index.index_identifiers(
        session, ctx.keyring.master, person.case_id, [(i, k, v) for i, k, v in items]
    )


def reindex(ctx: Context, case_id: int | None = None) -> int:
    """Rebuild the blind index of every case (or one) from the data; returns the number
    of people indexed. Fails closed (nothing changes) if an identity does not open."""
    with ctx.db.session() as session:
        try:
            done = search_index.rebuild(session.connection(), ctx.keyring.master, case_id)
        except search_index.IndexProblem as problem:
            raise InvalidInput(str(problem)) from None
        return done.people


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseHit:
    reference: str
    title: str
    stage: str


@dataclass(frozen=True, slots=True)
class PersonHit:
    reference: str
    person_id: int
    label: str  # name when not sealed, else pseudonym
    kind: str
    matched: str  # "name", "alias" or "sealed name"


@dataclass(frozen=True, slots=True)
class IdentifierHit:
    reference: str
    kind: str
    value: str
    person: str | None
    role: str | None = None  # the kind of person it belongs to


@dataclass(frozen=True, slots=True)
class DocumentHit:
    reference: str
    evidence_file_id: int
    file_name: str
    page: int
    snippet: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    q: str
    cases: list[CaseHit] = field(default_factory=list)
    people: list[PersonHit] = field(default_factory=list)
    identifiers: list[IdentifierHit] = field(default_factory=list)
    documents: list[DocumentHit] = field(default_factory=list)
    # Facets of the hits found (each list is cut at ``limit``): per case reference,
    # per kind of result, per role of the people found.
    by_case: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_role: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _snippet(text: str, terms: list[str], width: int = 80) -> str:
    folded = blind_index.fold(text)
    at = -1
    for term in terms:
        m = re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", folded)
        if m:
            at = m.start()
            break
    at = max(at, 0)
    start = max(0, at - width)
    end = min(len(text), at + width * 2)
    body = text[start:end].replace("\n", " ")
    return ("…" if start else "") + body + ("…" if end < len(text) else "")


def search(
    ctx: Context,
    actor: Actor,
    q: str,
    *,
    kinds: tuple[str, ...] = KINDS,
    case: str | None = None,
    role: str | None = None,
    limit: int = 25,
) -> SearchResults:
    text = q.strip()
    if len(text) < 2:
        raise InvalidInput("search, q: enter at least two characters")
    if len(text) > 200:
        raise InvalidInput("search, q: at most 200 characters")
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise InvalidInput(f"search, kinds: unknown {sorted(unknown)}; choose from {KINDS}")
    role = role or None
    if role is not None and role not in ROLES:
        raise InvalidInput(f"search, role: unknown '{role}'; choose from {', '.join(ROLES)}")
    if not (actor.is_system or actor.can(Permission.READ_CASE)):
        return SearchResults(text, notes=["your role does not read case files"])
    limit = min(max(1, limit), 100)
    may_identity = actor.can(Permission.SEE_VICTIM_IDENTITY)
    key = blind_index.key_for(ctx.keyring.master)
    notes: list[str] = []
    with ctx.db.session() as session:
        scope: Any = select(CaseMember.case_id).where(CaseMember.user_id == actor.user_id)
        if actor.is_system:
            scope = select(Case.id)
        if case:
            scope = select(Case.id).where(Case.id.in_(scope), Case.reference == case)
        ref = _References(session)

        out: dict[str, list[Any]] = {k: [] for k in KINDS}
        if "cases" in kinds and role is None:
            pattern = f"%{_escape(text.lower())}%"
            for c in session.scalars(
                select(Case)
                .where(
                    Case.id.in_(scope),
                    or_(
                        _prefix(Case.reference, text.upper()),
                        func.lower(Case.title).like(pattern, escape="\\"),
                    ),
                )
                .order_by(Case.reference)
                .limit(limit)
            ):
                ref.known[c.id] = c.reference
                out["cases"].append(CaseHit(c.reference, c.title, c.stage))
        if "people" in kinds:
            out["people"] = _people(session, key, scope, text, may_identity, role, limit, ref)
        if "identifiers" in kinds:
            out["identifiers"] = _identifiers(
                ctx, session, key, scope, text, actor, may_identity, role, limit, ref
            )
        if "documents" in kinds and role is None:
            if may_identity:
                out["documents"] = _documents(session, key, scope, text, limit, ref)
            else:
                notes.append(
                    "Document text is searched only for roles that may see victims' identities."
                )
        if not may_identity:
            notes.append("Victims appear by pseudonym; their sealed names are not searched.")
        by_case: Counter[str] = Counter(hit.reference for k in KINDS for hit in out[k])
        by_role: Counter[str] = Counter(p.kind for p in out["people"])
        audit.record(
            session,
            actor=actor,
            action="search",
            details={
                "kinds": list(kinds),
                "case": case,
                "role": role,
                "hits": sum(map(len, out.values())),
            },
        )
        return SearchResults(
            text,
            out["cases"],
            out["people"],
            out["identifiers"],
            out["documents"],
            dict(by_case.most_common()),
            {k: len(out[k]) for k in KINDS if out[k]},
            dict(by_role.most_common()),
            notes,
        )


class _References:
    """Case references by case id, read in one query per batch of hits."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[int, str] = {}

    def load(self, case_ids: set[int]) -> None:
        missing = case_ids - self.known.keys()
        if missing:
            rows = self.session.execute(
                select(Case.id, Case.reference).where(Case.id.in_(missing))
            ).all()
            self.known.update({int(i): str(r) for i, r in rows})

    def __call__(self, case_id: int) -> str:
        self.load({case_id})
        return self.known.get(case_id, "")


def _prefix(column: Any, text: str) -> Any:
    """``column`` starts with ``text``, as a range the column's index answers."""
    return and_(column >= text, column < text + "\uffff")


def _label(person: Person) -> str:
    return person.name if person.name and person.sealed_identity is None else person.pseudonym


_PROBE = 25_000  # enough to tell which word is rarer, and to choose a plan


def _rarest_first(session: Session, keys: list[int]) -> list[tuple[int, int]]:
    """``keys`` with how many rows each has (counted up to a bound), rarest first; empty
    if one has none (nothing can match every word)."""
    if len(keys) < 2:
        return [(k, 0) for k in keys]
    sizes = {}
    for k in keys:
        probe = select(SearchKey.id).where(SearchKey.key == k).limit(_PROBE).subquery()
        sizes[k] = session.scalar(select(func.count()).select_from(probe)) or 0
        if not sizes[k]:
            return []
    return sorted(sizes.items(), key=lambda item: item[1])


def _matching(keys: list[int], scope: Any) -> Any:
    # No test of ``kind``: a key is a keyed hash of kind and token, so it names its kind,
    # and leaving the column out lets the covering key index answer without table reads.
    return and_(SearchKey.key.in_(keys), SearchKey.case_id.in_(scope))


_FIRST_ROWS = 2_000
# An index probe per row costs about twenty rows of an index range read into INTERSECT
# (SQLite on 1M people: 20k probes ~200 ms, INTERSECT of 20k and 50k rows ~25 ms).
_PROBE_COST = 20


def _people_with_every_word(
    session: Session, rarest: Any, others: list[tuple[int, int]], rarest_rows: int, limit: int
) -> list[int]:
    """People of ``rarest`` (a query of person ids, scoped) who also have every key of
    ``others`` (key, row count). Keys name their kind (a keyed hash of kind and word), so
    no kind test.

    Each of the rarest word's rows probed for the other words in the owner index (person,
    key) stops as soon as the page is full: cheap when the rarest word is rare, or when
    many people have every word ("mar pop"). Otherwise (a full name of common words) one
    INTERSECT of the words' people, each read as an index range, costs the words' row
    counts instead of a probe per row.
    """

    def probed(rows: Any) -> list[int]:
        first = rows.subquery()
        dense: Any = select(first.c.person_id)
        for other_key, _ in others:
            other = aliased(SearchKey)
            dense = dense.where(
                exists().where(other.person_id == first.c.person_id, other.key == other_key)
            )
        return list(session.scalars(dense.distinct().limit(limit)))

    if rarest_rows * _PROBE_COST <= rarest_rows + sum(n for _, n in others):
        return probed(rarest)
    ids = probed(rarest.limit(_FIRST_ROWS))
    if len(ids) == limit:
        return ids
    every = intersect(
        rarest, *(select(SearchKey.person_id).where(SearchKey.key == k) for k, _ in others)
    ).subquery()
    return list(session.scalars(select(every.c.person_id).limit(limit)))


def _people(
    session: Session,
    key: blind_index.IndexKey,
    scope: Any,
    text: str,
    may_identity: bool,
    role: str | None,
    limit: int,
    ref: _References,
) -> list[PersonHit]:
    terms = words(text)
    sized = _rarest_first(session, key.many(NAME, terms))
    if not sized:
        return []
    keys = [k for k, _ in sized]

    def people_with(k: int) -> Any:
        query: Any = select(SearchKey.person_id).where(_matching([k], scope))
        if not may_identity:
            query = query.where(SearchKey.sealed.is_(False))
        if role is not None:
            query = query.join(Person, Person.id == SearchKey.person_id).where(Person.kind == role)
        return query

    if len(keys) == 1:
        ids = list(session.scalars(people_with(keys[0]).distinct().limit(limit)))
    else:
        ids = _people_with_every_word(session, people_with(keys[0]), sized[1:], sized[0][1], limit)
    people = list(session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)))
    ref.load({p.case_id for p in people})
    hits = []
    for p in people:
        sealed = p.sealed_identity is not None
        if sealed and not may_identity:
            continue  # the index said not sealed when written; the person says otherwise
        if sealed:
            matched = "sealed name"
        else:
            own = blind_index.name_tokens([p.name])
            if all(t in own for t in terms):
                matched = "name"
            elif all(t in blind_index.name_tokens([p.name, *(p.aliases or [])]) for t in terms):
                matched = "alias"
            else:
                continue  # a collision of the 64-bit keys: not a hit
        hits.append(PersonHit(ref(p.case_id), p.id, _label(p), p.kind, matched))
    return hits


def _identifiers(
    ctx: Context,
    session: Session,
    key: blind_index.IndexKey,
    scope: Any,
    text: str,
    actor: Actor,
    may_identity: bool,
    role: str | None,
    limit: int,
    ref: _References,
) -> list[IdentifierHit]:
    forms = blind_index.query_identifier_forms(text)
    if not forms:
        return []
    found: Any = (
        select(SearchKey.identifier_id)
        .where(_matching(key.many(IDENTIFIER, forms), scope))
        .distinct()
    )
    if role is not None or not may_identity:
        found = found.join(Identifier, Identifier.id == SearchKey.identifier_id).outerjoin(
            Person, Person.id == Identifier.person_id
        )
        if role is not None:
            found = found.where(Person.kind == role)
        if not may_identity:
            found = found.where(Person.sealed_identity.is_(None))
    ids = list(session.scalars(found.limit(limit)))
    # No re-check of the values against the typed forms: two different tokens share a
    # 64-bit key with a probability of about one in 10^19 per pair.
    rows = session.execute(
        select(Identifier, Person, Case.default_region)
        .join(Case, Case.id == Identifier.case_id)
        .outerjoin(Person, Identifier.person_id == Person.id)
        .where(Identifier.id.in_(ids))
    ).all()
    kept = []
    redactors: dict[int, Any] = {}
    ref.load({i.case_id for i, _, _ in rows})
    for i, p, _region in rows:
        if not may_identity:
            # A victim's own identifiers, and any value that carries her identity
            # tokens, are not search hits for a viewer who may not see identities.
            if p is not None and p.sealed_identity is not None:
                continue
            if i.case_id not in redactors:
                redactors[i.case_id] = identities.redactor_for(
                    ctx, session, i.case_id, actor, purpose="search"
                )
            redactor = redactors[i.case_id]
            if redactor is not None and redactor(i.value) != i.value:
                continue
        kept.append((i, p))
    kept.sort(key=lambda row: (row[0].value, row[0].id))
    return [
        IdentifierHit(
            ref(i.case_id), i.kind, i.value, _label(p) if p else None, p.kind if p else None
        )
        for i, p in kept
    ]


def _documents(
    session: Session,
    key: blind_index.IndexKey,
    scope: Any,
    text: str,
    limit: int,
    ref: _References,
) -> list[DocumentHit]:
    terms = words(text)
    keys = [k for k, _ in _rarest_first(session, key.many(WORD, terms))]
    if not keys:
        return []
    # Driven by the rarest word; every other word must be on the same page.
    found: Any = select(SearchKey.document_id, SearchKey.page).where(_matching(keys[:1], scope))
    for other_key in keys[1:]:
        other = aliased(SearchKey)
        found = found.where(
            exists().where(
                other.document_id == SearchKey.document_id,
                other.page == SearchKey.page,
                other.key == other_key,
            )
        )
    pages = session.execute(found.distinct().limit(limit)).all()
    hits = []
    for document_id, number in sorted(pages, key=lambda r: (r[0], r[1])):
        row = session.execute(
            select(Document.case_id, Document.evidence_file_id, EvidenceFile.original_name)
            .join(EvidenceFile, EvidenceFile.id == Document.evidence_file_id)
            .where(Document.id == document_id)
        ).first()
        body = session.scalar(
            select(DocumentPage.text).where(
                DocumentPage.document_id == document_id, DocumentPage.number == number
            )
        )
        if row is None or body is None:
            continue
        if not set(terms) <= set(words(body)):
            continue  # a collision of the 64-bit keys: not a hit
        case_id, file_id, name = row
        hits.append(DocumentHit(ref(case_id), file_id, name, number, _snippet(body, terms)))
    return hits
