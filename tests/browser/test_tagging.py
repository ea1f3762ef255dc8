"""Tag by hand, in a real Chromium, a passage the indicator patterns missed: select the
words in a statement, choose the indicator, and see it highlighted as confirmed, then in
the Elements tab against the suspect the sentence names. A passage typed that occurs
twice is asked about, with the words kept."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.signin import sign_in

from palermo.security.permissions import Actor
from palermo.services import cases, elements
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.store.models import PersonKind

pytestmark = pytest.mark.browser

SUSPECT = "Viktor Dragan"
MISSED = "took everything the customers paid me"
TWICE = f"{SUSPECT} watched the door."
STATEMENT = (
    "Statement of Elena Marinescu, taken on 2 March 2024.\n"
    f"{SUSPECT} {MISSED}. I had to ask him for soap.\n"
    f"{TWICE} {TWICE}\n"
)

# Selects ``words`` (its ``nth`` occurrence) in the document's text as a drag of the mouse
# would: the page's script sees the selection change.
SELECT = """([words, nth]) => {
  const pre = document.querySelector("pre.doc-text");
  const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = "";
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest(".hl-ref")) continue;
    nodes.push([node, text.length]);
    text += node.data;
  }
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(words, at + 1);
  const place = (offset) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]];
    }
  };
  const [startNode, startOffset] = place(at);
  const [endNode, endOffset] = place(at + words.length);
  window.getSelection().setBaseAndExtent(startNode, startOffset, endNode, endOffset);
}"""


def test_select_tag_and_see_it_in_the_elements(
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
    suspect = cases.add_person(ctx, prosecutor, case_ref, kind=PersonKind.SUSPECT, name=SUSPECT)
    elements.set_statutes(ctx, prosecutor, case_ref, suspect.id, ["us-18-1589"])
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "statement.txt").write_text(STATEMENT)
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, folder).files
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshots / f"tagging-{name}.png"), full_page=True)

    sign_in(page, live_server, "prosecutor", password)
    page.goto(f"{live_server}/cases/{case_ref}/documents/{outcome.evidence_file_id}")
    expect(page.locator("mark.hl-indicator", has_text=MISSED)).to_have_count(0)

    # Select the missed words: the form opens with them, on their page.
    page.evaluate(SELECT, [MISSED, 0])
    passage = page.get_by_label("Passage", exact=True)
    expect(passage).to_have_value(MISSED)
    expect(page.locator("#tag")).to_have_attribute("open", "")
    expect(page.get_by_label("Page", exact=True)).to_have_value("1")
    page.get_by_label("Indicator", exact=True).select_option("withholding_wages")
    shot("01-selected")
    page.get_by_role("button", name="Tag passage").click()

    expect(page).to_have_url(re.compile(r"#sug-\d+$"))
    mark = page.locator("mark.hl-indicator", has_text=MISSED)
    expect(mark).to_have_class(re.compile("st-confirmed"))
    item = page.locator(".sug", has_text="Withholding of wages")
    expect(item).to_contain_text("tagged by hand")
    expect(item).to_contain_text("by prosecutor")
    shot("02-tagged")

    # The second "watched the door", selected: exactly that one is tagged.
    page.evaluate(SELECT, [TWICE, 1])
    expect(passage).to_have_value(TWICE)
    page.get_by_label("Indicator", exact=True).select_option("restriction_of_movement")
    page.get_by_role("button", name="Tag passage").click()
    expect(page).to_have_url(re.compile(r"#sug-\d+$"))
    door = page.locator(".sug", has_text="Restriction of movement")
    first = STATEMENT.index(TWICE)
    expect(door).to_contain_text(f"characters {STATEMENT.index(TWICE, first + 1)}–")

    # Typed, not selected, and on the page twice: asked, with the words kept.
    page.locator("#tag summary").click()
    passage.fill(TWICE)
    page.get_by_label("Indicator", exact=True).select_option("isolation")
    page.get_by_role("button", name="Tag passage").click()
    alert = page.locator("#tag .alert-error")
    expect(alert).to_contain_text("the passage occurs 2 times on page 1")
    expect(page.get_by_label("Passage", exact=True)).to_have_value(TWICE)
    shot("03-asked")
    page.get_by_label("Which occurrence").fill("1")
    page.get_by_role("button", name="Tag passage").click()
    expect(page).to_have_url(re.compile(r"#sug-\d+$"))

    # The Elements tab counts the tagged passage against the suspect it names.
    page.goto(f"{live_server}/cases/{case_ref}/elements")
    expect(page.locator("body")).to_contain_text(MISSED)
    shot("04-elements")

    # The Suggestions page scores extraction on what was decided here, and hands the
    # reviewed sentences over as labelled data.
    page.goto(f"{live_server}/cases/{case_ref}/suggestions")
    panel = page.locator(".indicator-quality")
    expect(panel).to_contain_text("extraction found 0 indicators and reviewers confirmed 0;")
    expect(panel).to_contain_text(
        "confirmed or tagged 3, of which extraction had found 0 (recall 0%)"
    )
    with page.expect_download() as download:
        panel.get_by_role("link", name="Download them as labelled sentences").click()
    lines = [json.loads(x) for x in Path(download.value.path()).read_text().splitlines()]
    assert {"text": f"{SUSPECT} {MISSED}.", "expect": ["withholding_wages"]}.items() <= {
        k: v for line in lines if MISSED in line["text"] for k, v in line.items()
    }.items()
    shot("05-quality")
    # The browser logs the form's 422 answer (the mistake shown above); nothing else.
    assert [e for e in console_errors if "422" not in e] == []
