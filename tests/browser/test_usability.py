"""Usability checks on every page of a loaded case, in a real browser at a small laptop's
width (1024 by 768): a page title, a label for every form control, text contrast of at
least 4.5:1 (WCAG AA), no sideways scrolling, and the keyboard reaching "Skip to
content" first."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from tests.browser.signin import sign_in
from tests.network_money import simcase

from palermo.security.permissions import Actor
from palermo.services.context import Context

pytestmark = pytest.mark.browser

CHECKS = (Path(__file__).parent / "usability_checks.js").read_text(encoding="utf-8")


def test_every_case_page_is_usable_at_laptop_width(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    unit_id: int,
    password: str,
    tmp_path: Path,
) -> None:
    sim = simcase.build(ctx, prosecutor, unit_id, simcase.folder(tmp_path))
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{live_server}/login")
    assert page.evaluate(CHECKS) == []
    page.get_by_label("Username").fill("prosecutor")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/cases$"))

    page.goto(f"{live_server}/cases/{sim.reference}")
    tabs = page.get_by_role("navigation", name="Case sections").get_by_role("link")
    urls = [
        "/cases",
        "/dashboard",
        "/outcomes",
        *(tabs.nth(i).get_attribute("href") or "" for i in range(tabs.count())),
    ]
    victim = sim.ids[sim.person("victim")["id"]]
    urls.append(f"/cases/{sim.reference}/money/restitution?victim={victim}")
    assert len(urls) > 12
    found: dict[str, Any] = {}
    for url in urls:
        page.goto(f"{live_server}{url}")
        page.wait_for_load_state("networkidle")
        problems = page.evaluate(CHECKS)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") != "Skip to content":
            problems.append("first Tab does not reach 'Skip to content'")
        if problems:
            found[url] = problems
    assert found == {}, "\n".join(f"{u}: {p}" for u, ps in found.items() for p in ps)


# The pages a prosecutor works in, per case: every tab, one element's evidence, one
# person, the restitution worksheet. {ref} is the case reference.
CASE_PAGES = (
    "/cases/{ref}",
    "/cases/{ref}/evidence",
    "/cases/{ref}/people",
    "/cases/{ref}/records",
    "/cases/{ref}/documents",
    "/cases/{ref}/elements",
    "/cases/{ref}/elements?focus={focus}",
    "/cases/{ref}/network",
    "/cases/{ref}/money",
    "/cases/{ref}/money/restitution?victim={victim}",
    "/cases/{ref}/timeline",
    "/cases/{ref}/hearings",
    "/cases/{ref}/memo",
    "/cases/{ref}/charges",
    "/cases/{ref}/details",
)
UNIT_PAGES = ("/cases", "/dashboard", "/outcomes")


@pytest.mark.parametrize("width", [1024, 1440])
def test_every_page_shows_words_not_codes(
    page: Page, live_server: str, ctx: Context, width: int, screenshots: Path
) -> None:
    """Every page of two demo cases (the cockpit, network, elements, timeline, money,
    people and the rest), the caseload, the dashboard and outcomes, at both widths: no raw
    id, enum or slug shown (the patterns are in usability_checks.js), nothing clipped
    sideways outside a scrolling box, amounts in view without scrolling a table (Money,
    restitution, Outcomes), no overlapping labels in the dashboard's charts, and
    the top bar and tabs on one line each."""
    from palermo.services import cases, elements
    from palermo.services.demo import DEMO_CASES, DemoCase, build_demo, demo_password
    from palermo.services.users import authenticate
    from palermo.web.pages.elements import focus_key

    specs = [DemoCase(s.reference, s.typology, s.stage, 300, s.seed) for s in DEMO_CASES[:2]]
    build_demo(ctx, specs=specs, history_cases=40)
    actor = authenticate(ctx, "prosecutor", demo_password("prosecutor")).actor
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "prosecutor", demo_password("prosecutor"))
    urls = list(UNIT_PAGES)
    for spec in specs:
        focus = next(
            focus_key(s.pseudonym, st.statute_id)
            for s in elements.assess(ctx, actor, spec.reference).suspects
            for st in s.statutes
        )
        people = cases.list_people(ctx, actor, spec.reference)
        victim = next(p.id for p in people if p.kind == "victim")
        urls += [u.format(ref=spec.reference, focus=focus, victim=victim) for u in CASE_PAGES]
        urls.append(f"/cases/{spec.reference}/people/{people[0].id}")
    found: dict[str, Any] = {}
    for url in urls:
        page.goto(f"{live_server}{url}")
        page.wait_for_load_state("networkidle")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        # Amounts in view without scrolling a table: Money, the restitution worksheet and
        # Outcomes (its ten-column sentence tables fit at 1024 px).
        amounts = url.endswith("/money") or "/restitution" in url or url == "/outcomes"
        problems = page.evaluate(CHECKS, {"words": True, "amounts": amounts})
        if url in UNIT_PAGES[1:] or url.endswith("/money"):
            name = url.strip("/").replace("/", "-")
            page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)
        long_page = re.search(r"/(elements|timeline)$|/cases/[^/]+$", url)
        if long_page and not page.get_by_role("navigation", name="On this page").count():
            problems.append("long page without in-page navigation ('On this page')")
        if problems:
            found[url] = problems
    listed = "\n".join(f"{u}: {p}" for u, ps in found.items() for p in ps)
    assert not found, listed


def test_words_check_names_each_kind_of_code(page: Page) -> None:
    """The words check itself: each pattern fires on its kind of code, and quoted
    evidence is left alone."""
    page.set_viewport_size({"width": 1024, "height": 768})
    page.set_content(
        "<title>x · Palermo</title><main>"
        "<p>Charged under us-18-1591</p><p>Shows act.patronizing</p>"
        "<p>Typology escort_ads</p><p>Paid from account:5300127764</p>"
        "<p>messages.csv, row None</p><p>2 witnesss</p>"
        "<p>application/vnd.openxmlformats-officedocument.wordprocessingml.document</p>"
        "<blockquote>she wrote pre_trial in the chat</blockquote>"
        "<p data-verbatim>statement_ana.txt</p>"
        "<div style='width:300px;overflow:hidden'><table style='width:900px'>"
        "<caption>wide</caption><tr><td>x</td></tr></table></div>"
        "<p>None yet: nothing recorded. Evidence in email_job_offer.eml</p>"
        "<div id='cut' style='width:120px;overflow:hidden;white-space:nowrap'>"
        "1,234,567.89 1,234,567.89 1,234,567.89</div>"
        "<div class='table-wrap' style='width:120px;overflow-x:auto'>"
        "<div style='width:600px'>scrolls in its box</div></div>"
        "<svg class='chart' id='chart-x' width='300' height='60'>"
        "<text x='10' y='30'>median 74</text><text x='20' y='30'>81</text>"
        "<text x='200' y='30'>apart</text></svg></main>"
    )
    problems = " | ".join(page.evaluate(CHECKS, {"words": True}))
    for name in (
        'statute id "us-18-1591"',
        'concept id "act.patronizing"',
        'snake_case enum "escort_ads"',
        'identifier key "account:5"',
        'None shown "row None"',
        "MIME type",
        'triple-s plural "witnesss"',
        'table "wide" clipped',
        "clipped #cut",
        'chart chart-x: "median 74" overlaps "81"',
    ):
        assert name in problems
    assert "pre_trial" not in problems and "statement_ana" not in problems
    assert "None yet" not in problems and "email_job_offer" not in problems
    assert "scrolls in its box" not in problems and "apart" not in problems
    assert page.evaluate(CHECKS) == []  # without {"words": true} only the basic checks
