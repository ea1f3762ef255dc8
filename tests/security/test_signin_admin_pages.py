"""Administration and audit pages: admin-only (or auditor), CSRF, field errors, audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.conftest import MakeUser

from palermo.reports import csv_safe
from palermo.security.permissions import SYSTEM, Actor
from palermo.services import administration, audit_log, cases, users
from palermo.services.context import Context
from palermo.store.models import AuditEntry, Role, User

Login = Callable[[TestClient, str], TestClient]
Csrf = Callable[[str], str]

ADMIN_PAGES = ["/admin/users", "/admin/units", "/admin/users/1", "/admin/units/1"]


def _actions(ctx: Context) -> list[str]:
    with ctx.db.session() as session:
        return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)))


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_administration_is_for_administrators_only(
    ctx: Context, client: TestClient, make_user: MakeUser, login: Login, csrf: Csrf, role: Role
) -> None:
    make_user(role, "someone")
    login(client, "someone")
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    token = csrf(client.get("/account/tokens").text)
    answer = client.post(
        "/admin/users", data={"csrf_token": token, "username": "x", "role": "admin"}
    )
    assert answer.status_code == 403
    with ctx.db.session() as session:
        assert session.scalar(sa.select(User.id).where(User.username == "x")) is None
    expected = 200 if role is Role.AUDITOR else 403
    assert client.get("/audit").status_code == expected
    assert client.get("/audit/export.csv").status_code == expected


def test_admin_invites_edits_disables_and_resets(
    ctx: Context, client: TestClient, make_user: MakeUser, login: Login, csrf: Csrf
) -> None:
    make_user(Role.ADMIN, "chief")
    login(client, "chief")
    assert client.get("/").headers["location"] == "/admin"
    page = client.get("/admin/users")
    token = csrf(page.text)
    assert (
        client.post("/admin/users", data={"username": "bob", "role": "analyst"}).status_code == 403
    )
    bad = client.post(
        "/admin/users", data={"csrf_token": token, "username": "bob smith", "role": "analyst"}
    )
    assert bad.status_code == 422
    assert 'id="err-username"' in bad.text and 'aria-invalid="true"' in bad.text
    bad_role = client.post(
        "/admin/users", data={"csrf_token": token, "username": "bob", "role": "chief"}
    )
    assert bad_role.status_code == 422 and 'id="err-role"' in bad_role.text
    made = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "bob", "display_name": "Bob", "role": "analyst"},
    )
    assert made.status_code == 200
    one_time = made.text.split('id="one-time-password">')[1].split("<")[0]
    info = users.authenticate(ctx, "bob", one_time)
    assert info.must_change_password
    bob = info.id

    edited = client.post(
        f"/admin/users/{bob}",
        data={"csrf_token": token, "display_name": "Robert", "role": "investigator"},
    )
    assert edited.status_code == 303
    assert users.get_user(ctx, bob).role is Role.INVESTIGATOR
    assert client.post(f"/admin/users/{bob}/disable", data={"csrf_token": token}).status_code == 303
    with pytest.raises(users.AuthenticationFailed):
        users.authenticate(ctx, "bob", one_time, "10.1.1.1")
    assert client.post(f"/admin/users/{bob}/enable", data={"csrf_token": token}).status_code == 303
    reset = client.post(f"/admin/users/{bob}/reset-password", data={"csrf_token": token})
    new_one = reset.text.split('id="one-time-password">')[1].split("<")[0]
    assert users.authenticate(ctx, "bob", new_one, "10.1.1.2").id == bob
    assert client.get("/admin/users/99999999999").status_code == 422  # out of range, not a 500
    assert client.get("/admin/users/99999").status_code == 404
    for action in (
        "user.create",
        "user.update",
        "user.disable",
        "user.enable",
        "user.password_reset",
    ):
        assert action in _actions(ctx), action


def test_admin_units_and_memberships(
    ctx: Context,
    client: TestClient,
    make_user: MakeUser,
    login: Login,
    csrf: Csrf,
    prosecutor: Actor,
) -> None:
    make_user(Role.ADMIN, "chief")
    login(client, "chief")
    token = csrf(client.get("/admin/units").text)
    bad = client.post(
        "/admin/units", data={"csrf_token": token, "code": "a b", "name": "", "country": "USA"}
    )
    assert bad.status_code == 422 and 'id="err-code"' in bad.text
    made = client.post(
        "/admin/units",
        data={"csrf_token": token, "code": "north", "name": "North", "country": "us"},
    )
    assert made.status_code == 303
    unit_path = made.headers["location"]
    dup = client.post(
        "/admin/units",
        data={"csrf_token": token, "code": "north", "name": "Again", "country": ""},
    )
    assert dup.status_code == 422 and "already exists" in dup.text
    added = client.post(
        f"{unit_path}/members", data={"csrf_token": token, "user_id": str(prosecutor.user_id)}
    )
    assert added.status_code == 303
    assert "prosecutor" in client.get(unit_path).text
    unit_id = int(unit_path.rsplit("/", 1)[1])
    assert users.get_user(ctx, prosecutor.user_id or 0).unit_id == unit_id
    renamed = client.post(
        unit_path,
        data={"csrf_token": token, "code": "north", "name": "North unit", "country": "US"},
    )
    assert renamed.status_code == 303
    assert {"unit.create", "unit.member_add", "unit.update"} <= set(_actions(ctx))


def test_admin_ends_sessions_and_revokes_tokens(
    ctx: Context,
    client: TestClient,
    make_user: MakeUser,
    login: Login,
    csrf: Csrf,
    prosecutor: Actor,
) -> None:
    other = login(TestClient(client.app, follow_redirects=False), "prosecutor")
    api_token = users.create_api_token(ctx, prosecutor, "script")
    make_user(Role.ADMIN, "chief")
    login(client, "chief")
    page = client.get(f"/admin/users/{prosecutor.user_id}")
    assert "script" in page.text and "Active" in page.text
    token = csrf(page.text)
    ended = client.post(
        f"/admin/users/{prosecutor.user_id}/end-sessions", data={"csrf_token": token}
    )
    assert ended.status_code == 303
    assert other.get("/cases").status_code == 303
    token_id = administration.list_user_tokens(ctx, SYSTEM, prosecutor.user_id or 0)
    assert token_id
    revoked = client.post(
        f"/admin/users/{prosecutor.user_id}/tokens/{token_id[0].id}/revoke",
        data={"csrf_token": token},
    )
    assert revoked.status_code == 303
    plain = TestClient(client.app)
    assert (
        plain.get("/api/cases", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    )


def test_audit_page_filters_pages_verifies_and_exports_safely(
    ctx: Context,
    client: TestClient,
    make_user: MakeUser,
    login: Login,
    csrf: Csrf,
    prosecutor: Actor,
    case_ref: str,
) -> None:
    for _ in range(60):
        cases.get_case(ctx, prosecutor, case_ref)
    for hostile in ("=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        with pytest.raises(users.AuthenticationFailed):
            users.authenticate(ctx, hostile, "wrong password", f"10.2.0.{len(hostile)}")
    make_user(Role.AUDITOR, "ada")
    login(client, "ada")
    assert client.get("/").headers["location"] == "/audit"
    first = client.get("/audit")
    assert first.status_code == 200 and "page 1 of" in first.text
    filtered = client.get(
        "/audit", params={"user": "prosecutor", "case": case_ref, "action": "case.read"}
    )
    assert filtered.status_code == 200
    assert "60 entries" in filtered.text and "page 1 of 2" in filtered.text
    second = client.get("/audit", params={"user": "prosecutor", "action": "case.read", "page": "2"})
    assert second.status_code == 200 and "page 2 of 2" in second.text
    assert client.get("/audit", params={"page": "99999999999999999999"}).status_code == 422
    bad = client.get("/audit", params={"date_from": "yesterday", "date_to": "2020-01-01"})
    assert bad.status_code == 422 and 'id="err-date_from"' in bad.text
    backwards = client.get("/audit", params={"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert backwards.status_code == 422 and 'id="err-date_to"' in backwards.text
    today = datetime.now(UTC).date()
    same_day = client.get(
        "/audit", params={"action": "case.read", "date_from": str(today), "date_to": str(today)}
    )
    assert "60 entries" in same_day.text
    before = client.get("/audit", params={"date_to": str(today - timedelta(days=1))})
    assert "0 entries" in before.text
    after = client.get("/audit", params={"date_from": str(today + timedelta(days=1))})
    assert "0 entries" in after.text
    prefix = client.get("/audit", params={"action": "auth.*"})
    assert "auth.failed" in prefix.text and "case.read" not in prefix.text.split("audit-table")[1]

    token = csrf(first.text)
    verified = client.post("/audit/verify", data={"csrf_token": token})
    assert "Chain intact" in verified.text
    assert client.post("/audit/verify", data={"csrf_token": "forged"}).status_code == 403
    with ctx.db.session() as session:
        session.execute(sa.update(AuditEntry).where(AuditEntry.seq == 5).values(action="x"))
    broken = client.post("/audit/verify", data={"csrf_token": token})
    assert "Chain broken at entry 5" in broken.text

    export = client.get("/audit/export.csv", params={"action": "auth.failed"})
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    names = {r["username"] for r in rows}
    # A plain number ("-2") stays a number: only text can be a formula.
    assert {"'=cmd|' /c calc'!a0", "'+1+1", "-2", "'@sum(a1)"} <= names
    assert len(rows) == 6  # the tab and carriage return were stripped with the username
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or csv_safe.NUMBER.fullmatch(cell)
        for r in rows
        for cell in r.values()
    )
    assert {"audit.read", "audit.verify", "audit.export"} <= set(_actions(ctx))


def test_csv_cells_are_neutralised() -> None:
    for value in ("=1+1", "+cmd", "-A1", "@x", "\tx", "\rx"):
        assert str(csv_safe.safe_cell(value)).startswith("'")
    assert csv_safe.safe_cell("plain") == "plain"
    assert csv_safe.safe_cell(None) == ""


def test_audit_details_that_may_name_a_person_are_withheld() -> None:
    shown = audit_log.shown_details({"name": "Sarah_Jones.pdf", "sha256": "ab", "files": ["x"]})
    assert shown == {"name": audit_log.WITHHELD, "sha256": "ab", "files": audit_log.WITHHELD}


def test_admin_sets_a_units_targets(
    ctx: Context, client: TestClient, make_user: MakeUser, login: Login, csrf: Csrf, unit_id: int
) -> None:
    from palermo.caseload.targets import default_targets

    make_user(Role.ADMIN, "chief")
    login(client, "chief")
    page = client.get(f"/admin/units/{unit_id}")
    assert 'name="max_days_between_hearings"' in page.text
    token = csrf(page.text)
    form = {
        "csrf_token": token,
        "max_days_between_hearings": "10",
        "decision_within_days_of_arraignment": "120",
        "witness_no_contact_weeks": "x",
        "upcoming_days": "14",
        "deadline_warning_days": "7",
        "stage:intake": "0",
        "stage:trial": "90",
    }
    bad = client.post(f"/admin/units/{unit_id}/targets", data=form)
    assert bad.status_code == 422
    assert 'id="err-witness_no_contact_weeks"' in bad.text and 'id="err-stage:intake"' in bad.text
    assert administration.unit_targets(ctx, SYSTEM, unit_id) == default_targets()
    good = client.post(
        f"/admin/units/{unit_id}/targets",
        data={**form, "witness_no_contact_weeks": "3", "stage:intake": ""},
    )
    assert good.status_code == 303
    saved = administration.unit_targets(ctx, SYSTEM, unit_id)
    assert saved.max_days_between_hearings == 10 and saved.witness_no_contact_weeks == 3
    assert saved.max_days_in_stage["trial"] == 90
    assert "unit.targets" in _actions(ctx)
