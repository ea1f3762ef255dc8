"""Elements of the offence: evidence mapped to each element, per suspect and charge.

The service turns the case file into plain :class:`palermo.law.Fact` values for the
elements engine, runs it, and returns what the Elements tab and the API show.

Where facts come from (every attribution says why, so a user can check it):

- **Indicator assertions** of documents (confirmed -> confirmed fact, suggested ->
  suggested, rejected -> ignored). The suspect is, in this order: a suspect named in
  the same sentence; the sender of the chat message, if a suspect; the only suspect
  named on the same page (or chat message); the document's author, if a suspect.
  The victim is the document's author if a victim (a victim's statement), else the
  only victim named in the sentence, the chat counterpart, or the only victim named
  on the page; the only suspect whose phone number or e-mail is on the page (an advert).
  Indicators marked ``own_words`` (a buyer's request, a remark on a victim's age) count
  only against the sender of the chat message or the maker of the statement. No suspect:
  the fact is *unattributed* and listed for a person to attribute by hand.
- **Records** (payments, trips, calls, messages) whose endpoints belong to people of
  the case (``Identifier.person_id``; trip travellers by name), through the record
  rules of :func:`palermo.law.apply_evidence_rules`. Phone numbers found on a page with
  an advert indicator are *advertised numbers*: calls and messages to them are a buyer's.
- **A second pass of the same rules** over what a suspect wrote or said (``own_words``:
  messages they sent, chat messages, their own statement; for knowledge, reckless
  disregard and agreement) and over all contacts between two people (``contact_series``,
  for agreement), knowing the concepts each person's facts already show. A fact resting on
  an assertion takes that assertion's status; one resting on a record is a suggestion.
- **Human links** (``Assertion`` with predicate ``element_link``): a person ties an
  assertion, a record or a free note to a suspect x element. Unlinking sets the link
  to ``rejected`` with who and when; nothing is deleted. A rejected link that names
  a rule fact suppresses that machine suggestion.

Independent sources: all statements of one person are one source
(``statement:<pseudonym>``); any other file is its own source (``file:<sha256>``).

Performance: one query per table, then pure code (see ``benchmarks/elements.py``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, bindparam, func, or_, select
from sqlalchemy.orm import Session

from palermo.analysis.readiness import statute_readiness
from palermo.law import (
    AppliedRule,
    ElementResult,
    EvidenceItem,
    Fact,
    StatuteAssessment,
    Suspect,
    Victim,
    apply_evidence_rules,
    assess_case,
    load_concepts,
    load_evidence_rules,
    load_gap_advice,
    load_statutes,
)
from palermo.law.exploitation import RELEVANT
from palermo.security import audit, identities
from palermo.security.permissions import SYSTEM, Actor, Permission
from palermo.security.redaction import IdentityTokens, Redactor
from palermo.services import analysis_jobs
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.derived_views import KeptView
from palermo.services.errors import InvalidInput, NotFound
from palermo.services.request_memo import read_once
from palermo.services.viewcache import case_fingerprint, viewer_key
from palermo.store.models import (
    Assertion,
    AssertionStatus,
    Case,
    Charge,
    EvidenceFile,
    Identifier,
    Person,
    Record,
)
from palermo.store.models.documents import Document, DocumentPage

LINK = "element_link"
AUTHOR = "document_author"
IDENTIFIER = "identifier"
CONSIDERED = "considered"
# Attribution of facts the evidence rules derive from structured records alone.
RECORD_RULE = "record rule"
RECORD_KINDS = ("payment", "trip", "call", "message")
# Evidence file kinds (as the ingest names them) -> the engine's source kinds.
_FILE_KINDS = {
    "transactions": "bank_record",
    "payments": "bank_record",
    "payment": "bank_record",
    "calls": "phone_record",
    "call": "phone_record",
    "messages": "chat",
    "message": "chat",
    "chat": "chat",
    "trips": "travel_record",
    "trip": "travel_record",
}
_STATEMENT_KINDS = {
    "victim": "victim_statement",
    "witness": "witness_statement",
    "suspect": "defendant_statement",
}
# The maker of a statement names themself near the top: "My name is ...", "Statement of ...".
_AUTHOR_CUE = re.compile(
    r"(?:my name is|statement of|statement by|statement from|declaration of|i,)\s*$",
    re.IGNORECASE,
)
_AUTHOR_WINDOW = 600
# Message logs are read for indicators at assessment time (ingest stores none for them);
# beyond this many messages from suspects the rest are left for a later version.
MAX_SCANNED_MESSAGES = 20_000
# Unattributed facts listed for attribution by hand (the rest are counted).
MAX_LISTED = 500
# Look-alike record rows kept per (kind, file, parties, description) for the rules.
ROWS_PER_KIND = 20
_PAGE = re.compile(r"(?:page|message)\s+(\d+)", re.IGNORECASE)


# --- what the service returns ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FactView:
    """One supporting fact with its drill-down to the passage or row."""

    id: str
    concept: str
    concept_label: str
    suspect: str | None  # pseudonym
    victim: str | None  # pseudonym
    status: str
    origin: str
    source_id: str
    source_kind: str
    quote: str
    locator: str | None
    evidence_file: str | None
    sha256: str | None
    attribution: str
    assertion_id: int | None = None
    record_id: int | None = None
    link_id: int | None = None
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class RuleView:
    rule_id: str
    kind: str
    citation: str
    explanation: str
    waives: list[str]
    victims: list[str]
    pending: bool


@dataclass(frozen=True, slots=True)
class GapView:
    element_id: str
    element_label: str
    kind: str
    status: str
    required: bool
    have: list[str]
    seek: list[str]
    advice: str


@dataclass(frozen=True, slots=True)
class ElementView:
    element_id: str
    kind: str
    label: str
    required: bool
    status: str
    evidence_status: str
    source_count: int
    sources: list[str]
    source_kinds: list[str]
    satisfied_by: list[str]
    confirmed: list[FactView]
    suggested: list[FactView]
    waived_by: RuleView | None


@dataclass(frozen=True, slots=True)
class StatuteView:
    statute_id: str
    title: str
    citation: str
    jurisdiction: str
    charge_status: str
    readiness: str
    reason: str
    warning: str | None
    elements: list[ElementView]
    rules: list[RuleView]
    penalties: list[str]
    gaps: list[GapView]


@dataclass(frozen=True, slots=True)
class SuspectView:
    person_id: int
    pseudonym: str
    name: str
    statutes: list[StatuteView]


@dataclass(frozen=True, slots=True)
class VictimView:
    person_id: int
    pseudonym: str
    is_minor: bool


@dataclass(frozen=True, slots=True)
class StatuteChoice:
    statute_id: str
    citation: str
    title: str
    fits: bool  # the statute applies to the case's jurisdiction


@dataclass(frozen=True, slots=True)
class LinkView:
    id: int
    suspect: str
    statute_id: str | None
    element_id: str | None
    concept: str
    status: str
    quote: str
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class CaseAssessment:
    reference: str
    jurisdiction: str
    readiness: str
    readiness_reason: str
    suspects: list[SuspectView]
    victims: list[VictimView]
    unattributed: list[FactView]
    unattributed_total: int
    links: list[LinkView]
    statute_choices: list[StatuteChoice]
    fact_count: int
    can_decide: bool
    can_edit: bool
    # Every fact bearing on the form of exploitation (law.exploitation.RELEVANT), whether
    # or not a charge of its suspect uses it: the header's form needs no charge.
    exploitation_facts: list[FactView] = field(default_factory=list)


# --- loading ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Person:
    id: int
    kind: str
    pseudonym: str
    name: str | None
    is_minor: bool
    names: list[str] = field(default_factory=list)  # all known forms, victims' unsealed
    tokens: IdentityTokens | None = None  # a victim's sealed identity, to redact


@dataclass(slots=True)
class _File:
    id: int
    name: str
    sha256: str
    source_kind: str | None


@dataclass(slots=True)
class _Loaded:
    case: Case
    people: dict[int, _Person]
    charges: list[tuple[int, int, str, str]]  # id, person_id, statute_id, status
    owners: dict[str, int]  # identifier value -> person id
    files: dict[int, _File]
    documents: dict[int, tuple[int, str, str | None]]  # id -> file id, media type, title
    page_heads: dict[int, str]  # document id -> start of page 1
    assertions: list[Any]
    records: list[Any]


def _load(ctx: Context, session: Session, case: Case, actor: Actor = SYSTEM) -> _Loaded:
    cid = case.id
    people: dict[int, _Person] = {}
    # Fails closed: an identity that cannot be opened stops the request.
    sealed = {
        i.person_id: i
        for i in identities.case_identities(ctx, session, cid, actor=actor, purpose="elements")
    }
    for p in session.scalars(select(Person).where(Person.case_id == cid)):
        identity = sealed.get(p.id)
        names = identity.names if identity else [n for n in [p.name, *(p.aliases or [])] if n]
        people[p.id] = _Person(
            p.id,
            p.kind,
            p.pseudonym,
            p.name,
            bool(p.is_minor),
            names,
            identity.tokens() if identity else None,
        )
    charges = [
        (r.id, r.person_id, r.statute_id, r.status)
        for r in session.execute(
            select(Charge.id, Charge.person_id, Charge.statute_id, Charge.status)
            .where(Charge.case_id == cid)
            .order_by(Charge.id)
        )
    ]
    owners = {
        r.value: r.person_id
        for r in session.execute(
            select(Identifier.value, Identifier.person_id).where(
                Identifier.case_id == cid, Identifier.person_id.is_not(None)
            )
        )
    }
    files = {
        r.id: _File(r.id, r.original_name, r.sha256, r.source_kind)
        for r in session.execute(
            select(
                EvidenceFile.id,
                EvidenceFile.original_name,
                EvidenceFile.sha256,
                EvidenceFile.source_kind,
            ).where(EvidenceFile.case_id == cid)
        )
    }
    documents = {
        r.id: (r.evidence_file_id, r.media_type or "", r.title)
        for r in session.execute(
            select(
                Document.id, Document.evidence_file_id, Document.media_type, Document.title
            ).where(Document.case_id == cid)
        )
    }
    # Only the top of page 1: enough to see who makes a statement (cut here: the text is
    # encrypted at rest, so the database cannot cut it).
    page_heads = {
        r.document_id: (r.text or "")[:_AUTHOR_WINDOW]
        for r in session.execute(
            select(DocumentPage.document_id, DocumentPage.text)
            .join(Document, Document.id == DocumentPage.document_id)
            .where(Document.case_id == cid, DocumentPage.number == 1)
        )
    }
    assertions = [
        a
        for a in session.execute(
            select(
                Assertion.id,
                Assertion.subject_type,
                Assertion.subject_id,
                Assertion.predicate,
                Assertion.value,
                Assertion.details,
                Assertion.evidence_file_id,
                Assertion.record_id,
                Assertion.locator,
                Assertion.span_start,
                Assertion.span_end,
                Assertion.quote,
                Assertion.status,
                Assertion.origin,
                Assertion.decided_by,
                Assertion.decided_at,
            ).where(
                Assertion.case_id == cid,
                Assertion.predicate.in_(("indicator", "mention", LINK, AUTHOR, IDENTIFIER)),
            )
        )
        # Phone numbers and e-mail addresses found in documents: they tie an advert or a
        # page to a person, and mark advertised numbers. (Values are encrypted at rest:
        # chosen here, not with LIKE.)
        if a.predicate != IDENTIFIER or (a.value or "").startswith("+") or "@" in (a.value or "")
    ]
    values = list(owners)
    # Chat exports (WhatsApp, Telegram, SMS backups): a document whose pages are messages.
    chat_files = [fid for fid, _, _ in documents.values() if _is_chat(files.get(fid))]
    conds = [Record.kind == "trip"]
    if values:
        conds += [Record.source.in_(values), Record.target.in_(values)]
    if chat_files:
        conds.append(Record.evidence_file_id.in_(chat_files))
    # Payments and calls between the same two endpoints in one file are capped in SQL at
    # ROWS_PER_KIND (the earliest): they give facts with one source and one status.
    # Trips (first travel) and messages (indicators in their text) are all read.
    rank = (
        func.row_number()
        .over(
            partition_by=(Record.kind, Record.evidence_file_id, Record.source, Record.target),
            order_by=(Record.occurred_at, Record.id),
        )
        .label("rank")
    )
    inner = (
        select(
            Record.id,
            Record.evidence_file_id,
            Record.row_number,
            Record.kind,
            Record.occurred_at,
            Record.source,
            Record.target,
            Record.amount,
            Record.currency,
            Record.body,
            Record.origin,
            Record.destination,
            Record.attrs,
            rank,
        )
        .where(Record.case_id == cid, Record.kind.in_(RECORD_KINDS), or_(*conds))
        .subquery()
    )
    records = list(
        session.execute(
            select(inner).where(
                or_(inner.c.kind.in_(("trip", "message")), inner.c.rank <= ROWS_PER_KIND)
            )
        )
    )
    return _Loaded(case, people, charges, owners, files, documents, page_heads, assertions,
                   records)  # fmt: skip


# --- building facts (pure) ----------------------------------------------------------------


@dataclass(slots=True)
class _Built:
    facts: list[Fact]
    info: dict[str, FactView]
    unattributed: list[FactView]
    links: list[LinkView]
    unattributed_total: int = 0


def _is_chat(f: _File | None) -> bool:
    return f is not None and f.source_kind == "chat"


@lru_cache(maxsize=1)
def _own_words_indicators() -> frozenset[str]:
    """Indicators whose hits count only against whoever wrote or said the words."""
    from palermo.law.indicators import load_indicators

    return frozenset(ci.id for ci in load_indicators() if ci.indicator.own_words)


@dataclass(frozen=True, slots=True)
class _Origin:
    """Where a derived item (a suspect's own words, a series of contacts) comes from."""

    record_id: int | None
    assertion_id: int | None
    file_id: int | None
    attribution: str


@lru_cache(maxsize=100_000)
def _message_indicators(body: str) -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """(indicator id, concept ids, sentence) found in a message body; bodies repeat, so the
    cache makes a second look at a case cheap."""
    from palermo.extract.indicators import find_indicators

    return tuple(
        (str(e.value), tuple(e.details.get("concepts") or ()), str(e.details.get("sentence")))
        for e in find_indicators(body)
    )


class _PageMentions:
    """Mentions of known people on one page, sorted for span look-ups."""

    __slots__ = ("ends", "spans", "starts", "suspects", "victims")

    def __init__(self, mentions: list[tuple[int, int, int]], people: dict[int, _Person]) -> None:
        self.spans = sorted(mentions)
        self.starts = [m[0] for m in self.spans]
        self.ends = max((m[1] - m[0] for m in self.spans), default=0)  # longest mention
        self.suspects = sorted({p for _, _, p in self.spans if people[p].kind == "suspect"})
        self.victims = sorted({p for _, _, p in self.spans if people[p].kind == "victim"})

    def within(self, s0: int, s1: int) -> list[int]:
        """People whose mention overlaps [s0, s1)."""
        lo = bisect_left(self.starts, s0 - self.ends)
        hi = bisect_left(self.starts, s1)
        return [p for st, en, p in self.spans[lo:hi] if st < s1 and en > s0]


def _span(value: Any) -> tuple[int, int] | None:
    """A (start, end) span stored in an extraction's details, or None."""
    if isinstance(value, list | tuple) and len(value) == 2:
        try:
            return int(value[0]), int(value[1])
        except (TypeError, ValueError):
            return None
    return None


@lru_cache(maxsize=4096)
def _page_of(locator: str | None) -> int:
    m = _PAGE.search(locator or "")
    return int(m.group(1)) if m else 1


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


class _Builder:
    def __init__(self, data: _Loaded, redact: Redactor | None, users: dict[int, str]) -> None:
        if redact is not None:  # file names can carry a name too
            data.files = {
                fid: _File(f.id, redact(f.name), f.sha256, f.source_kind)
                for fid, f in data.files.items()
            }
        self.d = data
        self.redact = redact
        self.users = users
        self.concepts = load_concepts()
        self.people = data.people
        self.by_name: dict[str, int] = {}
        for p in data.people.values():
            for n in p.names:
                self.by_name.setdefault(_norm(n), p.id)
        self.file_doc = {fid: doc_id for doc_id, (fid, _, _) in data.documents.items()}
        # Mentions of known people: (file, page) -> [(start, end, person id)]
        self.mentions: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
        self.authors: dict[int, tuple[int, str]] = {}  # document id -> person, why
        human_authors: dict[int, tuple[int, str]] = {}
        self.rules = load_evidence_rules()
        self.own_words_ids = _own_words_indicators()
        # Phone numbers and e-mails of the case's people on each page: (file, page) ->
        # [(start, end, person id)]; and the phone numbers on advert pages.
        self.identifiers: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
        numbers: dict[tuple[int, int], set[str]] = defaultdict(set)
        advert_pages: set[tuple[int, int]] = set()
        adverts = set(self.rules.advert_indicators)
        for a in data.assertions:
            if a.status == AssertionStatus.REJECTED.value:
                continue
            if a.predicate == "mention" and a.subject_type == "person":
                if a.subject_id in self.people and a.evidence_file_id is not None:
                    key = (a.evidence_file_id, _page_of(a.locator))
                    self.mentions[key].append((a.span_start or 0, a.span_end or 0, a.subject_id))
            elif a.predicate == AUTHOR and a.subject_type == "document":
                pid = int(a.value) if (a.value or "").isdigit() else None
                if pid is not None and pid in self.people and a.subject_id is not None:
                    human_authors[a.subject_id] = (pid, "author set by hand")
            elif a.evidence_file_id is None:
                continue
            elif a.predicate == IDENTIFIER and a.value:
                key = (a.evidence_file_id, _page_of(a.locator))
                numbers[key].add(a.value)
                pid = data.owners.get(a.value)
                if pid is not None and pid in self.people:
                    self.identifiers[key].append((a.span_start or 0, a.span_end or 0, pid))
            elif a.predicate == "indicator" and (
                a.value in adverts or (a.details or {}).get("indicator") in adverts
            ):
                advert_pages.add((a.evidence_file_id, _page_of(a.locator)))
        self.advertised = {
            n for key in advert_pages for n in numbers.get(key, ()) if n.startswith("+")
        }
        # Derived items (a suspect's own words, series of contacts), for the second pass.
        self.own_words: list[EvidenceItem] = []
        self.origins: dict[str, _Origin] = {}
        self._pages: dict[tuple[int, int], _PageMentions] = {}
        # Assertions a person has already tied to a suspect by hand.
        self.linked = {
            int((a.details or {})["assertion_id"])
            for a in data.assertions
            if a.predicate == LINK
            and a.status == AssertionStatus.CONFIRMED.value
            and (a.details or {}).get("assertion_id") is not None
        }
        self._find_authors()
        self.authors.update(human_authors)
        # Chat messages: (file, row) -> record
        self.chat_rows: dict[tuple[int, int], Any] = {}
        chat_files = {fid for fid, _, _ in data.documents.values() if _is_chat(data.files.get(fid))}
        for r in data.records:
            if r.kind == "message" and r.evidence_file_id in chat_files:
                self.chat_rows[(r.evidence_file_id, r.row_number)] = r

    def _find_authors(self) -> None:
        for doc_id, (fid, _media, title) in self.d.documents.items():
            head = self.d.page_heads.get(doc_id, "")
            for start, _end, pid in sorted(self.mentions.get((fid, 1), [])):
                if start >= _AUTHOR_WINDOW:
                    break
                before = head[max(0, start - 40) : start]
                if _AUTHOR_CUE.search(before):
                    self.authors[doc_id] = (pid, "names themself as the maker of the statement")
                    break
            if doc_id not in self.authors and title:
                m = re.search(r"statement (?:of|by) (.+?)(?:\.\w+)?$", title, re.IGNORECASE)
                named = self.by_name.get(_norm(m.group(1))) if m else None
                if named is not None:
                    self.authors[doc_id] = (named, "named in the document's title")

    # -- helpers

    def pseudo(self, pid: int | None) -> str | None:
        return self.people[pid].pseudonym if pid is not None and pid in self.people else None

    def quote(self, text: str | None) -> str:
        text = " ".join((text or "").split())
        return self.redact(text) if self.redact is not None else text

    def file_source(self, fid: int | None) -> tuple[str, str]:
        f = self.d.files.get(fid) if fid is not None else None
        if f is None:
            return ("unknown", "other")
        doc = self.file_doc.get(f.id)
        if doc is not None:
            media = self.d.documents[doc][1]
            kind = "chat" if ("whatsapp" in media or f.source_kind == "chat") else "other"
            author = self.authors.get(doc)
            if author is not None and kind != "chat":
                p = self.people[author[0]]
                sk = _STATEMENT_KINDS.get(p.kind, "witness_statement")
                return (f"statement:{p.pseudonym}", sk)
            return (f"file:{f.sha256}", kind)
        return (f"file:{f.sha256}", _FILE_KINDS.get(f.source_kind or "", "other"))

    def label(self, concept: str) -> str:
        c = self.concepts.get(concept)
        return c.label if c is not None else concept

    # -- indicators

    def indicator_facts(self, out: _Built) -> dict[int, tuple[str, str]]:
        """Facts of indicator assertions; returns assertion id -> (source id, kind)."""
        sources: dict[int, tuple[str, str]] = {}
        for a in self.d.assertions:
            if a.predicate != "indicator" or a.subject_type != "document":
                continue
            source = self.file_source(a.evidence_file_id)
            sources[a.id] = source
            if a.status == AssertionStatus.REJECTED.value:
                continue
            details = a.details or {}
            concepts = [str(c) for c in details.get("concepts") or [] if c in self.concepts]
            if not concepts:
                continue
            suspects, victim, why = self.attribute(a, details)
            f = self.d.files.get(a.evidence_file_id)
            page = _page_of(a.locator)
            sentence = details.get("sentence") or a.quote
            self.note_own_words(a, details, concepts, victim, source, sentence)
            for concept in concepts:
                case_wide = self.concepts[concept].kind in ("jurisdiction", "other")
                targets: list[int | None] = [*suspects] or [None]
                for sid in targets:
                    loose = sid is None and not case_wide
                    if loose and (a.id in self.linked or len(out.unattributed) >= MAX_LISTED):
                        # Attributed by hand already, or beyond the listed ones: count only.
                        out.unattributed_total += a.id not in self.linked
                        continue
                    fid = f"a{a.id}:{concept}" + (f":{sid}" if sid is not None else "")
                    view = FactView(
                        id=fid,
                        concept=concept,
                        concept_label=self.label(concept),
                        suspect=self.pseudo(sid),
                        victim=self.pseudo(victim),
                        status=a.status,
                        origin=a.origin or "machine",
                        source_id=source[0],
                        source_kind=source[1],
                        quote=self.quote(sentence),
                        locator=a.locator or f"page {page}",
                        evidence_file=f.name if f else None,
                        sha256=f.sha256 if f else None,
                        attribution=why,
                        assertion_id=a.id,
                        rule=str(details.get("indicator") or a.value or ""),
                    )
                    if loose:
                        out.unattributed.append(view)
                        out.unattributed_total += 1
                        continue
                    out.info[fid] = view
                    out.facts.append(self.fact(view))
        return sources

    def fact(self, v: FactView) -> Fact:
        return Fact(
            id=v.id,
            concept=v.concept,
            suspect=v.suspect,
            victim=v.victim,
            status=v.status,
            source_id=v.source_id,
            source_kind=v.source_kind,
            quote=v.quote,
            locator=v.locator,
            evidence_file=v.evidence_file,
            origin=v.origin,
        )

    def speaker(self, a: Any) -> tuple[int | None, Any, str]:
        """Whose own words an assertion is: the sender of a chat message, or the maker of
        a statement; with the chat row (or None) and how it is known."""
        fid, page = a.evidence_file_id, _page_of(a.locator)
        if fid is None:
            return None, None, ""
        chat = self.chat_rows.get((fid, page))
        if chat is not None:
            sender = self.owner(chat.source) or self.name_owner(
                (chat.attrs or {}).get("sender_name")
            )
            return sender, chat, "the sender of the message"
        doc = self.file_doc.get(fid)
        author = self.authors.get(doc) if doc is not None else None
        if author is not None and not _is_chat(self.d.files.get(fid)):
            return author[0], None, f"the maker of the statement ({author[1]})"
        return None, None, ""

    def note_own_words(
        self,
        a: Any,
        details: dict[str, Any],
        concepts: list[str],
        victim: int | None,
        source: tuple[str, str],
        sentence: str | None,
    ) -> None:
        """An indicator in a suspect's own words (a chat message they sent, a statement
        they made) becomes an ``own_words`` item for the rules on state of mind."""
        who, chat, how = self.speaker(a)
        if who is None or self.people[who].kind != "suspect":
            return
        parties = {"speaker": self.people[who].pseudonym}
        recipient = self.owner(chat.target) if chat is not None else None
        if recipient is not None and recipient != who:
            parties["recipient"] = self.people[recipient].pseudonym
        if victim is not None:
            parties["victim"] = self.people[victim].pseudonym
        text = (chat.body if chat is not None else None) or sentence or ""
        f = self.d.files.get(a.evidence_file_id)
        key = f"a{a.id}"
        self.own_words.append(
            EvidenceItem(
                id=key,
                kind="own_words",
                source_id=source[0],
                source_kind=source[1],
                occurred_at=chat.occurred_at if chat is not None else None,
                parties=parties,
                fields={
                    "concepts": concepts,
                    "indicators": [str(details.get("indicator") or a.value or "")],
                    "text": text,
                    "to_advert": chat is not None and chat.target in self.advertised,
                },
                quote=self.quote(sentence),
                locator=a.locator or f"page {_page_of(a.locator)}",
                evidence_file=f.name if f else None,
                status=a.status,
            )
        )
        self.origins[key] = _Origin(
            None, a.id, a.evidence_file_id, f"the suspect's own words ({how})"
        )

    def attribute(self, a: Any, details: dict[str, Any]) -> tuple[list[int], int | None, str]:
        fid, page = a.evidence_file_id, _page_of(a.locator)
        span = details.get("sentence_span") or [a.span_start or 0, a.span_end or 0]
        s0, s1 = int(span[0]), int(span[1])
        index = self.page_index(fid, page)
        in_sentence = index.within(s0, s1)
        doc = self.file_doc.get(fid) if fid is not None else None
        author = self.authors.get(doc) if doc is not None else None
        chat = self.chat_rows.get((fid, page)) if fid is not None else None
        why: list[str] = []

        def kind_of(pid: int) -> str:
            return self.people[pid].kind

        own_words = bool(details.get("own_words")) or (
            str(details.get("indicator") or a.value or "") in self.own_words_ids
        )
        suspects: list[int] = []
        if own_words:
            # The speaker's state of mind or conduct: only the speaker, never a name nearby.
            who, _chat, how = self.speaker(a)
            if who is not None and kind_of(who) == "suspect":
                suspects = [who]
                why.append(f"the suspect's own words ({how})")
            else:
                why.append("the words of someone other than a suspect")
        else:
            # The sentence says who did it ("Ding confiscated the victim's passport"):
            # only the suspect named as the doer, not every suspect in the sentence.
            agent = _span(details.get("agent_span"))
            if agent is not None:
                suspects = sorted({p for p in index.within(*agent) if kind_of(p) == "suspect"})
                if suspects:
                    why.append("suspect named as the one who did it")
            if not suspects:
                suspects = sorted({p for p in in_sentence if kind_of(p) == "suspect"})
                if suspects:
                    why.append("suspect named in the same sentence")
        if not suspects and not own_words and chat is not None:
            sender = self.owner(chat.source) or self.name_owner(
                (chat.attrs or {}).get("sender_name")
            )
            if sender is not None and kind_of(sender) == "suspect":
                suspects = [sender]
                why.append("suspect is the sender of the message")
        if not suspects and not own_words:
            named = index.suspects
            if len(named) == 1:
                suspects = named
                why.append("the only suspect named on the same page")
        if (
            not suspects
            and not own_words
            and author is not None
            and kind_of(author[0]) == "suspect"
        ):
            suspects = [author[0]]
            why.append("the suspect's own statement")
        if not suspects and not own_words and fid is not None:
            # An advert or a record page that gives a suspect's phone number or e-mail.
            listed = sorted(
                {p for _, _, p in self.identifiers.get((fid, page), []) if kind_of(p) == "suspect"}
            )
            if len(listed) == 1:
                suspects = listed
                why.append("the only suspect whose phone number or e-mail is on the same page")
        victim: int | None = None
        if author is not None and kind_of(author[0]) == "victim":
            victim = author[0]
            why.append(f"victim's own statement ({author[1]})")
        patient = _span(details.get("patient_span"))
        if victim is None and patient is not None:
            vs = sorted({p for p in index.within(*patient) if kind_of(p) == "victim"})
            if len(vs) == 1:
                victim = vs[0]
                why.append("victim named as the one it was done to")
        if victim is None:
            vs = sorted({p for p in in_sentence if kind_of(p) == "victim"})
            if len(vs) == 1:
                victim = vs[0]
                why.append("victim named in the same sentence")
        if victim is None and chat is not None:
            other = self.owner(chat.target)
            if other is not None and kind_of(other) == "victim":
                victim = other
                why.append("victim is the other party of the chat")
        if victim is None and len(index.victims) == 1:
            victim = index.victims[0]
            why.append("the only victim named on the same page")
        if not suspects and not own_words:
            why.insert(0, "no suspect named in the sentence or page, nor the sender")
        return suspects, victim, "; ".join(why)

    def page_index(self, fid: int | None, page: int) -> _PageMentions:
        key = (fid or 0, page)
        got = self._pages.get(key)
        if got is None:
            got = self._pages[key] = _PageMentions(self.mentions.get(key, []), self.people)
        return got

    def owner(self, value: str | None) -> int | None:
        return self.d.owners.get(value) if value else None

    def name_owner(self, name: Any) -> int | None:
        return self.by_name.get(_norm(str(name))) if name else None

    # -- records

    def record_items(self) -> tuple[list[EvidenceItem], dict[str, Any]]:
        items: list[EvidenceItem] = []
        rows: dict[str, Any] = {}
        # Rows that look alike (same kind, file, parties and rule-relevant fields) give
        # facts with the same source and status: a few of each are enough for the
        # matrix and the drill-down, and the rules then run on thousands, not millions.
        alike: dict[tuple[Any, ...], int] = defaultdict(int)
        first_contact: dict[tuple[Any, ...], Any] = {}
        for r in self.d.records:
            if r.kind in ("call", "message"):
                a, b = self.owner(r.source), self.owner(r.target)
                if a is None or b is None:
                    continue
                # Only the earliest contact of a pair can be a "first contact".
                pair = (min(a, b), max(a, b))
                best = first_contact.get(pair)
                if r.occurred_at is not None and (
                    best is None or best.occurred_at is None or r.occurred_at < best.occurred_at
                ):
                    first_contact[pair] = r
        keep_contacts = {id(r) for r in first_contact.values()}
        # Calls and messages to a number listed in a sex advert: a few per caller and
        # number, for the buyer rules (each may be followed by a payment).
        to_advert: dict[tuple[int, str], int] = defaultdict(int)
        for r in self.d.records:
            advert = r.kind in ("call", "message") and r.target in self.advertised
            if r.kind in ("call", "message") and id(r) not in keep_contacts:
                caller = self.owner(r.source) if advert else None
                if caller is None:
                    continue
                to_advert[(caller, r.target)] += 1
                if to_advert[(caller, r.target)] > ROWS_PER_KIND:
                    continue
            attrs = r.attrs or {}
            parties: dict[str, str] = {}
            fields: dict[str, Any] = {}
            if r.kind == "trip":
                who = self.name_owner(r.source)
                payer = self.owner(attrs.get("paid_by")) or self.owner(attrs.get("booked_by"))
                if who is not None:
                    parties["traveller"] = self.people[who].pseudonym
                if payer is not None:
                    parties["payer"] = self.people[payer].pseudonym
            else:
                for slot, value in (("source", r.source), ("target", r.target)):
                    pid = self.owner(value)
                    if pid is not None:
                        parties[slot] = self.people[pid].pseudonym
            if not parties:
                continue
            if r.kind == "payment":
                fields = {
                    "amount": float(r.amount) if r.amount is not None else None,
                    "description": attrs.get("reference"),
                    "counterparty_category": attrs.get("counterparty_category"),
                }
            elif advert:
                fields = {"target_advertised": True}
            if r.kind != "trip":  # trips decide each traveller's first travel: keep all
                signature = (
                    r.kind,
                    r.evidence_file_id,
                    tuple(sorted(parties.items())),
                    fields.get("counterparty_category"),
                    str(fields.get("description") or "").lower(),
                    advert,
                )
                alike[signature] += 1
                if alike[signature] > ROWS_PER_KIND:
                    continue
            sid, skind = self.file_source(r.evidence_file_id)
            f = self.d.files.get(r.evidence_file_id)
            key = f"r{r.id}"
            rows[key] = r
            items.append(
                EvidenceItem(
                    id=key,
                    kind=r.kind,
                    source_id=sid,
                    source_kind=skind,
                    occurred_at=r.occurred_at,
                    parties=parties,
                    fields=fields,
                    quote=self.quote(_describe(r)),
                    locator=f"row {r.row_number}",
                    evidence_file=f.name if f else None,
                )
            )
        return items, rows

    def rule_view(
        self,
        fact: Fact,
        rule: str,
        attribution: str,
        *,
        file_id: int | None,
        record_id: int | None,
        assertion_id: int | None = None,
    ) -> FactView:
        """The view of a fact an evidence rule derived (from records, or a second pass)."""
        f = self.d.files.get(file_id) if file_id is not None else None
        return FactView(
            id=fact.id,
            concept=fact.concept,
            concept_label=self.label(fact.concept),
            suspect=fact.suspect,
            victim=fact.victim,
            status=fact.status,
            origin="machine",
            source_id=fact.source_id,
            source_kind=fact.source_kind,
            quote=fact.quote or "",
            locator=fact.locator,
            evidence_file=fact.evidence_file,
            sha256=f.sha256 if f else None,
            attribution=attribution,
            assertion_id=assertion_id,
            record_id=record_id,
            rule=rule,
        )

    def record_facts(self, out: _Built, suppressed: set[str]) -> None:
        items, rows = self.record_items()
        roles = {p.pseudonym: p.kind for p in self.people.values()}
        descriptions = {rule.id: rule.description for rule in load_evidence_rules().rules}
        for fact in apply_evidence_rules(items, roles):
            if fact.id in suppressed:
                continue
            rid, _, rule = fact.id.partition("#")
            r = rows[rid]
            view = self.rule_view(
                fact,
                rule,
                f"{RECORD_RULE}: {descriptions.get(rule, rule)}",
                file_id=r.evidence_file_id,
                record_id=r.id,
            )
            if fact.suspect is None and self.concepts[fact.concept].kind not in (
                "jurisdiction",
                "other",
            ):
                out.unattributed.append(view)
                out.unattributed_total += 1
                continue
            out.info[fact.id] = view
            out.facts.append(fact)

    # -- human links

    def link_facts(self, out: _Built, sources: dict[int, tuple[str, str]]) -> set[str]:
        """Facts of confirmed links; returns the rule-fact ids that people rejected."""
        suppressed: set[str] = set()
        by_id = {a.id: a for a in self.d.assertions if a.predicate == "indicator"}
        record_by_id = {r.id: r for r in self.d.records}
        for a in self.d.assertions:
            if a.predicate != LINK:
                continue
            details = a.details or {}
            suspect = self.pseudo(a.subject_id)
            out.links.append(
                LinkView(
                    id=a.id,
                    suspect=suspect or "?",
                    statute_id=details.get("statute_id"),
                    element_id=details.get("element_id"),
                    concept=a.value or "",
                    status=a.status,
                    quote=self.quote(a.quote),
                    decided_by=self.users.get(a.decided_by) if a.decided_by else None,
                    decided_at=a.decided_at,
                )
            )
            rule_fact = details.get("rule_fact")
            if rule_fact:
                suppressed.add(str(rule_fact))  # decided by a person: the suggestion goes
            if a.status != AssertionStatus.CONFIRMED.value or suspect is None:
                continue
            concept = a.value or ""
            if concept not in self.concepts:
                continue
            linked_a = details.get("assertion_id")
            linked_r = details.get("record_id")
            f = self.d.files.get(a.evidence_file_id)
            if linked_a is not None and int(linked_a) in sources:
                source = sources[int(linked_a)]
                la = by_id.get(int(linked_a))
                if la is not None and la.status == AssertionStatus.REJECTED.value:
                    continue
            elif linked_r is not None and a.evidence_file_id is not None:
                source = self.file_source(a.evidence_file_id)
                _ = record_by_id.get(int(linked_r))
            else:
                source = (f"note:{a.id}", "other")
            victim = details.get("victim_id")
            view = FactView(
                id=f"l{a.id}",
                concept=concept,
                concept_label=self.label(concept),
                suspect=suspect,
                victim=self.pseudo(int(victim)) if victim is not None else None,
                status=AssertionStatus.CONFIRMED.value,
                origin="human",
                source_id=source[0],
                source_kind=source[1],
                quote=self.quote(a.quote),
                locator=a.locator,
                evidence_file=f.name if f else None,
                sha256=f.sha256 if f else None,
                attribution=(
                    "linked by hand"
                    + (f" by {self.users[a.decided_by]}" if a.decided_by in self.users else "")
                ),
                assertion_id=int(linked_a) if linked_a is not None else None,
                record_id=int(linked_r) if linked_r is not None else None,
                link_id=a.id,
            )
            out.info[view.id] = view
            out.facts.append(self.fact(view))
        return suppressed

    def message_facts(self, out: _Built, suppressed: set[str]) -> None:
        """Indicators in the text of message records sent by a suspect (CSV message logs:
        chat exports are documents and already have indicator assertions)."""
        scanned = 0
        for r in self.d.records:
            if r.kind != "message" or not r.body or _is_chat(self.d.files.get(r.evidence_file_id)):
                continue
            sender = self.owner(r.source)
            if sender is None or self.people[sender].kind != "suspect":
                continue
            scanned += 1
            if scanned > MAX_SCANNED_MESSAGES:
                break
            hits = _message_indicators(r.body)
            if not hits:
                continue
            other = self.owner(r.target)
            victim = other if other is not None and self.people[other].kind == "victim" else None
            source = self.file_source(r.evidence_file_id)
            f = self.d.files.get(r.evidence_file_id)
            parties = {"speaker": self.people[sender].pseudonym}
            if other is not None and other != sender:
                parties["recipient"] = self.people[other].pseudonym
            if victim is not None:
                parties["victim"] = self.people[victim].pseudonym
            key = f"r{r.id}"
            self.own_words.append(
                EvidenceItem(
                    id=key,
                    kind="own_words",
                    source_id=source[0],
                    source_kind=source[1],
                    occurred_at=r.occurred_at,
                    parties=parties,
                    fields={
                        "concepts": sorted({c for _, cs, _ in hits for c in cs}),
                        "indicators": sorted({ind for ind, _, _ in hits}),
                        "text": r.body,
                        "to_advert": r.target in self.advertised,
                    },
                    quote=self.quote(r.body[:1000]),
                    locator=f"row {r.row_number}",
                    evidence_file=f.name if f else None,
                )
            )
            how = "the suspect's own words (the sender of the message)"
            self.origins[key] = _Origin(r.id, None, r.evidence_file_id, how)
            for indicator, concepts, sentence in hits:
                for concept in concepts:
                    if concept not in self.concepts:
                        continue
                    fid = f"r{r.id}#indicator:{indicator}:{concept}"
                    if fid in suppressed:
                        continue
                    view = FactView(
                        id=fid,
                        concept=concept,
                        concept_label=self.label(concept),
                        suspect=self.pseudo(sender),
                        victim=self.pseudo(victim),
                        status=AssertionStatus.SUGGESTED.value,
                        origin="machine",
                        source_id=source[0],
                        source_kind=source[1],
                        quote=self.quote(sentence),
                        locator=f"row {r.row_number}",
                        evidence_file=f.name if f else None,
                        sha256=f.sha256 if f else None,
                        attribution="suspect is the sender of the message",
                        record_id=r.id,
                        rule=indicator,
                    )
                    out.info[fid] = view
                    out.facts.append(self.fact(view))

    # -- derived: state of mind and agreement, from own words and series of contacts

    def contact_series(self) -> list[EvidenceItem]:
        """All calls and messages between two people of the case, one item per person of
        the pair (``source`` is that person), for the rules on agreement. Contacts with an
        advertised number are left out: they are a customer's, not a partner's."""
        window = timedelta(hours=self.rules.event_window_hours)
        events: list[datetime] = []
        pairs: dict[tuple[int, int], list[Any]] = defaultdict(list)
        for r in self.d.records:
            if r.occurred_at is None:
                continue
            if r.kind == "trip":
                who = self.name_owner(r.source)
                if who is not None and self.people[who].kind == "victim":
                    events.append(r.occurred_at)
            elif r.kind == "payment":
                payee = self.owner(r.target)
                if payee is not None and self.people[payee].kind == "suspect":
                    events.append(r.occurred_at)
            elif r.kind in ("call", "message"):
                if r.source in self.advertised or r.target in self.advertised:
                    continue
                a, b = self.owner(r.source), self.owner(r.target)
                if a is not None and b is not None and a != b:
                    pairs[(min(a, b), max(a, b))].append(r)
        events.sort()

        def near(at: datetime) -> bool:
            i = bisect_left(events, at - window)
            return i < len(events) and events[i] <= at + window

        items: list[EvidenceItem] = []
        for (a, b), rows in pairs.items():
            rows.sort(key=lambda r: (r.occurred_at, r.id))
            close = [r for r in rows if near(r.occurred_at)]
            rep = close[0] if close else rows[0]
            days = len({r.occurred_at.date() for r in rows})
            first, last = rows[0].occurred_at, rows[-1].occurred_at
            pa, pb = self.people[a].pseudonym, self.people[b].pseudonym
            hours = f"{self.rules.event_window_hours:g}"
            quote = (
                f"{len(rows)} calls and messages between {pa} and {pb} on {days} days, "
                f"{first:%Y-%m-%d} to {last:%Y-%m-%d}; {len(close)} within {hours} hours "
                "of a victim's trip or a payment to a suspect"
            )
            source = self.file_source(rep.evidence_file_id)
            f = self.d.files.get(rep.evidence_file_id)
            for me, other in ((pa, pb), (pb, pa)):
                key = f"r{rep.id}~{me}"
                items.append(
                    EvidenceItem(
                        id=key,
                        kind="contact_series",
                        source_id=source[0],
                        source_kind=source[1],
                        occurred_at=rep.occurred_at,
                        parties={"source": me, "target": other},
                        fields={"contacts": len(rows), "days": days, "near_events": len(close)},
                        quote=quote,
                        locator=f"row {rep.row_number}",
                        evidence_file=f.name if f else None,
                    )
                )
                self.origins[key] = _Origin(rep.id, None, rep.evidence_file_id, RECORD_RULE)
        return items

    def derived_facts(self, out: _Built, suppressed: set[str]) -> None:
        """Second pass of the rules, over what the first pass cannot see: a suspect's own
        words (for knowledge and reckless disregard) and series of contacts (agreement),
        knowing which concepts each person's facts already show."""
        items = self.own_words + self.contact_series()
        if not items:
            return
        known: dict[str, set[str]] = defaultdict(set)
        for fact in out.facts:
            if fact.suspect is not None:
                known[fact.suspect].add(fact.concept)
        roles = {p.pseudonym: p.kind for p in self.people.values()}
        descriptions = {rule.id: rule.description for rule in self.rules.rules}
        for fact in apply_evidence_rules(items, roles, self.rules, known):
            if fact.id in suppressed or fact.suspect is None:
                continue
            key, _, rule = fact.id.partition("#")
            origin = self.origins[key]
            view = self.rule_view(
                fact,
                rule,
                f"{origin.attribution}: {descriptions.get(rule, rule)}",
                file_id=origin.file_id,
                record_id=origin.record_id,
                assertion_id=origin.assertion_id,
            )
            out.info[fact.id] = view
            out.facts.append(fact)

    def build(self) -> _Built:
        out = _Built([], {}, [], [])
        sources = self.indicator_facts(out)
        suppressed = self.link_facts(out, sources)
        self.record_facts(out, suppressed)
        self.message_facts(out, suppressed)
        self.derived_facts(out, suppressed)
        return out


def _describe(r: Any) -> str:
    when = r.occurred_at.strftime("%Y-%m-%d %H:%M") if r.occurred_at else "undated"
    if r.kind == "payment":
        amount = f"{r.amount} {r.currency or ''}".strip() if r.amount is not None else ""
        ref = (r.attrs or {}).get("reference")
        return f"payment {when}: {r.source or '?'} -> {r.target or '?'} {amount}" + (
            f" ({ref})" if ref else ""
        )
    if r.kind == "trip":
        return f"trip {when}: {r.source or '?'} {r.origin or '?'} -> {r.destination or '?'}"
    return f"{r.kind} {when}: {r.source or '?'} -> {r.target or '?'}"


# --- assessing ----------------------------------------------------------------------------

# Assessments per case fingerprint and viewer (see :func:`assess_cached`), kept in memory
# and stored (:mod:`.derived_views`).
_assessments: KeptView[CaseAssessment] = KeptView("elements.assessment/1", max_entries=32)


def _rule_view(r: AppliedRule) -> RuleView:
    return RuleView(
        r.rule_id, r.kind, r.citation, r.explanation, list(r.waives), list(r.victims), r.pending
    )


def _element_view(e: ElementResult, info: dict[str, FactView]) -> ElementView:
    return ElementView(
        element_id=e.element_id,
        kind=e.kind,
        label=e.label,
        required=e.required,
        status=e.status.value,
        evidence_status=e.evidence_status.value,
        source_count=e.source_count,
        sources=list(e.sources),
        source_kinds=list(e.source_kinds),
        satisfied_by=list(e.satisfied_by),
        confirmed=[info[f.id] for f in e.confirmed if f.id in info],
        suggested=[info[f.id] for f in e.suggested if f.id in info],
        waived_by=_rule_view(e.waived_by) if e.waived_by is not None else None,
    )


def _statute_view(
    a: StatuteAssessment, info: dict[str, FactView], charge_status: str
) -> StatuteView:
    ready = statute_readiness(a, load_gap_advice())
    labels = {e.element_id: e.label for e in a.elements}
    return StatuteView(
        statute_id=a.statute_id,
        title=a.title,
        citation=a.citation,
        jurisdiction=a.jurisdiction,
        charge_status=charge_status,
        readiness=ready.label,
        reason=ready.reason,
        warning=a.warning,
        elements=[_element_view(e, info) for e in a.elements],
        rules=[_rule_view(r) for r in a.rules],
        penalties=list(a.penalties),
        gaps=[
            GapView(
                element_id=g.element_id,
                element_label=labels.get(g.element_id, g.element_id),
                kind=g.kind,
                status=g.status.value,
                required=g.required,
                have=list(g.have),
                seek=[i.seek for i in g.seek],
                advice=g.advice,
            )
            for g in ready.gaps
        ],
    )


def _users(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    from palermo.store.models import User

    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {int(i): str(name) for i, name in rows}


def _redactor(data: _Loaded, actor: Actor) -> Redactor | None:
    if actor.can(Permission.SEE_VICTIM_IDENTITY):
        return None
    return _hide_victims(data)


def _hide_victims(data: _Loaded) -> Redactor:
    """Every sealed identity's tokens; the open names of everyone else are kept whole."""
    return Redactor(
        (p.tokens for p in data.people.values() if p.tokens is not None),
        keep=[n for p in data.people.values() if p.tokens is None for n in p.names],
    )


def assess(ctx: Context, actor: Actor, reference: str) -> CaseAssessment:
    """The whole elements picture of a case (audited as a read)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        data = _load(ctx, session, case, actor)
        users = _users(session, (a.decided_by for a in data.assertions if a.predicate == LINK))
        built = _Builder(data, _redactor(data, actor), users).build()
        result = _assess(data, built, actor)
        audit.record_read(
            session,
            actor=actor,
            action="elements.view",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
            details={"facts": result.fact_count, "readiness": result.readiness},
        )
        return result


def _people_digest(session: Session, case_id: int) -> tuple[Any, ...]:
    """What the case fingerprint does not see of edits to people that change the
    assessment: kinds, names, sealed identities and minors."""
    return read_once(
        session,
        ("people_digest", case_id),
        lambda: tuple(session.execute(_people_digest_statement(), {"digest_case": case_id}).one()),
    )


@lru_cache(maxsize=1)
def _people_digest_statement() -> Any:
    """Built once: building the statement cost more than running it."""
    length = func.coalesce(func.length(Person.kind), 0) + func.coalesce(func.length(Person.name), 0)
    return select(
        func.sum(length),
        func.sum(func.coalesce(func.length(Person.sealed_identity), 0)),
        func.sum(func.cast(Person.is_minor, Integer) * Person.id),
        func.sum(func.length(Person.kind) * Person.id),
    ).where(Person.case_id == bindparam("digest_case", type_=Integer))


def assess_cached(
    ctx: Context, actor: Actor, reference: str, *, audit_hit: bool = True
) -> CaseAssessment:
    """:func:`assess`, kept per case fingerprint and viewer (what the viewer may see and
    do), so that the Overview, the Elements tab and the case header share one
    computation. Access is checked on every call; a computation is audited by
    :func:`assess`, a cached answer too unless ``audit_hit`` is False (the header's
    one-word verdict, shown on every tab)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        case_id = case.id
        fingerprint = (*case_fingerprint(session, case), *_people_digest(session, case.id))
    # What the viewer may see and do (role, victims' names), not who the viewer is: the
    # assessment holds nothing of one user's, so colleagues of one role share it.
    variant = viewer_key(actor, reveal=True)
    cached = _assessments.get(
        ctx, case_id, fingerprint, variant, lambda: assess(ctx, actor, reference)
    )
    if cached.hit and audit_hit:
        with ctx.db.session() as session:
            audit.record_read(
                session,
                actor=actor,
                action="elements.view",
                case_id=case_id,
                object_type="case",
                object_id=case_id,
                details={
                    "facts": cached.value.fact_count,
                    "readiness": cached.value.readiness,
                    "cached": True,
                },
            )
    return cached.value


@dataclass(frozen=True, slots=True)
class AttributedFact:
    """A fact from a document, a chat or a message, tied to a suspect (by person id)."""

    id: str
    concept: str
    suspect_id: int
    victim_id: int | None
    status: str
    source_id: str
    quote: str  # victims' names replaced by their pseudonyms
    attribution: str
    assertion_id: int | None
    record_id: int | None
    evidence_file: str | None
    locator: str | None


def attributed_facts(ctx: Context, session: Session, case: Case) -> list[AttributedFact]:
    """Facts from what people said and wrote, tied to suspects exactly as the elements
    matrix ties them, so the Network and Memo never disagree with the Elements tab.

    Facts that the evidence rules derive from structured records (payments, trips, calls)
    are left out: the network reads those records directly. Quotes name victims only by
    pseudonym, whoever asks."""
    data = _load(ctx, session, case)
    hide_victims = _hide_victims(data)
    built = _Builder(data, hide_victims, {}).build()
    by_pseudonym = {p.pseudonym: p.id for p in data.people.values()}
    out: list[AttributedFact] = []
    for fact in built.facts:
        view = built.info.get(fact.id)
        suspect = by_pseudonym.get(fact.suspect or "")
        if view is None or suspect is None or view.attribution.startswith(RECORD_RULE):
            continue
        out.append(
            AttributedFact(
                id=fact.id,
                concept=fact.concept,
                suspect_id=suspect,
                victim_id=by_pseudonym.get(fact.victim or ""),
                status=fact.status,
                source_id=fact.source_id,
                quote=view.quote,
                attribution=view.attribution,
                assertion_id=view.assertion_id,
                record_id=view.record_id,
                evidence_file=view.evidence_file,
                locator=view.locator,
            )
        )
    return out


def _assess(data: _Loaded, built: _Built, actor: Actor) -> CaseAssessment:
    from palermo.analysis.readiness import readiness_summary

    book = load_statutes()
    case = data.case
    suspects_p = sorted(
        (p for p in data.people.values() if p.kind == "suspect"), key=lambda p: p.pseudonym
    )
    victims_p = sorted(
        (p for p in data.people.values() if p.kind == "victim"), key=lambda p: p.pseudonym
    )
    charged: dict[int, dict[str, str]] = defaultdict(dict)
    for _cid, pid, sid, status in data.charges:
        # "charged" outranks "considered" when both exist.
        if sid in book and book.get(sid).offence and charged[pid].get(sid) != "charged":
            charged[pid][sid] = status
    engine = assess_case(
        built.facts,
        [Suspect(p.pseudonym, tuple(charged.get(p.id, {}))) for p in suspects_p],
        [Victim(p.pseudonym, p.is_minor) for p in victims_p],
        case_jurisdiction=case.jurisdiction,
        book=book,
    )
    summary = readiness_summary(engine, load_gap_advice())
    suspects = [
        SuspectView(
            person_id=p.id,
            pseudonym=p.pseudonym,
            name=p.name or p.pseudonym,
            statutes=[
                _statute_view(a, built.info, charged[p.id].get(a.statute_id, CONSIDERED))
                for a in engine.for_suspect(p.pseudonym)
            ],
        )
        for p in suspects_p
    ]
    choices = [
        StatuteChoice(
            s.id, s.citation, s.title, book.jurisdiction_warning(s.id, case.jurisdiction) is None
        )
        for s in book
        if s.offence
    ]
    choices.sort(key=lambda c: (not c.fits, c.citation))
    return CaseAssessment(
        reference=case.reference,
        jurisdiction=case.jurisdiction,
        readiness=summary.label,
        readiness_reason=summary.reason,
        suspects=suspects,
        victims=[VictimView(p.id, p.pseudonym, p.is_minor) for p in victims_p],
        unattributed=built.unattributed,
        unattributed_total=built.unattributed_total,
        links=sorted(built.links, key=lambda link: link.id, reverse=True),
        statute_choices=choices,
        fact_count=len(built.facts),
        can_decide=actor.can(Permission.DECIDE),
        can_edit=actor.can(Permission.EDIT_CASE),
        exploitation_facts=[
            v
            for v in (*built.info.values(), *built.unattributed)
            if v.concept in RELEVANT and v.status != AssertionStatus.REJECTED.value
        ],
    )


# --- changes --------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def decide_assertion(
    ctx: Context, actor: Actor, reference: str, assertion_id: int, decision: str
) -> str:
    """Confirm or reject a machine suggestion (an indicator or mention); returns the status.

    The decision itself is :func:`palermo.services.review.decide` (one audited path for
    every suggestion); hand-made links are changed only through :func:`unlink`.
    """
    from palermo.services import review

    if decision not in (AssertionStatus.CONFIRMED.value, AssertionStatus.REJECTED.value):
        raise InvalidInput("decision must be 'confirmed' or 'rejected'")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.DECIDE)
        predicate = session.scalar(
            select(Assertion.predicate).where(
                Assertion.id == assertion_id, Assertion.case_id == case.id
            )
        )
    if predicate is None or predicate in (LINK, AUTHOR):
        raise NotFound(f"assertion {assertion_id} not found in case '{reference}'")
    review.decide(ctx, actor, reference, assertion_id, decision)
    return decision


