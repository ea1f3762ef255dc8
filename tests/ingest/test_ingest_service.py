"""The ingest service: provenance, idempotency, all-or-nothing per file, identifiers."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, func, select

from palermo.ingest.options import LoadOptions
from palermo.security.permissions import Actor
from palermo.security.sealing import FileCipher
from palermo.services.context import Context
from palermo.services.errors import NotFound
from palermo.services.ingest import (
    FileOutcome,
    IngestReport,
    Outcome,
    ingest_path,
    read_stored,
    store_content,
)
from palermo.store.models import AuditEntry, EvidenceFile, Identifier, Record, Role
from palermo.store.models.documents import Document, DocumentPage

from .conftest import CALLS, MESSAGES, PAYMENTS, TRIPS, WriteFile


def _count(ctx: Context, model: type, *where: ColumnElement[bool]) -> int:
    with ctx.db.session() as session:
        statement = select(func.count()).select_from(model).where(*where)
        return int(session.scalar(statement) or 0)


def _by_name(report: IngestReport) -> dict[str, FileOutcome]:
    return {f.name: f for f in report.files}


def test_loads_each_kind_with_counts_and_provenance(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("calls.csv", CALLS)
    write("messages.csv", MESSAGES)
    write("payments.csv", PAYMENTS)
    write("sub/trips.csv", TRIPS)
    seen: list[tuple[str, int, int]] = []
    report = ingest_path(
        ctx,
        prosecutor,
        case_ref,
        evidence,
        progress=lambda name, done, total: seen.append((name, done, total)),
    )
    outcomes = _by_name(report)
    assert {n: (o.status, o.records, o.source_kind) for n, o in outcomes.items()} == {
        "calls.csv": (Outcome.LOADED, 3, "call"),
        "messages.csv": (Outcome.LOADED, 2, "message"),
        "payments.csv": (Outcome.LOADED, 2, "payment"),
        "sub/trips.csv": (Outcome.LOADED, 1, "trip"),
    }
    assert report.records == 8 and report.ok
    assert (report.loaded, report.duplicates, report.failed) == (4, 0, 0)
    assert ("calls.csv", 3, 3) in seen
    with ctx.db.session() as session:
        calls = session.scalars(
            select(EvidenceFile).where(EvidenceFile.original_name == "calls.csv")
        ).one()
        assert calls.status == "loaded" and calls.record_count == 3 and calls.size == len(CALLS)
        stored = ctx.settings.data_dir / calls.stored_path
        # Encrypted at rest with the case's key; the hash is the original's.
        assert CALLS.encode()[:40] not in stored.read_bytes()
        cipher = ctx.keyring.case_file_cipher(session, calls.case_id)
        assert b"".join(read_stored(cipher, stored)) == CALLS.encode()
        assert stored.name == calls.sha256 and stored.parent.name == calls.sha256[:2]
        rows = session.scalars(
            select(Record).where(Record.evidence_file_id == calls.id).order_by(Record.row_number)
        ).all()
        assert [r.row_number for r in rows] == [2, 3, 4]
        assert rows[2].source == "+12025550101" and rows[2].duration_s == 125
        assert rows[2].attrs == {"call_id": "C3", "cell_id": "CELL-1"}
        when = rows[2].occurred_at
        assert when is not None and when.strftime("%Y-%m-%d %H:%M") == "2024-03-02 08:15"
        payment = session.scalars(
            select(Record).where(Record.kind == "payment").order_by(Record.row_number)
        ).first()
        assert payment is not None and str(payment.amount) == "1250.50"
        assert payment.origin == "DE" and (payment.attrs or {})["payer_name"] == "Anna B"
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "evidence.ingest")
        ).all()
        assert len(actions) == 4


def test_identifiers_are_upserted_once(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("calls.csv", CALLS)
    write("messages.csv", MESSAGES)
    write("payments.csv", PAYMENTS)
    ingest_path(ctx, prosecutor, case_ref, evidence)
    with ctx.db.session() as session:
        pairs = {(k, v) for k, v in session.execute(select(Identifier.kind, Identifier.value))}
    assert pairs == {
        ("phone", "+12025550101"),
        ("phone", "+12025550102"),
        ("phone", "+12025550103"),
        ("account", "DE89370400440532013000"),
        ("account", "GB82WEST12345698765432"),
        ("account", "123456789"),
    }
    # More evidence with the same numbers adds no identifier twice.
    write("more.csv", CALLS.replace("C1,", "C7,"))
    ingest_path(ctx, prosecutor, case_ref, evidence / "more.csv")
    assert _count(ctx, Identifier) == 6


def test_reingest_is_idempotent(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("calls.csv", CALLS)
    write("payments.csv", PAYMENTS)
    ingest_path(ctx, prosecutor, case_ref, evidence)
    write("copy-of-calls.csv", CALLS)
    again = ingest_path(ctx, prosecutor, case_ref, evidence)
    outcomes = _by_name(again)
    assert outcomes["calls.csv"].status == Outcome.DUPLICATE
    message = outcomes["copy-of-calls.csv"].message
    assert message.startswith("already ingested as calls.csv on 20")
    assert again.records == 0
    assert again.summary().endswith(
        f"0 records from 0 files in {again.seconds:.1f} s; 3 already ingested, 0 failed, 0 refused"
    )
    assert _count(ctx, Record) == 5
    assert _count(ctx, EvidenceFile) == 2


def test_a_bad_file_writes_nothing_and_others_still_load(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("calls.csv", CALLS)
    write("bad-date.csv", CALLS + "C4,2024-02-30T10:00:00Z,+12025550101,+12025550102,1,X\n")
    write("ragged.csv", MESSAGES + "M3,2024-03-01T10:00:00Z,+12025550101\n")
    write("missing.csv", "transaction_id,booked_at,amount\nT1,2024-01-01,5\n")
    # A small file all in Latin-1 is simply decoded as such.
    write(
        "latin1.csv",
        CALLS.encode() + "C5,2024-03-01T10:00:00Z,+1202,+1203,1,Zoë\n".encode("latin-1"),
    )
    # All-or-nothing: one bad row refuses its file (the default loads the good rows).
    strict = LoadOptions(all_or_nothing=True)
    report = ingest_path(ctx, prosecutor, case_ref, evidence, options=strict)
    outcomes = _by_name(report)
    assert outcomes["calls.csv"].status == Outcome.LOADED
    assert outcomes["latin1.csv"].records == 4
    expected = {
        "bad-date.csv": "bad-date.csv, line 5, column 'started_at': bad date/time",
        "ragged.csv": "ragged.csv, line 4, column 'recipient': ragged row",
        "missing.csv": "missing.csv, line 1, column 'payer_account': missing required columns",
    }
    for name, start in expected.items():
        outcome = outcomes[name]
        assert outcome.status == Outcome.FAILED, name
        assert outcome.message.startswith(start), outcome.message
    with ctx.db.session() as session:
        failed = session.scalars(select(EvidenceFile).where(EvidenceFile.status == "failed")).all()
        names = {f.original_name for f in failed}
        assert {"bad-date.csv", "ragged.csv", "missing.csv"} <= names
        assert all(f.record_count == 0 and f.problem for f in failed)
        failed_ids = [f.id for f in failed]
        assert (
            session.scalar(
                select(func.count())
                .select_from(Record)
                .where(Record.evidence_file_id.in_(failed_ids))
            )
            == 0
        )
    # Re-running the same broken files records no second failure row.
    ingest_path(ctx, prosecutor, case_ref, evidence, options=strict)
    assert _count(ctx, EvidenceFile, EvidenceFile.status == "failed") == len(failed_ids)


def test_wrong_encoding_deep_in_the_file_rolls_back_everything(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    rows = "".join(
        f"C{i},2024-03-01T10:00:00Z,+12025550101,+12025550102,{i % 90},CELL\n"
        for i in range(30_000)
    )
    data = (CALLS + rows).encode() + "C9,2024-03-01T10:00:00Z,+1,+2,1,Zoë\n".encode("latin-1")
    write("calls-big.csv", data)
    report = ingest_path(ctx, prosecutor, case_ref, evidence)
    (outcome,) = report.files
    assert outcome.status == Outcome.FAILED
    assert outcome.message.startswith(f"calls-big.csv, line {4 + 30_000 + 1}, column 'cell_id'")
    # 30,000 good rows were inserted before the bad one: all rolled back.
    assert _count(ctx, Record) == 0


def test_documents_are_stored_with_pages(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("statement.txt", "I was told to call +1 202 555 0101.\fPage two.")
    report = ingest_path(ctx, prosecutor, case_ref, evidence)
    (outcome,) = report.files
    assert outcome.status == Outcome.LOADED and outcome.source_kind == "document"
    with ctx.db.session() as session:
        document = session.scalars(select(Document)).one()
        assert document.evidence_file_id == outcome.evidence_file_id
        pages = session.scalars(
            select(DocumentPage)
            .where(DocumentPage.document_id == document.id)
            .order_by(DocumentPage.number)
        ).all()
        assert [(p.number, p.text) for p in pages] == [
            (1, "I was told to call +1 202 555 0101."),
            (2, "Page two."),
        ]


def test_unknown_binary_file_fails_with_reason(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("blob.bin", bytes(range(256)) * 10)
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, evidence).files
    assert outcome.status == Outcome.FAILED and "no reader recognises" in outcome.message


def test_only_members_with_ingest_permission(
    ctx: Context, make_user: object, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("calls.csv", CALLS)
    outsider = make_user(Role.INVESTIGATOR)  # type: ignore[operator]
    with pytest.raises(NotFound):
        ingest_path(ctx, outsider, case_ref, evidence)
    admin = make_user(Role.ADMIN)  # type: ignore[operator]
    with pytest.raises(NotFound):
        ingest_path(ctx, admin, case_ref, evidence)
    assert _count(ctx, EvidenceFile) == 0
    # A local operator (the CLI) may load, and is named in the audit log.
    operator = Actor(user_id=None, username="cli:root", role=Role.ADMIN, operator=True)
    assert ingest_path(ctx, operator, case_ref, evidence).records == 3
    with pytest.raises(NotFound):
        ingest_path(ctx, operator, "NO-SUCH-CASE", evidence)
    with ctx.db.session() as session:
        who = session.scalar(
            select(AuditEntry.username).where(AuditEntry.action == "evidence.ingest")
        )
    assert who == "cli:root"


def test_content_store_is_atomic_and_read_only(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_bytes(b"x" * 3_000_000 + b"\n")
    cipher = FileCipher(b"k" * 32)
    stored = store_content(source, tmp_path / "evidence", cipher, 7)
    assert b"".join(read_stored(cipher, stored.path)) == source.read_bytes()
    assert stored.path.read_bytes()[:100] != source.read_bytes()[:100]
    assert stored.lines == 1 and stored.size == 3_000_001
    assert stored.path.parent.parent.name == "7"
    assert not (stored.path.stat().st_mode & 0o277)
    assert list((tmp_path / "evidence" / "tmp").iterdir()) == []
    again = store_content(source, tmp_path / "evidence", cipher, 7)
    assert again.path == stored.path


def test_stale_temporary_files_of_killed_runs_are_swept(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("calls.csv", CALLS)
    parts = ctx.settings.evidence_dir / "tmp"
    parts.mkdir(parents=True, exist_ok=True)
    old, fresh = parts / "old.part", parts / "fresh.part"
    old.write_bytes(b"half a file")
    fresh.write_bytes(b"another run is writing this")
    os.utime(old, (time.time() - 3 * 86400, time.time() - 3 * 86400))
    ingest_path(ctx, prosecutor, case_ref, evidence)
    assert not old.exists() and fresh.exists()
