"""The Network and Money tabs in a real browser: the graph draws, a node opens its
evidence, the Sankey and tables render, and nothing breaks the CSP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from tests.browser.signin import sign_in
from tests.network_money import simcase

from palermo.security.permissions import Actor
from palermo.services.context import Context

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent


def test_network_and_money_tabs(
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
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    sign_in(page, live_server, "prosecutor", password)

    page.goto(f"{live_server}/cases/{sim.reference}/network")
    canvas = page.locator("#nw-canvas")
    expect(canvas).to_have_attribute("data-ready", "1", timeout=15_000)
    expect(page.locator("#nw-status")).to_contain_text("nodes")
    page.screenshot(path=str(screenshots / "network-01-tab.png"), full_page=True)

    collector = sim.ids[sim.person("money_handler")["id"]]
    panel = page.locator("#nw-panel")
    click_node(page, canvas, f"person:{collector}")
    expect(panel.get_by_role("heading", name="Ion Stan")).to_be_visible()
    expect(panel).to_contain_text("Money collector")
    expect(panel).to_contain_text("payment records")
    canvas.screenshot(path=str(screenshots / "network-02-canvas.png"))
    page.screenshot(path=str(screenshots / "network-03-node-clicked.png"))

    # Filter to buyers: the picture redraws, the tables stay.
    page.get_by_label("Role").select_option("buyer")
    page.screenshot(path=str(screenshots / "network-04-buyers.png"))
    expect(page.locator("#roles-table")).to_contain_text("Buyer")

    page.goto(f"{live_server}/cases/{sim.reference}/money")
    expect(page.locator("svg.mn-sankey")).to_be_visible()
    expect(page.locator("#patterns-table")).to_contain_text("Structuring")
    # Ranked laundering leads: each row says what it resembles and lists its payments.
    first_lead = page.locator("#leads-table tbody tr").first
    expect(first_lead).to_contain_text("passed on")
    first_lead.get_by_text(re.compile(r"\d+ transactions")).click()
    expect(first_lead.locator("details")).to_contain_text("payments.csv")
    page.screenshot(path=str(screenshots / "money-01-tab.png"), full_page=True)
    page.get_by_label("Trace from person or account").select_option(str(collector))
    page.get_by_role("button", name="Trace").click()
    expect(
        page.get_by_role("heading", name=re.compile("Trace forward from Ion Stan"))
    ).to_be_visible()
    page.screenshot(path=str(screenshots / "money-02-trace.png"), full_page=True)
    page.get_by_role("link", name="Worksheet: Mandatory restitution (18 U.S.C. 1593)").click()
    expect(page.locator("#worksheet")).to_contain_text("greater of the gross gain")
    page.screenshot(path=str(screenshots / "money-03-restitution.png"), full_page=True)
    assert errors == []


def click_node(page: Page, canvas: Locator, node_id: str) -> None:
    """Clicks a node where the graph draws it, as a person would.

    The node is zoomed into and centred first, and the pixel is read after the browser
    has painted twice: text above the picture may still reflow after the graph is ready,
    which moved the box between reading its position and clicking. A click that lands
    on nothing is tried again from a fresh position, at most three times.
    """
    canvas.scroll_into_view_if_needed()
    for _ in range(3):
        x, y = canvas.evaluate(
            """(box, id) => new Promise(done => {
                const cy = box.palermoGraph, n = cy.getElementById(id);
                cy.zoom(Math.max(cy.zoom(), 1.5)); cy.center(n);
                requestAnimationFrame(() => requestAnimationFrame(() => {
                    const p = n.renderedPosition(); done([p.x, p.y]); }));
            })""",
            node_id,
        )
        box = canvas.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + x, box["y"] + y)
        if canvas.evaluate("(box, id) => box.palermoGraph.getElementById(id).selected()", node_id):
            return
    raise AssertionError(f"clicking where the graph draws {node_id} never selected it")