def _suspect(session: Session, case_id: int, person_id: int, reference: str) -> Person:
    p = session.get(Person, person_id)
    if p is None or p.case_id != case_id or p.kind != "suspect":
        raise NotFound(f"suspect {person_id} not found in case '{reference}'")
    return p


def link_fact(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    suspect_id: int,
    statute_id: str,
    element_id: str,
    concept: str | None = None,
    assertion_id: int | None = None,
    record_id: int | None = None,
    rule_fact: str | None = None,
    victim_id: int | None = None,
    quote: str | None = None,
    status: str = AssertionStatus.CONFIRMED.value,
) -> int:
    """Tie an assertion, a record or a free note (``quote``) to a suspect x element, by hand.

    Stored as a confirmed ``element_link`` assertion. With ``status="rejected"`` and a
    ``rule_fact`` it records that a person rejected a record rule's suggestion.
    """
    book = load_statutes()
    if statute_id not in book:
        raise InvalidInput(f"unknown statute {statute_id!r}")
    try:
        element = book.get(statute_id).element(element_id)
    except (KeyError, ValueError) as exc:
        raise InvalidInput(f"{statute_id} has no element {element_id!r}") from exc
    concept = concept or element.satisfied_by[0]
    if concept not in element.satisfied_by:
        raise InvalidInput(f"{concept!r} does not satisfy element {element_id!r}")
    if assertion_id is None and record_id is None and not (quote or "").strip():
        raise InvalidInput("link an assertion, a record, or write the quote of a note")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.DECIDE)
        _suspect(session, case.id, suspect_id, reference)
        if victim_id is not None:
            v = session.get(Person, victim_id)
            if v is None or v.case_id != case.id or v.kind != "victim":
                raise NotFound(f"victim {victim_id} not found in case '{reference}'")
        evidence_file_id: int | None = None
        locator: str | None = None
        text = (quote or "").strip()[:4000] or None
        if assertion_id is not None:
            la = session.get(Assertion, assertion_id)
            if la is None or la.case_id != case.id or la.predicate == LINK:
                raise NotFound(f"assertion {assertion_id} not found in case '{reference}'")
            evidence_file_id, locator = la.evidence_file_id, la.locator
            text = text or (la.details or {}).get("sentence") or la.quote
        if record_id is not None:
            r = session.get(Record, record_id)
            if r is None or r.case_id != case.id:
                raise NotFound(f"record {record_id} not found in case '{reference}'")
            evidence_file_id, locator = r.evidence_file_id, f"row {r.row_number}"
            text = text or _describe(r)
        link = Assertion(
            case_id=case.id,
            subject_type="person",
            subject_id=suspect_id,
            predicate=LINK,
            value=concept,
            details={
                "statute_id": statute_id,
                "element_id": element_id,
                "assertion_id": assertion_id,
                "record_id": record_id,
                "rule_fact": rule_fact,
                "victim_id": victim_id,
            },
            evidence_file_id=evidence_file_id,
            record_id=record_id,
            locator=locator,
            quote=text,
            confidence=1.0,
            status=status,
            origin="human",
            decided_by=actor.user_id,
            decided_at=_now(),
        )
        session.add(link)
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="element.link"
            if status == AssertionStatus.CONFIRMED.value
            else "element.reject",
            case_id=case.id,
            object_type="assertion",
            object_id=link.id,
            details={
                "suspect_id": suspect_id,
                "statute_id": statute_id,
                "element_id": element_id,
                "concept": concept,
                "assertion_id": assertion_id,
                "record_id": record_id,
                "rule_fact": rule_fact,
            },
        )
        return link.id


