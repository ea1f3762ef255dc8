"""OCR of scanned evidence: which files need it, the case's languages, the runs (with a
progress row each), and the page images the document view shows beside the text.

The web hands OCR runs to the job queue (``start_in_background``, run by
:func:`run_queued` in a worker, see :mod:`palermo.services.jobs`); the CLI runs them in
the foreground (``run_job`` with a progress callback). Every job writes its progress to its
``ocr_jobs`` row, one short transaction per page, and writes its result in ONE
transaction at the end: the pages' text, their word boxes (``ocr_pages``), the
suggestions extraction finds in them, and the audit entry. A job killed midway leaves
the document as it was; an hour later its page offers to read it again.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from palermo.ingest.readers import ocr as core
from palermo.ingest.readers.base import DocumentText, Page
from palermo.security import audit, search_index
from palermo.security.permissions import Actor, Permission
from palermo.services import ingest as ingest_service
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound, PermissionDenied
from palermo.store.models import Case, EvidenceFile
from palermo.store.models.documents import Document, DocumentPage
from palermo.store.models.ocr import CaseOcrSetting, OcrJob, OcrPage

# progress(file_name, pages_done, pages_total)
Progress = Callable[[str, int, int], None]

QUEUED, RUNNING, DONE, NO_TEXT, FAILED = "queued", "running", "done", "no_text", "failed"
ACTIVE = (QUEUED, RUNNING)
NO_TEXT_NOTE = "OCR found no text on this scan"
STALE_AFTER = timedelta(hours=1)
# Page images shown in the browser: enough to read a statement, small enough to send.
VIEW_DPI = 110
MAX_VIEW_PIXELS = 1400


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    evidence_file_id: int
    status: str
    languages: str
    pages_total: int
    pages_done: int
    message: str | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def percent(self) -> int:
        return int(100 * self.pages_done / self.pages_total) if self.pages_total else 0


@dataclass(slots=True)
class ScanPage:
    number: int
    width: int
    height: int
    mean_confidence: float | None
    words: int
    # (assertion id, status, [(left, top, width, height) in OCR image pixels]) per suggestion
    marks: list[tuple[int, str, list[tuple[int, int, int, int]]]] = field(default_factory=list)


@dataclass(slots=True)
class DocumentOcr:
    """What the document view shows about OCR: the last run and the scanned pages."""

    job: JobView | None
    pages: dict[int, ScanPage]
    languages: str
    can_see_scan: bool
    can_run: bool
    scannable: bool  # a PDF or an image: a page image can be shown


# --- languages -----------------------------------------------------------------------------


def language_choices() -> list[tuple[str, str]]:
    """The installed Tesseract languages as (code, name), for forms."""
    return [(c, core.LANGUAGE_NAMES.get(c, c)) for c in core.installed_languages()]


def case_languages(session: Session, case: Case) -> str:
    setting = session.get(CaseOcrSetting, case.id)
    return setting.languages if setting is not None else core.default_languages(case.jurisdiction)


def get_languages(ctx: Context, actor: Actor, reference: str) -> str:
    with ctx.db.session() as session:
        return case_languages(session, open_case(ctx, session, actor, reference))


def set_languages(ctx: Context, actor: Actor, reference: str, value: str) -> str:
    """Store the case's OCR languages (checked against the installed packs; InvalidInput
    naming the code otherwise)."""
    try:
        languages = core.parse_languages(value, core.installed_languages())
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        before = case_languages(session, case)
        setting = session.get(CaseOcrSetting, case.id)
        if setting is None:
            session.add(CaseOcrSetting(case_id=case.id, languages=languages))
        else:
            setting.languages = languages
            setting.updated_at = datetime.now(UTC)
        if before != languages:
            audit.record(
                session,
                actor=actor,
                action="case.ocr_languages",
                case_id=case.id,
                object_type="case",
                object_id=case.id,
                details={"before": before, "after": languages},
            )
    return languages


# --- queueing ------------------------------------------------------------------------------


def queue_for_files(
    ctx: Context, actor: Actor, reference: str, evidence_file_ids: list[int]
) -> list[int]:
    """Queue OCR for those of the files that need it (an image, a PDF with a page without
    text) and have no OCR run yet; the queued job ids."""
    if not evidence_file_ids:
        return []
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        languages = case_languages(session, case)
        rows = session.execute(
            select(Document, EvidenceFile)
            .join(EvidenceFile, Document.evidence_file_id == EvidenceFile.id)
            .where(Document.case_id == case.id, EvidenceFile.id.in_(evidence_file_ids))
        ).all()
        queued: list[int] = []
        for doc, evidence in rows:
            if not _needs_ocr(session, doc):
                continue
            seen = session.scalar(select(OcrJob.id).where(OcrJob.document_id == doc.id).limit(1))
            if seen is not None:
                continue
            queued.append(_new_job(session, case, evidence, doc, languages, actor).id)
    return queued


def request_ocr(
    ctx: Context, actor: Actor, reference: str, evidence_file_id: int, languages: str | None
) -> int:
    """Queue OCR of one document again (other languages, or after a failure)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        row = session.execute(
            select(Document, EvidenceFile)
            .join(EvidenceFile, Document.evidence_file_id == EvidenceFile.id)
            .where(Document.case_id == case.id, EvidenceFile.id == evidence_file_id)
        ).first()
        if row is None:
            raise NotFound(f"no document for evidence file {evidence_file_id}")
        doc, evidence = row
        if not _scannable(doc):
            raise InvalidInput("only PDFs and images can be read by OCR")
        if _active_job(session, doc.id) is not None:
            raise InvalidInput("OCR of this file is already running")
        chosen = case_languages(session, case)
        if languages:
            try:
                chosen = core.parse_languages(languages, core.installed_languages())
            except ValueError as exc:
                raise InvalidInput(str(exc)) from exc
        return _new_job(session, case, evidence, doc, chosen, actor).id


