"""Server-side sessions: a cookie stops working the moment its session ends."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from palermo.security import totp
from palermo.security.permissions import SYSTEM, Actor
from palermo.services import administration, sessions, users
from palermo.services.context import Context
from palermo.services.errors import AuthenticationFailed
from palermo.store.models import AuditEntry, Role, User, WebSession
from palermo.web.app import SESSION_COOKIE, create_app

Login = Callable[[TestClient, str], TestClient]
Csrf = Callable[[str], str]


def _signed_in(client: TestClient) -> bool:
    return client.get("/cases").status_code == 200


def _replay(ctx: Context, cookie: str) -> TestClient:
    other = TestClient(create_app(ctx), follow_redirects=False)
    other.cookies.set(SESSION_COOKIE, cookie)
    return other


def test_cookie_replayed_after_logout_is_signed_out(
    ctx: Context, client: TestClient, prosecutor: Actor, login: Login, csrf: Csrf
) -> None:
    login(client, "prosecutor")
    stolen = client.cookies.get(SESSION_COOKIE)
    assert stolen and _signed_in(client)
    token = csrf(client.get("/cases").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    replayed = _replay(ctx, stolen)
    assert replayed.get("/cases").status_code == 303
    assert replayed.get("/cases").headers["location"].startswith("/login")
    with ctx.db.session() as session:
        reasons = set(session.scalars(sa.select(WebSession.end_reason)))
    assert "signed_out" in reasons


def test_password_change_ends_every_other_session(
    ctx: Context, client: TestClient, prosecutor: Actor, login: Login, csrf: Csrf, password: str
) -> None:
    other = login(TestClient(create_app(ctx), follow_redirects=False), "prosecutor")
    login(client, "prosecutor")
    old_cookie = client.cookies.get(SESSION_COOKIE)
    token = csrf(client.get("/account/password").text)
    wrong = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "nope-nope",
            "new_password": "a brand new password",
            "confirm_password": "a brand new password",
        },
    )
    assert wrong.status_code == 422
    assert "not your current password" in wrong.text and 'aria-invalid="true"' in wrong.text
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": password,
            "new_password": "a brand new password",
            "confirm_password": "a brand new password",
        },
    )
    assert changed.status_code == 303, changed.text
    assert _signed_in(client)  # this browser continues, in a new session
    assert client.cookies.get(SESSION_COOKIE) != old_cookie
    assert not _signed_in(other)
    assert not _signed_in(_replay(ctx, str(old_cookie)))


def test_disabling_a_user_and_ending_sessions_take_effect_at_once(
    ctx: Context, client: TestClient, prosecutor: Actor, login: Login
) -> None:
    assert prosecutor.user_id is not None
    login(client, "prosecutor")
    assert sessions.end_all(ctx, SYSTEM, prosecutor.user_id) == 1
    assert not _signed_in(client)
    login(client, "prosecutor")
    administration.set_active(ctx, SYSTEM, prosecutor.user_id, False)
    assert not _signed_in(client)
    with ctx.db.session() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count()).where(
                    WebSession.user_id == prosecutor.user_id, WebSession.ended_at.is_(None)
                )
            )
            == 0
        )


def test_idle_and_absolute_timeouts(
    ctx: Context, client: TestClient, prosecutor: Actor, login: Login
) -> None:
    login(client, "prosecutor")
    idle = timedelta(minutes=ctx.settings.session_idle_minutes + 1)
    with ctx.db.session() as session:
        session.execute(sa.update(WebSession).values(last_seen_at=datetime.now(UTC) - idle))
    assert not _signed_in(client)
    login(client, "prosecutor")
    old = timedelta(hours=ctx.settings.session_absolute_hours, minutes=1)
    with ctx.db.session() as session:
        session.execute(
            sa.update(WebSession)
            .where(WebSession.ended_at.is_(None))
            .values(created_at=datetime.now(UTC) - old)
        )
    assert not _signed_in(client)
    with ctx.db.session() as session:
        reasons = set(session.scalars(sa.select(WebSession.end_reason)))
    assert {"idle", "expired"} <= reasons


def test_csrf_token_belongs_to_the_session(
    ctx: Context, client: TestClient, prosecutor: Actor, login: Login, csrf: Csrf
) -> None:
    login(client, "prosecutor")
    mine = csrf(client.get("/cases").text)
    other = login(TestClient(create_app(ctx), follow_redirects=False), "prosecutor")
    # Another session's token is refused even for the same user.
    assert other.post("/logout", data={"csrf_token": mine}).status_code == 403
    assert client.post("/logout", data={"csrf_token": mine}).status_code == 303


def test_api_tokens_keep_working_without_a_session(
    ctx: Context, client: TestClient, prosecutor: Actor
) -> None:
    token = users.create_api_token(ctx, prosecutor, "script")
    plain = TestClient(create_app(ctx), follow_redirects=False)
    answer = plain.get("/api/cases", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert SESSION_COOKIE not in answer.cookies


def test_one_time_password_must_be_changed_first(
    ctx: Context, client: TestClient, unit_id: int, csrf: Csrf
) -> None:
    info, one_time = administration.invite_user(
        ctx, SYSTEM, username="newbie", role=Role.ANALYST, display_name="New", unit_id=unit_id
    )
    token = csrf(client.get("/login").text)
    answer = client.post(
        "/login", data={"username": "newbie", "password": one_time, "csrf_token": token}
    )
    assert answer.headers["location"] == "/account/password"
    assert client.get("/cases").headers["location"] == "/account/password"
    token = csrf(client.get("/account/password").text)
    client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": one_time,
            "new_password": "my own good password",
            "confirm_password": "my own good password",
        },
    )
    assert _signed_in(client)
    assert users.get_user(ctx, info.id).must_change_password is False


def test_second_factor_enrol_and_sign_in(
    ctx: Context, client: TestClient, prosecutor: Actor, login: Login, csrf: Csrf, password: str
) -> None:
    ctx.settings.totp_required_roles = "prosecutor"
    login(client, "prosecutor")
    # The role requires a second factor: nothing else opens until it is set up.
    assert client.get("/cases").headers["location"] == "/account/security"
    token = csrf(client.get("/account/security").text)
    page = client.post("/account/security/totp/start", data={"csrf_token": token})
    assert page.status_code == 200, page.text[:3000]
    secret = page.text.split('id="totp-secret" class="hash">')[1].split("<")[0]
    assert "otpauth://totp/Palermo:prosecutor" in page.text and "<svg" in page.text
    bad = client.post(
        "/account/security/totp/confirm", data={"csrf_token": token, "code": "000000"}
    )
    assert bad.status_code == 422 and "wrong or expired code" in bad.text
    good = client.post(
        "/account/security/totp/confirm",
        data={"csrf_token": token, "code": pyotp.TOTP(secret).now()},
    )
    assert good.status_code == 303
    assert _signed_in(client)
    with ctx.db.session() as session:
        stored = session.scalar(sa.select(User.totp_secret).where(User.username == "prosecutor"))
    assert stored is not None and secret not in stored  # encrypted at rest
    assert prosecutor.user_id is not None
    assert totp.unseal(ctx.settings.resolved_secret_key(), stored, prosecutor.user_id) == secret

    fresh = TestClient(create_app(ctx), follow_redirects=False)
    token = csrf(fresh.get("/login").text)
    step1 = fresh.post(
        "/login", data={"username": "prosecutor", "password": password, "csrf_token": token}
    )
    assert step1.headers["location"].startswith("/login/code")
    assert not _signed_in(fresh)  # the password alone is not enough
    token = csrf(fresh.get("/login/code").text)
    wrong = fresh.post("/login/code", data={"csrf_token": token, "code": "123456"})
    assert wrong.status_code == 401 and not _signed_in(fresh)
    right = fresh.post("/login/code", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert right.status_code == 303
    assert _signed_in(fresh)
    with ctx.db.session() as session:
        actions = list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert "auth.password_ok" in actions and actions.count("auth.failed") == 1


def test_cli_resets_a_locked_out_password_and_ends_sessions(
    ctx: Context,
    client: TestClient,
    prosecutor: Actor,
    login: Login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from palermo.cli.main import app
    from palermo.settings import get_settings

    monkeypatch.setenv("PALERMO_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setenv("PALERMO_DATABASE_URL", ctx.settings.resolved_database_url)
    monkeypatch.setenv("PALERMO_SECRET_KEY", str(ctx.settings.secret_key))
    get_settings.cache_clear()
    try:
        login(client, "prosecutor")
        run = CliRunner()
        ended = run.invoke(app, ["users", "end-sessions", "prosecutor"])
        assert ended.exit_code == 0 and "Ended 1 session" in ended.output
        assert not _signed_in(client)
        for _ in range(12):
            with contextlib.suppress(AuthenticationFailed):
                users.authenticate(ctx, "prosecutor", "wrong password", "10.5.5.5")
        reset = run.invoke(app, ["users", "reset-password", "prosecutor"])
        assert reset.exit_code == 0, reset.output
        one_time = reset.output.rsplit(": ", 1)[1].strip()
        assert users.authenticate(ctx, "prosecutor", one_time, "10.5.5.6").must_change_password
        assert run.invoke(app, ["users", "disable", "nobody"]).exit_code == 1
    finally:
        get_settings.cache_clear()