def unlink(ctx: Context, actor: Actor, reference: str, link_id: int) -> None:
    """Withdraw a hand-made link: status -> rejected, with who and when (never deleted)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.DECIDE)
        a = session.get(Assertion, link_id)
        if a is None or a.case_id != case.id or a.predicate != LINK:
            raise NotFound(f"link {link_id} not found in case '{reference}'")
        a.status = AssertionStatus.REJECTED.value
        a.decided_by = actor.user_id
        a.decided_at = _now()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="element.unlink",
            case_id=case.id,
            object_type="assertion",
            object_id=a.id,
            details={"suspect_id": a.subject_id, "concept": a.value},
        )


def decide_rule_fact(
    ctx: Context, actor: Actor, reference: str, fact_id: str, decision: str
) -> int:
    """Confirm or reject a rule's suggestion drawn from a record (``r<record id>#<rule>``)
    or from a suspect's own words in a document (``a<assertion id>#<rule>``)."""
    return decide_rule_facts(ctx, actor, reference, [fact_id], decision)[0]


def decide_rule_facts(
    ctx: Context, actor: Actor, reference: str, fact_ids: list[str], decision: str
) -> list[int]:
    """Confirm or reject record-based suggestions; each decision is stored as an
    ``element_link`` (confirmed, or rejected) that replaces the suggestion. Returns link ids."""
    if decision not in (AssertionStatus.CONFIRMED.value, AssertionStatus.REJECTED.value):
        raise InvalidInput("decision must be 'confirmed' or 'rejected'")
    data, built = _rebuild(ctx, actor, reference)
    by_pseudonym = {p.pseudonym: p.id for p in data.people.values()}
    pending = {u.id: u for u in built.unattributed}
    out: list[int] = []
    for fact_id in fact_ids:
        view = built.info.get(fact_id) or pending.get(fact_id)
        # A rule's suggestion rests on a record, or (for a suspect's own words in a chat
        # export or a statement) on an assertion: "a<id>#<rule>".
        derived = view is not None and view.assertion_id is not None and "#" in view.id
        if view is None or (view.record_id is None and not derived) or view.suspect is None:
            raise NotFound(f"suggestion {fact_id} not found in case '{reference}'")
        statute_id, element_id = _element_for(view.concept)
        out.append(
            link_fact(
                ctx,
                actor,
                reference,
                suspect_id=by_pseudonym[view.suspect],
                statute_id=statute_id,
                element_id=element_id,
                concept=view.concept,
                assertion_id=view.assertion_id if view.record_id is None else None,
                record_id=view.record_id,
                rule_fact=fact_id,
                victim_id=by_pseudonym.get(view.victim) if view.victim else None,
                quote=view.quote,
                status=decision,
            )
        )
    return out


