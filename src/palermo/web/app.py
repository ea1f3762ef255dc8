"""The FastAPI application: middleware, error handling and the list of routers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRouter
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import palermo
from palermo.security.identities import IdentityUnavailable
from palermo.services.context import Context
from palermo.services.errors import (
    AuthenticationFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from palermo.web import csrf
from palermo.web.api import caseload as api_caseload
from palermo.web.api import cases as api_cases
from palermo.web.api import elements as api_elements
from palermo.web.api import jobs as api_jobs
from palermo.web.api import money as api_money
from palermo.web.api import network as api_network
from palermo.web.api import people as api_people
from palermo.web.api import review as api_review
from palermo.web.api import tokens as api_tokens
from palermo.web.api.models import ERROR_RESPONSES
from palermo.web.auth import AccountSetupRequired, LoginRequired
from palermo.web.pages import account as account_pages
from palermo.web.pages import admin as admin_pages
from palermo.web.pages import audit as audit_pages
from palermo.web.pages import auth as auth_pages
from palermo.web.pages import caseload as caseload_pages
from palermo.web.pages import cases as case_pages
from palermo.web.pages import casework as casework_pages
from palermo.web.pages import elements as elements_pages
from palermo.web.pages import formats as formats_pages
from palermo.web.pages import hearings as hearings_pages
from palermo.web.pages import jobs as jobs_pages
from palermo.web.pages import memo as memo_pages
from palermo.web.pages import money as money_pages
from palermo.web.pages import network as network_pages
from palermo.web.pages import ocr as ocr_pages
from palermo.web.pages import outcomes as outcomes_pages
from palermo.web.pages import people as people_pages
from palermo.web.pages import review as review_pages
from palermo.web.pages import timeline as timeline_pages
from palermo.web.pages import upload as upload_pages
from palermo.web.request_scope import RequestScope
from palermo.web.sessions import ServerSessionMiddleware
from palermo.web.templating import render

STATIC_DIR = Path(__file__).parent / "static"
SESSION_COOKIE = "palermo_session"

# Register routers here: one line per area. Page routers get CSRF checks on
# every unsafe method; API routers are mounted under /api.
PAGE_ROUTERS: list[APIRouter] = [
    auth_pages.router,
    case_pages.router,
    elements_pages.router,
    review_pages.router,
    upload_pages.router,
    caseload_pages.router,
    outcomes_pages.router,
    hearings_pages.router,
    account_pages.router,
    timeline_pages.router,
    memo_pages.router,
    network_pages.router,
    money_pages.router,
    formats_pages.router,
    admin_pages.router,
    audit_pages.router,
    casework_pages.router,
    people_pages.router,
    ocr_pages.router,
    jobs_pages.router,
]
API_ROUTERS: list[APIRouter] = [
    api_cases.router,
    api_elements.router,
    api_review.router,
    api_caseload.router,
    api_tokens.router,
    api_network.router,
    api_money.router,
    api_people.router,
    api_jobs.router,
]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Adds the security headers to every response; case data is never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS:
                    if name not in present:
                        headers.append((name, value))
                if not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    return render(
        request, "errors/error.html", {"title": title, "message": message}, status_code=status
    )


def _install_error_handlers(app: FastAPI) -> None:
    async def not_found(request: Request, exc: Exception) -> Response:
        # One answer for "does not exist" and "not yours": existence never leaks.
        if _is_api(request):
            return JSONResponse({"detail": "not found"}, status_code=404)
        return _error_page(
            request,
            404,
            "Not found",
            "There is nothing here, or it is not shared with you. "
            "If you expected to see a case, ask its lead prosecutor to add you to it.",
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return await not_found(request, exc)
        if _is_api(request):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return _error_page(request, exc.status_code, "Error", str(exc.detail))

    async def permission_denied(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=403)
        return _error_page(request, 403, "Not allowed", str(exc))

    async def invalid_input(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=422)
        return _error_page(request, 422, "Cannot do that", str(exc))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _is_api(request):
            return JSONResponse({"detail": _jsonable(exc.errors())}, status_code=422)
        fields = ", ".join(
            str(err.get("loc", ["?"])[-1]) for err in exc.errors() if isinstance(err, dict)
        )
        return _error_page(request, 422, "Cannot do that", f"check the value of: {fields}")

    async def authentication_failed(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        return RedirectResponse("/login", status_code=303)

    async def login_required(request: Request, exc: Exception) -> Response:
        if isinstance(exc, AccountSetupRequired):
            return RedirectResponse(exc.location, status_code=303)
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    async def csrf_failed(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "missing or wrong CSRF token"}, status_code=403)
        return _error_page(
            request,
            403,
            "Form expired",
            "This form was out of date or did not come from Palermo. "
            "Go back, reload the page and try again.",
        )

    async def identity_unavailable(request: Request, exc: Exception) -> Response:
        # Fail closed: nothing of the case is shown while a sealed identity cannot be opened.
        if _is_api(request):
            return JSONResponse(
                {"detail": str(exc), "code": "identity_unavailable"}, status_code=503
            )
        return _error_page(request, 503, "Sealed identities cannot be opened", str(exc))

    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(PermissionDenied, permission_denied)
    app.add_exception_handler(InvalidInput, invalid_input)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(AuthenticationFailed, authentication_failed)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(csrf.CsrfFailed, csrf_failed)
    app.add_exception_handler(IdentityUnavailable, identity_unavailable)

    async def out_of_range(request: Request, exc: Exception) -> Response:
        # A value no column can hold (an id or page past 2^31 or 2^63, a text too long).
        message = "a value in the request is out of range (a number too large, or a text too long)"
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=422)
        return _error_page(request, 422, "Cannot do that", message)

    app.add_exception_handler(OverflowError, out_of_range)
    app.add_exception_handler(DataError, out_of_range)


def _jsonable(errors: Any) -> Any:
    return jsonable_encoder(errors, custom_encoder={Exception: str})


def create_app(ctx: Context) -> FastAPI:
    """The whole web application over ``ctx``."""
    app = FastAPI(
        title="Palermo API",
        version=palermo.__version__,
        description="Cases, people, evidence and records of the Palermo workbench. "
        "Authenticate with `Authorization: Bearer <token>` (create one under "
        "API tokens in the web workbench).",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.ctx = ctx
    for router in PAGE_ROUTERS:
        app.include_router(
            router, include_in_schema=False, dependencies=[Depends(csrf.protect_form)]
        )
    for router in API_ROUTERS:
        app.include_router(
            router,
            prefix="/api",
            dependencies=[Depends(csrf.protect_api)],
            responses=ERROR_RESPONSES,
        )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_error_handlers(app)
    # Middleware runs outside in: headers wrap everything, including session errors.
    app.add_middleware(RequestScope)
    app.add_middleware(
        ServerSessionMiddleware,
        ctx=ctx,
        cookie_name=SESSION_COOKIE,
        https_only=ctx.settings.session_https_only,
    )
    app.add_middleware(SecurityHeaders)
    return app


def create_app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory palermo.web.app:create_app_from_environment`` (several
    workers: each process builds its own context from the ``PALERMO_*`` settings)."""
    return create_app(Context.create())
