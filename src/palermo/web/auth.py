"""Who is asking: the server-side session for pages, ``Authorization: Bearer`` for the API.

The cookie holds only a random session id; the session row (see
:mod:`palermo.services.sessions`) names the user and holds the CSRF token. The
session and the user are looked up on every request, so signing out, a password
change, disabling the account or an administrator ending the session stops it at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from palermo.services import users
from palermo.services.context import Context
from palermo.services.errors import AuthenticationFailed, NotFound
from palermo.services.users import UserInfo
from palermo.web import csrf
from palermo.web import sessions as web_sessions

SESSION_USER = "uid"


class LoginRequired(Exception):
    """A page needs a signed-in user; the app redirects to the login page."""


class AccountSetupRequired(LoginRequired):
    """Signed in, but a one-time password must be changed or a required second factor
    set up first: the app redirects to ``location``."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


# Pages a user who must finish setting up their account may still open.
_SETUP_PATHS = frozenset({"/account/password", "/account/security", "/logout"})
_SETUP_PREFIX = "/account/security/"


def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


CtxDep = Annotated[Context, Depends(get_ctx)]


def session_user(request: Request) -> UserInfo | None:
    """The signed-in user, or None (a session of a disabled user is ended)."""
    cached = getattr(request.state, "user", None)
    if isinstance(cached, UserInfo):
        return cached
    state = web_sessions.holder(request).state
    if state is None or state.user_id is None:
        return None
    try:
        user = users.get_user(get_ctx(request), state.user_id)
    except NotFound:
        web_sessions.end(request, get_ctx(request), "user_disabled")
        return None
    request.state.user = user
    return user


def sign_in(request: Request, user: UserInfo) -> None:
    """Start a fresh session for ``user``: a new id and a new CSRF token (no fixation)."""
    data = {SESSION_USER: user.id, csrf.SESSION_KEY: csrf.new_token()}
    web_sessions.start(request, get_ctx(request), user_id=user.id, data=data)
    request.state.user = user


def sign_out(request: Request, reason: str = "signed_out") -> None:
    web_sessions.end(request, get_ctx(request), reason)
    request.state.user = None


def page_user(request: Request) -> UserInfo:
    """Dependency for pages: the signed-in user, or a redirect to the login page."""
    user = session_user(request)
    if user is None:
        raise LoginRequired()
    path = request.url.path
    if path not in _SETUP_PATHS and not path.startswith(_SETUP_PREFIX):
        if user.must_change_password:
            raise AccountSetupRequired("/account/password")
        if not user.totp_enabled and users.totp_required(get_ctx(request), user.role):
            raise AccountSetupRequired("/account/security")
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
    _setup_done(request, signed_in)
    return signed_in


def _setup_done(request: Request, user: UserInfo) -> None:
    """A session still owing a password change or a required second factor cannot use the API."""
    if user.must_change_password or (
        not user.totp_enabled and users.totp_required(get_ctx(request), user.role)
    ):
        raise AuthenticationFailed("finish setting up your account in the browser first")


def api_session_user(request: Request) -> UserInfo:
    """Dependency for API calls that need a signed-in person, not a token (e.g. new tokens)."""
    if request.headers.get("authorization") is not None:
        raise AuthenticationFailed("this call needs a signed-in session, not an API token")
    user = session_user(request)
    if user is None:
        raise AuthenticationFailed("sign in first")
    _setup_done(request, user)
    return user


PageUser = Annotated[UserInfo, Depends(page_user)]
ApiUser = Annotated[UserInfo, Depends(api_user)]
ApiSessionUser = Annotated[UserInfo, Depends(api_session_user)]
