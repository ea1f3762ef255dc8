"""The timeline in a real browser, on a demo case built as ``palermo demo`` builds it:
a chronology of facts whose entries link to their passage or row, with people's names
instead of numbers, a filter that shows what it says, a CSV download, and words, not
codes, at 1024 and 1440 px."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.signin import sign_in

from palermo.services import cases
from palermo.services.context import Context
from palermo.services.demo import DEMO_CASES, DemoCase, build_demo, demo_password

pytestmark = pytest.mark.browser

CHECKS = (Path(__file__).parent / "usability_checks.js").read_text(encoding="utf-8")
RAW_NUMBER = re.compile(r"\+?\d{9,}")


def _sign_in(page: Page, base: str) -> None:
    sign_in(page, base, "prosecutor", demo_password("prosecutor"))


def test_timeline_tells_linked_facts_with_names(
    page: Page, live_server: str, ctx: Context, screenshots: Path
) -> None:
    spec = DEMO_CASES[0]
    build_demo(
        ctx,
        specs=[DemoCase(spec.reference, spec.typology, spec.stage, 300, spec.seed)],
        history_cases=0,
    )
    from palermo.services.users import authenticate

    actor = authenticate(ctx, "prosecutor", demo_password("prosecutor")).actor
    names = [p.display_name for p in cases.list_people(ctx, actor, spec.reference)]
    base = f"{live_server}/cases/{spec.reference}/timeline"
    _sign_in(page, live_server)

    # Words, not codes, and nothing clipped, at both widths (facts, then contacts too).
    for width in (1024, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        for query in ("", "?kind=call&kind=message&kind=payment"):
            page.goto(base + query)
            problems = page.evaluate(CHECKS, {"words": True})
            assert problems == [], (width, query, problems)

    # The facts by default: each kind is one of the story's, each row links to its source.
    # All of them on one page: a fact read from a statement bears the statement's date
    # (after the raid), so it comes after the messages, payments and trips of the case.
    page.goto(base + "?per_page=500")
    rows = page.locator("#timeline-table tbody tr")
    assert rows.count() > 5
    kinds = set(rows.evaluate_all("rs => rs.map(r => r.dataset.kind)"))
    assert kinds <= {"recruitment", "travel", "exploitation", "payment", "threat", "event"}
    assert {"recruitment", "threat"} <= kinds
    # The milestones are marked, each once.
    marks = page.locator("#timeline-table .tl-first").all_inner_texts()
    assert marks and len(marks) == len(set(marks)) and all(m.startswith("First ") for m in marks)
    table = page.locator("#timeline-table").inner_text()
    assert "unknown" not in table.lower() and "None" not in table
    for i in range(rows.count()):
        row = rows.nth(i)
        if row.locator(".filename").count():
            assert row.locator("a.source-link").count() == 1, row.inner_text()
    shot = screenshots / "timeline-facts.png"
    page.screenshot(path=str(shot), full_page=False)

    # Calls and messages name the people holding the numbers, never the numbers.
    page.goto(base + "?kind=call&kind=message")
    contacts = page.locator("#timeline-table tbody").inner_text()
    assert any(name in contacts for name in names)
    assert not RAW_NUMBER.search(contacts), contacts[:500]
    assert "unknown" not in contacts.lower()

    # A fact's link opens its passage, marked in its document.
    page.goto(base + "?kind=threat")
    link = page.locator("#timeline-table a.source-link").first
    anchor = (link.get_attribute("href") or "").rsplit("#", 1)[-1]
    link.click()
    page.wait_for_url(re.compile(r"/documents/\d+"))
    expect(page.locator(f"#{anchor}")).to_have_count(1)

    # A payment's link opens its row among the records.
    page.goto(base + "?kind=payment")
    page.locator("#timeline-table a.source-link").first.click()
    page.wait_for_url(re.compile(r"/records\?record=\d+"))
    expect(page.locator("#records-table tbody tr")).to_have_count(1)

    # The filter shows what it says.
    page.goto(base)
    for box in page.locator("input[name=kind]").all():
        box.set_checked(False)
    page.get_by_label("Payments", exact=True).check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"kind=payment"))
    expect(page.locator("#timeline-shown")).to_contain_text("Showing payments:")
    shown = page.locator("#timeline-table tbody tr")
    assert set(shown.evaluate_all("rs => rs.map(r => r.dataset.kind)")) == {"payment"}
    total = int(
        re.search(r"([\d,]+) entr", page.locator("#timeline-shown").inner_text())
        .group(1)  # type: ignore[union-attr]
        .replace(",", "")
    )

    # The person filter says whom it shows, and keeps the kinds asked for.
    suspect_id, suspect = next(
        (p.id, p.display_name)
        for p in cases.list_people(ctx, actor, spec.reference)
        if p.kind == "suspect"
    )
    page.get_by_label("Person").select_option(value=str(suspect_id))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"person=\d+"))
    expect(page.locator("#timeline-shown")).to_contain_text(f"Showing payments involving {suspect}")
    expect(page.locator("#tab-heading")).to_have_text(f"Timeline of {suspect}")
    page.goto(base + "?kind=payment")

    # The export downloads the same entries.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"{spec.reference}-timeline.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    exported = list(csv.DictReader(io.StringIO(text)))
    assert len(exported) == total
    assert {r["Kind"] for r in exported} == {"Payment"}
    assert [r["Milestone"] for r in exported].count("First payment") == 1
    assert all(r["Link"].startswith(live_server) for r in exported)
