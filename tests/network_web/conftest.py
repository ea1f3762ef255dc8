"""Fixtures for the Network tab tests: the web fixtures plus a simulated case."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services.context import Context

HERE = Path(__file__).parent


_web = HERE.parent / "web" / "conftest.py"


def _load(path: Path, name: str) -> ModuleType:
    import importlib.util

    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


web = _load(_web, "palermo_web_test_conftest")
simcase = _load(HERE / "simcase.py", "palermo_network_simcase")
client = web.client
login = web.login
password = web.password
csrf = web.csrf


@pytest.fixture(scope="session")
def sim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simcase.folder(tmp_path_factory.mktemp("sim"))


@pytest.fixture
def sim(ctx: Context, prosecutor: Actor, unit_id: int, sim_folder: Path) -> Any:
    return simcase.build(ctx, prosecutor, unit_id, sim_folder)


@pytest.fixture
def signed_in(client: TestClient, login: Any, sim: Any) -> TestClient:
    return login(client, "prosecutor")
