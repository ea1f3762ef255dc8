"""Evidence upload from the browser, and review of what extraction found in documents.

* :func:`receive_upload` writes uploaded files to a private temporary folder under the
  data directory (client file names are never trusted), runs the ingest on it, removes
  the folder and returns one outcome per file.
* :func:`list_documents`, :func:`document_view` show a document's text screen by screen
  with every suggestion positioned by its span.
* :func:`list_suggestions` pages through the case's suggestions with filters and sorting.
* :func:`decide` confirms or rejects one suggestion (who and when are stored; nothing is
  deleted). Other tabs call it too: ``decide(ctx, actor, reference, assertion_id,
  "confirmed" | "rejected")``.

Viewers without :attr:`Permission.SEE_VICTIM_IDENTITY` never see a sealed name: the page
text, quotes, passages, file names and metadata pass through a
:class:`~palermo.security.redaction.Redactor` built from the case's sealed identities.
"""

from __future__ import annotations

import bisect
import itertools
import re
import shutil
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from palermo.ingest.options import LoadOptions
from palermo.law.indicators import load_indicators
from palermo.security import audit, identities
from palermo.security.permissions import Actor, Permission
from palermo.security.redaction import Redactor
from palermo.security.redaction import apply as apply_redaction
from palermo.services import analysis_jobs
from palermo.services.access import open_case
from palermo.services.cases import Page, person_view
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound
from palermo.services.ingest import Outcome, ingest_path
from palermo.store.models import (
    Assertion,
    AssertionStatus,
    EvidenceFile,
    Person,
    User,
)
from palermo.store.models.documents import Document, DocumentPage
from palermo.words import file_size

Decision = Literal["confirmed", "rejected"]
DECISIONS: tuple[str, ...] = (AssertionStatus.CONFIRMED.value, AssertionStatus.REJECTED.value)
STATUSES: tuple[str, ...] = tuple(s.value for s in AssertionStatus)
PREDICATES: tuple[str, ...] = ("identifier", "mention", "indicator")

COPY_CHUNK = 1024 * 1024
# A screen of a document: one page, a slice of a very long page, or a run of chat messages.
SCREEN_CHARS = 10_000
MESSAGES_PER_SCREEN = 50
CONTEXT_CHARS = 90
MAX_PER_PAGE = 200
MAX_BULK = 500


# --- views ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One file of an upload: loaded, already in the case, or not loaded and why."""

    name: str
    status: str  # Outcome.* of palermo.services.ingest
    message: str
    records: int = 0
    pages: int = 0
    suggestions: int = 0
    evidence_file_id: int | None = None
    has_document: bool = False
    bad_rows: int = 0  # rows left out (listed on the Evidence page)
    question: dict[str, Any] | None = None  # an ambiguity that stopped the file
    profile: str | None = None  # the column mapping profile it was read with


@dataclass(slots=True)
class UploadReport:
    case_reference: str
    files: list[UploadedFile] = field(default_factory=list)
    seconds: float = 0.0
    bytes_received: int = 0

    def with_status(self, *statuses: str) -> list[UploadedFile]:
        return [f for f in self.files if f.status in statuses]

    @property
    def loaded(self) -> list[UploadedFile]:
        return self.with_status(Outcome.LOADED)

    @property
    def duplicates(self) -> list[UploadedFile]:
        return self.with_status(Outcome.DUPLICATE)

    @property
    def problems(self) -> list[UploadedFile]:
        return self.with_status(Outcome.FAILED, Outcome.SKIPPED)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A machine suggestion (an Assertion) as a viewer may see it."""

    id: int
    predicate: str  # identifier | mention | indicator
    kind: str  # identifier kind (phone, email...), "person", "name" or the indicator id
    kind_label: str  # "Phone", "Mention of a person", "Indicator"...
    label: str  # the value in words: "+12025550147", "V-01", "Restriction of movement"
    quote: str
    before: str  # page text just before the quote (context)
    after: str
    evidence_file_id: int | None
    file_name: str
    locator: str
    page: int | None
    span_start: int | None
    span_end: int | None
    confidence: float
    status: str
    decided_by: str | None
    decided_at: datetime | None
    note: str | None = None  # e.g. an ambiguous name, or a suppressed indicator
    origin: str = "machine"  # "human": a passage a person tagged (tagging.tag_indicator)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of page text; ``marks`` are the suggestions covering it (innermost first)
    and ``ends`` those whose span ends with it (a reference marker goes after it)."""

    text: str
    marks: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PageView:
    number: int
    label: str  # "Page 3", "Message 12", "Page 1 (part 2 of 3)"
    offset: int  # where this slice starts in the page's text
    segments: list[Segment]


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    evidence_file_id: int
    file_name: str
    media_type: str
    title: str | None
    page_count: int
    suggested: int
    confirmed: int
    rejected: int


