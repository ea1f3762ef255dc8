"""The national linkage's suggestion on the Network tab, in a real browser: a
prosecutor sees that a suspect of this case is likely a suspect of another case,
confirms it, and after a reload (the rest of the tab kept between requests) sees it
confirmed; an advocate, who may read but not decide, sees the status and no buttons."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.signin import sign_in
from tests.web import national_seeding

from palermo.security.permissions import SYSTEM, Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import Role

pytestmark = pytest.mark.browser


def _sign_in(page: Page, live_server: str, username: str, password: str) -> None:
    sign_in(page, live_server, username, password)


def test_confirm_a_national_link_in_the_network_tab(
    page: Page,
    live_server: str,
    password: str,
    screenshots: Path,
    ctx: Context,
    prosecutor: Actor,
    make_user: object,
    unit_id: int,
) -> None:
    linked = national_seeding.build(ctx, prosecutor, unit_id)
    make_user(Role.ADVOCATE, "advocate")  # type: ignore[operator]
    for ref in (linked.here, linked.there):
        cases.add_member(ctx, SYSTEM, ref, "advocate")

    _sign_in(page, live_server, "prosecutor", password)
    page.goto(f"{live_server}/cases/{linked.here}/network")
    table = page.locator("#national-table")
    expect(table).to_be_visible()
    row = table.locator("tbody tr").filter(has_text="Kovalenkov Dmytro")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Dmytro Kovalenkov")
    expect(row.get_by_role("link", name=linked.there)).to_be_visible()
    expect(row).to_contain_text(re.compile(r"\d+%"))
    expect(row).to_contain_text("phones, accounts and other identifiers")
    expect(row).to_contain_text("Suggestion, not yet decided")
    expect(row.get_by_role("button", name=re.compile("^Reopen"))).to_have_count(0)
    row.get_by_role("button", name=re.compile("^Confirm")).click()

    expect(page).to_have_url(re.compile(rf"/cases/{linked.here}/network#national-\d+$"))
    row = page.locator("#national-table tbody tr").filter(has_text="Kovalenkov Dmytro")
    expect(row).to_contain_text("Confirmed: same person")
    page.reload()
    row = page.locator("#national-table tbody tr").filter(has_text="Kovalenkov Dmytro")
    expect(row).to_contain_text("Confirmed: same person")
    expect(row).to_contain_text("by prosecutor")
    expect(row.get_by_role("button", name=re.compile("^Confirm"))).to_have_count(0)
    expect(row.get_by_role("button", name=re.compile("^Reopen"))).to_be_visible()
    row.screenshot(path=str(screenshots / "network-national-confirmed.png"))
    # the other case shows the decision too
    row.get_by_role("link", name=linked.there).click()
    other = page.locator("#national-table tbody tr").filter(has_text="Dmytro Kovalenkov")
    expect(other).to_contain_text("Confirmed: same person")

    page.context.clear_cookies()
    _sign_in(page, live_server, "advocate", password)
    page.goto(f"{live_server}/cases/{linked.here}/network")
    row = page.locator("#national-table tbody tr").filter(has_text="Kovalenkov Dmytro")
    expect(row).to_contain_text("Confirmed: same person")
    expect(row.get_by_role("button")).to_have_count(0)
