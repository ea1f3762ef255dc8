"""CSRF protection for cookie-authenticated requests.

The session holds a random token. Every state-changing request that relies on
the session cookie must echo it: forms in a hidden ``csrf_token`` field, API
calls in an ``X-CSRF-Token`` header. Requests authenticated with a Bearer token
carry no ambient credential, so they are exempt.

The checks are attached to whole routers in :mod:`palermo.web.app`, so a new
page or API router is protected without doing anything.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfFailed(Exception):
    """The request's CSRF token is missing or does not match the session's."""


def ensure_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def new_token() -> str:
    return secrets.token_urlsafe(32)


def rotate_token(request: Request) -> str:
    token = new_token()
    request.session[SESSION_KEY] = token
    return token


def _matches(request: Request, presented: object) -> bool:
    expected = request.session.get(SESSION_KEY)
    if not isinstance(expected, str) or not expected or not isinstance(presented, str):
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


async def protect_form(request: Request) -> None:
    """Router dependency for pages: unsafe methods need the form field (or the header)."""
    if request.method in SAFE_METHODS:
        return
    presented: object = request.headers.get(HEADER)
    if presented is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            presented = form.get(FORM_FIELD)
    if not _matches(request, presented):
        raise CsrfFailed("missing or wrong CSRF token")


async def protect_api(request: Request) -> None:
    """Router dependency for the API: cookie-authenticated unsafe calls need the header."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    if request.session.get("uid") is None:
        return  # no signed-in session to abuse; authentication will answer 401
    if not _matches(request, request.headers.get(HEADER)):
        raise CsrfFailed("missing or wrong CSRF token")
