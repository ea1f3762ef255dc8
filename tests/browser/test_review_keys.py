"""The suggestion queue in a real browser: one suggestion at a time with its passage,
decided with the keyboard (c confirm, r reject, j/k next and previous), keys inert while
typing in a field, and the same decisions by the buttons for a browser without scripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.signin import sign_in

from palermo.security.permissions import Actor
from palermo.services import cases, review
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.store.models import PersonKind

pytestmark = pytest.mark.browser

STATEMENT = (
    "Statement of Elena Marinescu, taken on 2 March 2024.\n"
    "Viktor Dragan told me to call +1 202 555 0147 every night.\n"
    "He kept our passports and we could not leave the house.\n"
    "If you try to leave again I will hurt your family.\n"
)


def _sign_in(page: Page, base: str, password: str) -> None:
    sign_in(page, base, "prosecutor", password)


def _statuses(ctx: Context, actor: Actor, case_ref: str) -> dict[int, str]:
    listing = review.list_suggestions(ctx, actor, case_ref, per_page=200)
    return {s.id: s.status for s in listing.items}


def _current_id(page: Page) -> int:
    card = page.locator("article.queue-card")
    return int((card.get_attribute("id") or "").removeprefix("sug-"))


def _press(page: Page, key: str) -> None:
    """Press a key once the page's deferred script (the shortcuts) has run: a page whose
    text is already shown may not have its key handler yet."""
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press(key)


def test_confirm_and_reject_with_the_keyboard(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    password: str,
    tmp_path: Path,
    browser: Browser,
) -> None:
    cases.add_person(ctx, prosecutor, case_ref, kind=PersonKind.VICTIM, name="Elena Marinescu")
    cases.add_person(ctx, prosecutor, case_ref, kind=PersonKind.SUSPECT, name="Viktor Dragan")
    (tmp_path / "statement.txt").write_text(STATEMENT)
    assert ingest_path(ctx, prosecutor, case_ref, tmp_path / "statement.txt").ok
    before = _statuses(ctx, prosecutor, case_ref)
    assert len(before) >= 4 and set(before.values()) == {"suggested"}
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    _sign_in(page, live_server, password)
    page.goto(f"{live_server}/cases/{case_ref}/suggestions")
    page.get_by_role("link", name="Review one by one").click()
    expect(page.locator("#queue-position")).to_contain_text(f"1 of {len(before)} suggestions")
    expect(page.locator("#queue-keys")).to_contain_text("c confirm")
    expect(page.locator(".queue-passage mark")).to_have_count(1)

    # j and k move through the queue without deciding.
    first = _current_id(page)
    _press(page, "j")
    expect(page.locator("#queue-position")).to_contain_text("Suggestion 2 of")
    second = _current_id(page)
    assert second != first
    _press(page, "k")
    expect(page.locator("#queue-position")).to_contain_text("Suggestion 1 of")
    assert _current_id(page) == first

    # Typing in a field is typing: "c" in the type filter decides nothing.
    page.get_by_label("Type").focus()
    _press(page, "c")
    page.locator("h2").click()  # leave the field
    assert _statuses(ctx, prosecutor, case_ref)[first] == "suggested"

    # c confirms the one shown; the next takes its place at the same position.
    _press(page, "c")
    expect(page.locator("#queue-position")).to_contain_text(f"of {len(before) - 1} suggestions")
    assert _statuses(ctx, prosecutor, case_ref)[first] == "confirmed"
    assert _current_id(page) == second

    # r rejects it.
    _press(page, "r")
    expect(page.locator("#queue-position")).to_contain_text(f"of {len(before) - 2} suggestions")
    after = _statuses(ctx, prosecutor, case_ref)
    assert after[second] == "rejected"
    assert sum(1 for s in after.values() if s == "suggested") == len(before) - 2
    assert console_errors == []

    # Without scripts the buttons do the same.
    plain = browser.new_context(java_script_enabled=False, base_url=live_server)
    try:
        other = plain.new_page()
        _sign_in(other, live_server, password)
        other.goto(f"{live_server}/cases/{case_ref}/suggestions/queue")
        third = _current_id(other)
        other.get_by_role("button", name=re.compile("Confirm")).click()
        expect(other.locator("#queue-position")).to_contain_text(f"of {len(before) - 3} suggestion")
        assert _statuses(ctx, prosecutor, case_ref)[third] == "confirmed"
    finally:
        plain.close()
