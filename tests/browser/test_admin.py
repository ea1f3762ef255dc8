"""Administrator and auditor journeys in a real Chromium: an administrator adds a unit and a
user, the user signs in with the one-time password and chooses their own; an auditor
filters the log, verifies the chain and exports it as CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.conftest import MakeUser

from palermo.security.permissions import Actor
from palermo.services import cases, users
from palermo.services.context import Context

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page: Page) -> None:
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()


def test_admin_creates_a_user_who_then_signs_in(
    page: Page,
    live_server: str,
    ctx: Context,
    make_user: MakeUser,
    password: str,
    screenshots: Path,
) -> None:
    make_user("admin", "chief")
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    _sign_in(page, live_server, "chief", password)
    # The administrator lands on user administration, not on an empty caseload.
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()

    # A unit first; a bad country code is refused at the field.
    page.get_by_role("link", name="Units").first.click()
    page.get_by_label("Code").fill("north")
    page.get_by_label("Name").fill("Northern trafficking unit")
    page.get_by_label("Country (2 letters)").fill("U1")
    page.get_by_role("button", name="Add unit").click()
    expect(page.locator("#f-country")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#err-country")).to_contain_text("two-letter country code")
    page.get_by_label("Country (2 letters)").fill("US")
    page.get_by_role("button", name="Add unit").click()
    expect(
        page.get_by_role("heading", name=re.compile("Northern trafficking unit"))
    ).to_be_visible()

    # Then the user; a username with a space is refused, with the field marked.
    page.goto(f"{live_server}/admin/users")
    page.get_by_label("Username").fill("dana smith")
    page.get_by_label("Full name").fill("Dana Smith")
    page.get_by_label("Role").select_option("investigator")
    page.get_by_label("Unit").select_option(label="Northern trafficking unit")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator("#err-username")).to_contain_text("letters, digits")
    page.get_by_label("Username").fill("dana")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator("#invited")).to_contain_text("dana was added")
    one_time = page.locator("#one-time-password").inner_text().strip()
    assert len(one_time) >= 12
    page.screenshot(path=str(screenshots / "admin-01-user-invited.png"), full_page=True)
    expect(page.locator("#users-table")).to_contain_text("One-time password")

    # The user page: details, sessions, tokens and actions.
    page.get_by_role("link", name="dana", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Dana Smith"))).to_be_visible()
    _sign_out(page)
    expect(page).to_have_url(re.compile(r"/login$"))

    # The new user signs in with the one-time password and must choose their own.
    _sign_in(page, live_server, "dana", one_time)
    expect(page).to_have_url(re.compile(r"/account/password$"))
    page.get_by_label("Current password").fill(one_time)
    page.get_by_label("New password", exact=True).fill("dana's own password")
    page.get_by_label("New password again").fill("dana's own password!")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#err-confirm_password")).to_contain_text("differ")
    page.get_by_label("Current password").fill(one_time)
    page.get_by_label("New password", exact=True).fill("dana's own password")
    page.get_by_label("New password again").fill("dana's own password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password was changed")
    page.goto(f"{live_server}/cases")
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    expect(page.locator(".user-name")).to_have_text("Dana Smith")
    # Only the expected 422 answers to the refused forms; no blocked script or style.
    assert [e for e in console_errors if "status of 422" not in e] == []


def test_auditor_filters_verifies_and_exports(
    page: Page,
    live_server: str,
    ctx: Context,
    make_user: MakeUser,
    prosecutor: Actor,
    case_ref: str,
    password: str,
    screenshots: Path,
) -> None:
    make_user("auditor", "ada")
    for _ in range(3):
        cases.get_case(ctx, prosecutor, case_ref)
    # A hostile value in the log: the export must not let a spreadsheet run it.
    with pytest.raises(users.AuthenticationFailed):
        users.authenticate(ctx, "=cmd|' /C calc'!A0", "wrong password", "127.0.0.1")

    _sign_in(page, live_server, "ada", password)
    expect(page).to_have_url(re.compile(r"/audit$"))
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.locator("#audit-table")).to_contain_text("case.read")

    # Filter by user and case; a bad date is refused at its field.
    page.get_by_label("User").fill("prosecutor")
    page.get_by_label("Case reference").fill(case_ref)
    page.get_by_label("Action").fill("case.read")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#audit-count")).to_have_text("3 entries")
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Case reference").fill("NO-SUCH-CASE")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#err-case")).to_contain_text("no case with reference")

    # Verify the chain from the browser.
    page.get_by_role("button", name="Verify chain").click()
    expect(page.locator("#verify-result")).to_contain_text("Chain intact")
    page.screenshot(path=str(screenshots / "audit-01-verified.png"), full_page=True)

    # Export: a CSV download, with the formula neutralised.
    with page.expect_download() as info:
        page.locator("#export-csv").click()
    body = Path(info.value.path()).read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO(body)))
    assert {"auth.failed", "case.read", "audit.verify"} <= {r["action"] for r in table}
    hostile = [r for r in table if "cmd|" in r["username"]]
    assert hostile and all(r["username"].startswith("'=") for r in hostile)

    # The auditor sees no administration.
    page.goto(f"{live_server}/admin/users")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
