"""``palermo cases``: a real unit and real statutes are required; edit, members, close."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.security.permissions import SYSTEM
from palermo.services import casework, users
from palermo.services.context import Context
from palermo.settings import Settings, get_settings


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch, ctx: Context) -> Iterator[CliRunner]:
    monkeypatch.setenv("PALERMO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PALERMO_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PALERMO_SECRET_KEY", str(settings.secret_key))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_create_needs_a_real_unit_and_statutes(run: CliRunner, ctx: Context) -> None:
    no_unit = run.invoke(app, ["cases", "create", "C-1", "--title", "t", "--unit", "nowhere"])
    assert no_unit.exit_code != 0 and "no unit with code 'nowhere'" in no_unit.output
    unit_id = users.ensure_unit(ctx, "tf", "Task force", "US")
    made_up = run.invoke(
        app,
        ["cases", "create", "C-1", "--title", "t", "--unit", "tf", "--statute", "us-18-4242"],
    )
    assert made_up.exit_code != 0
    assert "statutes: unknown statute 'us-18-4242'" in made_up.output
    users.create_user(
        ctx, SYSTEM, username="ann", password="x" * 16, role="prosecutor", unit_id=unit_id
    )
    ok = run.invoke(
        app,
        ["cases", "create", "C-1", "--title", "t", "--unit", "tf", "--statute", "us-18-1591"],
    )
    assert ok.exit_code == 0, ok.output
    assert "18 U.S.C. § 1591(a)(1)" in ok.output
    added = run.invoke(app, ["cases", "member-add", "C-1", "ann", "--role", "owner"])
    assert added.exit_code == 0, added.output
    edited = run.invoke(app, ["cases", "edit", "C-1", "--title", "Lantern"])
    assert edited.exit_code == 0, edited.output
    closed = run.invoke(app, ["cases", "close", "C-1", "--reason", "no evidence"])
    assert closed.exit_code == 0, closed.output
    details = casework.case_details(ctx, SYSTEM, "C-1")
    assert (details.title, details.stage, details.unit) == ("Lantern", "closed", "Task force")
    assert {m.username: m.case_role for m in details.members} == {"ann": "owner"}
