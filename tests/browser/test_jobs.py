"""Uploading in the browser hands off to a background job: its page follows the
progress (script from static/, no inline code), shows the report when done, and the
records are in the case; the case's Jobs page lists it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.signin import sign_in
from tests.jobs.conftest import call_files

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import PersonKind

pytestmark = pytest.mark.browser

FILES, ROWS = 6, 1500


def test_upload_is_followed_on_its_job_page_until_the_records_are_in(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    password: str,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    paths = []
    for name, data in call_files(FILES, ROWS):
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    sign_in(page, live_server, "prosecutor", password)

    page.goto(f"{live_server}/cases/{case_ref}/upload")
    page.get_by_label("Files or zip archives").set_input_files(paths)
    page.get_by_role("button", name="Upload and load").click()

    # The upload's job page: its progress while it runs, then the report (the page's
    # script reloads it when the job ends).
    expect(page).to_have_url(re.compile(rf"/cases/{case_ref}/jobs/\d+$"))
    expect(
        page.get_by_role("heading", name=re.compile(r"Load evidence \(job #\d+\)"))
    ).to_be_visible()
    expect(page.locator("#job-progress")).to_be_attached()
    page.screenshot(path=str(screenshots / "jobs-01-running.png"), full_page=True)
    expect(page.locator("#upload-report")).to_be_visible(timeout=120_000)
    expect(page.locator("#job-status")).to_contain_text("Done")
    expect(page.locator("#job-percent")).to_have_text("100%")
    expect(page.locator("#upload-summary")).to_contain_text(f"{FILES} files loaded")
    page.screenshot(path=str(screenshots / "jobs-02-done.png"), full_page=True)

    # The records are in the case.
    page.goto(f"{live_server}/cases/{case_ref}/records")
    expect(page.locator("#records-summary")).to_contain_text(f"of {FILES * ROWS:,} records")

    # The case's jobs list it as done, linked to its page.
    page.goto(f"{live_server}/cases/{case_ref}/upload")
    page.get_by_role("link", name="Background jobs of this case").click()
    row = page.locator("#jobs-table tbody tr").filter(has_text="Load evidence")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Done")
    expect(row).to_contain_text("100%")
    assert console_errors == []


def test_re_analyse_on_the_jobs_page_queues_an_analysis_that_ends_with_its_views(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    password: str,
    screenshots: Path,
) -> None:
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, "prosecutor", password)

    page.goto(f"{live_server}/cases/{case_ref}/jobs")
    page.get_by_role("button", name="Re-analyse").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_ref}/jobs/\d+$"))
    expect(
        page.get_by_role("heading", name=re.compile(r"Analyse the case \(job #\d+\)"))
    ).to_be_visible()
    expect(page.locator('#job[data-job-status="done"]')).to_be_attached(timeout=120_000)
    expect(page.locator("#job-views")).to_contain_text("Network")
    expect(page.locator("#job-views")).to_contain_text("Memo analysis")
    page.screenshot(path=str(screenshots / "jobs-03-analysed.png"), full_page=True)
    assert console_errors == []


def test_a_decision_on_the_elements_tab_queues_an_analysis_listed_on_the_jobs_page(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    password: str,
    screenshots: Path,
) -> None:
    suspect = cases.add_person(ctx, prosecutor, case_ref, kind=PersonKind.SUSPECT, name="Ana")
    ctx.settings.analyse_after_decisions = True  # as deployed, from here on
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/login")
    page.get_by_label("Username").fill("prosecutor")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/cases$"))

    # A charge considered for the suspect: a decision that changes the case's analysis.
    page.goto(f"{live_server}/cases/{case_ref}/jobs")
    expect(page.locator("#jobs-table tbody tr").filter(has_text="Analyse the case")).to_have_count(
        0
    )
    page.goto(f"{live_server}/cases/{case_ref}/elements")
    page.locator("#statutes-heading").click()
    picker = page.locator(f"#suspect-{suspect.id}")
    picker.locator('input[name="statute"]').first.check()
    picker.get_by_role("button", name=f"Update statutes for {suspect.pseudonym}").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_ref}/elements"))

    # The case's Jobs page lists the analysis it queued, waiting for the end of the
    # reviewer's burst of decisions, with its planned start; Run now starts it, and it
    # runs to its end.
    page.goto(f"{live_server}/cases/{case_ref}/jobs")
    row = page.locator("#jobs-table tbody tr").filter(has_text="Analyse the case")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(re.compile(r"Waiting\s+starts after \d\d:\d\d:\d\d UTC"))
    page.screenshot(path=str(screenshots / "jobs-04-waiting.png"), full_page=True)
    row.get_by_role("link").first.click()
    expect(page.locator("#job-waiting")).to_be_visible()
    expect(page.locator("#job-status")).to_contain_text("starts after")
    page.get_by_role("button", name="Run now").click()
    expect(page.locator('#job[data-job-status="done"]')).to_be_attached(timeout=120_000)
    expect(page.locator("#job-views")).to_contain_text("Elements of the offences")
    page.screenshot(path=str(screenshots / "jobs-05-after-a-decision.png"), full_page=True)
    assert console_errors == []
