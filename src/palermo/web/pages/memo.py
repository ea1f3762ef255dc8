"""The memo tab: the prosecution memo as HTML in the browser, and as PDF and DOCX downloads,
in the full or the brief variant (``?variant=brief|full``)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from palermo.security.permissions import Permission
from palermo.services import cases
from palermo.services.memo import export_memo
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import _case_page

router = APIRouter()

# The memo is a self-contained document with its own inline styles and no scripts.
MEMO_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Variant = Literal["full", "brief"]


@router.get("/cases/{reference}/memo")
def memo_tab(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, variant: Variant = "full"
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    return _case_page(
        request,
        user,
        case,
        "memo",
        "memo/memo_tab.html",
        {"may_reveal": user.actor.can(Permission.SEE_VICTIM_IDENTITY), "variant": variant},
    )


@router.get("/cases/{reference}/memo.html")
def memo_html(
    ctx: CtxDep, user: PageUser, reference: str, reveal: bool = False, variant: Variant = "full"
) -> Response:
    body = export_memo(ctx, user.actor, reference, fmt="html", reveal=reveal, variant=variant)
    return Response(
        body, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": MEMO_CSP}
    )


def _download(body: bytes, reference: str, variant: str, ext: str, media_type: str) -> Response:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in reference)
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="memo-{safe}-{variant}.{ext}"'},
    )


@router.get("/cases/{reference}/memo.pdf")
def memo_pdf(
    ctx: CtxDep, user: PageUser, reference: str, reveal: bool = False, variant: Variant = "full"
) -> Response:
    body = export_memo(ctx, user.actor, reference, fmt="pdf", reveal=reveal, variant=variant)
    return _download(body, reference, variant, "pdf", "application/pdf")


@router.get("/cases/{reference}/memo.docx")
def memo_docx(
    ctx: CtxDep, user: PageUser, reference: str, reveal: bool = False, variant: Variant = "full"
) -> Response:
    body = export_memo(ctx, user.actor, reference, fmt="docx", reveal=reveal, variant=variant)
    return _download(body, reference, variant, "docx", DOCX)
