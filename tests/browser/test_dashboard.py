"""The unit dashboard, Outcomes and the Hearings & witnesses tab in a real Chromium,
over a generated history of 80 cases (screenshots in test-artifacts/screenshots/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from palermo import clock
from palermo.security.permissions import SYSTEM, Actor
from palermo.services import caseload as svc
from palermo.services.context import Context
from palermo.simulate.history import generate_history
from palermo.store.models import Case, CaseMember

pytestmark = pytest.mark.browser


def _seed(ctx: Context, prosecutor: Actor, unit_id: int) -> str:
    history = generate_history(7, n_cases=80, as_of=clock.today())
    with ctx.db.session() as s:
        svc.write_history(s, SYSTEM, unit_id, history, reference_prefix="DEMO-")
        ids = list(s.scalars(select(Case.id).where(Case.unit_id == unit_id)))
        s.add_all(CaseMember(case_id=i, user_id=prosecutor.user_id) for i in ids)
        trial = s.scalar(
            select(Case.reference).where(Case.stage == "trial").order_by(Case.id).limit(1)
        )
    assert trial is not None
    return trial


def test_dashboard_and_outcomes(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    unit_id: int,
    password: str,
    screenshots: Path,
) -> None:
    trial = _seed(ctx, prosecutor, unit_id)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)

    page.goto(f"{live_server}/dashboard")
    page.get_by_label("Username").fill("prosecutor")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="Unit dashboard")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    expect(page.locator("#chart-stage-age")).to_be_visible()
    expect(page.locator("#adjournment-sentences")).to_contain_text("Defence requested")
    expect(page.locator("#over-target-table")).to_contain_text("target")
    shot("caseload-01-dashboard")

    nav.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    expect(page.locator("#chart-verdicts")).to_be_visible()
    expect(page.locator("#table-verdicts")).to_contain_text("Convicted")
    page.get_by_role("link", name="Load context figures").click()
    expect(page.locator("#table-context")).to_contain_text("GLOTIP")
    shot("caseload-02-outcomes")

    page.goto(f"{live_server}/cases/{trial}/hearings")
    tabs = page.get_by_role("navigation", name="Case sections")
    expect(tabs.get_by_role("link", name="Hearings & witnesses")).to_have_attribute(
        "aria-current", "page"
    )
    move = page.get_by_role("form", name="Move the case to a new stage")
    move.get_by_label("Date", exact=True).fill("2001-01-01")
    move.get_by_label("New stage", exact=True).select_option("verdict")
    page.get_by_role("button", name="Record stage change").click()
    expect(page.locator("#err-stage-on")).to_contain_text("before")
    shot("caseload-03-hearings-tab")
    # The rejected form answers 422 on purpose; anything else (a CSP block) is a failure.
    assert [e for e in console_errors if "422" not in e] == []
