"""Bad money input through the ingest service: messages name file and line, a refused
file writes nothing, warnings are in the report and the audit entry, re-ingest is
idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from palermo.ingest.options import LoadOptions
from palermo.ingest.readers.structured import _PaymentChecks
from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.services.ingest import Outcome, ingest_path
from palermo.store.models import AuditEntry, EvidenceFile, Record

from .conftest import WriteFile

HEADER = "transaction_id,booked_at,payer_account,payee_account,amount,currency\n"


def _row(tid: str, amount: str = "100.00", day: int = 1) -> str:
    return f"{tid},2024-03-{day:02d}T09:00:00Z,ACC1,ACC2,{amount},EUR\n"


def _records(ctx: Context) -> list[tuple[int, str]]:
    with ctx.db.session() as session:
        rows = session.execute(
            select(Record.row_number, Record.amount).order_by(Record.row_number)
        ).all()
    return [(int(n), f"{a:.2f}") for n, a in rows]


def test_exact_duplicate_row_is_skipped_and_reingest_is_idempotent(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    path = write("payments.csv", HEADER + _row("T1") + _row("T2", "50.00") + _row("T1"))
    report = ingest_path(ctx, prosecutor, case_ref, path)
    (outcome,) = report.files
    warning = (
        "payments.csv, line 4 (same as line 2): exact duplicate of an earlier row (1 row); "
        "skipped, the first copy is loaded"
    )
    assert (outcome.status, outcome.records, outcome.warnings) == (
        Outcome.LOADED,
        2,
        (warning,),
    )
    assert outcome.message == f"2 records; {warning}"
    assert f"loaded    payments.csv: 2 records; {warning}" in report.summary()
    assert _records(ctx) == [(2, "100.00"), (3, "50.00")]
    with ctx.db.session() as session:
        details = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "evidence.ingest")
        ).one()
    # The audit log counts warnings; their text quotes the file name, which it never holds.
    assert details["records"] == 2 and details["warnings"] == 1 and "name" not in details

    again = ingest_path(ctx, prosecutor, case_ref, path)
    (second,) = again.files
    assert second.status == Outcome.DUPLICATE and again.records == 0
    assert _records(ctx) == [(2, "100.00"), (3, "50.00")]
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceFile)) == 1


def test_conflicting_transaction_id_refuses_the_file_and_writes_nothing(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    write: WriteFile,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small batches: rows before the conflict have already gone to the database.
    monkeypatch.setattr(_PaymentChecks, "BATCH", 4)
    monkeypatch.setattr("palermo.ingest.sealed.BATCH_ROWS", 5)
    body = "".join(_row(f"T{i}", f"{i + 1}.00") for i in range(20)) + _row("T3", "999.00")
    write("payments.csv", HEADER + body)
    write("other.csv", HEADER + _row("X1"))
    done: list[int] = []
    report = ingest_path(
        ctx,
        prosecutor,
        case_ref,
        evidence,
        progress=lambda name, n, _: done.append(n) if name == "payments.csv" else None,
    )
    assert max(done) >= 15  # inserted before the conflicting row was read
    outcomes = {f.name: f for f in report.files}
    failed = outcomes["payments.csv"]
    assert failed.status == Outcome.FAILED and failed.records == 0
    assert failed.message == (
        "payments.csv, line 22, column 'transaction_id': duplicate transaction id T3 "
        "(first on line 5) with different content; correct or remove one of the rows"
    )
    assert outcomes["other.csv"].status == Outcome.LOADED
    assert _records(ctx) == [(2, "100.00")]  # only other.csv's row
    with ctx.db.session() as session:
        evidence_row = session.scalars(
            select(EvidenceFile).where(EvidenceFile.original_name == "payments.csv")
        ).one()
        assert evidence_row.status == "failed" and evidence_row.problem == failed.message


def test_zero_and_negative_amounts_are_kept_with_warnings(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    body = _row("T1", "0.00") + _row("T2", "-40.00", day=2) + _row("T3", "75.00", day=3)
    path = write("statement.csv", HEADER + body)
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, path).files
    assert outcome.status == Outcome.LOADED and outcome.records == 3
    assert outcome.warnings == (
        "statement.csv, line 2: zero amount (1 row); loaded as given, left out of "
        "money-flow analysis",
        "statement.csv, line 3: negative amount (1 row); loaded as given (a refund or "
        "reversal?), left out of money-flow analysis",
    )
    assert _records(ctx) == [(2, "0.00"), (3, "-40.00"), (4, "75.00")]


def test_unparseable_date_names_file_and_line_and_writes_nothing(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    path = write("payments.csv", HEADER + _row("T1") + "T2,31/31/2024,ACC1,ACC2,5.00,EUR\n")
    strict = LoadOptions(all_or_nothing=True)
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, path, options=strict).files
    assert outcome.status == Outcome.FAILED
    assert outcome.message == (
        "payments.csv, line 3, column 'booked_at': bad date/time '31/31/2024': "
        "not a date: month must be in 1..12"
    )
    assert _records(ctx) == []
