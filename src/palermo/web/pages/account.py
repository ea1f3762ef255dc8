"""The signed-in user's account: API tokens (created here, shown once)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from palermo.services import users, web_support
from palermo.services.users import UserInfo
from palermo.web.auth import CtxDep, PageUser
from palermo.web.templating import render

router = APIRouter()


def _tokens_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    new_token: str | None = None,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    return render(
        request,
        "account/tokens.html",
        {
            "tokens": web_support.list_api_tokens(ctx, user.actor),
            "new_token": new_token,
            "error": error,
        },
        user=user,
        status_code=status_code,
    )


@router.get("/account/tokens")
def tokens(request: Request, ctx: CtxDep, user: PageUser) -> Response:
    return _tokens_page(request, ctx, user)


@router.post("/account/tokens")
def create_token(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    name: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    name = name.strip()
    if not name:
        return _tokens_page(
            request,
            ctx,
            user,
            status_code=422,
            error="Give the token a name, e.g. the tool or script that will use it.",
        )
    token = users.create_api_token(ctx, user.actor, name)
    # Rendered, not redirected: the secret is shown once and never stored in clear.
    return _tokens_page(request, ctx, user, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, ctx: CtxDep, user: PageUser, token_id: int) -> Response:
    web_support.revoke_api_token(ctx, user.actor, token_id)
    return RedirectResponse("/account/tokens", status_code=303)
