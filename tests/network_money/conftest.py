"""Fixtures for the Network and Money tab tests: a simulated case, ingested."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.network_money import simcase

from palermo.security.permissions import Actor
from palermo.services.context import Context


@pytest.fixture(scope="session")
def sim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simcase.folder(tmp_path_factory.mktemp("sim"))


@pytest.fixture
def sim(ctx: Context, prosecutor: Actor, unit_id: int, sim_folder: Path) -> Any:
    return simcase.build(ctx, prosecutor, unit_id, sim_folder)


@pytest.fixture
def signed_in(client: TestClient, login: Any, sim: Any) -> TestClient:
    return login(client, "prosecutor")
