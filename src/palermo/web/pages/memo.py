"""The memo tab: the prosecution memo as HTML in the browser and as a PDF download."""

from __future__ import annotations

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


@router.get("/cases/{reference}/memo")
def memo_tab(request: Request, ctx: CtxDep, user: PageUser, reference: str) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    return _case_page(
        request,
        user,
        case,
        "memo",
        "memo/memo_tab.html",
        {"may_reveal": user.actor.can(Permission.SEE_VICTIM_IDENTITY)},
    )


@router.get("/cases/{reference}/memo.html")
def memo_html(ctx: CtxDep, user: PageUser, reference: str, reveal: bool = False) -> Response:
    body = export_memo(ctx, user.actor, reference, fmt="html", reveal=reveal)
    return Response(
        body, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": MEMO_CSP}
    )


@router.get("/cases/{reference}/memo.pdf")
def memo_pdf(ctx: CtxDep, user: PageUser, reference: str, reveal: bool = False) -> Response:
    body = export_memo(ctx, user.actor, reference, fmt="pdf", reveal=reveal)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in reference)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="memo-{safe}.pdf"'},
    )