def _new_job(
    session: Session,
    case: Case,
    evidence: EvidenceFile,
    doc: Document,
    languages: str,
    actor: Actor,
) -> OcrJob:
    job = OcrJob(
        case_id=case.id,
        evidence_file_id=evidence.id,
        document_id=doc.id,
        status=QUEUED,
        languages=languages,
        pages_total=0,
        pages_done=0,
        requested_by=actor.user_id,
    )
    session.add(job)
    doc.note = f"OCR queued ({languages})"
    session.flush()
    return job


def _scannable(doc: Document) -> bool:
    return doc.media_type == "application/pdf" or doc.media_type.startswith("image/")


def _needs_ocr(session: Session, doc: Document) -> bool:
    if doc.media_type.startswith("image/"):
        return True
    if doc.media_type != "application/pdf":
        return False
    texts = session.scalars(select(DocumentPage.text).where(DocumentPage.document_id == doc.id))
    return any(not t.strip() for t in texts)


def _active_job(session: Session, document_id: int) -> OcrJob | None:
    """The document's queued or running job; one left running by a stopped server for
    longer than STALE_AFTER is marked failed (interrupted) so it can be run again."""
    job = session.scalar(
        select(OcrJob).where(OcrJob.document_id == document_id, OcrJob.status.in_(ACTIVE))
    )
    if job is None:
        return None
    since = job.started_at or job.created_at
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    if datetime.now(UTC) - since > STALE_AFTER:
        job.status, job.finished_at = FAILED, datetime.now(UTC)
        job.message = "interrupted (the server stopped while reading); read it again"
        return None
    return job


# --- running -------------------------------------------------------------------------------


def start_in_background(ctx: Context, actor: Actor, job_ids: list[int]) -> int | None:
    """Hand the OCR runs to the job queue (one background job running them one after
    the other); the queue job's id, or None when there is nothing to read."""
    from palermo.services import jobs

    if not job_ids:
        return None
    with ctx.db.session() as session:
        case_id = session.scalar(select(OcrJob.case_id).where(OcrJob.id == job_ids[0]))
        if case_id is None:
            raise NotFound(f"no OCR job {job_ids[0]}")
        queued = jobs.submit(
            ctx, session, actor, case_id, "ocr", {"ocr_job_ids": list(job_ids)}, total=0
        )
        queue_id = queued.id
    jobs.wake(ctx)
    return queue_id


