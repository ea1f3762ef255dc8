"""ASGI middleware for server-side sessions (:mod:`palermo.services.sessions`).

The cookie carries only a random session id. ``request.session`` is the session's
data (the signed-in user's id and the CSRF token), loaded from the database at the
start of a request and saved at the end if it changed. An anonymous visitor gets a
session only when a page needs one (the sign-in form's CSRF token).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from palermo.services import sessions
from palermo.services.context import Context

SCOPE_KEY = "palermo.session"


@dataclass(slots=True)
class SessionHolder:
    """What a request knows about its session; :mod:`palermo.web.auth` changes it."""

    state: sessions.SessionState | None
    saved: dict[str, Any] = field(default_factory=dict)
    new_token: str | None = None
    expire_cookie: bool = False


def holder(request: HTTPConnection) -> SessionHolder:
    found = request.scope.get(SCOPE_KEY)
    if not isinstance(found, SessionHolder):
        raise RuntimeError("the server-side session middleware is not installed")
    return found


def client_address(request: HTTPConnection) -> str | None:
    return request.client.host if request.client else None


def start(request: Request, ctx: Context, *, user_id: int | None, data: dict[str, Any]) -> None:
    """Replace the request's session with a new one (a new id) holding ``data``."""
    found = holder(request)
    token, state = sessions.start(
        ctx,
        user_id=user_id,
        data=data,
        client_address=client_address(request),
        user_agent=request.headers.get("user-agent"),
        replaces=found.state.id if found.state else None,
    )
    found.state, found.saved, found.new_token = state, dict(data), token
    request.session.clear()
    request.session.update(data)


def end(request: Request, ctx: Context, reason: str) -> None:
    found = holder(request)
    if found.state is not None:
        sessions.end(ctx, found.state.id, reason)
    found.state, found.saved, found.new_token = None, {}, None
    found.expire_cookie = True
    request.session.clear()


class ServerSessionMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        ctx: Context,
        cookie_name: str,
        https_only: bool,
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.cookie_name = cookie_name
        self.https_only = https_only

    def _cookie(self, value: str, max_age: int) -> str:
        parts = [
            f"{self.cookie_name}={value}",
            "path=/",
            f"Max-Age={max_age}",
            "httponly",
            "samesite=lax",
        ]
        if self.https_only:
            parts.append("secure")
        return "; ".join(parts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or str(scope.get("path", "")).startswith(
            "/static/"
        ):
            # Static assets need no session: no database look-up for each of them.
            await self.app(scope, receive, send)
            return
        cookies = cookie_parser(dict(scope.get("headers") or []).get(b"cookie", b"").decode())
        token = cookies.get(self.cookie_name, "")
        state = await to_thread.run_sync(sessions.load, self.ctx, token) if token else None
        found = SessionHolder(state, dict(state.data) if state else {})
        found.expire_cookie = bool(token) and state is None
        scope[SCOPE_KEY] = found
        scope["session"] = dict(found.saved)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._finish(scope, found, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _finish(self, scope: Scope, found: SessionHolder, headers: MutableHeaders) -> None:
        data: dict[str, Any] = scope["session"]
        max_age = self.ctx.settings.session_absolute_hours * 3600
        if found.state is not None:
            if data != found.saved:
                found.state.data = dict(data)
                await to_thread.run_sync(sessions.save, self.ctx, found.state)
        elif data:
            token, state = await to_thread.run_sync(
                lambda: sessions.start(
                    self.ctx,
                    user_id=None,
                    data=dict(data),
                    client_address=scope["client"][0] if scope.get("client") else None,
                    user_agent=HTTPConnection(scope).headers.get("user-agent"),
                )
            )
            found.state, found.new_token = state, token
        if found.new_token:
            headers.append("set-cookie", self._cookie(found.new_token, max_age))
        elif found.expire_cookie:
            headers.append("set-cookie", self._cookie('""', 0))
