"""Sign in (password, then a TOTP code when the account has one) and sign out."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from palermo.services import users
from palermo.services.errors import AuthenticationFailed
from palermo.services.users import UserInfo
from palermo.store.models import Role
from palermo.web import csrf
from palermo.web import sessions as web_sessions
from palermo.web.auth import CtxDep, get_ctx, session_user, sign_in, sign_out
from palermo.web.sessions import client_address
from palermo.web.templating import render

router = APIRouter()

GENERIC_FAILURE = "Wrong username or password, or too many attempts. Wait a moment and try again."
CODE_FAILURE = "Wrong or expired code, or too many attempts."
# The password step is good for this long while the code is asked for.
PENDING_SECONDS = 300
PENDING_KEY = "pending_uid"
PENDING_AT = "pending_at"
DEFAULT_NEXT = "/cases"
# Roles that hold no caseload land on their own pages.
LANDING = {Role.ADMIN: "/admin", Role.AUDITOR: "/audit"}


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    return f"{-(-seconds // 60)} min"


def safe_next(target: str | None) -> str:
    """Only a local path: never an absolute or protocol-relative URL (no open redirect)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return DEFAULT_NEXT
    return target


def landing(user: UserInfo, target: str | None = None) -> str:
    chosen = safe_next(target)
    if user.must_change_password:
        return "/account/password"
    if chosen == DEFAULT_NEXT:
        return LANDING.get(user.role, DEFAULT_NEXT)
    return chosen


@router.get("/")
def home(request: Request) -> Response:
    user = session_user(request)
    return RedirectResponse(landing(user) if user else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    user = session_user(request)
    if user is not None:
        return RedirectResponse(landing(user, next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "error": None})


def _refused(request: Request, template: str, context: dict[str, object], wait: int) -> Response:
    response = render(request, template, context, status_code=429)
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/login")
def login(
    request: Request,
    ctx: CtxDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = DEFAULT_NEXT,
) -> Response:
    page = {"next": safe_next(next), "username": username}
    try:
        user = users.authenticate(ctx, username, password, client_address(request))
    except users.SignInRefused as refused:
        # The same answer whether the account exists, is locked or the password was wrong.
        wait = refused.retry_after
        error = f"{GENERIC_FAILURE} Try again in {_wait_text(wait)}."
        return _refused(request, "login.html", {**page, "error": error}, wait)
    except AuthenticationFailed:
        return render(request, "login.html", {**page, "error": GENERIC_FAILURE}, status_code=401)
    if user.totp_enabled:
        # Not signed in yet: a fresh pre-sign-in session remembers who passed step one.
        data = {
            PENDING_KEY: user.id,
            PENDING_AT: int(time.time()),
            csrf.SESSION_KEY: csrf.new_token(),
        }
        web_sessions.start(request, ctx, user_id=None, data=data)
        return RedirectResponse(f"/login/code?next={safe_next(next)}", status_code=303)
    sign_in(request, user)
    return RedirectResponse(landing(user, next), status_code=303)


def _pending(request: Request) -> int | None:
    uid, at = request.session.get(PENDING_KEY), request.session.get(PENDING_AT)
    if not isinstance(uid, int) or not isinstance(at, int):
        return None
    return uid if time.time() - at <= PENDING_SECONDS else None


@router.get("/login/code")
def code_form(request: Request, next: str | None = None) -> Response:
    if _pending(request) is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "login_code.html", {"next": safe_next(next), "error": None})


@router.post("/login/code")
def code(
    request: Request,
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = DEFAULT_NEXT,
) -> Response:
    ctx = get_ctx(request)
    pending = _pending(request)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    page = {"next": safe_next(next)}
    try:
        user = users.verify_second_factor(ctx, pending, code, client_address(request))
    except users.SignInRefused as refused:
        wait = refused.retry_after
        error = f"{CODE_FAILURE} Try again in {_wait_text(wait)}."
        return _refused(request, "login_code.html", {**page, "error": error}, wait)
    except AuthenticationFailed:
        return render(request, "login_code.html", {**page, "error": CODE_FAILURE}, status_code=401)
    sign_in(request, user)
    return RedirectResponse(landing(user, next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
