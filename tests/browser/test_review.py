"""Upload a small folder through the real form, open a document, confirm a suggestion:
in a real Chromium, with the strict CSP (the progress script is a static file)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.jobs_wait import upload_finished
from tests.browser.signin import sign_in

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import PersonKind

pytestmark = pytest.mark.browser

STATEMENT = (
    "Statement of Elena Marinescu, taken on 2 March 2024.\n"
    "Viktor Dragan told me to call +1 202 555 0147 every night.\n"
    "He kept our passports and we could not leave the house.\n"
)
CALLS = (
    "call_id,started_at,caller,callee,duration_s,cell_id\n"
    "C1,2024-03-01T10:00:00Z,+12025550101,+12025550147,60,CELL-1\n"
)
BROKEN = (
    "call_id,started_at,caller,callee,duration_s,cell_id\n"
    "C1,not-a-date,+12025550101,+12025550102,60,CELL-1\n"
)


def _evidence(folder: Path) -> list[Path]:
    folder.mkdir()
    (folder / "statement.txt").write_text(STATEMENT)
    (folder / "calls.csv").write_text(CALLS)
    (folder / "broken.csv").write_text(BROKEN)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escape.txt", "outside")
    (folder / "bundle.zip").write_bytes(buffer.getvalue())
    return sorted(folder.iterdir())


def test_upload_review_and_confirm(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    password: str,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    cases.add_person(ctx, prosecutor, case_ref, kind=PersonKind.VICTIM, name="Elena Marinescu")
    cases.add_person(ctx, prosecutor, case_ref, kind=PersonKind.SUSPECT, name="Viktor Dragan")
    files = _evidence(tmp_path / "evidence")
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshots / f"review-{name}.png"), full_page=True)

    sign_in(page, live_server, "prosecutor", password)

    # Evidence tab → Upload evidence.
    page.goto(f"{live_server}/cases/{case_ref}/evidence")
    page.get_by_role("link", name="Upload evidence").first.click()
    expect(page.get_by_role("heading", name="Upload evidence")).to_be_visible()
    page.get_by_label("Files or zip archives").set_input_files(files)
    shot("01-upload-form")
    with page.expect_request(re.compile(r"/upload$")) as posted:
        page.get_by_role("button", name="Upload and load").click()
    # The static script posted it (XHR, with a progress bar) and swapped in the report.
    assert posted.value.method == "POST" and posted.value.resource_type == "xhr"
    upload_finished(page)
    summary = page.locator("#upload-summary")
    expect(summary).to_contain_text("2 files loaded")
    expect(summary).to_contain_text("2 not loaded")
    report = page.locator("#upload-report")
    expect(report.locator("tr", has_text="broken.csv")).to_contain_text("line 2")
    expect(report.locator("tr", has_text="escape.txt")).to_contain_text("escapes the archive")
    expect(report.locator("tr", has_text="calls.csv")).to_contain_text("Loaded")
    shot("02-upload-report")

    # A whole folder through the folder input: the statement again, and a new note.
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "statement.txt").write_text(STATEMENT)
    (folder / "note.txt").write_text("Viktor Dragan collected the money at night.")
    page.get_by_label("Or a whole folder").set_input_files(folder)
    page.get_by_role("button", name="Upload and load").click()
    upload_finished(page)
    report = page.locator("#upload-report")
    expect(report.locator("tr", has_text="statement.txt")).to_contain_text("Already in the case")
    expect(report.locator("tr", has_text="note.txt")).to_contain_text("Loaded")
    shot("02b-upload-folder-again")
    page.goto(f"{live_server}/cases/{case_ref}/documents")
    report = page.locator("#documents-table")

    # Open the statement: highlights, each with a numbered marker.
    report.get_by_role("link", name="statement.txt").click()
    expect(page.get_by_role("heading", name="statement.txt")).to_be_visible()
    phone_mark = page.locator("mark.hl-identifier", has_text="+1 202 555 0147")
    expect(phone_mark).to_have_class(re.compile("st-suggested"))
    expect(page.locator("mark.hl-indicator", has_text="kept our passports")).to_be_visible()
    expect(page.locator("mark.hl-mention", has_text="Viktor Dragan")).to_be_visible()
    shot("03-document")

    # Confirm the phone number.
    item = page.locator(".sug", has_text="+12025550147")
    item.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.locator("mark.hl-identifier", has_text="+1 202 555 0147")).to_have_class(
        re.compile("st-confirmed")
    )
    item = page.locator(".sug", has_text="+12025550147")
    expect(item).to_contain_text("Confirmed")
    expect(item).to_contain_text("by prosecutor")
    shot("04-document-confirmed")

    # The suggestions list, filtered to indicators.
    page.get_by_role("link", name="All suggestions").click()
    page.get_by_label("Type").select_option("indicator")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#suggestions-table")).to_contain_text("Retention of identity documents")
    expect(page.locator("#suggestions-table")).not_to_contain_text("+12025550147")
    shot("05-suggestions-indicators")

    assert console_errors == []