def run_queued(job: Any) -> dict[str, Any]:
    """The queue's handler for an "ocr" job: run its OCR runs not finished yet, in turn
    (a run interrupted by a restart is read again from the start)."""
    actor = job.actor()
    ids = [int(i) for i in job.payload["ocr_job_ids"]]
    outcomes: dict[str, Any] = {}
    for done, job_id in enumerate(ids):
        job.progress(done, len(ids), f"scan {done + 1} of {len(ids)}", force=True)
        view = run_job(job.ctx, actor, job_id)
        outcomes[str(job_id)] = {"status": view.status, "message": view.message}
    return {"ocr": outcomes}


def run_job(ctx: Context, actor: Actor, job_id: int, progress: Progress | None = None) -> JobView:
    """Run one queued job to its end; never raises for bad input (the job says why), and
    an unexpected error fails the job with its reason instead of leaving it running."""
    try:
        return _run_job(ctx, actor, job_id, progress)
    except NotFound:
        raise
    except Exception as exc:
        message = f"could not be read by OCR ({type(exc).__name__}: {exc})"
        return _finish(ctx, actor, job_id, FAILED, message[:2000])


def _run_job(ctx: Context, actor: Actor, job_id: int, progress: Progress | None) -> JobView:
    with ctx.db.session() as session:
        job = session.get(OcrJob, job_id)
        if job is None:
            raise NotFound(f"no OCR job {job_id}")
        if job.status not in ACTIVE:
            return _view(job)
        doc = session.get(Document, job.document_id)
        evidence = session.get(EvidenceFile, job.evidence_file_id)
        case = session.get(Case, job.case_id)
        assert doc is not None and evidence is not None and case is not None
        name = evidence.original_name
        job.status, job.started_at, job.pages_done = RUNNING, datetime.now(UTC), 0
        job.message = None
        languages = job.languages
        # Decrypted into a private temporary folder, removed below.
        source = ingest_service.plain_copy(ctx, session, evidence)
        empty_pages = [
            int(n)
            for n, text in session.execute(
                select(DocumentPage.number, DocumentPage.text).where(
                    DocumentPage.document_id == doc.id
                )
            )
            if not text.strip()
        ]
        is_image = doc.media_type.startswith("image/")
    workdir = Path(tempfile.mkdtemp(prefix="ocr-", dir=_temp_root(ctx)))
    try:
        view = workdir / (Path(name).name or "evidence")
        shutil.copyfile(source, view)
        try:
            numbers = (
                list(range(1, core.image_frames(view, name) + 1))
                if is_image
                else sorted(empty_pages)
            )
        except core.OcrError as exc:
            return _finish(ctx, actor, job_id, FAILED, str(exc))
        limit = ctx.settings.ocr_max_pages
        if len(numbers) > limit:
            message = (
                f"{name}: {len(numbers):,} pages to read by OCR, more than the limit of "
                f"{limit:,} (setting PALERMO_OCR_MAX_PAGES); split the file or raise the limit"
            )
            return _finish(ctx, actor, job_id, FAILED, message, total=len(numbers))
        _progress(ctx, job_id, 0, len(numbers))
        if progress is not None:
            progress(name, 0, len(numbers))
        results: list[core.OcrResult] = []
        for done, number in enumerate(numbers, start=1):
            try:
                results.append(core.read_page(view, name, number, languages, ctx.settings.ocr_dpi))
            except core.OcrError as exc:
                return _finish(ctx, actor, job_id, FAILED, str(exc), total=len(numbers))
            _progress(ctx, job_id, done, len(numbers))
            if progress is not None:
                progress(name, done, len(numbers))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(source.parent, ignore_errors=True)
    return _store(ctx, actor, job_id, results, is_image)