@dataclass(frozen=True, slots=True)
class DocumentView:
    evidence_file_id: int
    file_name: str
    sha256: str
    media_type: str
    title: str | None
    note: str | None
    metadata: list[tuple[str, str]]
    unit: str  # "page" or "message"
    page_count: int
    screen: int
    screens: int
    pages: list[PageView]
    suggestions: list[Suggestion]  # those on this screen, in reading order
    numbers: dict[int, int]  # suggestion id -> its marker number on this screen
    redacted: bool
    is_image: bool


@dataclass(frozen=True, slots=True)
class FilterOption:
    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class SuggestionFilters:
    """What the filters of the suggestions list can be set to, with counts."""

    types: list[FilterOption]
    statuses: list[FilterOption]
    indicators: list[FilterOption]
    files: list[FilterOption]


# --- upload -----------------------------------------------------------------------------


def check_upload(ctx: Context, actor: Actor, reference: str) -> None:
    """Raise unless the actor may upload evidence to the case (404 / 403)."""
    with ctx.db.session() as session:
        open_case(ctx, session, actor, reference, Permission.INGEST)


def safe_name(client_name: str | None) -> str | None:
    """The last component of a client's file name, cleaned; None when it must be refused
    (empty, ``.``, or any ``..`` component anywhere in the path)."""
    if client_name is None:
        return None
    parts = [p for p in re.split(r"[\\/]+", client_name) if p not in ("", ".")]
    if not parts or any(p.strip() == ".." for p in parts):
        return None
    name = "".join(c for c in parts[-1] if unicodedata.category(c)[0] != "C").strip()
    name = name.lstrip(".").strip()  # no hidden files, no "..."-only names
    return name[:200] or None


