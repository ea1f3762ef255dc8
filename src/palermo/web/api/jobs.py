"""``/api``: evidence upload as a background job, and the case's jobs (follow, cancel,
run again, re-analyse).

The upload takes the same multipart form as the browser's (``files``, and optionally
``locale``, ``decimal``, ``date_order``, ``all_or_nothing``, ``ocr_languages``), checks
the same permission before reading the body, stages the files sealed and answers
``202 Accepted`` with the job and its ``Location``. The job then loads the files; its
``files`` list names, per file, what happened (the line or field of a refused row, as
the browser's upload report does).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from palermo.ingest.options import OptionError
from palermo.services import analysis_jobs, ingest_jobs, jobs, ocr, review
from palermo.services.errors import InvalidInput
from palermo.web.api.models import PathId, UtcDateTime, error_responses
from palermo.web.auth import ApiUser, CtxDep
from palermo.web.pages.upload import MAX_FILES, form_options, form_uploads

router = APIRouter(tags=["jobs"])


class JobFileOut(BaseModel):
    """One file of an upload job: loaded, already in the case, or not loaded and why."""

    name: str
    status: str = Field(description="loaded, duplicate, failed or skipped.")
    message: str = Field(
        description="What happened, naming the file and the line or field of a problem."
    )
    records: int = 0
    pages: int = 0
    suggestions: int = 0
    bad_rows: int = Field(0, description="Rows left out (listed on the case's evidence).")
    evidence_file_id: int | None = None
    question: dict[str, Any] | None = Field(
        None, description="An ambiguity (such as the number locale) that stopped the file."
    )
    profile: str | None = None


class JobViewOut(BaseModel):
    """One derived view computed by an analysis job."""

    name: str
    label: str
    seconds: float


class JobOut(BaseModel):
    id: int
    case: str = Field(description="The case's reference.")
    kind: str = Field(description="ingest, ocr or analyse.")
    label: str = Field(description="What the job does, in words.")
    status: str = Field(description="queued, running, done, failed or cancelled.")
    active: bool
    percent: int = Field(description="Progress, 0 to 100.")
    progress_done: int
    progress_total: int
    current: str | None = Field(None, description="The step being run (a file, a view).")
    error: str | None = Field(None, description="Why the job failed, when it did.")
    attempts: int
    cancel_requested: bool
    created_at: UtcDateTime
    started_at: UtcDateTime | None = None
    finished_at: UtcDateTime | None = None
    starts_after: UtcDateTime | None = Field(
        None,
        description="A queued job waiting for its start (the analysis after a burst of "
        "decisions): no worker takes it before this time.",
    )
    url: str = Field(description="This job in the API.")
    page: str = Field(description="This job's page in the browser.")
    files: list[JobFileOut] = Field(
        default_factory=list,
        description="An upload job's files: the report when it is done, the files "
        "finished so far while it runs.",
    )
    views: list[JobViewOut] = Field(
        default_factory=list, description="An analysis job's views computed so far."
    )
    ocr_jobs: list[int] = Field(
        default_factory=list, description="OCR runs queued for the upload's scans."
    )


class JobAccepted(BaseModel):
    job: JobOut
    queued: bool = Field(
        True, description="False when an analysis already waiting in the queue covers this one."
    )


def job_out(view: jobs.JobView, reference: str) -> JobOut:
    result = view.result or {}
    files: list[JobFileOut] = []
    if view.kind == "ingest":
        if view.status == jobs.DONE:
            report = ingest_jobs.report_of(view, reference)
            files = [JobFileOut.model_validate(asdict(f)) for f in report.files]
        else:
            files = [JobFileOut.model_validate(o) for o in result.get("outcomes") or []]
    views = [JobViewOut.model_validate(v) for v in result.get("views") or []]
    return JobOut(
        id=view.id,
        case=reference,
        kind=view.kind,
        label=view.label,
        status=view.status,
        active=view.active,
        percent=view.percent,
        progress_done=view.progress_done,
        progress_total=view.progress_total,
        current=view.current if view.active else None,
        error=view.error,
        attempts=view.attempts,
        cancel_requested=view.cancel_requested,
        created_at=view.created_at,
        started_at=view.started_at,
        finished_at=view.finished_at,
        starts_after=view.starts_after,
        url=f"/api/jobs/{view.id}",
        page=f"/cases/{reference}/jobs/{view.id}",
        files=files,
        views=views,
        ocr_jobs=[int(j) for j in result.get("ocr_jobs") or []],
    )


def _accepted(response: Response, view: jobs.JobView, reference: str, queued: bool) -> JobAccepted:
    response.headers["Location"] = f"/api/jobs/{view.id}"
    return JobAccepted(job=job_out(view, reference), queued=queued)


ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Queued: follow the job at ``Location``.",
        "headers": {
            "Location": {"description": "The job in the API.", "schema": {"type": "string"}}
        },
    }
}
CASE_ERRORS = error_responses(
    e403="The caller's role may not load evidence into the case.",
    e404="No such case, or the caller is not a member of it.",
)
JOB_ERRORS = error_responses(e404="No such job, or the caller is not a member of its case.")

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "maxItems": MAX_FILES,
                            "description": "Evidence files or zip archives.",
                        },
                        "locale": {
                            "type": "string",
                            "description": "How numbers and dates are written (e.g. de_DE).",
                        },
                        "decimal": {"type": "string", "enum": [".", ","]},
                        "date_order": {"type": "string", "enum": ["DMY", "MDY"]},
                        "all_or_nothing": {
                            "type": "string",
                            "description": "Any value: refuse a file with any bad row.",
                        },
                        "ocr_languages": {
                            "type": "string",
                            "description": "Languages to read the case's scans in (e.g. eng+deu).",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/cases/{reference}/evidence",
    status_code=202,
    response_model=JobAccepted,
    responses={
        **ACCEPTED,
        **CASE_ERRORS,
        422: {
            "description": "No file was sent, the upload is over the limit, or an option "
            "is invalid (``detail`` says which)."
        },
    },
    openapi_extra=_UPLOAD_BODY,
)
async def upload_evidence(
    request: Request, response: Response, ctx: CtxDep, user: ApiUser, reference: str
) -> JobAccepted:
    """Upload evidence files (multipart): they are staged sealed and loaded by a
    background job. Answers 202 with the job; follow it at ``Location``."""
    # Permission first: nothing is read from the body into the data folder otherwise.
    await run_in_threadpool(review.check_upload, ctx, user.actor, reference)
    uploads = await form_uploads(request)
    try:
        options = await form_options(request)
    except OptionError as exc:
        raise InvalidInput(str(exc)) from None
    form = await request.form(max_files=MAX_FILES)
    languages = form.get("ocr_languages")
    if isinstance(languages, str) and languages.strip():
        await run_in_threadpool(ocr.set_languages, ctx, user.actor, reference, languages)
    job_id = await run_in_threadpool(
        ingest_jobs.submit_upload,
        ctx,
        user.actor,
        reference,
        [(name, item.file) for name, item in uploads],
        options,
    )
    view = await run_in_threadpool(jobs.get_job, ctx, user.actor, reference, job_id)
    return _accepted(response, view, reference, True)


@router.post(
    "/cases/{reference}/jobs/analyse",
    status_code=202,
    response_model=JobAccepted,
    responses={**ACCEPTED, **CASE_ERRORS},
)
def analyse_case(response: Response, ctx: CtxDep, user: ApiUser, reference: str) -> JobAccepted:
    """Queue the case's analysis (its derived views computed ahead of the pages); an
    analysis already waiting in the queue is returned instead of a second one."""
    job_id, new = analysis_jobs.submit(ctx, user.actor, reference)
    view = jobs.get_job(ctx, user.actor, reference, job_id)
    return _accepted(response, view, reference, new)


@router.get(
    "/cases/{reference}/jobs",
    response_model=list[JobOut],
    responses=error_responses(e404="No such case, or the caller is not a member of it."),
)
def list_jobs(ctx: CtxDep, user: ApiUser, reference: str) -> list[JobOut]:
    """The case's background jobs, newest first (the last 100)."""
    return [job_out(v, reference) for v in jobs.list_jobs(ctx, user.actor, reference)]


