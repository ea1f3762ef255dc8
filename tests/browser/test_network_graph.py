"""The Network picture in a real browser, as an investigator uses a link-analysis tool:
the shipped graph library draws the case, labels never overprint, "/" and a name focus
a person's neighbourhood and Escape clears it, a role filter and the time slider thin the
picture, a holder opens to show their phones and accounts, the picture exports as PNG,
and nothing breaks the page's CSP. Without the library the page says so and the tables
stay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.browser.signin import sign_in
from tests.network_money import simcase

from palermo.security.permissions import Actor
from palermo.services.context import Context

pytestmark = pytest.mark.browser

VENDOR = Path(__file__).parents[2] / "src" / "palermo" / "web" / "static" / "vendor"

# Visible labels whose boxes overlap, in model coordinates (all scale alike with the zoom).
OVERLAPS_JS = """(box) => {
  const cy = box.palermoGraph;
  const boxes = cy.nodes().filter(n => n.visible() && !n.hasClass('nw-nolabel') && n.data('label'))
    .map(n => n.boundingBox({includeNodes: false, includeEdges: false, includeLabels: true}));
  let overlaps = 0;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.x1 < b.x2 && a.x2 > b.x1 && a.y1 < b.y2 && a.y2 > b.y1) { overlaps++; }
    }
  }
  return [boxes.length, overlaps];
}"""

# Mean distance between two nodes of one group, and between nodes of different groups.
GROUP_DISTANCES_JS = """(box) => {
  const ns = box.palermoGraph.nodes()
    .filter(n => n.visible() && n.data('community') >= 0).toArray();
  let same = 0, nSame = 0, apart = 0, nApart = 0;
  for (let i = 0; i < ns.length; i++) {
    for (let j = i + 1; j < ns.length; j++) {
      const a = ns[i].position(), b = ns[j].position(), d = Math.hypot(a.x - b.x, a.y - b.y);
      if (ns[i].data('community') === ns[j].data('community')) { same += d; nSame++; }
      else { apart += d; nApart++; }
    }
  }
  return [same / Math.max(nSame, 1), apart / Math.max(nApart, 1)];
}"""


def _sign_in(page: Page, live_server: str, password: str) -> None:
    sign_in(page, live_server, "prosecutor", password)


def _shown(page: Page, what: str) -> int:
    value = page.locator("#nw-canvas").get_attribute(f"data-visible-{what}")
    assert value is not None
    return int(value)


@pytest.fixture
def sim(ctx: Context, prosecutor: Actor, unit_id: int, tmp_path: Path) -> Any:
    assert (VENDOR / "cytoscape.min.js").is_file(), (
        "the graph library is not installed: run the install step (npm ci and the copy "
        "into static/vendor)"
    )
    return simcase.build(ctx, prosecutor, unit_id, simcase.folder(tmp_path))


def test_network_graph_journey(
    page: Page, live_server: str, password: str, screenshots: Path, sim: Any
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, live_server, password)
    page.goto(f"{live_server}/cases/{sim.reference}/network")
    box = page.locator("#nw-canvas")
    expect(box).to_have_attribute("data-ready", "1", timeout=30_000)
    assert page.evaluate("document.getElementById('nw-canvas').palermoGraph.nodes().length") > 0
    total_nodes, total_edges = _shown(page, "nodes"), _shown(page, "edges")
    assert total_nodes > 10 and total_edges > 10
    labelled, overlaps = box.evaluate(OVERLAPS_JS)
    assert labelled >= 5 and overlaps == 0
    # Groups are laid out apart: members of one group sit closer than strangers.
    same, apart = box.evaluate(GROUP_DISTANCES_JS)
    assert same < 0.8 * apart
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "network-graph-01-all.png"))

    # "/" goes to the search; a name focuses that person's neighbourhood.
    collector = sim.person("money_handler")
    page.locator("body").press("/")
    search = page.locator("#nw-search")
    expect(search).to_be_focused()
    search.fill("Ion Stan")
    search.press("Enter")
    panel = page.locator("#nw-panel")
    expect(panel.get_by_role("heading", name="Ion Stan")).to_be_visible()
    expect(panel).to_contain_text("Money collector")
    expect(page.locator("#nw-status")).to_contain_text("around Ion Stan")
    page.get_by_label("Neighbourhood").select_option("1")
    one_hop = _shown(page, "nodes")
    assert 1 < one_hop < total_nodes
    page.get_by_label("Neighbourhood").select_option("3")
    assert one_hop <= _shown(page, "nodes")
    page.get_by_label("Neighbourhood").select_option("1")
    assert box.evaluate(OVERLAPS_JS)[1] == 0
    page.screenshot(path=str(screenshots / "network-graph-02-focus.png"))

    # Expand: the collector's phones and accounts appear inside him, and go again.
    held = "document.getElementById('nw-canvas').palermoGraph.nodes('[?held]').length"
    assert page.evaluate(held) == 0
    panel.locator("#nw-toggle-held").click()
    assert page.evaluate(held) > 0
    expect(panel.locator("#nw-toggle-held")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=str(screenshots / "network-graph-03-expanded.png"))
    panel.locator("#nw-toggle-held").click()
    assert page.evaluate(held) == 0

    # Escape clears the focus: everyone is back.
    page.locator("body").press("Escape")
    expect(page.locator("#nw-status")).not_to_contain_text("around")
    assert _shown(page, "nodes") == total_nodes
    assert collector["name"] == "Ion Stan"

    # A role filter keeps the people with that role and whom they are linked to.
    page.get_by_label("Role").select_option("buyer")
    assert 0 < _shown(page, "nodes") < total_nodes
    expect(page.locator("#roles-table")).to_contain_text("Buyer")
    page.get_by_label("Role").select_option("")
    assert _shown(page, "nodes") == total_nodes

    # The time slider: an earlier end date leaves out the links first seen after it.
    to = page.locator("#nw-to")
    top = int(to.get_attribute("max") or 0)
    assert top > 1
    to.fill(str(top // 3))
    expect(page.locator("#nw-time-out")).to_contain_text(" to ")
    assert _shown(page, "edges") < total_edges
    page.screenshot(path=str(screenshots / "network-graph-04-time.png"))
    to.fill(str(top))
    assert _shown(page, "edges") == total_edges

    # Export as image.
    with page.expect_download() as info:
        page.get_by_role("button", name="Export image (PNG)").click()
    download = info.value
    assert download.suggested_filename == f"network-{sim.reference}.png"
    path = download.path()
    assert path is not None and Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The tables are still there, and nothing broke the CSP.
    expect(page.locator("#keyplayers-table")).to_be_visible()
    assert errors == []


def test_network_page_says_so_without_its_library(
    page: Page, live_server: str, password: str, sim: Any
) -> None:
    _sign_in(page, live_server, password)
    page.route("**/static/vendor/cytoscape.min.js", lambda route: route.abort())
    page.goto(f"{live_server}/cases/{sim.reference}/network")
    box = page.locator("#nw-canvas")
    expect(box).to_have_attribute("data-ready", "missing")
    expect(box).to_contain_text("graph library")
    expect(page.locator("#nw-status")).to_contain_text("tables below")
    expect(page.locator("#roles-table")).to_be_visible()
    expect(page.locator("#keyplayers-table")).to_contain_text("Ion Stan")
