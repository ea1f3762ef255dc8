"""The top bar keeps to one line at a small laptop's width (1024 px) for every role,
the longest display name and the widest menu (the administrator's) included."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from tests.browser.signin import sign_in

from palermo.services.context import Context
from palermo.services.demo import DEMO_USERS, build_demo, demo_password

pytestmark = pytest.mark.browser

# The tops of the bar's items and of its menu entries: one line means one top each.
LINES = """() => {
  const bar = document.querySelector('header.topbar');
  const items = [...bar.children, ...bar.querySelectorAll('.topnav li')];
  const tops = new Set(items.filter(e => e.offsetParent !== null)
    .map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)));
  return {centres: [...tops], height: bar.getBoundingClientRect().height,
          overflow: bar.scrollWidth > bar.clientWidth};
}"""


def test_top_bar_does_not_wrap_at_1024(page: Page, live_server: str, ctx: Context) -> None:
    build_demo(ctx, specs=[], history_cases=0)
    page.set_viewport_size({"width": 1024, "height": 768})
    found = {}
    for username, _, _ in DEMO_USERS:
        page.context.clear_cookies()
        sign_in(
            page,
            live_server,
            username,
            demo_password(username),
            lands_on=r"/(cases|audit|admin.*|dashboard)$",
        )
        shape = page.evaluate(LINES)
        centres = shape["centres"]
        if max(centres) - min(centres) > 4 or shape["height"] > 60 or shape["overflow"]:
            found[username] = shape
    assert found == {}, found
