"""The unit dashboard and its API: counts for the unit, rows for the member's cases."""

from __future__ import annotations

import re
from functools import partial
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from palermo import clock
from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.web.pages import caseload as caseload_page
from palermo.web.pages.caseload import paginate

Login = object


def test_dashboard_counts_rows_and_reasons(
    client: TestClient, login: Login, seeded: dict[str, Actor], seed: ModuleType, h: ModuleType
) -> None:
    login(client, "pros")  # type: ignore[operator]
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    # Open cases by stage: OTHER-3 is counted although its rows are hidden.
    assert re.search(r'data-stage-total="trial"><strong>2<', html)
    assert re.search(r'data-stage-total="investigation"><strong>1<', html)
    # Hearings in the next two weeks: only the member's case.
    hearings = h.section(html, "hearings")
    assert "TRIAL-1" in hearings and "OTHER-3" not in hearings
    assert seed.d(5).isoformat() in hearings
    # Over target, with the reasons in words.
    over = h.section(html, "over-target")
    assert "TRIAL-1" in over and "OTHER-3" not in over
    assert f"45 days between hearings ({seed.d(-40)} to {seed.d(5)}); target 14" in over
    assert "no decision 280 days after arraignment" in over
    # Adjournments by party cover the whole unit.
    adj = dict(h.table_rows(h.section(html, "adjournments"), "adjournments-table", 2))
    assert adj == {"Defence": "2", "Court": "1", "Prosecution": "1"}
    assert "Defence requested 2 of 4 adjournments" in html
    # Deadlines: the overdue foreign request and the custody limit due in 3 days.
    deadlines = h.section(html, "deadlines")
    assert "Overdue by 2 days" in deadlines and "Due in 3 days" in deadlines
    assert "Request for foreign assistance" in deadlines and "Custody time limit" in deadlines
    # The advocate sees... (next test); the prosecutor sees the witness reasons.
    witnesses = h.section(html, "witnesses")
    assert "V1" in witnesses and "VX" not in witnesses
    assert "intimidation reported (1)" in witnesses


