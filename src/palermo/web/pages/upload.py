"""Uploading evidence from the browser: files, a zip or a whole folder, handed to a
background job (:mod:`palermo.services.ingest_jobs`) whose page shows the report."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from palermo.ingest.options import LoadOptions, OptionError
from palermo.services import cases, ingest_jobs, ocr, review
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import _case_page, case_path

router = APIRouter()

FILE_FIELDS = ("files", "folder")
# Starlette's limit on parts per form; a bigger folder is uploaded as a zip.
MAX_FILES = 1000


def limits_for(ctx: Context) -> dict[str, object]:
    return {
        "max_bytes": ctx.settings.max_file_bytes,
        "max_files": MAX_FILES,
        "locales": LOCALE_CHOICES,
        "ocr_languages": ocr.language_choices(),
    }


# Locales offered on the form (any babel locale name is accepted from the CLI).
LOCALE_CHOICES = (
    ("en_US", "English (US): 1,234.50 and 03/04 = 4 March"),
    ("en_GB", "English (UK): 1,234.50 and 03/04 = 3 April"),
    ("de_DE", "German: 1.234,50 and 03.04. = 3 April"),
    ("fr_FR", "French: 1 234,50 and 03/04 = 3 April"),
    ("es_ES", "Spanish: 1.234,50 and 03/04 = 3 April"),
    ("it_IT", "Italian: 1.234,50 and 03/04 = 3 April"),
    ("pt_BR", "Portuguese (Brazil): 1.234,50 and 03/04 = 3 April"),
    ("ro_RO", "Romanian: 1.234,50 and 03.04 = 3 April"),
    ("nl_NL", "Dutch: 1.234,50 and 03-04 = 3 April"),
)


async def form_options(request: Request) -> LoadOptions:
    """How to read the upload's files, from the form (OptionError naming the field)."""
    form = await request.form(max_files=MAX_FILES)

    def text(name: str) -> str | None:
        value = form.get(name)
        return value.strip() or None if isinstance(value, str) else None

    return LoadOptions.parse(
        locale=text("locale"),
        decimal=text("decimal"),
        date_order=text("date_order"),
        all_or_nothing=text("all_or_nothing") is not None,
    )


@router.get("/cases/{reference}/upload")
def upload_form(request: Request, ctx: CtxDep, user: PageUser, reference: str) -> Response:
    review.check_upload(ctx, user.actor, reference)
    case = cases.get_case(ctx, user.actor, reference)
    languages = ocr.get_languages(ctx, user.actor, reference)
    return _case_page(
        request,
        user,
        case,
        "evidence",
        "upload/form.html",
        {"limits": limits_for(ctx), "ocr_current": languages},
    )


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
    try:
        options = await form_options(request)
    except OptionError as exc:
        case = await run_in_threadpool(cases.get_case, ctx, user.actor, reference)
        response = _case_page(
            request,
            user,
            case,
            "evidence",
            "upload/form.html",
            {"limits": limits_for(ctx), "option_error": str(exc)},
        )
        response.status_code = 422
        return response
    form = await request.form(max_files=MAX_FILES)
    languages = form.get("ocr_languages")
    if isinstance(languages, str) and languages.strip():
        try:
            await run_in_threadpool(ocr.set_languages, ctx, user.actor, reference, languages)
        except InvalidInput as exc:
            case = await run_in_threadpool(cases.get_case, ctx, user.actor, reference)
            response = _case_page(
                request,
                user,
                case,
                "evidence",
                "upload/form.html",
                {"limits": limits_for(ctx), "ocr_error": str(exc), "ocr_current": languages},
            )
            response.status_code = 422
            return response
    # The files are staged (sealed) and loaded by a background job: the browser follows
    # it on the job's page, which shows the upload report when it is done.
    job_id = await run_in_threadpool(
        ingest_jobs.submit_upload,
        ctx,
        user.actor,
        reference,
        [(name, item.file) for name, item in uploads],
        options,
    )
    return RedirectResponse(case_path(reference, f"/jobs/{job_id}"), status_code=303)
