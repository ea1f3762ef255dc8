"""An analyst reads a victim's statement in a real Chromium: her name, date of birth,
phone, e-mail and shelter are replaced, other people's names are not; and when the
identities cannot be opened, the page says so and shows nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.signin import sign_in
from tests.security import leak_case

from palermo.security.permissions import Actor
from palermo.security.sealing import Sealer
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import Role

pytestmark = pytest.mark.browser


def test_analyst_reads_a_redacted_statement_and_a_key_failure_stops_the_page(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    unit_id: int,
    make_user: Callable[..., Actor],
    password: str,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    leak = leak_case.build(ctx, prosecutor, unit_id, tmp_path)
    analyst = make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, leak.reference, analyst.username)

    sign_in(page, live_server, "analyst", password)

    page.goto(f"{live_server}/cases/{leak.reference}/documents")
    page.locator("#documents-table").get_by_role("link", name=re.compile("statement")).click()
    body = page.locator("main")
    for shown in ("[V-01 date of birth]", "[V-01 phone]", "[V-01 e-mail]", "[V-01 location]"):
        expect(body).to_contain_text(shown)
    expect(body).to_contain_text("Travis Jones")
    expect(body).to_contain_text("Maria Rusu")
    text = body.inner_text()
    assert leak.leaks(text) == [], leak.leaks(text)
    page.screenshot(path=str(screenshots / "identity-01-redacted-statement.png"), full_page=True)

    page.goto(f"{live_server}/cases/{leak.reference}/records")
    expect(page.locator("main")).to_contain_text("V-01")
    assert leak.leaks(page.locator("main").inner_text()) == []

    # The key no longer opens the identities: the page stops and says why.
    right = ctx.sealer
    ctx.sealer = Sealer(bytes.fromhex("cd" * 32))
    try:
        response = page.goto(f"{live_server}/cases/{leak.reference}/records")
        assert response is not None and response.status == 503
        expect(page.locator("body")).to_contain_text("cannot be opened")
        assert leak.leaks(page.locator("body").inner_text()) == []
        page.screenshot(path=str(screenshots / "identity-02-key-failure.png"), full_page=True)
    finally:
        ctx.sealer = right