@router.get("/jobs/{job_id}", response_model=JobOut, responses=JOB_ERRORS)
def get_job(ctx: CtxDep, user: ApiUser, job_id: PathId) -> JobOut:
    """A job's status, progress and outcome (an upload's report, an analysis's views)."""
    reference = jobs.case_of_job(ctx, user.actor, job_id)
    return job_out(jobs.get_job(ctx, user.actor, reference, job_id), reference)


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobOut,
    responses={**JOB_ERRORS, **error_responses(e422="The job has already finished.")},
)
def cancel_job(ctx: CtxDep, user: ApiUser, job_id: PathId) -> JobOut:
    """Cancel a queued job at once; a running one stops at its next step (what it
    finished is kept)."""
    reference = jobs.case_of_job(ctx, user.actor, job_id)
    jobs.cancel(ctx, user.actor, reference, job_id)
    return job_out(jobs.get_job(ctx, user.actor, reference, job_id), reference)


@router.post(
    "/jobs/{job_id}/retry",
    response_model=JobOut,
    responses={**JOB_ERRORS, **error_responses(e422="Only a failed or cancelled job runs again.")},
)
def retry_job(ctx: CtxDep, user: ApiUser, job_id: PathId) -> JobOut:
    """Queue a failed or cancelled job again."""
    reference = jobs.case_of_job(ctx, user.actor, job_id)
    jobs.retry(ctx, user.actor, reference, job_id)
    return job_out(jobs.get_job(ctx, user.actor, reference, job_id), reference)


@router.post(
    "/jobs/{job_id}/run-now",
    response_model=JobOut,
    responses={**JOB_ERRORS, **error_responses(e422="Only a queued job can be started now.")},
)
def run_job_now(ctx: CtxDep, user: ApiUser, job_id: PathId) -> JobOut:
    """Start a queued job that waits for its start (``starts_after``) as soon as a worker
    is free."""
    reference = jobs.case_of_job(ctx, user.actor, job_id)
    jobs.run_now(ctx, user.actor, reference, job_id)
    return job_out(jobs.get_job(ctx, user.actor, reference, job_id), reference)
