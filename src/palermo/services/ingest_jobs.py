"""Evidence ingest as a background job: staging an upload, then loading it file by file.

The upload is written, sealed with the case's key, into ``<data dir>/jobs/<token>/``
(durable: a restart does not lose it) and a job is queued in the same request. The
job loads each staged file with :func:`palermo.services.ingest.ingest_path` and keeps
the outcome of each finished file in its row, so a run killed midway resumes at the
next file; the file it was loading was rolled back and is read again (ingest adds a
content to a case once, so nothing is loaded twice). When every file is done the
job writes the upload report (with page and suggestion counts), queues OCR of the
scans, and removes the staged files.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from palermo.ingest.options import LoadOptions
from palermo.security.permissions import Actor, Permission
from palermo.services import jobs
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.services.ingest import FileOutcome, ingest_path, read_stored
from palermo.services.review import COPY_CHUNK
from palermo.store.models import Case
from palermo.words import file_size

STAGING = "jobs"


class _Limited:
    """A readable stream that refuses to give more than ``limit`` bytes in total."""

    def __init__(self, stream: BinaryIO, used: int, limit: int) -> None:
        self._stream = stream
        self.used = used
        self._limit = limit

    def read(self, n: int = -1) -> bytes:
        chunk = self._stream.read(COPY_CHUNK if n < 0 else n)
        self.used += len(chunk)
        if self.used > self._limit:
            raise InvalidInput(
                f"the upload is larger than the limit of {file_size(self._limit)}; "
                "upload fewer files at a time"
            )
        return chunk


def options_ref(options: LoadOptions | None) -> dict[str, Any]:
    options = options or LoadOptions()
    return {
        "decimal": options.decimal,
        "date_order": options.date_order,
        "all_or_nothing": options.all_or_nothing,
    }


def submit_upload(
    ctx: Context,
    actor: Actor,
    reference: str,
    uploads: Iterable[tuple[str | None, BinaryIO]],
    options: LoadOptions | None = None,
) -> int:
    """Stage uploaded files (``(client file name, stream)`` pairs) sealed, and queue
    the job that loads them; its id. InvalidInput when nothing usable was sent or the
    upload is over ``settings.max_file_bytes`` (nothing is kept then)."""
    from palermo.services.review import safe_name

    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        cipher = ctx.keyring.case_file_cipher(session, case.id)
        case_id = case.id
    ctx.settings.ensure_dirs()
    token = secrets.token_hex(12)
    folder = ctx.settings.data_dir / STAGING / token
    folder.mkdir(mode=0o700, parents=True)
    files: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    used = 0
    try:
        for client_name, stream in uploads:
            name = safe_name(client_name)
            if name is None:
                shown = (client_name or "(no name)")[:200]
                refused.append(
                    {
                        "name": shown,
                        "status": "skipped",
                        "message": f"{shown}: file name refused ('..' or empty)",
                    }
                )
                continue
            number = len(files)
            limited = _Limited(stream, used, ctx.settings.max_file_bytes)
            fd = os.open(folder / str(number), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as sink:
                cipher.encrypt(limited, sink)
                sink.flush()
                os.fsync(sink.fileno())
            files.append({"n": number, "name": name, "size": limited.used - used})
            used = limited.used
        if not files and not refused:
            raise InvalidInput("choose at least one file to upload")
        payload = {
            "staging": f"{STAGING}/{token}",
            "files": files,
            "refused": refused,
            "bytes": used,
            "options": options_ref(options),
        }
        with ctx.db.session() as session:
            job = jobs.submit(ctx, session, actor, case_id, "ingest", payload, total=used)
            job_id = job.id
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    jobs.wake(ctx)
    return job_id


def run(job: jobs.Running) -> dict[str, Any]:
    """Load the staged files not loaded yet; the upload report as the job's result."""
    ctx = job.ctx
    actor = job.actor()
    payload = job.payload
    with ctx.db.session() as session:
        case = session.get(Case, job.case_id)
        if case is None:
            raise InvalidInput("the case is gone")
        reference = case.reference
        cipher = ctx.keyring.case_file_cipher(session, case.id)
    raw = payload.get("options") or {}
    options = LoadOptions(
        decimal=raw.get("decimal"),
        date_order=raw.get("date_order"),
        all_or_nothing=bool(raw.get("all_or_nothing")),
    )
    files: list[dict[str, Any]] = list(payload["files"])
    staging = ctx.settings.data_dir / payload["staging"]
    total = max(int(payload.get("bytes") or 0), 1)
    result = dict(job.result)
    done: list[int] = list(result.get("done", []))
    outcomes: list[dict[str, Any]] = list(result.get("outcomes", []))
    seconds = float(result.get("seconds", 0.0))
    before = sum(int(f["size"]) for f in files if f["n"] in done)
    for position, item in enumerate(files, start=1):
        if item["n"] in done:
            continue
        name, size = str(item["name"]), int(item["size"])
        where = f"file {position} of {len(files)}: {name}"
        job.progress(before, total, where, force=True)

        def on_rows(
            _name: str, rows: int, of: int, _b: int = before, _s: int = size, _w: str = where
        ) -> None:
            job.inner_progress(_b + (_s * rows // max(of, 1) if of else 0), total, _w)

        started = time.perf_counter()
        workdir = Path(tempfile.mkdtemp(prefix=f"job-{job.id}-", dir=_temp_root(ctx)))
        try:
            plain = workdir / (PurePosixPath(name).name or "evidence")
            fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as sink:
                for chunk in read_stored(cipher, staging / str(item["n"])):
                    sink.write(chunk)
            report = ingest_path(ctx, actor, reference, plain, on_rows, options)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        seconds += time.perf_counter() - started
        outcomes.extend(_outcome_dict(o) for o in report.files)
        done.append(int(item["n"]))
        before += size
        job.save_result({"done": done, "outcomes": outcomes, "seconds": seconds})
    job.progress(total, total, "writing the report", force=True)
    return _finish(ctx, actor, reference, payload, outcomes, seconds, staging)


def _finish(
    ctx: Context,
    actor: Actor,
    reference: str,
    payload: dict[str, Any],
    outcomes: list[dict[str, Any]],
    seconds: float,
    staging: Path,
) -> dict[str, Any]:
    from palermo.services import ocr
    from palermo.services.review import _enrich

    file_outcomes = [
        FileOutcome(**{**o, "warnings": tuple(o.get("warnings") or ())}) for o in outcomes
    ]
    enriched = _enrich(ctx, actor, reference, file_outcomes, int(payload.get("bytes") or 0))
    loaded = [f.evidence_file_id for f in enriched if f.evidence_file_id and f.has_document]
    ocr_jobs = ocr.queue_for_files(ctx, actor, reference, loaded)
    ocr.start_in_background(ctx, actor, ocr_jobs)
    shutil.rmtree(staging, ignore_errors=True)
    return {
        "files": [asdict(f) for f in enriched] + list(payload.get("refused") or []),
        "seconds": seconds,
        "bytes": int(payload.get("bytes") or 0),
        "ocr_jobs": ocr_jobs,
    }


def _outcome_dict(outcome: FileOutcome) -> dict[str, Any]:
    data = asdict(outcome)
    data["warnings"] = list(outcome.warnings)
    return data


def _temp_root(ctx: Context) -> Path:
    root = ctx.settings.data_dir / "tmp"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def report_of(view: jobs.JobView, reference: str) -> Any:
    """The finished job's upload report, as the upload report page shows it."""
    from palermo.services.review import UploadedFile, UploadReport

    result = view.result or {}
    report = UploadReport(
        case_reference=reference,
        seconds=float(result.get("seconds", 0.0)),
        bytes_received=int(result.get("bytes", 0)),
    )
    fields = set(UploadedFile.__dataclass_fields__)
    for item in result.get("files", []):
        report.files.append(UploadedFile(**{k: v for k, v in item.items() if k in fields}))
    return report
