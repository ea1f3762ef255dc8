"""Evidence ingest: a file, folder or zip into a case, with provenance.

For each file: copy it into the content-addressed store while hashing it; if the
case already holds that content, add nothing (idempotent); otherwise read it and,
in ONE transaction, insert its EvidenceFile row, all its records (bulk), its
document text, the identifiers seen and the audit entry. Any error rolls back
that file only; the failure is then recorded in its own transaction so the user
sees why. Killing the process midway leaves no half-loaded file: running the
ingest again completes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from palermo.ingest import bulk, collector, pipeline
from palermo.ingest.archive import Candidate, Limits, Problem, expand
from palermo.ingest.limits import DocumentLimits
from palermo.ingest.limits import inspect as inspect_limits
from palermo.ingest.normalize import normalize_account, normalize_phone
from palermo.ingest.options import LoadOptions
from palermo.ingest.readers.base import DocumentText, ReadContext, Reader, ReadError, RecordRow
from palermo.ingest.readers.registry import find_reader
from palermo.ingest.readers.structured import RowStream, StructuredReader, sniff_header
from palermo.security import audit, search_index
from palermo.security.identities import IdentityUnavailable, unseal
from palermo.security.permissions import SYSTEM, Actor, Permission
from palermo.security.sealing import FileCipher, sealed_size
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.store.models import (
    Assertion,
    AssertionStatus,
    EvidenceFile,
    EvidenceStatus,
    Person,
    RecordKind,
)
from palermo.store.models.documents import Document, DocumentPage
from palermo.store.models.formats import RowProblem

if TYPE_CHECKING:
    from palermo.extract import KnownPerson

# progress(file_name, done_rows, total_rows_estimate)
Progress = Callable[[str, int, int], None]

COPY_CHUNK = 1024 * 1024
MAX_ATTACHMENT_DEPTH = 3


class Outcome:
    LOADED = "loaded"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class FileOutcome:
    name: str
    status: str  # Outcome.*
    message: str = ""
    records: int = 0
    sha256: str | None = None
    evidence_file_id: int | None = None
    source_kind: str | None = None
    # Rows loaded with a caveat or skipped (zero or negative amounts, exact duplicate
    # rows), each naming the file and lines; also appended to ``message``.
    warnings: tuple[str, ...] = ()
    # Rows left out because a value could not be read (listed as row problems).
    bad_rows: int = 0
    # A question that stops the file (an ambiguous locale): what answers it.
    question: dict[str, Any] | None = None
    profile: str | None = None  # the mapping profile the file was read with


@dataclass(slots=True)
class IngestReport:
    case_reference: str
    files: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def with_status(self, status: str) -> list[FileOutcome]:
        return [f for f in self.files if f.status == status]

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files if f.status == Outcome.LOADED)

    @property
    def loaded(self) -> int:
        return len(self.with_status(Outcome.LOADED))

    @property
    def duplicates(self) -> int:
        return len(self.with_status(Outcome.DUPLICATE))

    @property
    def failed(self) -> int:
        """Files not loaded: failed while reading, or refused before (skipped)."""
        return len(self.with_status(Outcome.FAILED)) + len(self.with_status(Outcome.SKIPPED))

    @property
    def ok(self) -> bool:
        return not any(f.status in (Outcome.FAILED, Outcome.SKIPPED) for f in self.files)

    def summary(self) -> str:
        """One line per file, then totals: what the CLI prints after a run."""
        lines = [f"{f.status:<9} {f.name}: {f.message}" for f in self.files]
        lines.append(
            f"{self.case_reference}: {self.records:,} records from {self.loaded} files "
            f"in {self.seconds:.1f} s; {self.duplicates} already ingested, "
            f"{len(self.with_status(Outcome.FAILED))} failed, "
            f"{len(self.with_status(Outcome.SKIPPED))} refused"
        )
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Target:
    """The case a run ingests into, resolved once."""

    case_id: int
    reference: str
    default_region: str
    options: LoadOptions = field(default_factory=LoadOptions)
    unit_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Stored:
    sha256: str
    size: int
    lines: int
    path: Path


def ingest_path(
    ctx: Context,
    actor: Actor,
    reference: str,
    path: Path | str,
    progress: Progress | None = None,
    options: LoadOptions | None = None,
) -> IngestReport:
    """Ingest a file, a folder or a zip into case ``reference``; one outcome per file.

    ``options``: the files' locale where the user gave it, all-or-nothing loading, a
    mapping profile to read every file with."""
    started = time.perf_counter()
    source = Path(path)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        target = _Target(
            case.id,
            case.reference,
            case.default_region or "US",
            options or LoadOptions(),
            case.unit_id,
        )
    if not source.exists():
        raise InvalidInput(f"no such file or folder: {source}")
    ctx.settings.ensure_dirs()
    _sweep_stale(ctx)
    report = IngestReport(case_reference=target.reference)
    refused: list[Problem] = []
    for item in expand(source, Limits.from_settings(ctx.settings)):
        if isinstance(item, Problem):
            refused.append(item)
            report.files.append(FileOutcome(item.name, Outcome.SKIPPED, item.reason))
        else:
            report.files.extend(_ingest_file(ctx, actor, target, item, progress))
    if refused:
        with ctx.db.session() as session:
            audit.record(
                session,
                actor=actor,
                action="evidence.refused",
                case_id=target.case_id,
                object_type="case",
                object_id=target.case_id,
                # Reasons only: a file name can name a person, and the log is not sealed.
                details={"files": [{"reason": p.reason} for p in refused]},
            )
    report.seconds = time.perf_counter() - started
    return report


# --- one file ---------------------------------------------------------------------------


def _ingest_file(
    ctx: Context,
    actor: Actor,
    target: _Target,
    candidate: Candidate,
    progress: Progress | None,
    parent: dict[str, Any] | None = None,
    depth: int = 0,
) -> list[FileOutcome]:
    name = candidate.name
    pipeline.warm_up(name, candidate.size, ctx.settings.ingest_worker)
    try:
        cipher = _case_cipher(ctx, target)
        stored = store_content(candidate.path, ctx.settings.evidence_dir, cipher, target.case_id)
    except OSError as exc:
        return [FileOutcome(name, Outcome.FAILED, f"{name}: cannot copy: {exc.strerror or exc}")]

    with ctx.db.session() as session:
        existing = session.scalar(
            select(EvidenceFile).where(
                EvidenceFile.case_id == target.case_id, EvidenceFile.sha256 == stored.sha256
            )
        )
        if existing is not None and existing.status != EvidenceStatus.FAILED.value:
            when = _as_utc(existing.ingested_at).strftime("%Y-%m-%d %H:%M UTC")
            duplicate = FileOutcome(
                name,
                Outcome.DUPLICATE,
                f"already ingested as {existing.original_name} on {when}",
                sha256=stored.sha256,
                evidence_file_id=existing.id,
                source_kind=existing.source_kind,
            )
            missing = _missing_attachments(session, target, existing.id)
            if not missing:
                return [duplicate]
        else:
            duplicate, missing = None, set()
        # A failed earlier attempt is retried (the reader may have been fixed) in place.
        retry_id = existing.id if existing is not None and duplicate is None else None

    if duplicate is not None:
        # Interrupted after the parent committed: finish its attachments.
        return [
            duplicate,
            *_resume_attachments(ctx, actor, target, stored, duplicate, missing, progress, depth),
        ]

    workdir = Path(tempfile.mkdtemp(prefix="read-", dir=_temp_root(ctx)))
    try:
        view = _view_of(stored, workdir, name, cipher)
        try:
            reader, profile = _pick_reader(ctx, target, view)
            if reader is None:
                shown = view.suffix or "no extension"
                raise ReadError(name, f"unknown format ({shown}): no reader recognises this file")
            loaded = _load(
                ctx, actor, target, stored, view, name, reader, retry_id, progress, parent, profile
            )
        except ReadError as exc:
            message = str(ReadError(name, exc.reason, exc.line, exc.column))
            failed = _record_failure(ctx, actor, target, stored, name, message, retry_id)
            return [_with_question(failed, exc)]
        except IdentityUnavailable:
            raise  # a key problem, not a bad file: stop the whole ingest
        except Exception as exc:  # one bad file must not stop the others
            message = f"{name}: could not be loaded ({type(exc).__name__}: {exc})"[:2000]
            return [_record_failure(ctx, actor, target, stored, name, message, retry_id)]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    outcomes = [loaded.outcome]
    for attachment_name, data in loaded.attachments:
        outcomes.extend(
            _ingest_attachment(
                ctx, actor, target, loaded.outcome, attachment_name, data, progress, depth
            )
        )
    return outcomes


def _missing_attachments(session: Session, target: _Target, evidence_file_id: int) -> set[str]:
    """SHA-256s of a loaded document's attachments that the case does not hold yet."""
    metadata = session.scalar(
        select(Document.doc_metadata).where(Document.evidence_file_id == evidence_file_id)
    )
    wanted = {str(a["sha256"]) for a in (metadata or {}).get("attachment_files", [])}
    if not wanted:
        return set()
    present = set(
        session.scalars(
            select(EvidenceFile.sha256).where(
                EvidenceFile.case_id == target.case_id, EvidenceFile.sha256.in_(wanted)
            )
        )
    )
    return wanted - present


