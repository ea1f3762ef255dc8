"""Background jobs of a case in the browser: the list, one job's progress and outcome
(the upload report when an ingest is done, the views computed by an analysis), cancel,
run again, start at once a job waiting for its start, and re-analyse the case."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from palermo.security.permissions import Permission
from palermo.services import analysis_jobs, cases, ingest_jobs, jobs, ocr
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import _case_page, case_path
from palermo.web.pages.upload import limits_for

router = APIRouter()


@router.get("/cases/{reference}/jobs")
async def job_list(request: Request, ctx: CtxDep, user: PageUser, reference: str) -> Response:
    found = await run_in_threadpool(jobs.list_jobs, ctx, user.actor, reference)
    case = await run_in_threadpool(cases.get_case, ctx, user.actor, reference)
    return _case_page(
        request,
        user,
        case,
        "evidence",
        "jobs/list.html",
        {
            "jobs": found,
            "any_active": any(j.active for j in found),
            # Re-analyse and Run now: both change the case's jobs.
            "can_run": user.actor.can(Permission.INGEST),
        },
    )


@router.post("/cases/{reference}/jobs/analyse")
def analyse(ctx: CtxDep, user: PageUser, reference: str) -> Response:
    """Re-analyse: queue the case's analysis (or follow the one already waiting)."""
    job_id, _new = analysis_jobs.submit(ctx, user.actor, reference)
    return RedirectResponse(case_path(reference, f"/jobs/{job_id}"), status_code=303)


@router.get("/cases/{reference}/jobs/{job_id}")
async def job_page(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, job_id: int
) -> Response:
    job = await run_in_threadpool(jobs.get_job, ctx, user.actor, reference, job_id)
    case = await run_in_threadpool(cases.get_case, ctx, user.actor, reference)
    context: dict[str, object] = {
        "job": job,
        "limits": limits_for(ctx),
        "can_run": user.actor.can(Permission.INGEST),
    }
    if job.kind == "ingest" and job.status == jobs.DONE:
        context["report"] = ingest_jobs.report_of(job, case.reference)
        context["ocr_jobs"] = (job.result or {}).get("ocr_jobs") or []
        context["ocr_current"] = await run_in_threadpool(
            ocr.get_languages, ctx, user.actor, reference
        )
    elif job.kind == "ingest":
        context["so_far"] = (job.result or {}).get("outcomes") or []
    if job.kind == analysis_jobs.KIND:
        context["views"] = (job.result or {}).get("views") or []
    return _case_page(request, user, case, "evidence", "jobs/job.html", context)


@router.get("/cases/{reference}/jobs/{job_id}/status")
async def job_status(ctx: CtxDep, user: PageUser, reference: str, job_id: int) -> Response:
    job = await run_in_threadpool(jobs.get_job, ctx, user.actor, reference, job_id)
    return JSONResponse(
        {
            "id": job.id,
            "status": job.status,
            "active": job.active,
            "percent": job.percent,
            "current": job.current,
            "cancel_requested": job.cancel_requested,
            "starts_after": job.starts_after.isoformat() if job.starts_after else None,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post("/cases/{reference}/jobs/{job_id}/cancel")
def cancel(ctx: CtxDep, user: PageUser, reference: str, job_id: int) -> Response:
    jobs.cancel(ctx, user.actor, reference, job_id)
    return RedirectResponse(case_path(reference, f"/jobs/{job_id}"), status_code=303)


@router.post("/cases/{reference}/jobs/{job_id}/run-now")
def run_now(ctx: CtxDep, user: PageUser, reference: str, job_id: int) -> Response:
    jobs.run_now(ctx, user.actor, reference, job_id)
    return RedirectResponse(case_path(reference, f"/jobs/{job_id}"), status_code=303)


@router.post("/cases/{reference}/jobs/{job_id}/retry")
def retry(ctx: CtxDep, user: PageUser, reference: str, job_id: int) -> Response:
    jobs.retry(ctx, user.actor, reference, job_id)
    return RedirectResponse(case_path(reference, f"/jobs/{job_id}"), status_code=303)
