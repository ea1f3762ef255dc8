"""Import of a real defendant-level outcome table (an excerpt of the HTD project's public
extract): one transaction, rows refused by line and field, idempotent, and statistics equal
to a computation made directly on the table."""

from __future__ import annotations

import csv
import os
import statistics
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from palermo.security.permissions import Actor
from palermo.services import caseload_views, outcome_import
from palermo.services.context import Context
from palermo.services.fields import FieldErrors
from palermo.settings import Settings, get_settings
from palermo.store.models import Case, Charge, Person
from palermo.store.models.caseload import Outcome

EXCERPT = Path(__file__).parent / "data" / "htd_excerpt.csv"
# The whole public sample, when the development data folder sits beside the repository.
_BESIDE = Path(__file__).resolve().parents[3] / "shared" / "data" / "htd"
FULL_SAMPLE = Path(os.environ.get("PALERMO_HTD_SAMPLE") or _BESIDE / "htd_defendants_sample.csv")
SECTIONS = {"1589": "us-18-1589", "1590": "us-18-1590", "1591": "us-18-1591", "1592": "us-18-1592"}


def _num(text: str) -> float:
    return float(text) if text.strip() else 0.0


def _direct(path: Path, lines: set[int]) -> dict[str, tuple[int, list[float]]]:
    """Per statute, straight from the table: convicted defendants and their custodial
    months above zero (only the rows the import accepted)."""
    out: dict[str, tuple[int, list[float]]] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            if line not in lines:
                continue
            for section, sid in SECTIONS.items():
                if row[section] != "1":
                    continue
                if _num(row[f"PleaGuilty{section}"]) + _num(row[f"TrialGuilty{section}"]) > 0:
                    n, months = out.get(sid, (0, []))
                    sent = _num(row[f"Sent{section}"])
                    out[sid] = (n + 1, months + ([sent] if sent > 0 else []))
    return out


def test_import_refuses_by_line_and_matches_a_direct_computation(
    ctx: Context, prosecutor: Actor, unit_id: int
) -> None:
    text = EXCERPT.read_text(encoding="utf-8")
    report = outcome_import.import_outcomes(ctx, prosecutor, text, unit_id=unit_id)
    assert report.rows == 45
    assert [str(p) for p in report.refused] == [
        "line 46, DateTerminated = '10/19/20001': not a date in the form %m/%d/%Y (refused)"
    ]
    assert report.defendants == 44 and report.outcomes == 14
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 44
        assert session.scalar(sa.select(sa.func.count()).select_from(Charge)) == 14
        assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == len(
            report.cases_created
        )
    stats = caseload_views.outcomes(ctx, prosecutor).stats
    assert stats is not None
    direct = _direct(EXCERPT, set(report.imported_lines))
    by_statute = {m.group: m for m in stats.sentence_mix_by_statute}
    assert set(by_statute) == set(direct)
    for sid, (n, months) in direct.items():
        mix = by_statute[sid]
        assert mix.n == n, sid
        assert mix.median_custodial_months == pytest.approx(statistics.median(months)), sid
        assert mix.mean_custodial_months == pytest.approx(statistics.mean(months)), sid

    again = outcome_import.import_outcomes(ctx, prosecutor, text, unit_id=unit_id)
    assert again.defendants == 0 and again.already_imported == 44
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == 14


def test_a_row_refused_while_writing_leaves_nothing(
    ctx: Context, prosecutor: Actor, unit_id: int
) -> None:
    rows = list(csv.DictReader(EXCERPT.open(encoding="utf-8")))
    header = list(rows[0])
    # Line 2's defendant was convicted under 1592 with a term above its 60-month maximum.
    bad = dict(rows[0])
    bad.update(
        {
            "1592": "1",
            "Counts1592": "1",
            "PleaGuilty1592": "1",
            "Sent1592": "61",
            "CaseNum": "X-1",
            "SentDate": "1/5/2009",
        }
    )
    good = dict(rows[1], CaseNum="X-1")
    lines = [",".join(header)]
    for r in (bad, good):
        lines.append(",".join('"' + r[h].replace('"', '""') + '"' for h in header))
    report = outcome_import.import_outcomes(ctx, prosecutor, "\n".join(lines), unit_id=unit_id)
    assert report.refused and report.refused[0].line == 2
    assert "custodial_months: 61 months is above the maximum of 60" in report.refused[0].message
    with ctx.db.session() as session:
        names = set(session.scalars(sa.select(Person.name)))
    assert names == {f"{good['DefFirst']} {good['DefLast']}"}