def _store(
    ctx: Context, actor: Actor, job_id: int, results: list[core.OcrResult], is_image: bool
) -> JobView:
    """The pages' text and word boxes, extraction's suggestions and the audit: one
    transaction."""
    with ctx.db.session() as session:
        job = session.get(OcrJob, job_id)
        assert job is not None
        doc = session.get(Document, job.document_id)
        case = session.get(Case, job.case_id)
        assert doc is not None and case is not None
        numbers = [r.number for r in results]
        session.execute(
            delete(OcrPage).where(OcrPage.document_id == doc.id, OcrPage.number.in_(numbers))
        )
        read = [r for r in results if r.text.strip()]
        for r in results:
            session.add(
                OcrPage(
                    document_id=doc.id,
                    number=r.number,
                    languages=job.languages,
                    width=r.width,
                    height=r.height,
                    dpi=r.dpi,
                    mean_confidence=r.mean_confidence,
                    words=[w.as_list() for w in r.words],
                )
            )
            existing = session.scalar(
                select(DocumentPage).where(
                    DocumentPage.document_id == doc.id, DocumentPage.number == r.number
                )
            )
            if existing is None:
                session.add(DocumentPage(document_id=doc.id, number=r.number, text=r.text))
            elif not existing.text.strip():
                existing.text = r.text
        search_index.reindex_document(session, ctx.keyring.master, doc.id)
        if is_image:
            doc.page_count = max(doc.page_count, max(numbers, default=0))
        metadata = dict(doc.doc_metadata or {})
        metadata["ocr"] = {
            "languages": job.languages,
            "pages": numbers,
            "engine": "tesseract",
            "dpi": ctx.settings.ocr_dpi,
        }
        metadata.setdefault("locator", "page")
        doc.doc_metadata = metadata
        suggestions = 0
        if read:
            target = ingest_service._Target(case.id, case.reference, case.default_region or "US")
            text = DocumentText(
                media_type=doc.media_type,
                title=doc.title,
                pages=[Page(r.number, r.text) for r in read],
                metadata=metadata,
            )
            suggestions = ingest_service.suggest_from_document(
                ctx, session, target, job.evidence_file_id, doc.id, text
            )
        chars = sum(len(r.text) for r in read)
        if read:
            status = DONE
            pages = len(results)
            message = (
                f"{pages} page{'s' * (pages != 1)} read by OCR ({job.languages}): "
                f"{chars:,} characters, {suggestions} suggestion{'s' * (suggestions != 1)}"
            )
            blank = len(results) - len(read)
            if blank:
                message += f"; no text found on {blank} page{'s' * (blank != 1)}"
            doc.note = f"Text read by OCR ({job.languages}); check it against the scan"
        else:
            status, message = NO_TEXT, f"no text found by OCR ({job.languages})"
            doc.note = NO_TEXT_NOTE
        job.status, job.message, job.finished_at = status, message, datetime.now(UTC)
        job.pages_done = job.pages_total = len(results)
        audit.record(
            session,
            actor=actor,
            action="evidence.ocr",
            case_id=case.id,
            object_type="evidence_file",
            object_id=job.evidence_file_id,
            details={
                "languages": job.languages,
                "pages": numbers,
                "characters": chars,
                "suggestions": suggestions,
                "status": status,
            },
        )
        return _view(job)


def _progress(ctx: Context, job_id: int, done: int, total: int) -> None:
    with ctx.db.session() as session:
        session.execute(
            update(OcrJob).where(OcrJob.id == job_id).values(pages_done=done, pages_total=total)
        )


def _finish(
    ctx: Context, actor: Actor, job_id: int, status: str, message: str, total: int | None = None
) -> JobView:
    with ctx.db.session() as session:
        job = session.get(OcrJob, job_id)
        assert job is not None
        job.status, job.message, job.finished_at = status, message[:2000], datetime.now(UTC)
        if total is not None:
            job.pages_total = total
        doc = session.get(Document, job.document_id)
        if doc is not None:
            doc.note = f"OCR not done: {message}"[:2000]
        audit.record(
            session,
            actor=actor,
            action="evidence.ocr_failed",
            case_id=job.case_id,
            object_type="evidence_file",
            object_id=job.evidence_file_id,
            details={"problem": message[:1000]},
        )
        return _view(job)