def test_the_dashboard_counts_days_from_the_products_clock(
    client: TestClient,
    login: Login,
    seeded: dict[str, Actor],
    seed: ModuleType,
    h: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The next day (as when a run crosses midnight): one more day since arraignment.
    monkeypatch.setattr(clock, "today", lambda: seed.d(1))
    login(client, "pros")  # type: ignore[operator]
    over = h.section(client.get("/dashboard").text, "over-target")
    assert "no decision 281 days after arraignment" in over


def test_witness_reasons_follow_the_role(
    ctx: Context, client: TestClient, login: Login, seeded: dict[str, Actor], h: ModuleType
) -> None:
    login(client, "advo")  # type: ignore[operator]
    advocate = h.section(client.get("/dashboard").text, "witnesses")
    assert "High risk" in advocate
    assert "intimidation reported (1)" in advocate
    assert "consent to testify withdrawn" in advocate
    api = client.get("/api/dashboard").json()
    assert api["at_risk_witnesses"][0]["reasons"]

    client.cookies.clear()
    login(client, "anal")  # type: ignore[operator]
    analyst = h.section(client.get("/dashboard").text, "witnesses")
    assert "V1" in analyst and "High risk" in analyst
    assert "intimidation" not in analyst and "consent" not in analyst
    api = client.get("/api/dashboard").json()
    assert api["witness_details"] is False
    assert [(w["pseudonym"], w["level"], w["reasons"]) for w in api["at_risk_witnesses"]] == [
        ("V1", "high", [])
    ]


def test_dashboard_api_matches_page_and_hides_other_cases(
    client: TestClient, login: Login, seeded: dict[str, Actor]
) -> None:
    login(client, "pros")  # type: ignore[operator]
    data = client.get("/api/dashboard").json()
    assert data["open_cases"] == 3
    assert data["cases_by_stage"] == {"investigation": 1, "trial": 2, "closed": 1}
    assert data["adjournments_by_party"] == {"defence": 2, "court": 1, "prosecution": 1}
    refs = {
        r["reference"]
        for key in ("hearings_next_two_weeks", "over_target", "at_risk_witnesses", "deadlines")
        for r in data[key]
    }
    assert refs == {"TRIAL-1", "INV-2"}
    assert data["rows_limited_to_member_cases"] is True


def test_dashboard_chart_downloads_as_svg(
    client: TestClient, login: Login, seeded: dict[str, Actor]
) -> None:
    login(client, "pros")  # type: ignore[operator]
    svg = client.get("/dashboard/charts/adjournments.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "attachment" in svg.headers["content-disposition"]
    assert "<title" in svg.text and ">Defence<" in svg.text and ">2<" in svg.text
    assert client.get("/dashboard/charts/nope.svg").status_code == 404


def test_roles_without_caseload_access_get_403(
    client: TestClient, login: Login, seeded: dict[str, Actor]
) -> None:
    login(client, "audi")  # type: ignore[operator]
    assert client.get("/dashboard").status_code == 403
    assert client.get("/api/dashboard").status_code == 403


def test_dashboard_requires_sign_in(client: TestClient) -> None:
    response = client.get("/dashboard")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_paginate_bounds() -> None:
    page = paginate(list(range(60)), 3, per_page=25)
    assert (page.page, page.pages, page.total, page.first, page.last) == (3, 3, 60, 51, 60)
    assert list(page.items) == list(range(50, 60))
    assert paginate([], 4).first == 0 and paginate([], 4).pages == 1


def test_dashboard_follows_changes_made_on_the_case_tab(
    client: TestClient, login: Login, seeded: dict[str, Actor], seed: ModuleType
) -> None:
    login(client, "pros")  # type: ignore[operator]
    before = client.get("/api/dashboard").json()
    assert before["adjournments_by_party"]["court"] == 1
    assert client.get("/api/dashboard").json() == before  # served again (cached), same
    page = client.get("/cases/TRIAL-1/hearings").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    saved = client.post(
        "/cases/TRIAL-1/hearings/add",
        data={
            "csrf_token": token,
            "held_on": seed.d(1).isoformat(),
            "kind": "trial",
            "adjourned": "1",
            "requested_by": "court",
            "reason": "court calendar",
        },
    )
    assert saved.status_code == 303
    after = client.get("/api/dashboard").json()
    assert after["adjournments_by_party"]["court"] == 2
    assert after["adjournments_total"] == before["adjournments_total"] + 1
    assert [h["held_on"] for h in after["hearings_next_two_weeks"]] == [
        seed.d(1).isoformat(),
        seed.d(5).isoformat(),
    ]


def test_every_dashboard_read_is_audited(
    ctx: Context, client: TestClient, login: Login, seeded: dict[str, Actor]
) -> None:
    from sqlalchemy import func, select

    from palermo.store.models import AuditEntry

    login(client, "pros")  # type: ignore[operator]
    for _ in range(3):
        assert client.get("/dashboard").status_code == 200
    with ctx.db.session() as s:
        n = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "caseload.dashboard",
                AuditEntry.user_id == seeded["prosecutor"].user_id,
            )
        )
    assert n == 3


def test_dashboard_lists_come_a_page_at_a_time(
    client: TestClient,
    login: Login,
    seeded: dict[str, Actor],
    h: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(caseload_page, "paginate", partial(paginate, per_page=1))
    login(client, "pros")  # type: ignore[operator]
    deadlines = h.section(client.get("/dashboard").text, "deadlines")
    assert "Showing 1–1 of 2 deadlines." in deadlines
    assert "Page 1 of 2" in deadlines and 'rel="next"' in deadlines
    assert 'rel="prev"' not in deadlines
    second = h.section(client.get("/dashboard?dp=2").text, "deadlines")
    assert "Showing 2–2 of 2 deadlines." in second and 'rel="prev"' in second
