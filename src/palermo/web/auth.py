"""Who is asking: the session cookie for pages, ``Authorization: Bearer`` for the API.

The session holds only the user id and the CSRF token. The user is looked up
on every request, so a deactivated account stops working at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from palermo.services import users
from palermo.services.context import Context
from palermo.services.errors import AuthenticationFailed, NotFound
from palermo.services.users import UserInfo
from palermo.web import csrf

SESSION_USER = "uid"


class LoginRequired(Exception):
    """A page needs a signed-in user; the app redirects to the login page."""


def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


CtxDep = Annotated[Context, Depends(get_ctx)]


def session_user(request: Request) -> UserInfo | None:
    """The signed-in user, or None (a stale session is cleared)."""
    cached = getattr(request.state, "user", None)
    if isinstance(cached, UserInfo):
        return cached
    user_id = request.session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None
    try:
        user = users.get_user(get_ctx(request), user_id)
    except NotFound:
        request.session.clear()
        return None
    request.state.user = user
    return user


def sign_in(request: Request, user: UserInfo) -> None:
    """Start a fresh session for ``user`` (a new CSRF token too: no session fixation)."""
    request.session.clear()
    request.session[SESSION_USER] = user.id
    csrf.rotate_token(request)
    request.state.user = user


def sign_out(request: Request) -> None:
    request.session.clear()
    request.state.user = None


def page_user(request: Request) -> UserInfo:
    """Dependency for pages: the signed-in user, or a redirect to the login page."""
    user = session_user(request)
    if user is None:
        raise LoginRequired()
    return user


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("use 'Authorization: Bearer <token>'")
    return token.strip()


def api_user(request: Request) -> UserInfo:
    """Dependency for the API: a Bearer token, else the session cookie (CSRF applies)."""
    token = _bearer(request)
    if token is not None:
        user = users.user_for_token(get_ctx(request), token)
        request.state.user = user
        return user
    signed_in = session_user(request)
    if signed_in is None:
        raise AuthenticationFailed("sign in or send 'Authorization: Bearer <token>'")
    return signed_in


def api_session_user(request: Request) -> UserInfo:
    """Dependency for API calls that need a signed-in person, not a token (e.g. new tokens)."""
    if request.headers.get("authorization") is not None:
        raise AuthenticationFailed("this call needs a signed-in session, not an API token")
    user = session_user(request)
    if user is None:
        raise AuthenticationFailed("sign in first")
    return user


PageUser = Annotated[UserInfo, Depends(page_user)]
ApiUser = Annotated[UserInfo, Depends(api_user)]
ApiSessionUser = Annotated[UserInfo, Depends(api_session_user)]
