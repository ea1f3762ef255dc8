"""The command line for evidence formats: a question answered with --locale, a mapping
profile saved and listed, and a unit's own rates loaded."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.services import users
from palermo.services.context import Context

HEADER = "transaction_id,booked_at,payer_account,payee_account,amount,currency\n"
PROFILE = """\
name: Musterbank
kind: payment
header: [Buchungstag, Konto, Gegenkonto, Betrag]
columns: {booked_at: Buchungstag, payer_account: Konto, payee_account: Gegenkonto, amount: Betrag}
locale: {decimal: ",", date_order: DMY}
"""


def test_question_profile_and_rates(run: CliRunner, tmp_path: Path, ctx: Context) -> None:
    users.ensure_unit(ctx, "U1", "Unit one", "US")
    created = run.invoke(app, ["cases", "create", "CLI-1", "--title", "T", "--unit", "U1"])
    assert created.exit_code == 0, created.output
    path = tmp_path / "p.csv"
    path.write_text(HEADER + 'T1,03/04/2024,A1,A2,"1,234",USD\n')
    asked = run.invoke(app, ["ingest", "CLI-1", str(path)])
    assert asked.exit_code == 1
    assert "question" in asked.output and "03/04/2024" in asked.output
    answered = run.invoke(app, ["ingest", "CLI-1", str(path), "--locale", "en_US"])
    assert answered.exit_code == 0, answered.output
    bad = run.invoke(app, ["ingest", "CLI-1", str(path), "--date-order", "YMD"])
    assert bad.exit_code == 1 and "date order" in bad.output

    profile = tmp_path / "musterbank.yaml"
    profile.write_text(PROFILE)
    saved = run.invoke(app, ["profiles", "save", str(profile), "--case", "CLI-1"])
    assert saved.exit_code == 0, saved.output
    listed = run.invoke(app, ["profiles", "list", "--case", "CLI-1"])
    assert "Musterbank" in listed.output and "IBM AMLworld" in listed.output
    shown = run.invoke(app, ["profiles", "show", "Musterbank", "--case", "CLI-1"])
    assert "Gegenkonto" in shown.output
    statement = tmp_path / "umsatz.csv"
    statement.write_text('Buchungstag,Konto,Gegenkonto,Betrag\n03.04.2024,K1,K2,"1.234"\n')
    loaded = run.invoke(app, ["ingest", "CLI-1", str(statement)])  # auto-matched
    assert loaded.exit_code == 0, loaded.output

    rates = tmp_path / "rates.csv"
    rates.write_text("currency,year,rate,source\nILS,2023,3.99,Bank of Israel\n")
    loaded_rates = run.invoke(app, ["rates", "load", str(rates), "--case", "CLI-1"])
    assert loaded_rates.exit_code == 0 and "loaded 1 rates" in loaded_rates.output
    assert "Bank of Israel" in run.invoke(app, ["rates", "list", "--case", "CLI-1"]).output