def test_bad_files_are_refused_whole(ctx: Context, prosecutor: Actor, unit_id: int) -> None:
    with pytest.raises(FieldErrors, match="line 1: the table lacks the profile's columns"):
        outcome_import.import_outcomes(ctx, prosecutor, "a,b\n1,2\n", unit_id=unit_id)
    with pytest.raises(FieldErrors, match="no profile named 'nope'"):
        outcome_import.import_outcomes(ctx, prosecutor, "a\n", unit_id=unit_id, profile="nope")


def test_a_profile_name_is_never_read_as_a_server_path(
    ctx: Context, prosecutor: Actor, unit_id: int, tmp_path: Path
) -> None:
    # The profile name can come from a web form: a path must not open a file on the server.
    planted = tmp_path / "planted.yaml"
    planted.write_text("secret: [not, a, profile]\n", encoding="utf-8")
    with pytest.raises(FieldErrors, match="no profile named") as refused:
        outcome_import.import_outcomes(
            ctx, prosecutor, "a\n", unit_id=unit_id, profile=str(planted)
        )
    assert "secret" not in str(refused.value)


@pytest.mark.skipif(not FULL_SAMPLE.is_file(), reason="the shared HTD sample is not present")
def test_the_full_public_sample_imports(ctx: Context, prosecutor: Actor, unit_id: int) -> None:
    report = outcome_import.import_outcomes(
        ctx, prosecutor, FULL_SAMPLE.read_text(encoding="utf-8-sig"), unit_id=unit_id
    )
    assert report.rows == 121 and report.refused_lines == [65]
    direct = _direct(FULL_SAMPLE, set(report.imported_lines))
    stats = caseload_views.outcomes(ctx, prosecutor).stats
    assert stats is not None
    mix = {m.group: m for m in stats.sentence_mix_by_statute}
    for sid, (n, months) in direct.items():
        assert mix[sid].n == n
        assert mix[sid].mean_custodial_months == pytest.approx(statistics.mean(months))


def test_cli_import(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    ctx: Context,
    unit_id: int,
    tmp_path: Path,
) -> None:
    from importlib import resources

    from palermo.cli.main import app

    # A profile of one's own, as a YAML file: the CLI reads it and hands over its text.
    own_profile = tmp_path / "our-court.yaml"
    bundled = resources.files("palermo.caseload").joinpath("import_profiles", "htd.yaml")
    own_profile.write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")

    monkeypatch.setenv("PALERMO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PALERMO_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PALERMO_SECRET_KEY", str(settings.secret_key))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app,
            [
                "cases",
                "import-outcomes",
                str(EXCERPT),
                "--unit",
                "test-unit",
                "--profile",
                str(own_profile),
            ],
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "44 defendants" in result.output and "line 46, DateTerminated" in result.output


def test_import_page(client: object, login: object, prosecutor: Actor) -> None:
    from fastapi.testclient import TestClient
    from tests.helpers import csrf_from

    assert isinstance(client, TestClient)
    login(client, "prosecutor")  # type: ignore[operator]
    token = csrf_from(client.get("/outcomes/import").text)
    empty = client.post("/outcomes/import", data={"csrf_token": token, "profile": "htd"})
    assert empty.status_code == 422 and "choose the CSV file" in empty.text
    done = client.post(
        "/outcomes/import",
        data={"csrf_token": token, "profile": "htd"},
        files={"file": ("htd_excerpt.csv", EXCERPT.read_bytes(), "text/csv")},
    )
    assert done.status_code == 200, done.text
    assert "44 defendants, 14 charges, 14 outcomes" in done.text
    assert "Line 46, column DateTerminated" in done.text
