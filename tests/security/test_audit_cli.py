"""`palermo audit verify | checkpoint | export-checkpoints` from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.settings import Settings, get_settings
from palermo.store.models import AuditEntry


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch, ctx: Context) -> Iterator[CliRunner]:
    monkeypatch.setenv("PALERMO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PALERMO_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PALERMO_SECRET_KEY", str(settings.secret_key))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_checkpoint_export_and_truncation_from_the_cli(
    run: CliRunner, ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    for _ in range(5):
        cases.get_case(ctx, prosecutor, case_ref)
    signed = run.invoke(app, ["audit", "checkpoint"])
    assert signed.exit_code == 0, signed.output
    assert "Checkpoint signed: entry 7" in signed.output
    out = tmp_path / "checkpoints.jsonl"
    exported = run.invoke(app, ["audit", "export-checkpoints", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[-1]["seq"] == 7 and len(lines[-1]["sig"]) == 64
    intact = run.invoke(app, ["audit", "verify"])
    assert intact.exit_code == 0 and "not truncated" in intact.output
    with ctx.db.session() as session:
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq >= 6))
    broken = run.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 2
    assert "entry 6" in broken.output and "truncated" in broken.output
    refused = run.invoke(app, ["audit", "checkpoint"])
    assert refused.exit_code == 2 and "broken" in refused.output