def _view(job: OcrJob) -> JobView:
    return JobView(
        job.id,
        job.evidence_file_id,
        job.status,
        job.languages,
        job.pages_total,
        job.pages_done,
        job.message,
    )


def _temp_root(ctx: Context) -> Path:
    root = ctx.settings.data_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


# --- the document view ---------------------------------------------------------------------


def document_ocr(
    ctx: Context, actor: Actor, reference: str, evidence_file_id: int, marks: list[Any]
) -> DocumentOcr:
    """The last OCR run of a document and its scanned pages, with the boxes of the
    suggestions (``marks``: objects with id, status, locator, span_start, span_end)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        doc = session.scalar(
            select(Document).where(
                Document.case_id == case.id, Document.evidence_file_id == evidence_file_id
            )
        )
        if doc is None:
            raise NotFound(f"no document for evidence file {evidence_file_id}")
        job = session.scalar(
            select(OcrJob).where(OcrJob.document_id == doc.id).order_by(OcrJob.id.desc()).limit(1)
        )
        pages: dict[int, ScanPage] = {}
        for row in session.scalars(select(OcrPage).where(OcrPage.document_id == doc.id)):
            page = ScanPage(row.number, row.width, row.height, row.mean_confidence, len(row.words))
            for m in marks:
                if m.locator != f"page {row.number}" or m.span_start is None:
                    continue
                boxes = core.boxes_for_span(row.words, m.span_start, m.span_end)
                if boxes:
                    page.marks.append((m.id, m.status, boxes))
            pages[row.number] = page
        return DocumentOcr(
            job=_view(job) if job is not None else None,
            pages=pages,
            languages=case_languages(session, case),
            can_see_scan=actor.can(Permission.SEE_VICTIM_IDENTITY),
            can_run=actor.can(Permission.INGEST),
            scannable=_scannable(doc),
        )


def job_status(ctx: Context, actor: Actor, reference: str, evidence_file_id: int) -> JobView:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        job = session.scalar(
            select(OcrJob)
            .where(OcrJob.case_id == case.id, OcrJob.evidence_file_id == evidence_file_id)
            .order_by(OcrJob.id.desc())
            .limit(1)
        )
        if job is None:
            raise NotFound(f"no OCR run for evidence file {evidence_file_id}")
        return _view(job)


def page_png(
    ctx: Context, actor: Actor, reference: str, evidence_file_id: int, number: int
) -> bytes:
    """Page ``number`` of a stored PDF or image as a PNG, rendered on request.

    Refused to roles that may not see victims' identities: a scan cannot be redacted
    the way its text is, so it is not shown to them at all (fail closed)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        if not actor.can(Permission.SEE_VICTIM_IDENTITY):
            raise PermissionDenied(
                "your role cannot see scan images: they may show victims' names, "
                "which the text view redacts"
            )
        row = session.execute(
            select(Document, EvidenceFile)
            .join(EvidenceFile, Document.evidence_file_id == EvidenceFile.id)
            .where(Document.case_id == case.id, EvidenceFile.id == evidence_file_id)
        ).first()
        if row is None:
            raise NotFound(f"no document for evidence file {evidence_file_id}")
        doc, evidence = row
        if not _scannable(doc):
            raise NotFound("this file has no page images")
        if number < 1 or number > max(doc.page_count, 1):
            raise NotFound(f"no page {number}")
        name = evidence.original_name
        # Decrypted into a private temporary folder, removed below.
        source = ingest_service.plain_copy(ctx, session, evidence)
    workdir = Path(tempfile.mkdtemp(prefix="scan-", dir=_temp_root(ctx)))
    try:
        view = workdir / (Path(name).name or "evidence")
        shutil.copyfile(source, view)
        try:
            image = core.page_image(view, name, number, VIEW_DPI)
        except core.OcrError as exc:
            raise InvalidInput(str(exc)) from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(source.parent, ignore_errors=True)
    image.thumbnail((MAX_VIEW_PIXELS, MAX_VIEW_PIXELS * 2))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
