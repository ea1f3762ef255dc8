"""Sign in, browse the caseload and a case, sort records: in a real Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from playwright.sync_api import Page, expect

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context

pytestmark = pytest.mark.browser

VICTIM_NAME = "Elena Marinescu"


def _seed(ctx: Context, prosecutor: Actor, case_ref: str, unit_id: int, seeding: ModuleType) -> str:
    cases.create_case(
        ctx,
        prosecutor,
        reference="LAB-2024-017",
        title="Construction site forced labour",
        jurisdiction="UK",
        unit_id=unit_id,
        typology="forced_labour",
        stage="trial",
        statutes=["uk-msa-s1", "uk-msa-s2"],
    )
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name=VICTIM_NAME,
        aliases=["Lena"],
        is_minor=True,
        nationality="RO",
        identifiers=[("phone", "+40722000111")],
    )
    cases.add_person(
        ctx, prosecutor, case_ref, kind="victim", name="Ioana Petrescu", nationality="MD"
    )
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name="Viktor Dragan",
        aliases=["Vik"],
        nationality="RO",
        identifiers=[("phone", "+15559990000"), ("email", "vd@example.org")],
    )
    cases.add_person(ctx, prosecutor, case_ref, kind="witness", name="Hotel night manager")
    digest: str = seeding.add_calls(ctx, case_ref, 120)
    seeding.add_payments(ctx, case_ref, ["150.00", "2400.00", "80.50", "975.25"])
    seeding.add_failed_file(ctx, case_ref)
    return digest


def test_investigator_journey(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    unit_id: int,
    seeding: ModuleType,
    password: str,
    screenshots: Path,
) -> None:
    digest = _seed(ctx, prosecutor, case_ref, unit_id, seeding)

    # A blocked inline script or style, or a failed asset, shows up as a console error.
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    failed_requests: list[str] = []
    page.on("requestfailed", lambda r: failed_requests.append(r.url))

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)

    # Signed out: the caseload sends us to the login page.
    page.goto(f"{live_server}/cases")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcases$"))
    expect(page.get_by_role("heading", name="Sign in to Palermo")).to_be_visible()
    page.get_by_label("Username").fill("prosecutor")
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    shot("01-login-failed")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()

    # Caseload.
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    caseload = page.locator("#caseload")
    expect(caseload.get_by_role("link", name=case_ref)).to_be_visible()
    expect(caseload).to_contain_text("Construction site forced labour")
    expect(page.locator(".user-menu summary")).to_contain_text("Prosecutor")
    shot("02-caseload")
    caseload.get_by_role("link", name=re.compile("Stage")).click()
    expect(page.locator("#caseload tbody tr").first).to_contain_text(case_ref)  # intake first
    caseload = page.locator("#caseload")
    caseload.get_by_role("link", name=re.compile("Stage")).click()
    expect(page.locator("#caseload tbody tr").first).to_contain_text("LAB-2024-017")

    # A case: header and overview.
    page.locator("#caseload").get_by_role("link", name=case_ref).click()
    expect(page.get_by_role("heading", name="Test case")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Case sections")
    expect(tabs.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    shot("03-case-overview")

    # People: victims by pseudonym, then revealed on request.
    tabs.get_by_role("link", name="People").click()
    people = page.locator("#people-table")
    expect(people).to_contain_text("V-01")
    expect(people).to_contain_text("Viktor Dragan")
    expect(people).not_to_contain_text(VICTIM_NAME)
    shot("04-people")
    page.get_by_role("button", name="Show identities").click()
    expect(people).to_contain_text(VICTIM_NAME)
    shot("05-people-revealed")
    page.get_by_role("link", name="Hide identities").click()
    expect(page.locator("#people-table")).not_to_contain_text(VICTIM_NAME)

    # Evidence: the full hash, monospace.
    tabs = page.get_by_role("navigation", name="Case sections")
    tabs.get_by_role("link", name="Evidence").click()
    hash_cell = page.locator("code.hash", has_text=digest)
    expect(hash_cell).to_be_visible()
    font = hash_cell.evaluate("el => getComputedStyle(el).fontFamily")
    assert "mono" in font.lower()
    expect(page.locator("#evidence-table")).to_contain_text("the PDF is encrypted")
    shot("06-evidence")

    # Records: filter to calls, sort by duration both ways, page on.
    page.get_by_role("navigation", name="Case sections").get_by_role("link", name="Records").click()
    records = page.locator("#records-table")
    expect(records).to_be_visible()
    expect(page.locator("#records-summary")).to_contain_text("Showing 1–50 of 124 records")
    shot("07-records")
    page.get_by_role("navigation", name="Record kinds").get_by_role(
        "link", name=re.compile("Calls")
    ).click()
    expect(page.locator("#records-summary")).to_contain_text("of 120 records")
    page.locator("#records-table").get_by_role("link", name=re.compile("Duration")).click()
    first_row = page.locator("#records-table tbody tr").first
    expect(first_row).to_contain_text("+15550000119")
    expect(first_row).to_contain_text("0:10")
    expect(page.locator("#records-table th[aria-sort='ascending']")).to_contain_text("Duration")
    page.locator("#records-table").get_by_role("link", name=re.compile("Duration")).click()
    expect(page.locator("#records-table tbody tr").first).to_contain_text("20:00")
    expect(page.locator("#records-table th[aria-sort='descending']")).to_contain_text("Duration")
    shot("08-records-calls-by-duration-desc")
    page.get_by_role("navigation", name="Pages of records").get_by_role("link", name="Next").click()
    expect(page.locator("#records-summary")).to_contain_text("Showing 51–100 of 120 records")
    expect(page.locator("#records-table tbody tr").first).to_contain_text("+15550000050")
    # Rows per page is a labelled field that applies itself.
    page.get_by_label("Rows per page").select_option("25")
    expect(page.locator("#records-summary")).to_contain_text("Showing 1–25 of 120 records")
    expect(page.locator("#records-table tbody tr")).to_have_count(25)

    # Keyboard: the first Tab reaches the skip link, which is then visible.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    shot("09-keyboard-skip-link")

    # An unknown case: the not-found page, with the navigation still there.
    page.goto(f"{live_server}/cases/NO-SUCH-CASE")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    shot("10-not-found")

    # Sign out through the user's menu.
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Palermo")).to_be_visible()

    # Only the expected 401 (failed login) and 404 (unknown case) responses were logged.
    unexpected = [m for m in console_errors if not re.search(r"status of (401|404)", m)]
    assert unexpected == []
    assert failed_requests == []
