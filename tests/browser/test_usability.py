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
    assert found == {}
