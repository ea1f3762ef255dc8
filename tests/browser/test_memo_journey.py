"""Issue 19, done when: a reviewer confirms a simulated case's suggestions in the browser
(the Suggestions queue, ticking rows and pressing "Confirm selected"), opens the memo and
finds a statement of facts whose every sentence cites a source, a theory per charged
defendant with quotes, the witnesses, anticipated defences and the appendix matrices;
the DOCX downloaded from the Memo tab opens and carries the same headings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import Page, expect
from tests.browser.signin import sign_in
from tests.network_money import simcase

from palermo import clock
from palermo.security.permissions import Actor
from palermo.services import casework
from palermo.services.context import Context

pytestmark = pytest.mark.browser

CITATION = re.compile(r"\[[^\]]*(?:row \d+|page \d+|message \d+)[^\]]*\]")
MAX_ROUNDS = 12


def _review_in_the_queue(page: Page, base: str) -> int:
    """Tick every suggestion still waiting and confirm them, page after page."""
    confirmed = 0
    for _ in range(MAX_ROUNDS):
        page.goto(f"{base}/suggestions?status=suggested&per_page=200")
        boxes = page.locator("#suggestions-table input[name=ids]")
        if boxes.count() == 0:
            break
        for box in boxes.all():
            box.check()
        confirmed += boxes.count()
        page.get_by_role("button", name="Confirm selected").click()
        page.wait_for_load_state()
    return confirmed


def test_reviewed_case_memo_argues_the_case_in_html_and_docx(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    unit_id: int,
    password: str,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    sim = simcase.build(ctx, prosecutor, unit_id, simcase.folder(tmp_path))
    victim_id = sim.ids[next(p["id"] for p in sim.truth["persons"] if "victim" in p["roles"])]
    casework.record_witness(
        ctx, prosecutor, sim.reference, victim_id, what="intimidation", on=clock.today()
    )
    casework.add_note(
        ctx,
        prosecutor,
        sim.reference,
        kind="task",
        text="Ask the bank for the statements of the money handler's account",
        assigned_to=prosecutor.username,
    )
    # The defendants as the case records them (Charges tab), not the simulator's key.
    charged = sorted(
        {c.person for c in casework.charges_view(ctx, prosecutor, sim.reference).charges}
    )
    base = f"{live_server}/cases/{sim.reference}"

    sign_in(page, live_server, "prosecutor", password)

    # Review as a reviewer would: the queue, every waiting suggestion ticked and confirmed.
    assert _review_in_the_queue(page, base) > 0
    page.goto(f"{base}/suggestions?status=suggested")
    expect(page.locator("#suggestions-table input[name=ids]")).to_have_count(0)
    page.screenshot(path=str(screenshots / "memo-journey-01-reviewed.png"), full_page=True)

    # Open the full memo from the Memo tab.
    page.goto(f"{base}/memo")
    page.get_by_label("Full: the argued memo with appendices").check()
    page.get_by_role("button", name="Open memo (HTML)").click()
    expect(page.locator("#facts h2")).to_have_text("2. Statement of facts")

    # Statement of facts: sentences, each citing a file and a page or row.
    sentences = page.locator("#facts p.fact")
    assert sentences.count() >= 5
    for text in sentences.all_inner_texts():
        assert CITATION.search(text), text

    # Theory of the case: every charged defendant, with quotes and where they are.
    theory = page.locator("#theory")
    headings = theory.locator("h3").all_inner_texts()
    for name in charged:
        assert any(h.startswith(name) for h in headings), (name, headings)
    assert theory.locator(".cite").count() >= len(charged)
    expect(theory).to_contain_text("“")

    # Witnesses: who proves what, corroboration, and the intimidation just recorded.
    witnesses = page.locator("#witnesses")
    expect(witnesses.locator("h2")).to_contain_text("Witnesses")
    expect(witnesses).to_contain_text("Their statements prove")
    expect(witnesses).to_contain_text("Corroboration")
    expect(witnesses).to_contain_text("intimidation reported (1)")

    # Anticipated defences, others culpable, restitution under US law, sentencing, tasks.
    expect(page.locator("#defences h3").first).to_be_visible()
    expect(page.locator("#defences")).to_contain_text("Consent")
    expect(page.locator("#uncharged h2")).to_contain_text("not charged")
    expect(page.locator("#money")).to_contain_text("18 U.S.C. 1593")
    expect(page.locator("#sentencing")).to_contain_text("months")
    expect(page.locator("#gaps")).to_contain_text(f"{prosecutor.username}")

    # The matrices are appendices.
    expect(page.locator("#elements h2")).to_contain_text("Appendix A.")
    expect(page.locator("#elements table").first).to_be_visible()
    assert page.locator("section.appendix").count() >= 4
    html_headings = [" ".join(h.split()) for h in page.locator("h2").all_inner_texts()]
    page.screenshot(path=str(screenshots / "memo-journey-02-memo.png"), full_page=True)

    # The DOCX from the Memo tab opens and has the same headings.
    page.goto(f"{base}/memo")
    page.get_by_label("Full: the argued memo with appendices").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download Word (DOCX)").click()
    path = tmp_path / "memo.docx"
    download_info.value.save_as(path)
    document = Document(str(path))
    docx_headings = [
        " ".join(p.text.split())
        for p in document.paragraphs
        if p.style is not None and p.style.name == "Heading 2"
    ]
    assert docx_headings == html_headings
    assert "Witnesses" in " ".join(docx_headings)
