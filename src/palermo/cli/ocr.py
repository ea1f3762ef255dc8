"""OCR after `palermo ingest`: the scans of the run are read in the foreground, one line
of progress per page."""

from __future__ import annotations

from rich.console import Console

from palermo.security.permissions import Actor
from palermo.services import ocr
from palermo.services.context import Context
from palermo.services.ingest import IngestReport, Outcome


def ocr_after_ingest(
    console: Console, ctx: Context, actor: Actor, report: IngestReport
) -> list[ocr.JobView]:
    """Queue and run OCR for the run's loaded scans; prints progress and each outcome."""
    loaded = [
        f.evidence_file_id
        for f in report.files
        if f.status == Outcome.LOADED and f.evidence_file_id is not None
    ]
    jobs = ocr.queue_for_files(ctx, actor, report.case_reference, loaded)
    if not jobs:
        return []
    if not ocr.core.tesseract_available():
        console.print("OCR: Tesseract is not installed (Debian: tesseract-ocr); scans not read.")
    views: list[ocr.JobView] = []

    def show(name: str, done: int, total: int) -> None:
        console.print(
            f"OCR {name}: page {done} of {total}" if done else f"OCR {name}: {total} pages"
        )

    for job_id in jobs:
        view = ocr.run_job(ctx, actor, job_id, progress=show)
        label = {"done": "read", "no_text": "no text found", "failed": "failed"}[view.status]
        console.print(f"OCR {label}: {view.message}")
        views.append(view)
    return views
