"""``palermo linkage``: the national linkage from the command line, in one go and step
by step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.security.permissions import SYSTEM
from palermo.services import cases
from palermo.services import national_linkage as nl
from palermo.services.context import Context


def _two_cases(ctx: Context, unit_id: int) -> tuple[int, int]:
    for ref in ("CLI-A", "CLI-B"):
        cases.create_case(ctx, SYSTEM, reference=ref, title=ref, jurisdiction="US", unit_id=unit_id)
        for i, name in enumerate(("Petra Novak", "Jan Horvat", "Ivana Kovac")):
            cases.add_person(ctx, SYSTEM, ref, kind="witness", name=f"{name} {ref[-1]}{i}")
    a = cases.add_person(
        ctx,
        SYSTEM,
        "CLI-A",
        kind="suspect",
        name="Goran Marinkovic",
        identifiers=[("phone", "+38591555123")],
    )
    b = cases.add_person(
        ctx,
        SYSTEM,
        "CLI-B",
        kind="suspect",
        name="Marinkovic Goran",
        identifiers=[("phone", "+38591555123")],
    )
    return a.id, b.id


def test_linkage_national_links_and_deletes_its_files(
    run: CliRunner, ctx: Context, unit_id: int
) -> None:
    a, b = _two_cases(ctx, unit_id)
    result = run.invoke(app, ["linkage", "national", "--engine", "duckdb"])
    assert result.exit_code == 0, result.output
    assert "8 people of 2 cases exported" in result.output
    assert "2 suggestions added" in result.output
    assert not list(nl.work_dir(ctx).iterdir())
    (view,) = nl.national_links(ctx, SYSTEM, "CLI-A")
    assert (view.person_id, view.other_person_id, view.other_case) == (a, b, "CLI-B")


def test_linkage_step_by_step(run: CliRunner, ctx: Context, unit_id: int, tmp_path: Path) -> None:
    _two_cases(ctx, unit_id)
    features, links = tmp_path / "persons.parquet", tmp_path / "links.parquet"
    result = run.invoke(app, ["linkage", "export", str(features)])
    assert result.exit_code == 0, result.output
    assert features.stat().st_mode & 0o777 == 0o600
    result = run.invoke(app, ["linkage", "run", str(features), str(links)])
    assert result.exit_code == 0, result.output
    assert "1 written" in result.output
    for expected in ("2 suggestions added", "0 suggestions added"):
        result = run.invoke(app, ["linkage", "load", str(links)])
        assert result.exit_code == 0, result.output
        assert expected in result.output
    result = run.invoke(app, ["linkage", "national", "--engine", "flink"])
    assert result.exit_code != 0 and "duckdb or spark" in result.output


def test_linkage_memory_limit_reaches_duckdb(
    run: CliRunner, ctx: Context, unit_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_cases(ctx, unit_id)
    seen: list[str | None] = []
    real = nl.run_linkage

    def spy(*args: Any, **kwargs: Any) -> nl.LinkageRun:
        seen.append(kwargs.get("memory_limit"))
        return real(*args, **kwargs)

    monkeypatch.setattr(nl, "run_linkage", spy)
    result = run.invoke(app, ["linkage", "national", "--memory-limit", "256MB"])
    assert result.exit_code == 0, result.output
    assert "2 suggestions added" in result.output
    features, links = tmp_path / "persons.parquet", tmp_path / "links.parquet"
    assert run.invoke(app, ["linkage", "export", str(features)]).exit_code == 0
    result = run.invoke(
        app, ["linkage", "run", str(features), str(links), "--memory-limit", "300MiB"]
    )
    assert result.exit_code == 0, result.output
    assert "1 written" in result.output
    assert seen == ["256MB", "300MiB"]
    # a value DuckDB cannot read, or the option with Spark, fails before any work
    for args in (["--memory-limit", "lots"], ["--engine", "spark", "--memory-limit", "1GB"]):
        result = run.invoke(app, ["linkage", "run", str(features), str(links), *args])
        assert result.exit_code != 0
        assert "--memory-limit" in result.output
    result = run.invoke(app, ["linkage", "national", "--memory-limit", "12 parsecs"])
    assert result.exit_code != 0 and "--memory-limit" in result.output
    assert seen == ["256MB", "300MiB"]
