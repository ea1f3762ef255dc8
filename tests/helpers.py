"""Plain helpers shared by the tests (fixtures live in ``tests/conftest.py``)."""

from __future__ import annotations

import re

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)
