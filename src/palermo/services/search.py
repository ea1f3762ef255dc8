"""Find anything across the caller's cases: case references (from their start) and
titles, people by whole words of any name or alias, identifiers from their start (as
typed or without spaces and dashes: "+40 721" finds +40721000111), and document text.

Victims' names are sealed, so they cannot be searched in the database as text. Each word
of every name and alias is kept as a keyed hash (HMAC-SHA256 under a key derived from
the installation secret) in ``person_name_keys``; a search hashes its words the same way.
Only roles that may see victims' identities search sealed names; hits show pseudonyms.
Document text is searched only for those roles too (a hit would reveal that a name
appears in the evidence).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session
from unidecode import unidecode

from palermo.security import audit, identities
from palermo.security.permissions import SYSTEM, Actor, Permission
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.store.models import Case, CaseMember, EvidenceFile, Identifier, Person
from palermo.store.models.caseload import PersonNameKey
from palermo.store.models.documents import Document, DocumentPage

KINDS = ("cases", "people", "identifiers", "documents")
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case ASCII words of two characters or more, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in _WORD.findall(unidecode(text or "").lower()):
        if len(w) >= 2:
            seen.setdefault(w, None)
    return list(seen)


@lru_cache(maxsize=8)
def _derive(secret: str) -> bytes:
    return hashlib.sha256(b"palermo person-name index v1\x00" + secret.encode()).digest()


def _index_key(ctx: Context) -> bytes:
    return _derive(str(ctx.settings.resolved_secret_key()))


def name_key(ctx: Context, word: str) -> str:
    return hmac.new(_index_key(ctx), word.encode(), hashlib.sha256).hexdigest()


def index_person(
    ctx: Context, session: Session, person: Person, names: list[str], *, sealed: bool
) -> None:
    """Replace the person's name keys with those of ``names`` (name and aliases)."""
    session.execute(delete(PersonNameKey).where(PersonNameKey.person_id == person.id))
    keys = {name_key(ctx, w) for n in names for w in words(n)}
    session.add_all(
        PersonNameKey(case_id=person.case_id, person_id=person.id, key=k, sealed=sealed)
        for k in sorted(keys)
    )


def reindex(ctx: Context, case_id: int | None = None) -> int:
    """Rebuild the name keys of every person (of one case); returns people indexed.

    Sealed identities are unsealed in memory only; a person whose identity does not
    unseal is left out and counted as a failure by raising at the end (fail closed)."""

    done, failed = 0, []
    with ctx.db.session() as session:
        query = select(Person).order_by(Person.id)
        if case_id is not None:
            query = query.where(Person.case_id == case_id)
        for person in session.scalars(query):
            if person.sealed_identity is not None:
                try:
                    identity = identities.unseal(
                        ctx, person, actor=SYSTEM, purpose="search.reindex", session=session
                    )
                except identities.IdentityUnavailable:
                    failed.append(person.id)
                    continue
                names = identity.names
                index_person(ctx, session, person, names, sealed=True)
            else:
                clear = [person.name or "", *(person.aliases or [])]
                index_person(ctx, session, person, clear, sealed=False)
            done += 1
    if failed:
        raise InvalidInput(f"{len(failed)} sealed identities did not open (ids {failed[:10]})")
    return done


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
    # Hits per case reference, across kinds (the facet to narrow by case).
    by_case: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _snippet(text: str, q: str, width: int = 80) -> str:
    at = text.lower().find(q.lower())
    start = max(0, at - width)
    end = min(len(text), at + len(q) + width)
    body = text[start:end].replace("\n", " ")
    return ("…" if start else "") + body + ("…" if end < len(text) else "")


