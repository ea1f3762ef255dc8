"""Uploading evidence from the browser: files, a zip or a whole folder."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from palermo.services import cases, review
from palermo.services.context import Context
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import _case_page

router = APIRouter()

FILE_FIELDS = ("files", "folder")
# Starlette's limit on parts per form; a bigger folder is uploaded as a zip.
MAX_FILES = 1000


def _limits(ctx: Context) -> dict[str, object]:
    return {"max_bytes": ctx.settings.max_file_bytes, "max_files": MAX_FILES}


@router.get("/cases/{reference}/upload")
def upload_form(request: Request, ctx: CtxDep, user: PageUser, reference: str) -> Response:
    review.check_upload(ctx, user.actor, reference)
    case = cases.get_case(ctx, user.actor, reference)
    return _case_page(request, user, case, "evidence", "upload/form.html", {"limits": _limits(ctx)})


async def form_uploads(request: Request) -> list[tuple[str | None, UploadFile]]:
    """The uploaded files of a multipart request (both the file and the folder inputs)."""
    form = await request.form(max_files=MAX_FILES)
    out: list[tuple[str | None, UploadFile]] = []
    for field in FILE_FIELDS:
        for item in form.getlist(field):
            # An empty <input type=file> still sends one part with no name and no bytes.
            if isinstance(item, UploadFile) and (item.filename or item.size):
                out.append((item.filename, item))
    return out


@router.post("/cases/{reference}/upload")
async def upload(request: Request, ctx: CtxDep, user: PageUser, reference: str) -> Response:
    # Permission first: nothing is read from the body into the data folder otherwise.
    await run_in_threadpool(review.check_upload, ctx, user.actor, reference)
    uploads = await form_uploads(request)
    # Ingest is blocking work (hashing, parsing, SQL): off the event loop.
    report = await run_in_threadpool(
        review.receive_upload,
        ctx,
        user.actor,
        reference,
        [(name, item.file) for name, item in uploads],
    )
    case = await run_in_threadpool(cases.get_case, ctx, user.actor, reference)
    return _case_page(
        request,
        user,
        case,
        "evidence",
        "upload/report.html",
        {"report": report, "limits": _limits(ctx)},
    )
