"""The case cockpit in a real browser: on the Overview of every demo case a prosecutor
reads the four answers (ready? who? what is missing? what next?) under their headings,
and a second visit lists what others changed in between. The demo case under the law of
England and Wales shows the UK reparation worksheet and names no US statute.

The demo cases are built as ``palermo demo`` builds them (simulated, ingested through the
ordinary path), each smaller than the shipped demo so the test stays quick."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select
from tests.browser.signin import sign_in

from palermo import clock
from palermo.security.permissions import Actor
from palermo.services import caseload_views, cases, casework, elements
from palermo.services.context import Context
from palermo.services.demo import DEMO_CASES, DemoCase, build_demo, demo_password
from palermo.store.models import Case

pytestmark = pytest.mark.browser

SIZE = 300  # records per demo case (the shipped demo has 1,500 to 6,000)
READY = re.compile(r"^(Ready|Needs corroboration|Not ready)\b")


def _answer(page: Page, heading: str) -> Locator:
    section = page.get_by_role("region", name=heading, exact=True)
    assert section.count() == 1, heading
    return section


def _sign_in(page: Page, base: str, username: str) -> None:
    sign_in(page, base, username, demo_password(username))


def test_every_demo_case_answers_the_four_questions(
    page: Page, live_server: str, ctx: Context, screenshots: Path
) -> None:
    specs = [DemoCase(s.reference, s.typology, s.stage, SIZE, s.seed) for s in DEMO_CASES]
    build_demo(ctx, specs=specs, history_cases=0)
    from palermo.services.users import authenticate

    prosecutor: Actor = authenticate(ctx, "prosecutor", demo_password("prosecutor")).actor
    investigator: Actor = authenticate(ctx, "investigator", demo_password("investigator")).actor
    trial = specs[0].reference
    hearing_on = clock.today() + timedelta(days=9)
    caseload_views.add_hearing(ctx, prosecutor, trial, held_on=hearing_on, kind="trial")
    # A task about the first gap of the trial case, for the investigator.
    first_gap = next(
        (g, s.pseudonym)
        for s in elements.assess(ctx, prosecutor, trial).suspects
        for st in s.statutes
        for g in st.gaps
    )
    casework.add_note(
        ctx,
        prosecutor,
        trial,
        kind="task",
        text=f"{first_gap[1]}: find more on {first_gap[0].element_label.lower()}",
        assigned_to="investigator",
    )

    _sign_in(page, live_server, "prosecutor")
    for spec in specs:
        page.goto(f"{live_server}/cases/{spec.reference}")
        ready = _answer(page, "Ready?")
        verdict = ready.locator("[data-answer=ready]").inner_text().strip()
        assert READY.match(verdict), (spec.reference, verdict)
        assert len(verdict.split()) > 4  # the reason in words, not only a badge
        suspects = [
            p.pseudonym
            for p in cases.list_people(ctx, prosecutor, spec.reference)
            if p.kind == "suspect"
        ]
        who = _answer(page, "Who?").locator("[data-answer=who]").inner_text()
        assert suspects and all(s in who for s in suspects), spec.reference
        missing = _answer(page, "What is missing?").locator("[data-answer=missing]")
        items = missing.locator("li")
        if items.count():
            assert 1 <= items.count() <= 5
            for i in range(items.count()):
                assert "To close it:" in items.nth(i).inner_text()
        else:
            assert missing.inner_text().strip()
        nxt = _answer(page, "What next?").locator("[data-answer=next]").inner_text()
        assert "Next hearing" in nxt and "Deadlines" in nxt
        assert page.get_by_role("region", name="Victim-witness risk").count() == 1
        assert "Witnesss" not in page.content()
        # One click to the detail: the first charge's evidence on the Elements tab.
        link = ready.get_by_role("link").first
        if link.count():
            href = link.get_attribute("href") or ""
            assert href.startswith(f"/cases/{spec.reference}/elements#")

    # The case under the law of England and Wales: the Money tab offers the UK reparation
    # worksheet (in pounds, at the UK minimum wage) and no page of the case names a US statute.
    uk = next(s.reference for s in specs if s.typology == "domestic_servitude")
    with ctx.db.session() as session:
        assert session.scalar(select(Case.jurisdiction).where(Case.reference == uk)) == "UK"
    page.goto(f"{live_server}/cases/{uk}/money")
    worksheet = page.get_by_role("link", name=re.compile("reparation order", re.I))
    expect(worksheet).to_have_count(1)
    worksheet.click()
    page.wait_for_url(re.compile(r"/money/restitution\?"))
    assert (
        "Slavery and trafficking reparation order" in page.locator("#scheme-summary").inner_text()
    )
    assert "(GBP)" in page.locator("#worksheet thead").inner_text()
    assert "National Living Wage" in page.locator("#rs-jur option:checked").inner_text()
    tabs = page.get_by_role("navigation", name="Case sections").get_by_role("link")
    pages = [tabs.nth(i).get_attribute("href") or "" for i in range(tabs.count())]
    us_law = re.compile(r"U\.S\.C\.|\bus-18-|18 USC|\bFLSA\b|Fair Labor Standards")
    named: dict[str, list[str]] = {}
    for href in [*pages, page.url.removeprefix(live_server)]:
        page.goto(f"{live_server}{href}")
        page.wait_for_load_state("networkidle")
        text = page.locator("main").inner_text()
        hits = sorted({m.group(0) for m in us_law.finditer(text)})
        if hits:
            named[href] = hits
    assert named == {}, named

    page.goto(f"{live_server}/cases/{trial}")
    nxt = _answer(page, "What next?").inner_text()
    assert hearing_on.isoformat() in nxt and "No hearing scheduled" not in nxt
    gaps_text = _answer(page, "What is missing?").inner_text()
    assert "Assigned to investigator" in gaps_text
    for width in (1024, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(screenshots / f"cockpit-{width}.png"), full_page=True)
    page.goto(f"{live_server}/cases/{trial}/elements")
    page.screenshot(path=str(screenshots / "elements-1440.png"), full_page=True)
    page.set_viewport_size({"width": 1024, "height": 900})
    page.screenshot(path=str(screenshots / "elements-1024.png"), full_page=True)
    page.goto(f"{live_server}/cases/{trial}")

    # What changed since the last visit: another user's work in between is listed.
    casework.add_note(ctx, investigator, trial, kind="note", text="Spoke to the bank")
    page.goto(f"{live_server}/cases/{trial}")
    changes = _answer(page, "Since your last visit").inner_text()
    assert "1 note or task written by investigator" in changes
    page.goto(f"{live_server}/cases/{trial}")
    assert (
        "Nothing changed since your last visit"
        in _answer(page, "Since your last visit").inner_text()
    )
