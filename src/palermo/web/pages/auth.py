"""Sign in and sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from palermo.services import users
from palermo.services.errors import AuthenticationFailed
from palermo.web.auth import CtxDep, session_user, sign_in, sign_out
from palermo.web.templating import render

router = APIRouter()

GENERIC_FAILURE = "Wrong username or password, or too many attempts. Wait a moment and try again."


def safe_next(target: str | None) -> str:
    """Only a local path: never an absolute or protocol-relative URL (no open redirect)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return "/cases"
    return target


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/cases" if session_user(request) else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    if session_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    ctx: CtxDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/cases",
) -> Response:
    try:
        user = users.authenticate(ctx, username, password)
    except AuthenticationFailed:
        return render(
            request,
            "login.html",
            {"next": safe_next(next), "error": GENERIC_FAILURE, "username": username},
            status_code=401,
        )
    sign_in(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
