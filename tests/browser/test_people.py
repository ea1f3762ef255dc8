"""People and organisations by hand in a real browser: add two people who turn out to be
one, merge them (the differing name is asked), undo and merge again, split an alias off,
add an organisation and link a suspect to it, upload a photo of the victim and see it; an
analyst on the same case sees neither the victim's name nor her photo."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from tests.browser.signin import sign_in

from palermo.security.permissions import Actor
from palermo.services import casework
from palermo.services.context import Context
from palermo.store.models import Role

pytestmark = pytest.mark.browser

CHECKS = (Path(__file__).parent / "usability_checks.js").read_text(encoding="utf-8")
VICTIM = "Elena Marinescu"
OTHER_NAME = "E. Marinescu"


def _sign_in(page: Page, live_server: str, username: str, password: str) -> None:
    sign_in(page, live_server, username, password)


def test_people_merged_split_linked_and_photographed_by_hand(
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    make_user: Any,
    case_ref: str,
    password: str,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    analyst = make_user(Role.ANALYST, "analyst-p")
    casework.add_member(ctx, prosecutor, case_ref, analyst.username, "analyst")

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshots / f"people-{name}.png"), full_page=True)

    def usable() -> None:
        """Labels, contrast, no sideways scrolling at a small laptop's width."""
        size = page.viewport_size
        page.set_viewport_size({"width": 1024, "height": 768})
        assert page.evaluate(CHECKS) == [], page.url
        if size:
            page.set_viewport_size(size)

    _sign_in(page, live_server, "prosecutor", password)
    people_url = f"{live_server}/cases/{case_ref}/people"

    # 1. Two people, entered apart, who are the same victim.
    page.goto(people_url)
    for kind, name, alias in (("victim", VICTIM, "Leni"), ("witness", OTHER_NAME, "Lena")):
        page.locator("#add-person").click()
        page.get_by_label("Role in the case").select_option(kind)
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Aliases").fill(alias)
        page.get_by_role("button", name="Save person").click()
        expect(page.locator("#saved-note")).to_contain_text("Person saved")
    expect(page.locator("#people-table")).not_to_contain_text(VICTIM)

    # 2. The victim's page: her identity only on request; merge the witness into her.
    page.locator("#people-table").get_by_role("link", name="V-01", exact=True).click()
    expect(page.locator("#sealed-note")).to_be_visible()
    page.locator("#reveal-person").click()
    expect(page.locator("#person-name")).to_have_text(VICTIM)
    page.get_by_label("Merge into V-01").select_option(label=f"{OTHER_NAME} (W-01)")
    page.get_by_role("button", name="Compare and merge…").click()
    expect(page.locator("#merge-form")).to_contain_text(OTHER_NAME)
    page.get_by_role("button", name="Merge W-01 into V-01").click()
    expect(page.locator("#error-summary")).to_contain_text("choose which to keep")
    usable()
    page.get_by_label(VICTIM).check()
    shot("01-merge-asked")
    page.get_by_role("button", name="Merge W-01 into V-01").click()
    expect(page.locator("#saved-note")).to_contain_text("People merged")
    expect(page.locator("#person-aliases")).to_have_text(f"{OTHER_NAME}, Leni, Lena")
    expect(page.locator("#merge-list")).to_contain_text("W-01 merged in")

    # 3. Undo it (the witness comes back), then merge again.
    page.get_by_role("button", name="Undo this merge").click()
    expect(page.locator("#saved-note")).to_contain_text("Merge undone")
    expect(page.locator("#person-name")).to_have_text(OTHER_NAME)
    page.goto(people_url)
    expect(page.locator("#people-table")).to_contain_text("W-01")
    page.locator("#people-table").get_by_role("link", name="V-01", exact=True).click()
    page.locator("#reveal-person").click()
    page.get_by_label("Merge into V-01").select_option(label=f"{OTHER_NAME} (W-01)")
    page.get_by_role("button", name="Compare and merge…").click()
    page.get_by_label(VICTIM).check()
    page.get_by_role("button", name="Merge W-01 into V-01").click()
    expect(page.locator("#saved-note")).to_contain_text("People merged")

    # 4. Split: "Lena" was someone else after all.
    page.locator("#split-link").click()
    usable()
    page.get_by_label("Name of the new person").fill("Lena Pop")
    page.get_by_label("Lena", exact=True).check()
    page.get_by_role("button", name="Make the new person").click()
    expect(page.locator("#saved-note")).to_contain_text("New person made")
    expect(page.locator("#person-name")).to_have_text("Lena Pop")
    expect(page.locator("#tab-heading")).to_contain_text("V-02")

    # 5. An organisation, and a suspect linked to it as its owner.
    page.goto(people_url)
    page.locator("#add-person").click()
    page.get_by_label("Role in the case").select_option("suspect")
    page.get_by_label("Full name").fill("Viktor Dragan")
    page.get_by_role("button", name="Save person").click()
    form = page.locator("#organisation-form")
    form.get_by_label("Name").fill("Club Lantern")
    form.get_by_label("Kind").select_option("venue")
    form.get_by_label("Country").fill("Romania")
    form.get_by_role("button", name="Add organisation").click()
    expect(page.locator("#err-f-organisation-country")).to_contain_text("two-letter")
    page.locator("#organisation-form").get_by_label("Country").fill("RO")
    page.locator("#organisation-form").get_by_role("button", name="Add organisation").click()
    expect(page.locator("#saved-note")).to_contain_text("Organisation saved")
    page.locator("#people-table").get_by_role("link", name="S-01", exact=True).click()
    link = page.locator("#link-form")
    link.get_by_label("Organisation").select_option(label="Club Lantern")
    link.get_by_label("Relation").select_option("owner")
    link.get_by_role("button", name="Link").click()
    expect(page.locator("#person-org-list")).to_contain_text("Club Lantern: owner")
    page.goto(people_url)
    expect(page.locator("#organisations-table")).to_contain_text("Viktor Dragan (S-01) (owner)")
    shot("02-organisations")
    usable()
    page.locator("#organisations-table").get_by_role("link", name="Club Lantern").click()
    usable()
    page.go_back()
    # The link is an edge of the case's network, named in words.
    page.goto(f"{live_server}/cases/{case_ref}/network")
    expect(page.locator("#nw-canvas")).to_have_attribute("data-ready", "1", timeout=30_000)
    page.locator("#nw-search").fill("Viktor Dragan")
    page.locator("#nw-search").press("Enter")
    panel = page.locator("#nw-panel")
    expect(panel.get_by_role("heading", name="Viktor Dragan")).to_be_visible()
    expect(panel).to_contain_text("advert and organisation links")
    page.goto(people_url)

    # 6. A photo of the victim, stored encrypted, shown as a thumbnail on her page.
    photo = tmp_path / "elena.png"
    buffer = io.BytesIO()
    Image.new("RGB", (480, 640), (200, 120, 90)).save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())
    page.locator("#people-table").get_by_role("link", name="V-01", exact=True).click()
    page.locator("#reveal-person").click()
    page.get_by_label("Add a photo").set_input_files(str(photo))
    page.get_by_role("button", name="Upload photo").click()
    expect(page.locator("#saved-note")).to_contain_text("Photo added")
    thumbnail = page.locator("#photo-list img")
    expect(thumbnail).to_be_visible()
    # Polled by Playwright's own assertion (the page's CSP forbids the eval of a predicate).
    expect(thumbnail.first).to_have_js_property("naturalWidth", 180)
    photo_url = page.locator("#photo-list a").first.get_attribute("href")
    assert photo_url
    shot("03-photo")
    usable()
    victim_page = page.url.split("?")[0]

    # 7. The analyst sees the victim by pseudonym only, and never her photo.
    other = browser.new_context(**browser_context_args)
    try:
        analyst_page = other.new_page()
        _sign_in(analyst_page, live_server, analyst.username, password)
        analyst_page.goto(victim_page + "?reveal=1")
        expect(analyst_page.locator("#photos-sealed")).to_be_visible()
        expect(analyst_page.locator("img.person-photo")).to_have_count(0)
        expect(analyst_page.locator("main")).not_to_contain_text(VICTIM)
        refused = analyst_page.request.get(live_server + photo_url)
        assert refused.status == 403
        analyst_page.screenshot(path=str(screenshots / "people-04-analyst.png"), full_page=True)
    finally:
        other.close()
    assert [e for e in errors if "status of 422" not in e] == []