def _element_for(concept: str) -> tuple[str, str]:
    """Some statute element this concept satisfies (links store one for the record)."""
    for s in load_statutes():
        for el in s.elements:
            if concept in el.satisfied_by:
                return s.id, el.id
    raise InvalidInput(f"no element is satisfied by {concept!r}")


def _rebuild(ctx: Context, actor: Actor, reference: str) -> tuple[_Loaded, _Built]:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.DECIDE)
        data = _load(ctx, session, case, actor)
        return data, _Builder(data, None, {}).build()


def set_statutes(
    ctx: Context, actor: Actor, reference: str, suspect_id: int, statute_ids: Iterable[str]
) -> list[str]:
    """Make ``statute_ids`` the statutes under consideration for a suspect.

    Adds a ``considered`` charge for each new statute and removes ``considered``
    charges no longer wanted; charges already filed (any other status) stay.
    Returns the suspect's statute ids afterwards.
    """
    book = load_statutes()
    wanted = list(dict.fromkeys(statute_ids))
    for sid in wanted:
        if sid not in book or not book.get(sid).offence:
            raise InvalidInput(f"unknown offence {sid!r}")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        _suspect(session, case.id, suspect_id, reference)
        current = list(
            session.scalars(
                select(Charge).where(Charge.case_id == case.id, Charge.person_id == suspect_id)
            )
        )
        have = {c.statute_id for c in current}
        added = [sid for sid in wanted if sid not in have]
        removed = [c for c in current if c.statute_id not in wanted and c.status == CONSIDERED]
        for sid in added:
            session.add(
                Charge(case_id=case.id, person_id=suspect_id, statute_id=sid, status=CONSIDERED)
            )
        for c in removed:
            session.delete(c)
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="charge.consider",
            case_id=case.id,
            object_type="person",
            object_id=suspect_id,
            details={"added": added, "removed": [c.statute_id for c in removed]},
        )
        kept = [c.statute_id for c in current if c not in removed]
        return sorted(set(kept) | set(added))


