"""Sign-in, sessions, CSRF and the login redirect."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.store.models import WebSession
from palermo.web.app import SESSION_COOKIE, create_app

Login = Callable[[TestClient, str], TestClient]
GENERIC = "Wrong username or password, or too many attempts."


def test_login_success_redirects_to_caseload_and_shows_user(
    client: TestClient, prosecutor: Actor, login: Login
) -> None:
    login(client, "prosecutor")
    page = client.get("/cases")
    assert page.status_code == 200
    assert "prosecutor" in page.text
    assert "Prosecutor" in page.text  # role shown in the user's menu


def test_login_failure_is_generic_for_wrong_password_and_unknown_user(
    ctx: Context, client: TestClient, prosecutor: Actor, csrf: Callable[[str], str]
) -> None:
    token = csrf(client.get("/login").text)
    answers = [
        client.post(
            "/login", data={"username": name, "password": "not the password", "csrf_token": token}
        )
        for name in ("prosecutor", "nobody-of-that-name")
    ]
    for answer in answers:
        assert answer.status_code == 401
        assert GENERIC in answer.text
        assert SESSION_COOKIE not in answer.cookies or "uid" not in _session(ctx, answer.cookies)
    assert client.get("/cases").status_code == 303  # still signed out


def test_pages_need_sign_in_and_redirect_back(client: TestClient) -> None:
    response = client.get("/cases/TEST-001/records?page=2")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcases%2FTEST-001%2Frecords%3Fpage%3D2"


def test_next_is_only_a_local_path(
    client: TestClient, prosecutor: Actor, password: str, csrf: Callable[[str], str]
) -> None:
    token = csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "username": "prosecutor",
            "password": password,
            "csrf_token": token,
            "next": "//evil.example/phish",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/cases"


def test_post_without_or_with_wrong_csrf_token_is_rejected(
    ctx: Context, client: TestClient, prosecutor: Actor, password: str, login: Login
) -> None:
    client.get("/login")
    no_token = client.post("/login", data={"username": "prosecutor", "password": password})
    assert no_token.status_code == 403
    assert "uid" not in _session(ctx, client.cookies)
    login(client, "prosecutor")
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/account/tokens", data={"name": "x", "csrf_token": ""}).status_code == 403
    assert client.get("/cases").status_code == 200  # still signed in


def test_logout_ends_the_session(
    client: TestClient, prosecutor: Actor, login: Login, csrf: Callable[[str], str]
) -> None:
    login(client, "prosecutor")
    token = csrf(client.get("/cases").text)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert client.get("/cases").status_code == 303


def test_session_cookie_flags_and_contents(
    ctx: Context, client: TestClient, prosecutor: Actor, password: str, csrf: Callable[[str], str]
) -> None:
    token = csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "prosecutor", "password": password, "csrf_token": token}
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    flags = cookie.lower()
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "secure" not in flags  # plain HTTP on localhost by default
    # The cookie is an opaque random id; the session row holds the user id and a fresh
    # CSRF token, and the database keeps only a hash of the id.
    raw = client.cookies.get(SESSION_COOKIE) or ""
    assert len(raw) >= 40 and "." not in raw
    with ctx.db.session() as db:
        assert db.scalar(sa.select(sa.func.count()).where(WebSession.token_hash == raw)) == 0
    session = _session(ctx, client.cookies)
    assert set(session) == {"uid", "csrf"}
    assert session["uid"] == prosecutor.user_id
    assert session["csrf"] != token  # rotated at sign-in


def test_secure_cookie_when_https_only(
    ctx: Context, prosecutor: Actor, password: str, csrf: Callable[[str], str]
) -> None:
    ctx.settings.session_https_only = True
    with TestClient(create_app(ctx), base_url="https://testserver") as secure:
        response = secure.get("/login")
        assert "; secure" in response.headers["set-cookie"].lower()


def test_deactivated_user_is_signed_out(
    ctx: Context, client: TestClient, prosecutor: Actor, login: Login
) -> None:
    from palermo.store.models import User

    login(client, "prosecutor")
    with ctx.db.session() as session:
        user = session.get(User, prosecutor.user_id)
        assert user is not None
        user.is_active = False
    assert client.get("/cases").status_code == 303


def _session(ctx: Context, cookies: httpx.Cookies) -> dict[str, object]:
    raw = cookies.get(SESSION_COOKIE)
    if not raw:
        return {}
    digest = hashlib.sha256(raw.encode()).hexdigest()
    with ctx.db.session() as db:
        row = db.scalar(sa.select(WebSession).where(WebSession.token_hash == digest))
        return dict(row.data) if row is not None and row.ended_at is None else {}


@pytest.fixture(autouse=True)
def _reset_https(ctx: Context) -> None:
    ctx.settings.session_https_only = False