def _resume_attachments(
    ctx: Context,
    actor: Actor,
    target: _Target,
    stored: _Stored,
    parent: FileOutcome,
    missing: set[str],
    progress: Progress | None,
    depth: int,
) -> list[FileOutcome]:
    workdir = Path(tempfile.mkdtemp(prefix="read-", dir=_temp_root(ctx)))
    try:
        view = _view_of(stored, workdir, parent.name, _case_cipher(ctx, target))
        reader = find_reader(view)
        if reader is None:
            return []
        context = ReadContext(default_region=target.default_region, display_name=parent.name)
        try:
            document = reader.read(view, context).document
        except ReadError:
            return []
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    outcomes: list[FileOutcome] = []
    for attachment_name, data in document.attachments if document is not None else []:
        if hashlib.sha256(data).hexdigest() in missing:
            outcomes.extend(
                _ingest_attachment(
                    ctx, actor, target, parent, attachment_name, data, progress, depth
                )
            )
    return outcomes


@dataclass(slots=True)
class _Loaded:
    outcome: FileOutcome
    attachments: list[tuple[str, bytes]]


def _load(
    ctx: Context,
    actor: Actor,
    target: _Target,
    stored: _Stored,
    view: Path,
    name: str,
    reader: Reader,
    retry_id: int | None,
    progress: Progress | None,
    parent: dict[str, Any] | None,
    profile: Any = None,
) -> _Loaded:
    """Everything for one file in one transaction; raises (and rolls back) on any error."""
    options = target.options
    context = ReadContext(
        default_region=target.default_region,
        display_name=name,
        decimal=options.decimal or getattr(profile, "decimal", None),
        date_order=options.date_order or getattr(profile, "date_order", None),
        all_or_nothing=options.all_or_nothing,
        profile=profile,
    )
    total = max(stored.lines - 1, 1)

    def on_batch(done: int) -> None:
        if progress is not None:
            progress(name, done, max(total, done))

    if progress is not None:
        progress(name, 0, total)
    attachments: list[tuple[str, bytes]] = []
    pages: int | None = None
    parallel: pipeline.ParallelRead | None = None  # the reading worker, when one read
    # A bulk load makes no reference cycles: the collector would only slow it down.
    pause = collector.paused() if isinstance(reader, StructuredReader) else nullcontext()
    try:
        with pause, ctx.db.session() as session:
            evidence = _evidence_row(session, target, stored, name, retry_id, actor)
            as_text = bulk.wants_text(session)
            identifiers: list[tuple[str, str]] = []
            forms: dict[tuple[str, str], tuple[str, ...]] = {}
            warnings: tuple[str, ...] = ()
            count = bad = 0
            if isinstance(reader, StructuredReader):
                stream, count, parallel = _insert_structured(
                    ctx, session, target, evidence.id, reader, view, context, on_batch, total
                )
                source_kind = stream.kind
                identifiers = [
                    (kind, v) for kind, values in stream.identifiers.items() for v in values
                ]
                forms = stream.identifier_forms
                warnings = tuple(str(w)[:2000] for w in stream.warnings)
                bad = _store_bad_rows(session, target, evidence.id, stream.bad_rows)
                if bad:
                    if not count:
                        first = stream.bad_rows.rows[0]
                        others = stream.bad_rows.count - 1
                        more = (
                            f" (and {others:,} more bad row{'s' * (others != 1)})" if others else ""
                        )
                        raise ReadError(
                            name,
                            f"no row could be read: {first.reason}{more}",
                            line=first.line,
                            column=first.column,
                        )
                    warnings += (stream.bad_rows.summary(name)[:2000],)
            else:
                output = reader.read(view, context)
                source_kind = output.source_kind
                if output.records is not None:
                    seen: set[tuple[str, str]] = set()
                    rows = (
                        bulk.record_row_tuple(r, as_text)
                        for r in _collect_endpoints(output.records, seen, target.default_region)
                    )
                    count = bulk.insert_records(
                        session, target.case_id, evidence.id, rows, on_batch
                    )
                    identifiers = list(seen)
                if output.document is not None:
                    pages = len(output.document.pages)
                    attachments = list(output.document.attachments)
                    _store_document(ctx, session, target, evidence, output.document, parent)
            evidence.status = EvidenceStatus.LOADED.value
            evidence.problem = None
            evidence.source_kind = source_kind
            evidence.record_count = count
            session.flush()
            seen_identifiers = bulk.store_identifiers(
                session,
                ctx.keyring.master,
                target.case_id,
                target.default_region,
                identifiers,
                forms,
                parallel.search_keys() if parallel is not None else None,
            )
            # Document pages (and anything else written without keys) get theirs here.
            search_index.catch_up(session, ctx.keyring.master, target.case_id)
            # No file name and no warning text (they quote it): a file name can name a person
            # and the audit log is not encrypted. The evidence file's id and hash identify it.
            details: dict[str, Any] = {
                "sha256": stored.sha256,
                "size": stored.size,
                "source_kind": source_kind,
                "records": count,
                "identifiers_seen": seen_identifiers,
            }
            if parent is not None:
                details["parent"] = {k: v for k, v in parent.items() if k != "name"}
            if warnings:
                details["warnings"] = len(warnings)
            if bad:
                details["bad_rows"] = bad
            if profile is not None:
                details["profile"] = profile.name
            audit.record(
                session,
                actor=actor,
                action="evidence.ingest",
                case_id=target.case_id,
                object_type="evidence_file",
                object_id=evidence.id,
                details=details,
            )
            evidence_id = evidence.id
    finally:
        if parallel is not None:
            parallel.close()
    if progress is not None:
        progress(name, max(count, 1), max(count, 1))
    message = f"{count:,} records"
    if pages is not None:
        message = f"{pages:,} page{'s' if pages != 1 else ''}"
        message += f", {count:,} records" if count else ""
    if warnings:
        message += "; " + "; ".join(warnings)
    outcome = FileOutcome(
        name,
        Outcome.LOADED,
        message,
        records=count,
        sha256=stored.sha256,
        evidence_file_id=evidence_id,
        source_kind=source_kind,
        warnings=warnings,
        bad_rows=bad,
        profile=profile.name if profile is not None else None,
    )
    return _Loaded(outcome, attachments)


