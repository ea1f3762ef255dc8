"""The whole journey in a real browser: sign in, open a case, upload evidence, review
and confirm suggestions, read the elements matrix, the network and the money, the
timeline, and download the memo."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from tests.browser.jobs_wait import upload_finished
from tests.browser.signin import sign_in

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context

pytestmark = pytest.mark.browser

VICTIM = "Elena Marinescu"
SUSPECT = "Viktor Dragan"
VICTIM_PHONE = "+12025550147"
SUSPECT_PHONE = "+12025550101"
STATEMENT = (
    f"Statement of {VICTIM}, taken on 2 March 2024.\n"
    f"{SUSPECT} promised me a job as a waitress in Chicago.\n"
    f"When we arrived {SUSPECT} took my passport and kept it.\n"
    f"{SUSPECT} said he would hurt my family if I went to the police.\n"
)
CALLS = (
    "call_id,started_at,caller,callee,duration_s,cell_id\n"
    f"C1,2024-02-10T09:00:00Z,{SUSPECT_PHONE},{VICTIM_PHONE},240,CELL-1\n"
    f"C2,2024-02-11T21:30:00Z,{SUSPECT_PHONE},{VICTIM_PHONE},60,CELL-2\n"
)
PAYMENTS = (
    "transaction_id,booked_at,payer_account,payer_name,payee_account,payee_name,amount,"
    "currency,channel,country_from,country_to,reference\n"
    "T1,2024-03-01T12:00:00Z,US11111111,E. Marinescu,US22222222,V. Dragan,800.00,USD,"
    "bank,US,US,rent\n"
)


def _evidence(folder: Path) -> list[Path]:
    folder.mkdir()
    (folder / "statement_V-01.txt").write_text(STATEMENT)
    (folder / "calls.csv").write_text(CALLS)
    (folder / "payments.csv").write_text(PAYMENTS)
    return sorted(folder.iterdir())


def test_journey_from_evidence_to_memo(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    password: str,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name=VICTIM,
        identifiers=[("phone", VICTIM_PHONE), ("account", "US11111111")],
    )
    suspect = cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name=SUSPECT,
        identifiers=[("phone", SUSPECT_PHONE), ("account", "US22222222")],
    )
    cases.add_charge(ctx, prosecutor, case_ref, person_id=suspect.id, statute_id="us-18-1591")
    files = _evidence(tmp_path / "evidence")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshots / f"journey-{name}.png"), full_page=True)

    # Sign in and open the case from the caseload.
    sign_in(page, live_server, "prosecutor", password)
    shot("01-caseload")
    page.get_by_role("link", name=case_ref).first.click()
    expect(page.get_by_role("heading", name="Test case")).to_be_visible()
    shot("02-case")

    # Upload the evidence folder.
    tabs = page.get_by_role("navigation", name="Case sections")
    tabs.get_by_role("link", name="Evidence", exact=True).click()
    page.get_by_role("link", name="Upload evidence").first.click()
    page.get_by_label("Files or zip archives").set_input_files(files)
    page.get_by_role("button", name="Upload and load").click()
    upload_finished(page)
    expect(page.locator("#upload-summary")).to_contain_text("3 files loaded")
    shot("03-uploaded")

    # Review: confirm every suggestion in the statement.
    page.goto(f"{live_server}/cases/{case_ref}/documents")
    page.locator("#documents-table").get_by_role("link", name="statement_V-01.txt").click()
    expect(page.locator("mark.hl-indicator", has_text="took my passport")).to_be_visible()
    page.get_by_role("button", name=re.compile("Confirm all")).first.click()
    expect(page.locator("mark.hl-indicator.st-confirmed").first).to_be_visible()
    shot("04-reviewed")

    # Elements: the suspect's 1591 matrix shows evidence for the means.
    tabs.get_by_role("link", name="Elements", exact=True).click()
    expect(page.get_by_role("heading", name="Elements of the offence")).to_be_visible()
    matrix = page.locator("main")
    expect(matrix).to_contain_text("1591")
    expect(matrix).to_contain_text(SUSPECT)
    expect(matrix).to_contain_text("Retention")
    expect(page.get_by_role("heading", name="Gaps and what would close them")).to_be_visible()
    shot("05-elements")

    # Network: the picture draws; the suspect is in it and in the key players.
    tabs.get_by_role("link", name="Network", exact=True).click()
    expect(page.locator("#nw-canvas")).to_have_attribute("data-ready", "1", timeout=15_000)
    expect(page.locator("#nw-status")).to_contain_text("nodes")
    expect(page.locator("#keyplayers-table")).to_contain_text(SUSPECT)
    # The threat confirmed in the statement makes him a suggested enforcer, with the quote.
    roles = page.locator("#roles-table")
    expect(roles).to_contain_text(SUSPECT)
    expect(roles).to_contain_text("Enforcer")
    expect(roles).to_contain_text("statement_V-01.txt")
    expect(page.locator("main")).not_to_contain_text(VICTIM)
    shot("06-network")

    # Money: the victim's payment to the suspect is traced and adds up.
    tabs.get_by_role("link", name="Money", exact=True).click()
    expect(page.locator("#traced-total")).to_have_text("800.00")
    expect(page.locator("#per-suspect")).to_contain_text(SUSPECT)
    expect(page.locator("#per-victim")).to_contain_text("V-01")
    expect(page.locator("main")).not_to_contain_text(VICTIM)
    shot("07-money")

    # Timeline: the payment in words, the victim by pseudonym.
    tabs.get_by_role("link", name="Timeline", exact=True).click()
    timeline = page.locator("#timeline-table")
    expect(timeline).to_contain_text(f"V-01 paid 800.00 USD to {SUSPECT}")
    expect(timeline).not_to_contain_text(VICTIM)
    # Calls are there when asked for.
    page.get_by_label("Calls", exact=True).check()
    page.get_by_role("button", name="Apply").click()
    expect(timeline).to_contain_text(f"{SUSPECT} called V-01")
    expect(timeline).not_to_contain_text(VICTIM)
    shot("08-timeline")

    # Memo: download the PDF and read it.
    tabs.get_by_role("link", name="Memo", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF").click()
    pdf_path = tmp_path / "memo.pdf"
    download_info.value.save_as(pdf_path)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    headings = [
        "1. Summary",
        "2. Statement of facts",
        "3. Theory of the case",
        "4. Witnesses",
        "5. Anticipated defences",
        "6. Other culpable parties not charged",
        "7. Money and restitution",
        "8. Sentencing position",
        "9. Gaps and tasks",
        "Appendix A. Elements of each offence",
        "Appendix B. Evidence index",
        "Appendix G. Record chronology",
    ]
    flat = " ".join(text.split())
    places = [flat.find(h) for h in headings]
    assert -1 not in places and places == sorted(places), dict(zip(headings, places, strict=True))
    # Real content: his role with the statement behind it, the money he received, the
    # restitution worksheet, and the hash of an evidence file.
    assert "Prosecution memo" in flat and SUSPECT in flat
    assert "Enforcer" in flat and "statement_V-01.txt" in flat
    assert "800.00" in flat and "1593" in flat
    assert hashlib.sha256(PAYMENTS.encode()).hexdigest()[:16] in flat.replace(" ", "")
    assert "Marinescu" not in text and "Elena" not in text
    shot("09-memo")
    # Both variants open in the browser: the brief without appendices, the full with them.
    page.get_by_label("Brief: about two pages for a supervisor").check()
    page.get_by_role("button", name="Open memo (HTML)").click()
    expect(page.locator("h2").first).to_contain_text("Summary")
    expect(page.locator("#facts h2")).to_have_text("2. Statement of facts")
    expect(page.locator("section.appendix")).to_have_count(0)
    page.go_back()
    page.get_by_label("Full: the argued memo with appendices").check()
    page.get_by_role("button", name="Open memo (HTML)").click()
    expect(page.locator("#elements h2")).to_contain_text("Appendix A.")
    expect(page.locator("#theory")).to_contain_text(SUSPECT)
    assert errors == []
