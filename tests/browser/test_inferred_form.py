"""In a real browser: a case opened by hand with no typology, with an indictment uploaded,
shows the form of exploitation its evidence points to in the header (marked inferred,
per victim with the passages that name her), and the unit's Outcomes page and HTCDS
export count it under that form, saying it is inferred."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.signin import sign_in

from palermo.security.permissions import Actor

pytestmark = pytest.mark.browser

REFERENCE = "HT-2025-090"
VICTIM = "Elena Marinescu"
SUSPECT = "Viktor Dragan"
INDICTMENT = (
    "UNITED STATES DISTRICT COURT\nINDICTMENT\n"
    "The Grand Jury charges:\n"
    f"1. Beginning in or about March 2021, defendant {SUSPECT} recruited {VICTIM} in "
    "Romania with the promise of a job as a waitress in Chicago.\n"
    f"2. Upon her arrival, {SUSPECT} confiscated the victim's passport and told her that she "
    "owed him a debt of $20,000.\n"
    f"3. {SUSPECT} forced {VICTIM} to engage in commercial sex acts and kept the proceeds.\n"
)


def test_case_by_hand_gets_an_inferred_form_counted_in_statistics_and_htcds(
    page: Page,
    live_server: str,
    prosecutor: Actor,
    unit_id: int,
    password: str,
    tmp_path: Path,
) -> None:
    sign_in(page, live_server, "prosecutor", password)

    # Open the case by hand, leaving the typology empty.
    page.locator("#open-case").click()
    page.get_by_label("Reference").fill(REFERENCE)
    page.get_by_label("Title").fill("Operation Harbour")
    page.get_by_label("18 U.S.C. § 1591(a)(1) — Sex trafficking", exact=False).check()
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator("#saved-note")).to_contain_text("Case created")

    tabs = page.get_by_role("navigation", name="Case sections")
    tabs.get_by_role("link", name="People", exact=True).click()
    for kind, name in (("victim", VICTIM), ("suspect", SUSPECT)):
        page.locator("#add-person").click()
        page.get_by_label("Role in the case").select_option(kind)
        page.get_by_label("Full name").fill(name)
        page.get_by_role("button", name="Save person").click()
        expect(page.locator("#saved-note")).to_contain_text("Person saved")

    indictment = tmp_path / "indictment.txt"
    indictment.write_text(INDICTMENT)
    tabs.get_by_role("link", name="Evidence", exact=True).click()
    page.get_by_role("link", name="Upload evidence").first.click()
    page.get_by_label("Files or zip archives").set_input_files([indictment])
    page.get_by_role("button", name="Upload and load").click()
    expect(page.locator("#upload-summary")).to_contain_text("1 file loaded")

    # The header: the form, marked inferred, and per victim with her passage.
    page.goto(f"{live_server}/cases/{REFERENCE}")
    expect(page.locator("#case-typology")).to_contain_text("Sexual exploitation")
    expect(page.locator("#case-typology")).to_contain_text("(inferred)")
    block = page.locator("#case-exploitation")
    expect(block.locator("summary")).to_have_text("Sexual exploitation")
    block.locator("summary").click()
    victims = page.locator("#case-exploitation-victims")
    expect(victims).to_contain_text("sexual exploitation")
    expect(victims).to_contain_text("commercial sex acts")
    # Named by pseudonym (the passage itself is shown as the prosecutor may read it).
    expect(victims.locator("li[data-victim]").first).to_have_attribute("data-victim", "V-01")

    # The victim's own page says it too.
    tabs.get_by_role("link", name="People", exact=True).click()
    page.locator("#people-table").get_by_role("link", name="V-01").first.click()
    expect(page.locator("#person-exploitation")).to_contain_text("Sexual exploitation")

    # The unit's statistics count the case's victim under that form, as inferred.
    page.goto(f"{live_server}/outcomes")
    forms = page.locator("#table-forms")
    row = forms.locator("tr", has_text="Sexual exploitation")
    expect(row.locator("td")).to_have_text(["1", "1"])
    expect(page.locator("#forms")).to_contain_text("1 case has no typology set by a user")

    with page.expect_download() as info:
        page.locator("#htcds-export").click()
    path = info.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    victim_rows = [r for r in rows if r["ext_PersonRole"] == "victim"]
    assert [
        (r["vic_TypeOfExploitation"], r["ext_TypeOfExploitationSource"]) for r in victim_rows
    ] == [("Sexual exploitation", "inferred for the victim")]
    assert VICTIM not in Path(path).read_text(encoding="utf-8")
