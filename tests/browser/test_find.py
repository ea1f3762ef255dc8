"""Finding things in a real Chromium: filter the caseload, save the filter under a name,
use it again and delete it; then search all cases for a victim by the beginning of her
name and for a suspect's phone typed in another format, narrowing by role."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palermo.security.permissions import Actor
from palermo.services import cases, casework
from palermo.services.context import Context

pytestmark = pytest.mark.browser


def test_saved_filter_and_search(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    unit_id: int,
    password: str,
    screenshots: Path,
) -> None:
    cases.create_case(
        ctx,
        prosecutor,
        reference="HARBOUR-7",
        title="Harbour labour ring",
        jurisdiction="US",
        unit_id=unit_id,
        typology="forced_labour",
        statutes=["us-18-1589"],
    )
    casework.add_person(
        ctx, prosecutor, "HARBOUR-7", kind="victim", name="Elena Munteanu", aliases=["Lena"]
    )
    casework.add_person(
        ctx,
        prosecutor,
        "HARBOUR-7",
        kind="suspect",
        name="Dorin Vlasceanu",
        aliases=[],
        identifiers=[("phone", "+1 202 555 0147")],
    )
    page.goto(f"{live_server}/cases")
    page.get_by_label("Username").fill("prosecutor")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/cases$"))

    filters = page.get_by_role("form", name="Filter the caseload")
    filters.get_by_label("Typology").select_option("forced_labour")
    filters.get_by_role("button", name="Filter").click()
    expect(page.locator("#caseload")).to_contain_text("HARBOUR-7")
    expect(page.locator("#caseload")).not_to_contain_text(case_ref)
    save = page.get_by_role("form", name="Save these filters")
    save.get_by_label("Save these filters as").fill("Forced labour")
    save.get_by_role("button", name="Save filter").click()
    saved = page.locator("#saved-filter-list")
    expect(saved.get_by_role("link", name="Forced labour")).to_be_visible()
    page.screenshot(path=str(screenshots / "find-01-saved-filter.png"), full_page=True)

    page.goto(f"{live_server}/cases")
    expect(page.locator("#caseload")).to_contain_text(case_ref)
    page.locator("#saved-filter-list").get_by_role("link", name="Forced labour").click()
    expect(page).to_have_url(re.compile(r"typology=forced_labour"))
    expect(page.locator("#caseload")).not_to_contain_text(case_ref)
    page.get_by_role("button", name="Delete the saved filter Forced labour").click()
    expect(page.locator("#saved-filters")).to_contain_text("None yet")

    page.get_by_role("link", name="Search all my cases").click()
    search = page.get_by_role("form", name="Search")
    search.get_by_label("Search for").fill("munt")
    search.get_by_role("button", name="Search").click()
    expect(page.locator("#hits-people")).to_contain_text("V-01")
    expect(page.locator("#hits-people")).not_to_contain_text("Munteanu")
    search = page.get_by_role("form", name="Search")
    search.get_by_label("Search for").fill("(202) 555-0147")
    search.get_by_label("People who are").select_option("suspect")
    search.get_by_role("button", name="Search").click()
    expect(page.locator("#hits-identifiers")).to_contain_text("Dorin Vlasceanu")
    expect(page.locator("#search-facets")).to_contain_text("HARBOUR-7")
    page.screenshot(path=str(screenshots / "find-02-search.png"), full_page=True)
