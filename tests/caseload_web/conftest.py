"""Fixtures for the caseload web tests: the web test client and a small seeded unit.

The client and sign-in come from ``tests/web/conftest.py``
(loaded by path: the suite runs with ``--import-mode=importlib``).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.store.models import Role

HERE = Path(__file__).parent


def _load(path: Path, name: str) -> ModuleType:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_web = _load(HERE.parent / "web" / "conftest.py", "palermo_web_test_conftest")
seed = _load(HERE / "seed.py", "palermo_caseload_web_seed")
helpers = _load(HERE / "web_helpers.py", "palermo_caseload_web_helpers")

# Re-exported fixtures (pytest finds fixtures by name in this module).
client = _web.client
login = _web.login
password = _web.password


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