def receive_upload(
    ctx: Context,
    actor: Actor,
    reference: str,
    uploads: Iterable[tuple[str | None, BinaryIO]],
    options: LoadOptions | None = None,
) -> UploadReport:
    """Ingest uploaded files (``(client file name, readable stream)`` pairs) into a case.

    Files go to a fresh folder under ``<data_dir>/tmp``, are ingested together (zips are
    expanded safely by the ingest), and the folder is removed whatever happens. The
    total size is limited to ``settings.max_file_bytes``.
    """
    check_upload(ctx, actor, reference)
    limit = ctx.settings.max_file_bytes
    root = ctx.settings.data_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=root))
    refused: list[UploadedFile] = []
    total = 0
    written = 0
    try:
        for client_name, stream in uploads:
            name = safe_name(client_name)
            if name is None:
                shown = (client_name or "(no name)")[:200]
                refused.append(
                    UploadedFile(
                        shown, Outcome.SKIPPED, f"{shown}: file name refused ('..' or empty)"
                    )
                )
                continue
            target = _free_path(folder, name)
            with target.open("wb") as sink:
                while chunk := stream.read(COPY_CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise InvalidInput(
                            f"the upload is larger than the limit of {file_size(limit)}; "
                            "upload fewer files at a time"
                        )
                    sink.write(chunk)
            written += 1
        if not written and not refused:
            raise InvalidInput("choose at least one file to upload")
        report = UploadReport(case_reference=reference, bytes_received=total)
        if written:
            ingested = ingest_path(ctx, actor, reference, folder, options=options)
            report.case_reference = ingested.case_reference
            report.seconds = ingested.seconds
            report.files = _enrich(ctx, actor, reference, ingested.files, total)
        report.files.extend(refused)
        return report
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _free_path(folder: Path, name: str) -> Path:
    """``name`` in ``folder``; ``name (2).ext`` and so on when two uploads share a name."""
    path = folder / name
    stem, suffix = path.stem, path.suffix
    n = 2
    while path.exists():
        path = folder / f"{stem} ({n}){suffix}"
        n += 1
    return path


def _enrich(
    ctx: Context, actor: Actor, reference: str, outcomes: list[Any], size: int
) -> list[UploadedFile]:
    """Add page and suggestion counts to the ingest's outcomes (one read, audited)."""
    ids = [o.evidence_file_id for o in outcomes if o.evidence_file_id is not None]
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        pages = dict(
            session.execute(
                select(Document.evidence_file_id, Document.page_count).where(
                    Document.case_id == case.id, Document.evidence_file_id.in_(ids)
                )
            ).all()
        )
        suggestions = dict(
            session.execute(
                select(Assertion.evidence_file_id, func.count())
                .where(Assertion.case_id == case.id, Assertion.evidence_file_id.in_(ids))
                .group_by(Assertion.evidence_file_id)
            ).all()
        )
        audit.record(
            session,
            actor=actor,
            action="evidence.upload",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
            details={
                "files": len(outcomes),
                "bytes": size,
                "outcomes": {
                    s: sum(1 for o in outcomes if o.status == s)
                    for s in {o.status for o in outcomes}
                },
            },
        )
    out: list[UploadedFile] = []
    for o in outcomes:
        fid = o.evidence_file_id
        out.append(
            UploadedFile(
                name=o.name,
                status=o.status,
                message=o.message,
                records=o.records,
                pages=int(pages.get(fid, 0)) if fid is not None else 0,
                suggestions=int(suggestions.get(fid, 0)) if fid is not None else 0,
                evidence_file_id=fid,
                has_document=fid is not None and fid in pages,
                bad_rows=getattr(o, "bad_rows", 0),
                question=getattr(o, "question", None),
                profile=getattr(o, "profile", None),
            )
        )
    return out


# --- redaction and labels ---------------------------------------------------------------


def _redactor(ctx: Context, session: Session, case_id: int, actor: Actor) -> Redactor | None:
    """None for viewers who may see identities; else a Redactor of every sealed identity
    (fails closed: an identity that cannot be opened stops the request)."""
    return identities.redactor_for(ctx, session, case_id, actor, purpose="review")


def _clean(redactor: Redactor | None, text: str | None) -> str:
    if text is None:
        return ""
    return redactor(text) if redactor is not None else text


_KIND_LABELS = {
    "phone": "Phone",
    "email": "E-mail",
    "iban": "IBAN",
    "account": "Account",
    "amount": "Amount",
    "date": "Date",
    "url": "URL",
    "handle": "Handle",
    "passport": "Passport",
    "vehicle": "Vehicle",
    "address": "Address",
}


def _indicator_labels() -> dict[str, str]:
    return {ind.id: ind.indicator.label for ind in load_indicators()}


def _page_number(locator: str | None) -> int | None:
    if not locator:
        return None
    tail = locator.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else None


class _Describer:
    """Turns Assertions into Suggestions for one viewer (names, labels, redaction)."""

    def __init__(self, ctx: Context, session: Session, case_id: int, actor: Actor) -> None:
        self.ctx, self.session, self.case_id, self.actor = ctx, session, case_id, actor
        self.redactor = _redactor(ctx, session, case_id, actor)
        self.indicators = _indicator_labels()
        self._people: dict[int, str] = {}
        self._users: dict[int, str] = {}
        self._files: dict[int, str] = {}

    def person(self, person_id: int | None) -> str:
        if person_id is None:
            return "unknown person"
        if person_id not in self._people:
            person = self.session.get(Person, person_id)
            if person is None or person.case_id != self.case_id:
                self._people[person_id] = "unknown person"
            else:
                self._people[person_id] = person_view(self.ctx, self.actor, person).display_name
        return self._people[person_id]

    def user(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if user_id not in self._users:
            user = self.session.get(User, user_id)
            self._users[user_id] = user.username if user is not None else f"user {user_id}"
        return self._users[user_id]

    def file(self, evidence_file_id: int | None) -> str:
        if evidence_file_id is None:
            return "—"
        if evidence_file_id not in self._files:
            row = self.session.get(EvidenceFile, evidence_file_id)
            name = row.original_name if row is not None else f"file {evidence_file_id}"
            self._files[evidence_file_id] = _clean(self.redactor, name)
        return self._files[evidence_file_id]

    def describe(self, a: Assertion, before: str = "", after: str = "") -> Suggestion:
        details = dict(a.details or {})
        note: str | None = None
        if a.predicate == "mention":
            if a.subject_type == "person":
                kind, kind_label = "person", "Mention of a person"
                label = self.person(a.subject_id)
                if details.get("ambiguous"):
                    note = "ambiguous: the same words match more than one person"
            else:
                kind, kind_label = "name", "Name not in the case"
                label = _clean(self.redactor, a.value)
        elif a.predicate == "indicator":
            kind, kind_label = a.value or "indicator", "Indicator"
            label = str(details.get("label") or self.indicators.get(a.value or "", a.value or ""))
            if details.get("blocked"):
                note = f"suppressed: {details['blocked']}"
        else:
            kind = str(details.get("kind") or "identifier")
            kind_label = _KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())
            label = _clean(self.redactor, a.value or a.quote)
        return Suggestion(
            id=a.id,
            predicate=a.predicate,
            kind=kind,
            kind_label=kind_label,
            label=label,
            quote=_clean(self.redactor, a.quote),
            before=_clean(self.redactor, before),
            after=_clean(self.redactor, after),
            evidence_file_id=a.evidence_file_id,
            file_name=self.file(a.evidence_file_id),
            locator=a.locator or "",
            page=_page_number(a.locator),
            span_start=a.span_start,
            span_end=a.span_end,
            confidence=float(a.confidence),
            status=a.status,
            decided_by=self.user(a.decided_by),
            decided_at=a.decided_at,
            note=note,
            origin=a.origin or "machine",
        )


# --- documents --------------------------------------------------------------------------


DOCUMENT_SORTS = ("name", "pages", "type")


@dataclass(frozen=True, slots=True)
class DocumentList:
    documents: Page[DocumentSummary]
    # Suggestions of the whole case by status (suggested / confirmed / rejected).
    totals: dict[str, int]


def list_documents(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    page: int = 1,
    per_page: int = 50,
    sort: str = "name",
    descending: bool = False,
) -> DocumentList:
    """A page of the case's documents (evidence files with text) with suggestion counts."""
    if sort not in DOCUMENT_SORTS:
        raise InvalidInput(f"cannot sort by '{sort}'; choose one of {', '.join(DOCUMENT_SORTS)}")
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        redactor = _redactor(ctx, session, case.id, actor)
        total = session.scalar(
            select(func.count()).select_from(Document).where(Document.case_id == case.id)
        )
        column = {
            "name": _file_name_order(session, case.id, Document.evidence_file_id),
            "pages": Document.page_count,
            "type": Document.media_type,
        }[sort]
        rows = session.execute(
            select(Document, EvidenceFile.original_name)
            .join(EvidenceFile, Document.evidence_file_id == EvidenceFile.id)
            .where(Document.case_id == case.id)
            .order_by(column.desc() if descending else column.asc(), Document.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        ids = [doc.evidence_file_id for doc, _ in rows]
        counts: dict[tuple[int, str], int] = {
            (int(fid or 0), str(status)): int(n)
            for fid, status, n in session.execute(
                select(Assertion.evidence_file_id, Assertion.status, func.count())
                .where(Assertion.case_id == case.id, Assertion.evidence_file_id.in_(ids))
                .group_by(Assertion.evidence_file_id, Assertion.status)
            )
        }
        totals = {status: 0 for status in STATUSES}
        for status, n in session.execute(
            select(Assertion.status, func.count())
            .where(Assertion.case_id == case.id, Assertion.predicate.in_(PREDICATES))
            .group_by(Assertion.status)
        ):
            totals[str(status)] = int(n)
        audit.record(
            session, actor=actor, action="document.list", case_id=case.id, details={"page": page}
        )
        items = [
            DocumentSummary(
                evidence_file_id=doc.evidence_file_id,
                file_name=_clean(redactor, name),
                media_type=doc.media_type,
                title=_clean(redactor, doc.title) or None,
                page_count=doc.page_count,
                suggested=counts.get((doc.evidence_file_id, "suggested"), 0),
                confirmed=counts.get((doc.evidence_file_id, "confirmed"), 0),
                rejected=counts.get((doc.evidence_file_id, "rejected"), 0),
            )
            for doc, name in rows
        ]
        return DocumentList(Page(items, int(total or 0), page, per_page, sort, descending), totals)


@dataclass(frozen=True, slots=True)
class _Slice:
    number: int
    start: int
    end: int
    part: int
    parts: int


def _screens(lengths: list[tuple[int, int]], unit: str) -> list[list[_Slice]]:
    """Split a document into screens: chats by runs of messages, long pages by slices."""
    screens: list[list[_Slice]] = []
    if unit == "message":
        run: list[_Slice] = []
        for number, length in lengths:
            run.append(_Slice(number, 0, length, 1, 1))
            if len(run) == MESSAGES_PER_SCREEN:
                screens.append(run)
                run = []
        if run:
            screens.append(run)
        return screens
    for number, length in lengths:
        parts = max(1, -(-length // SCREEN_CHARS))
        for part in range(parts):
            start = part * SCREEN_CHARS
            screens.append(
                [_Slice(number, start, min(length, start + SCREEN_CHARS), part + 1, parts)]
            )
    return screens


def _unit(document: Document) -> str:
    """What a document's pages are: messages of a chat, or pages."""
    return "message" if (document.doc_metadata or {}).get("locator") == "message" else "page"


def _document_screens(session: Session, document: Document) -> list[list[_Slice]]:
    """The screens :func:`document_view` shows a document in (page lengths counted here:
    the text is encrypted at rest)."""
    lengths = [
        (int(n), len(text or ""))
        for n, text in session.execute(
            select(DocumentPage.number, DocumentPage.text)
            .where(DocumentPage.document_id == document.id)
            .order_by(DocumentPage.number)
        )
    ]
    return _screens(lengths, _unit(document))


def screen_holding(session: Session, document: Document, page: int, offset: int) -> int:
    """The screen of :func:`document_view` that shows character ``offset`` of ``page``."""
    for number, screen in enumerate(_document_screens(session, document), start=1):
        if any(s.number == page and s.start <= offset < max(s.end, s.start + 1) for s in screen):
            return number
    return 1


def document_view(
    ctx: Context, actor: Actor, reference: str, evidence_file_id: int, page: int = 1
) -> DocumentView:
    """Screen ``page`` of a document: its text in segments with every suggestion on it
    positioned by span. Sealed names are redacted for viewers without identity rights."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        row = session.execute(
            select(Document, EvidenceFile)
            .join(EvidenceFile, Document.evidence_file_id == EvidenceFile.id)
            .where(Document.case_id == case.id, Document.evidence_file_id == evidence_file_id)
        ).first()
        if row is None:
            raise NotFound(f"no document for evidence file {evidence_file_id}")
        doc, evidence = row
        describer = _Describer(ctx, session, case.id, actor)
        redactor = describer.redactor
        metadata = doc.doc_metadata or {}
        unit = _unit(doc)
        screens = _document_screens(session, doc)
        screen = min(max(1, page), max(1, len(screens)))
        slices = screens[screen - 1] if screens else []
        texts = _slice_texts(session, doc.id, slices)
        # Only the suggestions inside this screen's slices (a long page holds thousands).
        where = [
            and_(
                Assertion.locator == f"page {number}",
                Assertion.span_start < hi,
                Assertion.span_end > lo,
            )
            for number, lo, hi in [(n, a, b) for (n, _), (a, b, _) in texts.items()]
        ]
        assertions = (
            list(
                session.scalars(
                    select(Assertion)
                    .where(
                        Assertion.case_id == case.id,
                        Assertion.evidence_file_id == evidence.id,
                        or_(*where),
                    )
                    .order_by(Assertion.span_start, Assertion.id)
                )
            )
            if where
            else []
        )
        by_page: dict[int, list[Assertion]] = {}
        for a in assertions:
            number = _page_number(a.locator)
            if number is not None:
                by_page.setdefault(number, []).append(a)
        pages: list[PageView] = []
        on_screen: list[Suggestion] = []
        for s in slices:
            start, end, text = texts.get((s.number, s.part), (s.start, s.start, ""))
            inside = [
                a
                for a in by_page.get(s.number, [])
                if a.span_start is not None
                and a.span_end is not None
                and a.span_start < end
                and a.span_end > start
            ]
            spans: list[tuple[int, int, int]] = []
            for a in inside:
                assert a.span_start is not None and a.span_end is not None
                lo, hi = max(a.span_start, start) - start, min(a.span_end, end) - start
                before, after = _whole_words(
                    text[max(0, lo - CONTEXT_CHARS) : lo],
                    text[hi : hi + CONTEXT_CHARS],
                    lo > CONTEXT_CHARS,
                    hi + CONTEXT_CHARS < len(text),
                )
                on_screen.append(describer.describe(a, before, after))
                spans.append((a.id, lo, hi))
            label = f"{unit.capitalize()} {s.number}"
            if s.parts > 1:
                label += f" (part {s.part} of {s.parts})"
            pages.append(PageView(s.number, label, start, segment(text, spans, redactor)))
        numbers = {sug.id: i + 1 for i, sug in enumerate(on_screen)}
        audit.record(
            session,
            actor=actor,
            action="document.read",
            case_id=case.id,
            object_type="evidence_file",
            object_id=evidence.id,
            details={"screen": screen, "redacted": redactor is not None},
        )
        return DocumentView(
            evidence_file_id=evidence.id,
            file_name=_clean(redactor, evidence.original_name),
            sha256=evidence.sha256,
            media_type=doc.media_type,
            title=_clean(redactor, doc.title) or None,
            note=doc.note,
            metadata=_metadata(metadata, redactor),
            unit=unit,
            page_count=doc.page_count,
            screen=screen,
            screens=max(1, len(screens)),
            pages=pages,
            suggestions=on_screen,
            numbers=numbers,
            redacted=redactor is not None,
            is_image=doc.media_type.startswith("image/"),
        )


SNAP_CHARS = 200
_SPACE = re.compile(r"\s")


def _slice_texts(
    session: Session, document_id: int, slices: list[_Slice]
) -> dict[tuple[int, int], tuple[int, int, str]]:
    """(start, end, text) of each slice, keyed by (page number, part).

    A long page is cut (here: the text is encrypted at rest) at the first white space
    after each nominal boundary, so a word (or a sealed name) is never split between two screens.
    """
    out: dict[tuple[int, int], tuple[int, int, str]] = {}
    whole = [s.number for s in slices if s.parts == 1]
    if whole:
        for number, text in session.execute(
            select(DocumentPage.number, DocumentPage.text).where(
                DocumentPage.document_id == document_id, DocumentPage.number.in_(whole)
            )
        ):
            body = text or ""
            out[(int(number), 1)] = (0, len(body), body)
    for s in slices:
        if s.parts == 1:
            continue
        page_text: str = (
            session.scalar(
                select(DocumentPage.text).where(
                    DocumentPage.document_id == document_id, DocumentPage.number == s.number
                )
            )
            or ""
        )
        window = page_text[s.start : s.start + SCREEN_CHARS + SNAP_CHARS]
        lo = _next_space(window, 0) if s.part > 1 else 0
        hi = _next_space(window, SCREEN_CHARS) if s.part < s.parts else len(window)
        out[(s.number, s.part)] = (s.start + lo, s.start + hi, window[lo:hi])
    return out


def _identifier_kinds(session: Session, case_id: int) -> list[tuple[int, str | None]]:
    """(assertion id, identifier kind) of the case's identifier suggestions."""
    return [
        (int(aid), None if (details or {}).get("kind") is None else str(details["kind"]))
        for aid, details in session.execute(
            select(Assertion.id, Assertion.details).where(
                Assertion.case_id == case_id, Assertion.predicate == "identifier"
            )
        )
    ]


def _file_name_order(session: Session, case_id: int, file_id: Any) -> Any:
    """An ORDER BY term that sorts by evidence file name. Names are encrypted at rest, so
    the case's files are ranked by name here and SQL orders by that rank."""
    names = session.execute(
        select(EvidenceFile.id, EvidenceFile.original_name).where(EvidenceFile.case_id == case_id)
    ).all()
    ranked = sorted(names, key=lambda r: (str(r[1]), int(r[0])))
    if not ranked:
        return literal(0)
    return sql_case({int(fid): i for i, (fid, _) in enumerate(ranked)}, value=file_id, else_=-1)


def _next_space(text: str, at: int) -> int:
    """The first white space at or after ``at`` (within SNAP_CHARS), else ``at``."""
    match = _SPACE.search(text, at, min(len(text), at + SNAP_CHARS))
    return match.start() if match else min(at, len(text))


def _whole_words(before: str, after: str, cut_before: bool, cut_after: bool) -> tuple[str, str]:
    """Context without the partial words at its cut ends (a cut word could be part of a
    sealed name that the redactor would then not recognise)."""
    if cut_before:
        space = _SPACE.search(before)
        before = before[space.start() :] if space else ""
    if cut_after:
        spaces = list(_SPACE.finditer(after))
        after = after[: spaces[-1].start()] if spaces else ""
    return before, after


_HIDDEN_METADATA = {"locator", "message_dates", "attachment_files"}


def _metadata(metadata: dict[str, Any], redactor: Redactor | None) -> list[tuple[str, str]]:
    """Reader metadata as (key, text) pairs for display, redacted like the text."""
    out: list[tuple[str, str]] = []
    for key, value in sorted(metadata.items()):
        if key in _HIDDEN_METADATA or value in (None, "", [], {}):
            continue
        if isinstance(value, dict):
            text = ", ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        out.append((key.replace("_", " "), _clean(redactor, text[:500])))
    return out


def segment(
    text: str, spans: list[tuple[int, int, int]], redactor: Redactor | None = None
) -> list[Segment]:
    """Cut ``text`` at every span boundary; ``spans`` are (id, start, end) into ``text``.

    With a redactor, the sealed tokens are found once in the whole text; a boundary that
    would cut through one is moved outward to its edge, so no piece carries part of it.
    """
    clean = [(i, max(0, s), min(len(text), e)) for i, s, e in spans if e > s]
    hidden = redactor.spans(text) if redactor is not None and redactor.active else []
    if hidden:
        clean = _away_from_names(clean, hidden)
    cuts = sorted({0, len(text), *(s for _, s, _ in clean), *(e for _, _, e in clean)})
    starting: dict[int, list[tuple[int, int, int]]] = {}
    ending: dict[int, list[int]] = {}
    for span in clean:
        starting.setdefault(span[1], []).append(span)
        ending.setdefault(span[2], []).append(span[0])
    active: dict[int, int] = {}  # id -> length
    out: list[Segment] = []
    # Sweep: at each cut, spans that end leave and spans that start join.
    for lo, hi in itertools.pairwise(cuts):
        for i in ending.get(lo, []):
            active.pop(i, None)
        for i, s, e in starting.get(lo, []):
            active[i] = e - s
        piece = text[lo:hi]
        out.append(
            Segment(
                text=apply_redaction(piece, hidden, lo) if hidden else piece,
                marks=tuple(sorted(active, key=lambda i: (active[i], i))),
                ends=tuple(ending.get(hi, [])),
            )
        )
    return out


def _away_from_names(
    spans: list[tuple[int, int, int]], hidden: list[tuple[int, int, str]]
) -> list[tuple[int, int, int]]:
    """Span boundaries moved out of the sealed tokens they would cut."""
    starts = [h[0] for h in hidden]

    def outward(cut: int, step: int) -> int:
        k = bisect.bisect_right(starts, cut) - 1
        if k >= 0 and hidden[k][0] < cut < hidden[k][1]:
            return hidden[k][0] if step < 0 else hidden[k][1]
        return cut

    return [(i, outward(s, -1), outward(e, +1)) for i, s, e in spans]


# --- suggestions ------------------------------------------------------------------------

SUGGESTION_SORTS = ("position", "confidence", "type", "status", "file", "decided_at")


def _type_condition(session: Session, case_id: int, kind: str) -> Any:
    predicate, _, sub = kind.partition(":")
    if predicate not in PREDICATES:
        raise InvalidInput(f"unknown suggestion type '{kind}'")
    condition = Assertion.predicate == predicate
    if sub:
        if predicate == "identifier":
            # Details are encrypted at rest: the identifier kind is read here.
            kinds = _identifier_kinds(session, case_id)
            condition = and_(condition, Assertion.id.in_([i for i, k in kinds if k == sub]))
        elif predicate == "mention":
            subject = "person" if sub == "person" else "document"
            condition = and_(condition, Assertion.subject_type == subject)
        else:
            condition = and_(condition, Assertion.value == sub)
    return condition


def list_suggestions(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    kind: str | None = None,
    status: str | None = None,
    indicator: str | None = None,
    evidence_file_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
    sort: str = "position",
    descending: bool = False,
) -> Page[Suggestion]:
    """A page of the case's suggestions with their passages, filtered and sorted in SQL.

    ``kind`` is ``identifier``, ``identifier:<kind>`` (``identifier:phone``), ``mention``,
    ``mention:person``, ``mention:name`` or ``indicator``.
    """
    if sort not in SUGGESTION_SORTS:
        raise InvalidInput(f"cannot sort by '{sort}'; choose one of {', '.join(SUGGESTION_SORTS)}")
    if status and status not in STATUSES:
        raise InvalidInput(f"unknown status '{status}'")
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        conditions: list[Any] = [Assertion.case_id == case.id, Assertion.predicate.in_(PREDICATES)]
        if kind:
            conditions.append(_type_condition(session, case.id, kind))
        if status:
            conditions.append(Assertion.status == status)
        if indicator:
            conditions.append(
                and_(Assertion.predicate == "indicator", Assertion.value == indicator)
            )
        if evidence_file_id is not None:
            conditions.append(Assertion.evidence_file_id == evidence_file_id)
        total = session.scalar(select(func.count()).select_from(Assertion).where(*conditions)) or 0
        order: list[Any]
        position = [Assertion.evidence_file_id, Assertion.id]
        if sort == "position":
            order = [c.desc() if descending else c.asc() for c in position]
        else:
            column = {
                "confidence": Assertion.confidence,
                "type": Assertion.predicate,
                "status": Assertion.status,
                "file": _file_name_order(session, case.id, Assertion.evidence_file_id),
                "decided_at": Assertion.decided_at,
            }[sort]
            order = [column.desc() if descending else column.asc(), *position]
        rows = list(
            session.scalars(
                select(Assertion)
                .outerjoin(EvidenceFile, Assertion.evidence_file_id == EvidenceFile.id)
                .where(*conditions)
                .order_by(*order)
                .offset((page - 1) * per_page)
                .limit(per_page)
            )
        )
        describer = _Describer(ctx, session, case.id, actor)
        contexts = _contexts(session, case.id, rows)
        items = [describer.describe(a, *contexts.get(a.id, ("", ""))) for a in rows]
        audit.record(
            session,
            actor=actor,
            action="assertion.list",
            case_id=case.id,
            details={"kind": kind, "status": status, "page": page, "sort": sort},
        )
        return Page(items, int(total), page, per_page, sort, descending)


def _contexts(session: Session, case_id: int, rows: list[Assertion]) -> dict[int, tuple[str, str]]:
    """Some page text before and after each assertion's quote (cut here: page text is
    encrypted at rest; each page is read once)."""
    out: dict[int, tuple[str, str]] = {}
    pages: dict[tuple[int, int], str] = {}
    for a in rows:
        number = _page_number(a.locator)
        if a.evidence_file_id is None or number is None or a.span_start is None:
            continue
        end = a.span_end if a.span_end is not None else a.span_start
        start = max(0, a.span_start - CONTEXT_CHARS)
        where = (int(a.evidence_file_id), number)
        if where not in pages:
            pages[where] = (
                session.scalar(
                    select(DocumentPage.text)
                    .join(Document, DocumentPage.document_id == Document.id)
                    .where(
                        Document.case_id == case_id,
                        Document.evidence_file_id == a.evidence_file_id,
                        DocumentPage.number == number,
                    )
                )
                or ""
            )
        text = pages[where][start : end + CONTEXT_CHARS]
        if text:
            wanted = end + CONTEXT_CHARS - start
            out[a.id] = _whole_words(
                text[: a.span_start - start], text[end - start :], start > 0, len(text) == wanted
            )
    return out


def suggestion_filters(ctx: Context, actor: Actor, reference: str) -> SuggestionFilters:
    """The values the suggestion filters can take in this case, with counts."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        redactor = _redactor(ctx, session, case.id, actor)
        base = [Assertion.case_id == case.id, Assertion.predicate.in_(PREDICATES)]
        by_predicate = dict(
            session.execute(
                select(Assertion.predicate, func.count()).where(*base).group_by(Assertion.predicate)
            ).all()
        )
        counted = Counter(k for _, k in _identifier_kinds(session, case.id))
        by_kind = [(k, n) for k, n in counted.items() if k is not None]
        types: list[FilterOption] = []
        for predicate in PREDICATES:
            n = int(by_predicate.get(predicate, 0))
            if not n:
                continue
            label = {"identifier": "Identifiers", "mention": "Mentions", "indicator": "Indicators"}
            types.append(FilterOption(predicate, label[predicate], n))
            if predicate == "identifier":
                for sub, count in sorted(by_kind, key=lambda r: str(r[0])):
                    if sub:
                        name = _KIND_LABELS.get(str(sub), str(sub).capitalize())
                        types.append(FilterOption(f"identifier:{sub}", f"· {name}", int(count)))
        statuses = [
            FilterOption(s, s.capitalize(), int(n))
            for s, n in session.execute(
                select(Assertion.status, func.count()).where(*base).group_by(Assertion.status)
            )
        ]
        statuses.sort(key=lambda o: STATUSES.index(o.value) if o.value in STATUSES else 9)
        labels = _indicator_labels()
        indicators = [
            FilterOption(str(v), labels.get(str(v), str(v)), int(n))
            for v, n in session.execute(
                select(Assertion.value, func.count())
                .where(*base, Assertion.predicate == "indicator")
                .group_by(Assertion.value)
            )
        ]
        indicators.sort(key=lambda o: o.label)
        files = [
            FilterOption(str(fid), _clean(redactor, name), int(n))
            for fid, name, n in sorted(
                session.execute(
                    select(Assertion.evidence_file_id, EvidenceFile.original_name, func.count())
                    .join(EvidenceFile, Assertion.evidence_file_id == EvidenceFile.id)
                    .where(*base)
                    .group_by(Assertion.evidence_file_id, EvidenceFile.original_name)
                ),
                key=lambda r: str(r[1]),  # file names are encrypted at rest: sorted here
            )
        ]
        audit.record(session, actor=actor, action="assertion.filters", case_id=case.id)
        return SuggestionFilters(types, statuses, indicators, files)


# --- decisions --------------------------------------------------------------------------


def decide(
    ctx: Context, actor: Actor, reference: str, assertion_id: int, decision: str
) -> Suggestion:
    """Confirm or reject one suggestion of case ``reference``.

    ``decision`` is ``"confirmed"`` or ``"rejected"``. The assertion keeps its source and
    span; its status, ``decided_by`` and ``decided_at`` record the decision (a later
    decision replaces an earlier one; the audit log keeps both as ``assertion.confirm``
    / ``assertion.reject``). Needs :attr:`Permission.DECIDE` (PermissionDenied) and a
    suggestion of this case (NotFound). Returns the suggestion as the actor may see it.
    """
    decided = decide_many(ctx, actor, reference, [assertion_id], decision)
    return decided[0]


def decide_many(
    ctx: Context, actor: Actor, reference: str, assertion_ids: list[int], decision: str
) -> list[Suggestion]:
    """:func:`decide` for several suggestions in one transaction (all or nothing)."""
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}, not '{decision}'")
    ids = list(dict.fromkeys(int(i) for i in assertion_ids))
    if not ids:
        raise InvalidInput("select at least one suggestion")
    if len(ids) > MAX_BULK:
        raise InvalidInput(f"at most {MAX_BULK} suggestions at a time")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.DECIDE)
        rows = {
            a.id: a
            for a in session.scalars(
                select(Assertion).where(Assertion.case_id == case.id, Assertion.id.in_(ids))
            )
        }
        missing = [i for i in ids if i not in rows]
        if missing:
            raise NotFound(f"no suggestion {missing[0]} in case '{reference}'")
        now = datetime.now(UTC)
        action = "assertion.confirm" if decision == "confirmed" else "assertion.reject"
        for assertion_id in ids:
            a = rows[assertion_id]
            previous = a.status
            a.status = decision
            a.decided_by = actor.user_id
            a.decided_at = now
            audit.record(
                session,
                actor=actor,
                action=action,
                case_id=case.id,
                object_type="assertion",
                object_id=a.id,
                details={
                    "previous": previous,
                    "predicate": a.predicate,
                    "evidence_file_id": a.evidence_file_id,
                    "locator": a.locator,
                },
            )
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        session.flush()
        describer = _Describer(ctx, session, case.id, actor)
        return [describer.describe(rows[i]) for i in ids]


__all__ = [
    "DECISIONS",
    "DocumentList",
    "DocumentSummary",
    "DocumentView",
    "PageView",
    "Segment",
    "Suggestion",
    "SuggestionFilters",
    "UploadReport",
    "UploadedFile",
    "check_upload",
    "decide",
    "decide_many",
    "document_view",
    "list_documents",
    "list_suggestions",
    "receive_upload",
    "safe_name",
    "segment",
    "suggestion_filters",
]
