"""A CLI runner whose commands open the test database with the test's key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from palermo.settings import Settings, get_settings


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch, ctx: object) -> Iterator[CliRunner]:
    monkeypatch.setenv("PALERMO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PALERMO_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PALERMO_SECRET_KEY", str(settings.secret_key))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