def _insert_structured(
    ctx: Context,
    session: Session,
    target: _Target,
    evidence_id: int,
    reader: StructuredReader,
    view: Path,
    context: ReadContext,
    on_batch: Callable[[int], None],
    total: int,
) -> tuple[RowStream, int, pipeline.ParallelRead | None]:
    """Read a structured file and insert its records into the open transaction: the
    stream (identifiers, warnings, bad rows filled), the count, and the reading worker
    when one read it (it makes the identifiers' search keys next; the caller closes it).
    A large file is read and sealed by a second process while this one inserts
    (:mod:`palermo.ingest.pipeline`); what is stored is the same either way."""
    as_text = bulk.wants_text(session)
    if pipeline.worth_it(total, ctx.settings.ingest_worker):
        parallel = pipeline.ParallelRead(
            reader.kind,
            view,
            context,
            as_text=as_text,
            master=ctx.keyring.master,
            blob=as_text,
            # A writer that only appends (the indexes are built at the end) waits on the
            # reader: it then seals the body and attributes itself. Otherwise updating the
            # indexes (or PostgreSQL's server) keeps this process busy enough.
            writer_seals=bulk.rebuilds_indexes(session, total),
        )
        try:
            stream = parallel.open()
            if stream is not None:
                count = bulk.insert_sealed(
                    session,
                    target.case_id,
                    evidence_id,
                    parallel.batches(),
                    on_batch,
                    expected_rows=total,
                )
                return stream, count, parallel
        except BaseException:
            parallel.close()
            raise
    stream = reader.rows(view, context, as_text=as_text)
    count = bulk.insert_records(
        session, target.case_id, evidence_id, stream.rows, on_batch, expected_rows=total
    )
    return stream, count, None


