"""The signed-in user's account: password, second factor, sessions and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from palermo.security import totp
from palermo.services import sessions, users, web_support
from palermo.services.errors import InvalidInput
from palermo.services.users import UserInfo
from palermo.web.auth import CtxDep, PageUser, sign_in
from palermo.web.form_errors import field_errors
from palermo.web.sessions import client_address
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


# --------------------------------------------------------------------------- password

PASSWORD_FIELDS = ("current_password", "new_password", "confirm_password")


@router.get("/account/password")
def password_form(request: Request, user: PageUser) -> Response:
    return render(request, "account/password.html", {"errors": {}, "values": {}}, user=user)


@router.post("/account/password")
def change_password(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    confirm_password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    errors: dict[str, list[str]] = {}
    if not current_password:
        errors["current_password"] = ["type your current password"]
    if new_password != confirm_password:
        errors["confirm_password"] = ["the two new passwords differ"]
    if not errors:
        try:
            users.change_password(
                ctx,
                user.actor,
                current=current_password,
                new=new_password,
                address=client_address(request),
            )
        except InvalidInput as error:
            errors = field_errors(error, PASSWORD_FIELDS)
        except users.SignInRefused as refused:
            errors = {"form": [f"too many wrong passwords: try again in {refused.retry_after} s"]}
    if errors:
        return render(
            request,
            "account/password.html",
            {"errors": errors, "values": {}},
            user=user,
            status_code=422,
        )
    # Every session of this user ended; this browser continues in a new one.
    sign_in(request, users.get_user(ctx, user.id))
    return RedirectResponse("/account/security?changed=password", status_code=303)


# --------------------------------------------------------------------------- second factor

PENDING_TOTP = "pending_totp"


def _security_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    *,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    enrol = None
    sealed = request.session.get(PENDING_TOTP)
    if not user.totp_enabled and isinstance(sealed, str):
        secret = totp.unseal(ctx.settings.resolved_secret_key(), sealed, user.id)
        uri = totp.provisioning_uri(secret, user.username)
        enrol = {"secret": secret, "uri": uri, "qr": totp.qr_svg(uri)}
    return render(
        request,
        "account/security.html",
        {
            "errors": errors or {},
            "values": {},
            "enrol": enrol,
            "required": users.totp_required(ctx, user.role),
            "sessions": sessions.list_for_user(ctx, user.actor, user.id),
            "notice": notice,
        },
        user=user,
        status_code=status_code,
    )


@router.get("/account/security")
def security(request: Request, ctx: CtxDep, user: PageUser, changed: str | None = None) -> Response:
    notice = "Your password was changed; your other sessions were ended." if changed else None
    return _security_page(request, ctx, user, notice=notice)


@router.post("/account/security/totp/start")
def totp_start(request: Request, ctx: CtxDep, user: PageUser) -> Response:
    if not user.totp_enabled:
        secret = totp.new_secret()
        # Kept sealed in the server-side session until confirmed with a code.
        request.session[PENDING_TOTP] = totp.seal(
            ctx.settings.resolved_secret_key(), secret, user.id
        )
    return _security_page(request, ctx, user)


@router.post("/account/security/totp/confirm")
def totp_confirm(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    sealed = request.session.get(PENDING_TOTP)
    try:
        if not isinstance(sealed, str):
            raise InvalidInput("code: start again: the enrolment expired")
        users.totp_enrol(ctx, user.actor, sealed, code)
    except InvalidInput as error:
        return _security_page(
            request, ctx, user, errors=field_errors(error, ["code"]), status_code=422
        )
    request.session.pop(PENDING_TOTP, None)
    return RedirectResponse("/account/security", status_code=303)


@router.post("/account/security/totp/disable")
def totp_disable(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        users.totp_disable(ctx, user.actor, code)
    except InvalidInput as error:
        return _security_page(
            request, ctx, user, errors=field_errors(error, ["code"]), status_code=422
        )
    return RedirectResponse("/account/security", status_code=303)
