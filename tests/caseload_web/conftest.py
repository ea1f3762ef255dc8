"""Fixtures for the caseload web tests: the web test client and a small seeded unit.

The client and sign-in come from ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest
from tests.caseload_web import seed
from tests.caseload_web import web_helpers as helpers

from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.store.models import Role


@pytest.fixture
def seeded(ctx: Context, unit_id: int, make_user: Callable[..., Actor]) -> dict[str, Actor]:
    """The small unit of :mod:`seed` with a prosecutor, an advocate and an analyst who are
    members of TRIAL-1, INV-2 and CLOSED-4 (not OTHER-3)."""
    make = make_user
    users: dict[str, Actor] = {
        "prosecutor": make(Role.PROSECUTOR, "pros"),
        "advocate": make(Role.ADVOCATE, "advo"),
        "analyst": make(Role.ANALYST, "anal"),
        "auditor": make(Role.AUDITOR, "audi"),
    }
    seed.seed_unit(ctx, unit_id, [u.user_id for k, u in users.items() if k != "auditor"])
    return users


@pytest.fixture(name="seed")
def seed_module() -> ModuleType:
    return seed


@pytest.fixture(name="h")
def html_helpers() -> ModuleType:
    """``h.section(html, id)`` and ``h.table_rows(html, table_id)``."""
    return helpers
