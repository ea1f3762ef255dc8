"""OCR in the browser: a scanned page's image (rendered on request from the stored file),
running OCR of a document again in other languages, and the case's OCR languages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from palermo.services import ocr
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import case_path

router = APIRouter()


@router.get("/cases/{reference}/documents/{evidence_file_id}/scan/{number}.png")
async def scan_page(
    ctx: CtxDep, user: PageUser, reference: str, evidence_file_id: int, number: int
) -> Response:
    png = await run_in_threadpool(
        ocr.page_png, ctx, user.actor, reference, evidence_file_id, number
    )
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.post("/cases/{reference}/documents/{evidence_file_id}/ocr")
def run_again(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    evidence_file_id: int,
    languages: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    base = case_path(reference, f"/documents/{evidence_file_id}")
    # A language that is not installed, or a run already going: InvalidInput (422 page).
    job_id = ocr.request_ocr(ctx, user.actor, reference, evidence_file_id, languages or None)
    ocr.start_in_background(ctx, user.actor, [job_id])
    return RedirectResponse(base + "#ocr", status_code=303)
