"""Saved caseload filters (service, pages, API), each user's own; and the import of an
outcome table through the API: a dry run that writes nothing, then the commit, with the
refused rows named by line and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases, saved_filters, users
from palermo.services.context import Context
from palermo.services.errors import NotFound
from palermo.services.fields import FieldErrors
from palermo.store.models import Case, Role
from palermo.store.models.caseload import Outcome

MakeUser = Callable[..., Actor]
Login = Callable[[TestClient, str], TestClient]
EXCERPT = Path(__file__).parent / "data" / "htd_excerpt.csv"


def test_saved_filters_are_checked_replaced_and_private(
    ctx: Context, prosecutor: Actor, make_user: MakeUser
) -> None:
    saved = saved_filters.save_filter(
        ctx,
        prosecutor,
        "  Open   trials ",
        {"stage": "trial", "status": "open", "sort": "opened_on", "desc": "1"},
    )
    assert saved.name == "Open trials"
    assert saved.params == {
        "stage": "trial",
        "status": "open",
        "sort": "opened_on",
        "desc": True,
        "per_page": 50,
    }
    assert saved.query == "stage=trial&status=open&sort=opened_on&desc=1&per_page=50"
    # The same name replaces the filter.
    again = saved_filters.save_filter(ctx, prosecutor, "Open trials", {"statute": "us-18-1591"})
    assert again.id == saved.id and again.params["statute"] == "us-18-1591"
    assert [f.name for f in saved_filters.list_filters(ctx, prosecutor)] == ["Open trials"]
    with pytest.raises(FieldErrors) as refused:
        saved_filters.save_filter(
            ctx, prosecutor, "", {"stage": "nowhere", "sort": "colour", "per_page": "0", "x": 1}
        )
    assert set(refused.value.by_field()) == {"name", "stage", "sort", "per_page", "x"}
    other = make_user(Role.PROSECUTOR)
    assert saved_filters.list_filters(ctx, other) == []
    with pytest.raises(NotFound):
        saved_filters.get_filter(ctx, other, saved.id)
    with pytest.raises(NotFound):
        saved_filters.delete_filter(ctx, other, saved.id)
    assert saved_filters.delete_filter(ctx, prosecutor, saved.id) == "Open trials"
    assert saved_filters.list_filters(ctx, prosecutor) == []


def test_saved_filters_in_the_browser(
    ctx: Context,
    client: TestClient,
    login: Login,
    csrf: Callable[[str], str],
    prosecutor: Actor,
    case_ref: str,
    unit_id: int,
) -> None:
    cases.create_case(
        ctx, prosecutor, reference="OTHER-2", title="Other", jurisdiction="US", unit_id=unit_id
    )
    login(client, "prosecutor")
    page = client.get("/cases?q=other").text
    assert "None yet" in page
    saved = client.post(
        "/caseload/filters", data={"csrf_token": csrf(page), "name": "Others", "q": "other"}
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/cases?q=other&per_page=50"
    listed = client.get("/cases").text
    assert "Others" in listed
    (f,) = saved_filters.list_filters(ctx, prosecutor)
    reused = client.get(f"/caseload/filters/{f.id}")
    assert reused.status_code == 303
    filtered = client.get(reused.headers["location"]).text
    assert "OTHER-2" in filtered and "TEST-001" not in filtered
    refused = client.post("/caseload/filters", data={"csrf_token": csrf(listed), "name": " "})
    assert refused.status_code == 422 and "give the filter a name" in refused.text
    gone = client.post(f"/caseload/filters/{f.id}/delete", data={"csrf_token": csrf(listed)})
    assert gone.status_code == 303 and saved_filters.list_filters(ctx, prosecutor) == []
    without_token = client.post("/caseload/filters", data={"name": "x"})
    assert without_token.status_code in (400, 403)


def test_saved_filters_through_the_api(
    ctx: Context, client: TestClient, prosecutor: Actor, make_user: MakeUser
) -> None:
    auth = {"Authorization": "Bearer " + users.create_api_token(ctx, prosecutor, "t")}
    created = client.post(
        "/api/caseload/filters",
        json={"name": "Closed", "params": {"status": "closed", "sort": "title"}},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["params"] == {"status": "closed", "sort": "title", "desc": False, "per_page": 50}
    assert [f["name"] for f in client.get("/api/caseload/filters", headers=auth).json()] == [
        "Closed"
    ]
    bad = client.post(
        "/api/caseload/filters", json={"name": "B", "params": {"status": "x"}}, headers=auth
    )
    assert bad.status_code == 422
    assert bad.json()["detail"]["errors"][0]["field"] == "status"
    other = make_user(Role.PROSECUTOR)
    other_auth = {"Authorization": "Bearer " + users.create_api_token(ctx, other, "t")}
    assert client.get(f"/api/caseload/filters/{body['id']}", headers=other_auth).status_code == 404
    assert client.delete(f"/api/caseload/filters/{body['id']}", headers=other_auth).status_code == (
        404
    )
    assert client.delete(f"/api/caseload/filters/{body['id']}", headers=auth).status_code == 204
    assert client.get("/api/caseload/filters", headers=auth).json() == []


def _counts(ctx: Context) -> tuple[int, int]:
    with ctx.db.session() as session:
        return (
            session.scalar(sa.select(sa.func.count()).select_from(Case)) or 0,
            session.scalar(sa.select(sa.func.count()).select_from(Outcome)) or 0,
        )


def test_outcome_import_through_the_api(
    ctx: Context, client: TestClient, prosecutor: Actor, make_user: MakeUser
) -> None:
    auth = {"Authorization": "Bearer " + users.create_api_token(ctx, prosecutor, "t")}
    table = EXCERPT.read_bytes()
    dry = client.post(
        "/api/outcomes/import",
        files={"file": ("htd.csv", table, "text/csv")},
        data={"profile": "htd"},
        headers=auth,
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["dry_run"] is True and report["rows"] == 45
    assert report["refused"] == [
        {
            "line": 46,
            "field": "DateTerminated",
            "value": "10/19/20001",
            "message": "not a date in the form %m/%d/%Y",
        }
    ]
    assert report["outcomes"] > 0 and report["cases_created"]
    assert _counts(ctx) == (0, 0)  # a dry run writes nothing
    done = client.post(
        "/api/outcomes/import",
        files={"file": ("htd.csv", table, "text/csv")},
        data={"profile": "htd", "commit": "true"},
        headers=auth,
    )
    assert done.status_code == 200, done.text
    committed = done.json()
    assert committed["dry_run"] is False
    assert (committed["outcomes"], committed["cases_created"]) == (
        report["outcomes"],
        report["cases_created"],
    )
    assert _counts(ctx) == (len(report["cases_created"]), report["outcomes"])
    # Only bundled profiles by name (never a path on the server); a mapping must be valid.
    path = client.post(
        "/api/outcomes/import",
        files={"file": ("t.csv", table, "text/csv")},
        data={"profile": "/etc/passwd"},
        headers=auth,
    )
    assert path.status_code == 422 and path.json()["detail"]["errors"][0]["field"] == "profile"
    mapping = client.post(
        "/api/outcomes/import",
        files={
            "file": ("t.csv", table, "text/csv"),
            "mapping": ("m.yaml", b"name: x\ncharges:\n  - statute: us-99-1\nblock: {}\n"),
        },
        headers=auth,
    )
    assert mapping.status_code == 422
    assert "unknown statute" in mapping.json()["detail"]["errors"][0]["message"]
    analyst = make_user(Role.ANALYST)
    analyst_auth = {"Authorization": "Bearer " + users.create_api_token(ctx, analyst, "t")}
    denied = client.post(
        "/api/outcomes/import",
        files={"file": ("t.csv", table, "text/csv")},
        headers=analyst_auth,
    )
    assert denied.status_code == 403