def ingest_stored(
    ctx: Context,
    actor: Actor,
    reference: str,
    evidence_file_id: int,
    options: LoadOptions | None = None,
) -> IngestReport:
    """Read again a file the case holds but could not load (e.g. once its columns are
    mapped or its locale answered), from the evidence store, in place of the failure."""
    started = time.perf_counter()
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        evidence = session.get(EvidenceFile, evidence_file_id)
        if evidence is None or evidence.case_id != case.id:
            raise InvalidInput("no such evidence file in this case")
        name = evidence.original_name
        path = plain_copy(ctx, session, evidence)
        target = _Target(
            case.id,
            case.reference,
            case.default_region or "US",
            options or LoadOptions(),
            case.unit_id,
        )
    report = IngestReport(case_reference=target.reference)
    try:
        candidate = Candidate(path, name, path.stat().st_size)
        report.files.extend(_ingest_file(ctx, actor, target, candidate, None))
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


def plain_copy(ctx: Context, session: Session, evidence: EvidenceFile) -> Path:
    """The original bytes of a stored file, decrypted under its own name into a private
    folder of the data directory's temporary area (the caller removes the folder; a
    killed run's leftovers are swept after a day)."""
    folder = Path(tempfile.mkdtemp(prefix="plain-", dir=_temp_root(ctx)))
    view = folder / (PurePosixPath(evidence.original_name).name or "evidence")
    fd = os.open(view, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as sink:
        for chunk in open_evidence(ctx, session, evidence):
            sink.write(chunk)
    return view


def _pick_reader(ctx: Context, target: _Target, view: Path) -> tuple[Reader | None, Any]:
    """The reader for a file and the mapping profile it is read with (or None): the
    user's profile, else a profile of the unit or a built-in one whose header
    fingerprint is the file's, else the registry's first reader that accepts it."""
    from palermo.services.profiles import profile_for_header

    profile = target.options.profile
    if profile is None and target.unit_id is not None:
        header = sniff_header(view)
        if header:
            with ctx.db.session() as session:
                profile = profile_for_header(session, target.unit_id, header)
    if profile is not None:
        return StructuredReader(profile.kind), profile
    return find_reader(view), None


def _store_bad_rows(session: Session, target: _Target, evidence_id: int, rows: Any) -> int:
    """Store a file's bad rows (the first ones kept) as RowProblems; the count of all."""
    if rows.rows:
        session.execute(
            insert(RowProblem),
            [
                {
                    "case_id": target.case_id,
                    "evidence_file_id": evidence_id,
                    "line": r.line,
                    "column": r.column[:300],
                    "value": r.value[:200],
                    "reason": r.reason[:2000],
                }
                for r in rows.rows
            ],
        )
    return int(rows.count)


def _with_question(outcome: FileOutcome, exc: ReadError) -> FileOutcome:
    """The failure with the question it asks, when the file stopped on an ambiguity."""
    from palermo.ingest.readers.columns import AmbiguityError

    if not isinstance(exc, AmbiguityError):
        return outcome
    question = {
        "file": outcome.name,
        "line": exc.line,
        "column": exc.column,
        "value": exc.value,
        "readings": [list(r) for r in exc.readings],
        "option": exc.option,
        "answers": [list(a) for a in exc.answers],
        "suggested": exc.suggested,
    }
    return replace(outcome, question=question)


def _evidence_row(
    session: Session,
    target: _Target,
    stored: _Stored,
    name: str,
    retry_id: int | None,
    actor: Actor,
) -> EvidenceFile:
    evidence = session.get(EvidenceFile, retry_id) if retry_id is not None else None
    if evidence is None:
        evidence = EvidenceFile(case_id=target.case_id, sha256=stored.sha256)
        session.add(evidence)
    evidence.size = stored.size
    evidence.media_type = _media_type(name)
    evidence.original_name = name[:1000]
    evidence.stored_path = stored.path.relative_to(stored.path.parents[3]).as_posix()
    evidence.status = EvidenceStatus.LOADED.value
    evidence.ingested_at = datetime.now(UTC)
    evidence.ingested_by = actor.user_id
    session.flush()
    return evidence


def _record_failure(
    ctx: Context,
    actor: Actor,
    target: _Target,
    stored: _Stored,
    name: str,
    message: str,
    retry_id: int | None,
) -> FileOutcome:
    """One 'failed' EvidenceFile row per content (updated, never duplicated) and an audit entry."""
    with ctx.db.session() as session:
        evidence = _evidence_row(session, target, stored, name, retry_id, actor)
        evidence.status = EvidenceStatus.FAILED.value
        evidence.problem = message
        evidence.record_count = 0
        audit.record(
            session,
            actor=actor,
            action="evidence.ingest_failed",
            case_id=target.case_id,
            object_type="evidence_file",
            object_id=evidence.id,
            details={"sha256": stored.sha256},  # the problem quotes the file name
        )
        evidence_id = evidence.id
    return FileOutcome(
        name, Outcome.FAILED, message, sha256=stored.sha256, evidence_file_id=evidence_id
    )


def _ingest_attachment(
    ctx: Context,
    actor: Actor,
    target: _Target,
    parent: FileOutcome,
    attachment_name: str,
    data: bytes,
    progress: Progress | None,
    depth: int,
) -> list[FileOutcome]:
    name = f"{parent.name}/{attachment_name}"
    if depth + 1 > MAX_ATTACHMENT_DEPTH:
        return [FileOutcome(name, Outcome.SKIPPED, "attachment nested too deep (not read)")]
    if len(data) > ctx.settings.max_file_bytes:
        return [FileOutcome(name, Outcome.SKIPPED, "attachment too large")]
    safe = PurePosixPath(attachment_name.replace("\\", "/")).name.strip() or "attachment"
    workdir = Path(tempfile.mkdtemp(prefix="attachment-", dir=_temp_root(ctx)))
    try:
        path = workdir / safe
        path.write_bytes(data)
        refusal = inspect_limits(
            path, DocumentLimits.from_settings(ctx.settings), _reader_name(path)
        )
        if refusal is not None:
            return [FileOutcome(name, Outcome.SKIPPED, f"{name}: {refusal}")]
        link = {
            "evidence_file_id": parent.evidence_file_id,
            "sha256": parent.sha256,
            "name": parent.name[:300],
        }
        return _ingest_file(
            ctx,
            actor,
            target,
            Candidate(path, name, len(data)),
            progress,
            parent=link,
            depth=depth + 1,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _reader_name(path: Path) -> str | None:
    reader = find_reader(path)
    return reader.name if reader is not None else None


# --- records and documents ---------------------------------------------------------------


def _collect_endpoints(
    records: Iterable[RecordRow], seen: set[tuple[str, str]], region: str
) -> Iterator[RecordRow]:
    """Pass records through, noting endpoints that are real phones or accounts."""
    for record in records:
        kind = "account" if record.kind == RecordKind.PAYMENT.value else "phone"
        for value in (record.source, record.target):
            if not value or record.kind == RecordKind.TRIP.value:
                continue
            if kind == "phone" and normalize_phone(value, region) == value:
                seen.add(("phone", value))
            elif kind == "account" and normalize_account(value) == value:
                seen.add(("account", value))
        yield record


def _store_document(
    ctx: Context,
    session: Session,
    target: _Target,
    evidence: EvidenceFile,
    doc: DocumentText,
    parent: dict[str, Any] | None,
) -> Document:
    metadata = _json_safe(doc.metadata)
    if parent is not None:
        metadata["attached_to"] = parent
    if doc.attachments:
        metadata["attachment_files"] = [
            {"name": n[:300], "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for n, data in doc.attachments
        ]
    document = Document(
        case_id=target.case_id,
        evidence_file_id=evidence.id,
        media_type=doc.media_type[:120],
        title=doc.title[:1000] if doc.title else None,
        doc_metadata=metadata,
        note=doc.note,
        page_count=len(doc.pages),
    )
    session.add(document)
    session.flush()
    if doc.pages:
        session.execute(
            insert(DocumentPage),
            [{"document_id": document.id, "number": p.number, "text": p.text} for p in doc.pages],
        )
    suggest_from_document(ctx, session, target, evidence.id, document.id, doc)
    return document


def suggest_from_document(
    ctx: Context,
    session: Session,
    target: _Target,
    evidence_file_id: int,
    document_id: int,
    doc: DocumentText,
) -> int:
    """Store what ``palermo.extract.extract_document`` finds in a document as suggested
    Assertions (identifiers, mentions of the case's people, indicators), each with its
    page, character span and quote. Returns how many were stored."""
    # Imported here: extraction loads gazetteers and patterns that record files never need.
    from palermo.extract import extract_document

    extractions = extract_document(
        doc,
        default_region=target.default_region,
        known_people=_known_people(ctx, session, target.case_id),
        reference_date=_document_date(doc),
    )
    rows: list[dict[str, Any]] = []
    for item in extractions:
        predicate, details = _predicate(item.kind, dict(item.details or {}))
        subject_type, subject_id = "document", document_id
        if item.kind == "mention" and item.value and item.value.isdigit():
            subject_type, subject_id = "person", int(item.value)
        rows.append(
            {
                "case_id": target.case_id,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "predicate": predicate,
                "value": item.value,
                "details": _json_safe(details),
                "evidence_file_id": evidence_file_id,
                "locator": f"page {item.page}",
                "span_start": item.span[0],
                "span_end": item.span[1],
                "quote": item.raw,
                "confidence": float(item.confidence),
                "status": AssertionStatus.SUGGESTED.value,
                "origin": "machine",
                "created_at": datetime.now(UTC),
            }
        )
    if rows:
        session.execute(insert(Assertion), rows)
    return len(rows)


def _known_people(ctx: Context, session: Session, case_id: int) -> list[KnownPerson]:
    from palermo.extract import KnownPerson

    """The case's people with names and aliases; victims' sealed names are unsealed for
    matching only (a suggestion stores the person's id and the document's own words)."""
    people: list[KnownPerson] = []
    for person in session.scalars(select(Person).where(Person.case_id == case_id)):
        name, aliases = person.name, list(person.aliases or [])
        if person.sealed_identity is not None:
            # Fails closed: without the names, mentions of victims would go unmatched.
            identity = unseal(ctx, person, actor=SYSTEM, purpose="ingest", session=session)
            name = identity.name or None
            aliases = list(identity.aliases)
        if name:
            people.append(KnownPerson(key=str(person.id), name=name, aliases=tuple(aliases)))
    return people


def _document_date(doc: DocumentText) -> datetime | None:
    raw = doc.metadata.get("date")
    if isinstance(raw, datetime):
        return raw
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            return None
    return None


def _predicate(kind: str, details: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if kind == "mention":
        # The subject is the person's id; the name it matched (a victim's sealed name,
        # perhaps) is not kept: it would sit in clear in the database.
        details.pop("matched", None)
        return "mention", details
    if kind == "person_candidate":
        # A name that matches nobody in the case yet: a mention to resolve.
        return "mention", {"kind": kind, **details}
    if kind == "indicator":
        return "indicator", details
    return "identifier", {"kind": kind, **details}


def _json_safe(value: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return result


# --- content-addressed store -------------------------------------------------------------


class _Hashing:
    """A binary reader that hashes, counts and measures what passes through it."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0
        self.lines = 0

    def read(self, n: int) -> bytes:
        chunk = self._handle.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        self.lines += chunk.count(b"\n")
        return chunk


def store_content(path: Path, evidence_dir: Path, cipher: FileCipher, case_id: int) -> _Stored:
    """Encrypt ``path`` into ``<evidence_dir>/<case id>/<sha[:2]>/<sha>`` while hashing it.

    The file is sealed with the case's data key (streaming, chunk by chunk:
    :class:`~palermo.security.sealing.FileCipher`); the SHA-256 and size are those of
    the original bytes. Written to a temporary name first and moved into place with
    ``os.replace``, so a kill never leaves a half file under the final name. The stored
    file is readable by its owner only and never modified afterwards.
    """
    temp_dir = evidence_dir / "tmp"
    temp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = temp_dir / f"{uuid.uuid4().hex}.part"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with path.open("rb") as source, os.fdopen(fd, "wb") as sink:
            hashing = _Hashing(source)
            cipher.encrypt(hashing, sink)
            sink.flush()
            os.fsync(sink.fileno())
        sha, size = hashing.digest.hexdigest(), hashing.size
        final = evidence_dir / str(case_id) / sha[:2] / sha
        if final.exists() and final.stat().st_size == sealed_size(size):
            temp.unlink()
        else:
            for folder in (final.parent.parent, final.parent):  # mkdir(parents) ignores mode
                folder.mkdir(mode=0o700, exist_ok=True)
            os.chmod(temp, 0o400)
            os.replace(temp, final)
    finally:
        if temp.exists():
            temp.unlink()
    return _Stored(sha256=sha, size=size, lines=hashing.lines, path=final)


def read_stored(cipher: FileCipher, path: Path) -> Iterator[bytes]:
    """The original bytes of a stored evidence file, chunk by chunk, authenticated.

    The one way to read the evidence store: every reader of a stored file goes through
    here (raises :class:`~palermo.security.sealing.SealError` if it was tampered with)."""
    with path.open("rb") as handle:
        yield from cipher.decrypt(handle)


def open_evidence(ctx: Context, session: Session, evidence: EvidenceFile) -> Iterator[bytes]:
    """The original bytes of an evidence file of the case (e.g. for a download)."""
    cipher = ctx.keyring.case_file_cipher(session, evidence.case_id)
    return read_stored(cipher, ctx.settings.data_dir / evidence.stored_path)


def _view_of(stored: _Stored, workdir: Path, name: str, cipher: FileCipher) -> Path:
    """The original bytes under the original file name (readers sniff by name and
    content), decrypted into the run's private work folder and removed with it."""
    base = PurePosixPath(name).name or "evidence"
    view = workdir / base
    fd = os.open(view, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as sink:
        for chunk in read_stored(cipher, stored.path):
            sink.write(chunk)
    return view


STALE_SECONDS = 24 * 3600


def _sweep_stale(ctx: Context) -> None:
    """Remove temporary files a killed run left behind (only old ones: another run may be
    using fresh ones)."""
    cutoff = time.time() - STALE_SECONDS
    for folder in (ctx.settings.evidence_dir / "tmp", ctx.settings.data_dir / "tmp"):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            try:
                if entry.lstat().st_mtime >= cutoff:
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
            except OSError:
                continue


def _temp_root(ctx: Context) -> Path:
    root = ctx.settings.data_dir / "tmp"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def _case_cipher(ctx: Context, target: _Target) -> FileCipher:
    """The case's evidence-file cipher (its data key is created on first use)."""
    with ctx.db.session() as session:
        return ctx.keyring.case_file_cipher(session, target.case_id)


_MEDIA_TYPES = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".eml": "message/rfc822",
    ".mbox": "application/mbox",
    ".json": "application/json",
    ".xml": "application/xml",
    ".html": "text/html",
    ".htm": "text/html",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def _media_type(name: str) -> str:
    return _MEDIA_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