def search(
    ctx: Context,
    actor: Actor,
    q: str,
    *,
    kinds: tuple[str, ...] = KINDS,
    case: str | None = None,
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
    if not (actor.is_system or actor.can(Permission.READ_CASE)):
        return SearchResults(text, notes=["your role does not read case files"])
    limit = min(max(1, limit), 100)
    pattern = f"%{_escape(text.lower())}%"
    may_identity = actor.can(Permission.SEE_VICTIM_IDENTITY)
    notes: list[str] = []
    with ctx.db.session() as session:
        scope: Any = select(CaseMember.case_id).where(CaseMember.user_id == actor.user_id)
        if actor.is_system:
            scope = select(Case.id)
        if case:
            scope = select(Case.id).where(Case.id.in_(scope), Case.reference == case)
        refs: dict[int, str] = {}

        def ref(case_id: int) -> str:
            if case_id not in refs:
                found = session.scalar(select(Case.reference).where(Case.id == case_id))
                refs[case_id] = found or ""
            return refs[case_id]

        out: dict[str, list[Any]] = {k: [] for k in KINDS}
        if "cases" in kinds:
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
                refs[c.id] = c.reference
                out["cases"].append(CaseHit(c.reference, c.title, c.stage))
        if "people" in kinds:
            out["people"] = _people(ctx, session, scope, text, pattern, may_identity, limit, ref)
        if "identifiers" in kinds:
            # Values are stored normalised (phones E.164, e-mails lower case) and encrypted
            # at rest (deterministically: equal values compare in SQL, prefixes do not), so
            # the prefix is matched here, on the decrypted values of the user's cases.
            compact = re.sub(r"[\s().-]", "", text)
            starts = tuple({text, text.lower(), compact} - {""})
            rows = [
                (i, p)
                for i, p in session.execute(
                    select(Identifier, Person)
                    .outerjoin(Person, Identifier.person_id == Person.id)
                    .where(Identifier.case_id.in_(scope))
                ).all()
                if (i.value or "").startswith(starts)
            ]
            if not may_identity:
                # A victim's own identifiers, and any value that carries her identity
                # tokens, are not search hits for a viewer who may not see identities.
                shown: dict[int, Any] = {}
                kept = []
                for i, p in rows:
                    if p is not None and p.sealed_identity is not None:
                        continue
                    if i.case_id not in shown:
                        shown[i.case_id] = identities.redactor_for(
                            ctx, session, i.case_id, actor, purpose="search"
                        )
                    redactor = shown[i.case_id]
                    if redactor is not None and redactor(i.value) != i.value:
                        continue
                    kept.append((i, p))
                rows = kept
            rows.sort(key=lambda row: (row[0].value, row[0].id))
            out["identifiers"] = [
                IdentifierHit(ref(i.case_id), i.kind, i.value, _label(p) if p else None)
                for i, p in rows[:limit]
            ]
        if "documents" in kinds:
            if may_identity:
                # Page text is encrypted at rest: matched here, page by page, in order.
                needle = text.lower()
                pages = []
                for row in session.execute(
                    select(
                        Document.case_id,
                        Document.evidence_file_id,
                        EvidenceFile.original_name,
                        DocumentPage.number,
                        DocumentPage.text,
                    )
                    .join(DocumentPage, DocumentPage.document_id == Document.id)
                    .join(EvidenceFile, EvidenceFile.id == Document.evidence_file_id)
                    .where(Document.case_id.in_(scope))
                    .order_by(Document.case_id, Document.id, DocumentPage.number)
                ):
                    if needle in (row[4] or "").lower():
                        pages.append(row)
                        if len(pages) >= limit:
                            break
                out["documents"] = [
                    DocumentHit(ref(cid), fid, name, number, _snippet(body, text))
                    for cid, fid, name, number, body in pages
                ]
            else:
                notes.append(
                    "Document text is searched only for roles that may see victims' identities."
                )
        if not may_identity:
            notes.append("Victims appear by pseudonym; their sealed names are not searched.")
        by_case: dict[str, int] = {}
        for kind in KINDS:
            for hit in out[kind]:
                by_case[hit.reference] = by_case.get(hit.reference, 0) + 1
        audit.record(
            session,
            actor=actor,
            action="search",
            details={"kinds": list(kinds), "case": case, "hits": sum(map(len, out.values()))},
        )
        return SearchResults(
            text,
            out["cases"],
            out["people"],
            out["identifiers"],
            out["documents"],
            dict(sorted(by_case.items(), key=lambda kv: -kv[1])),
            notes,
        )


def _prefix(column: Any, text: str) -> Any:
    """``column`` starts with ``text``, as a range the column's index answers."""
    return and_(column >= text, column < text + "\uffff")


def _label(person: Person) -> str:
    return person.name if person.name and person.sealed_identity is None else person.pseudonym


def _people(
    ctx: Context,
    session: Session,
    scope: Any,
    text: str,
    pattern: str,
    may_identity: bool,
    limit: int,
    ref: Any,
) -> list[PersonHit]:
    hits: dict[int, PersonHit] = {}
    # Every word through the blind index (sealed names only for roles allowed).
    keys = [name_key(ctx, w) for w in words(text)]
    if keys:
        conditions = [PersonNameKey.key.in_(keys), PersonNameKey.case_id.in_(scope)]
        if not may_identity:
            conditions.append(PersonNameKey.sealed.is_(False))
        found = (
            select(PersonNameKey.person_id)
            .where(and_(*conditions))
            .group_by(PersonNameKey.person_id)
            .having(func.count(func.distinct(PersonNameKey.key)) == len(set(keys)))
            .limit(limit)
        )
        for p in session.scalars(select(Person).where(Person.id.in_(found))):
            if p.id not in hits:
                sealed = p.sealed_identity is not None
                in_name = all(w in words(p.name or "") for w in words(text))
                matched = "sealed name" if sealed else ("name" if in_name else "alias")
                hits[p.id] = PersonHit(ref(p.case_id), p.id, _label(p), p.kind, matched)
    return list(hits.values())[:limit]