def set_document_author(
    ctx: Context, actor: Actor, reference: str, document_id: int, person_id: int
) -> int:
    """Say by hand who made a document (a statement): its facts then rest on that person."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.DECIDE)
        doc = session.get(Document, document_id)
        person = session.get(Person, person_id)
        if doc is None or doc.case_id != case.id or person is None or person.case_id != case.id:
            raise NotFound("document or person not found in this case")
        a = Assertion(
            case_id=case.id,
            subject_type="document",
            subject_id=document_id,
            predicate=AUTHOR,
            value=str(person_id),
            evidence_file_id=doc.evidence_file_id,
            status=AssertionStatus.CONFIRMED.value,
            origin="human",
            decided_by=actor.user_id,
            decided_at=_now(),
        )
        session.add(a)
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="document.author",
            case_id=case.id,
            object_type="document",
            object_id=document_id,
            details={"person_id": person_id},
        )
        return a.id


__all__ = [
    "CaseAssessment",
    "ElementView",
    "FactView",
    "GapView",
    "LinkView",
    "RuleView",
    "StatuteChoice",
    "StatuteView",
    "SuspectView",
    "VictimView",
    "assess",
    "decide_assertion",
    "decide_rule_fact",
    "decide_rule_facts",
    "link_fact",
    "set_document_author",
    "set_statutes",
    "unlink",
]
