"""The command line end to end: users, a case, simulate, ingest, show, audit verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.security.permissions import Actor
from palermo.services import tagging
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.settings import Settings, get_settings
from palermo.store.models import AuditEntry


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch, ctx: object) -> CliRunner:
    monkeypatch.setenv("PALERMO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PALERMO_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PALERMO_SECRET_KEY", str(settings.secret_key))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_loads_a_simulated_case_and_verifies_the_audit_chain(
    run: CliRunner, tmp_path: Path, ctx: object
) -> None:
    invoke = run.invoke
    added = invoke(
        app, ["users", "add", "alice", "--role", "prosecutor", "--password", "long enough pw"]
    )
    assert added.exit_code == 0, added.output
    created = invoke(
        app,
        [
            "cases",
            "create",
            "US-2025-014",
            "--title",
            "Operation Lantern",
            "--unit",
            "default",
            "--statute",
            "us-18-1591",
            "--member",
            "alice",
        ],
    )
    assert created.exit_code == 0, created.output
    out = tmp_path / "sim"
    simulated = invoke(
        app,
        ["simulate", "--out", str(out), "--typology", "escort_ads", "--size", "400", "--seed", "3"],
    )
    assert simulated.exit_code == 0, simulated.output
    assert (out / "calls.csv").exists()
    (out / "ground_truth.json").replace(tmp_path / "answer-key.json")  # not evidence

    loaded = invoke(app, ["ingest", "US-2025-014", str(out)])
    assert loaded.exit_code == 0, loaded.output
    assert "calls.csv" in loaded.output and "0 not loaded" in loaded.output
    again = invoke(app, ["ingest", "US-2025-014", str(out)])
    assert again.exit_code == 0 and "0 loaded" in again.output

    shown = invoke(app, ["cases", "show", "US-2025-014"])
    assert shown.exit_code == 0, shown.output
    assert "Operation Lantern" in shown.output and "calls.csv" in shown.output

    listed = invoke(app, ["cases", "list"])
    assert "US-2025-014" in listed.output

    assert invoke(app, ["audit", "verify"]).exit_code == 0


def test_cli_reports_a_broken_chain_and_bad_input(run: CliRunner, ctx: object) -> None:
    from palermo.services.context import Context

    assert isinstance(ctx, Context)
    missing = run.invoke(app, ["cases", "show", "NOPE"])
    assert missing.exit_code == 1 and "not found" in missing.output
    bad_role = run.invoke(app, ["users", "add", "bob", "--role", "chief", "--password", "x" * 9])
    assert bad_role.exit_code != 0
    run.invoke(app, ["cases", "list"])
    with ctx.db.session() as session:
        session.execute(sa.update(AuditEntry).where(AuditEntry.seq == 1).values(action="x"))
    broken = run.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 2 and "entry 1" in broken.output


def test_cli_htcds_round_trip_and_indicator_evaluation(
    run: CliRunner, tmp_path: Path, ctx: object
) -> None:
    from palermo.security.permissions import SYSTEM
    from palermo.services import cases, users
    from palermo.services.context import Context

    assert isinstance(ctx, Context)
    unit_id = users.ensure_unit(ctx, "north", "North unit", "US")
    cases.create_case(
        ctx,
        SYSTEM,
        reference="N-1",
        title="North",
        jurisdiction="US",
        unit_id=unit_id,
        typology="domestic_servitude",
    )
    cases.add_person(ctx, SYSTEM, "N-1", kind="victim", name="Secret Name", sex="F")
    cases.add_person(ctx, SYSTEM, "N-1", kind="suspect", name="Open Name")
    out = tmp_path / "htcds.csv"
    exported = run.invoke(app, ["htcds", "export", "--unit", "north", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "Wrote 2 HTCDS records" in exported.output
    assert "Secret Name" not in out.read_text()
    assert run.invoke(app, ["htcds", "check", str(out)]).exit_code == 0

    bad = tmp_path / "bad.csv"
    lines = out.read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("prs_Gender")] = "Sometimes"
    bad.write_text("\n".join([lines[0], ",".join(row)]) + "\n")
    checked = run.invoke(app, ["htcds", "check", str(bad)])
    assert checked.exit_code == 1 and "row 2, prs_Gender" in checked.output

    # Import into another unit under new references: cases and people are created, a
    # second run adds nothing, and the export of that unit gives back the same rows.
    users.ensure_unit(ctx, "south", "South unit", "US")
    moved = tmp_path / "south.csv"
    moved.write_text(out.read_text().replace("N-1", "S-1"))
    args = ["htcds", "import", str(moved), "--unit", "south", "--jurisdiction", "US"]
    imported = run.invoke(app, args)
    assert imported.exit_code == 0, imported.output
    assert "1 cases created" in imported.output and "2 people added" in imported.output
    assert "0 people added" in run.invoke(app, args).output
    back = tmp_path / "back.csv"
    assert (
        run.invoke(app, ["htcds", "export", "--unit", "south", "--out", str(back)]).exit_code == 0
    )
    assert back.read_text() == moved.read_text().replace("North unit", "South unit")
    clash = run.invoke(
        app, ["htcds", "import", str(out), "--unit", "south", "--jurisdiction", "US"]
    )
    assert clash.exit_code == 1 and "'N-1' already exists in another unit" in clash.output

    evaluated = run.invoke(app, ["indicators", "evaluate"])
    assert evaluated.exit_code == 0 and "micro" in evaluated.output


def test_export_reviewed_writes_what_people_decided(
    run: CliRunner, ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "statement.txt").write_text("He kept our passports. We cleaned until midnight.\n")
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, folder).files
    assert outcome.evidence_file_id is not None
    tagging.tag_indicator(
        ctx,
        prosecutor,
        case_ref,
        outcome.evidence_file_id,
        page=1,
        passage="We cleaned until midnight",
        indicator="excessive_overtime",
    )
    out = tmp_path / "reviewed.jsonl"
    done = run.invoke(app, ["indicators", "export-reviewed", case_ref, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "Wrote 1 reviewed sentences" in done.output
    (line,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert (line["text"], line["expect"]) == ("We cleaned until midnight.", ["excessive_overtime"])
    scored = run.invoke(app, ["indicators", "evaluate", str(out)])
    assert scored.exit_code == 0 and "excessive_overtime" in scored.output
    missing = run.invoke(app, ["indicators", "export-reviewed", "NO-SUCH", "--out", str(out)])
    assert missing.exit_code == 1 and "NO-SUCH" in missing.output
