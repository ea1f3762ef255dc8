"""Large structured files are read and sealed by a second process while the first one
inserts (palermo.ingest.pipeline): what is stored is exactly what the serial path
stores, a bad line stops the file with its file, line and column and leaves nothing,
and the identifiers' search keys are the ones search looks up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from palermo.ingest import bulk, pipeline, sealed
from palermo.ingest.normalize import normalize_phone_with_forms
from palermo.security import blind_index
from palermo.security.permissions import Actor
from palermo.services import cases, search
from palermo.services.context import Context
from palermo.services.ingest import Outcome, ingest_path
from palermo.settings import Settings
from palermo.store.models import EvidenceFile, Identifier, Record
from palermo.store.models.find import SearchKey
from palermo.store.models.formats import RowProblem

from .conftest import WriteFile

OTHER = "TEST-002"


@pytest.fixture(autouse=True)
def worker_for_small_files(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Files of any size go to the worker, in small batches (several cross the pipe)."""
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(pipeline, "PIPE_BATCH_ROWS", 97)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(ctx.settings, "ingest_worker", True)
    yield
    pipeline.shutdown()


@pytest.fixture
def used() -> Iterator[list[str]]:
    """The kinds of the files the worker read (a spy on ParallelRead.open)."""
    seen: list[str] = []
    original = pipeline.ParallelRead.open

    def spy(self: pipeline.ParallelRead) -> Any:
        stream = original(self)
        if stream is not None:
            seen.append(stream.kind)
        return stream

    pipeline.ParallelRead.open = spy  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        pipeline.ParallelRead.open = original  # type: ignore[method-assign]


def _other_case(ctx: Context, prosecutor: Actor, unit_id: int) -> str:
    return cases.create_case(
        ctx,
        prosecutor,
        reference=OTHER,
        title="Second case",
        jurisdiction="US",
        unit_id=unit_id,
        typology="escort_ads",
        statutes=["us-18-1591"],
    ).reference


def _calls(rows: int) -> str:
    lines = ["call_id,started_at,caller,callee,duration_s,cell_id"]
    for i in range(rows):
        caller = f"+1202555{i % 61:04d}"
        # Numbers written nationally, with 00, withheld, and one bad timestamp and duration.
        callee = ("(202) 666-" + f"{i % 37:04d}") if i % 5 else f"0044 7700 900{i % 89:03d}"
        if i % 41 == 0:
            callee = "withheld"
        when = f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
        if i == 250:
            when = "yesterday"
        duration = "12:30" if i % 7 == 0 else ("-4" if i == 300 else str(i % 900))
        lines.append(f"C{i},{when},{caller},{callee},{duration},CELL-{i % 13}")
    return "\n".join(lines) + "\n"


def _payments(rows: int) -> str:
    lines = [
        "transaction_id,booked_at,payer_account,payer_name,payee_account,payee_name,amount,"
        "currency,channel,country_from,country_to,reference"
    ]
    for i in range(rows):
        payer = "DE89 3704 0044 0532 0130 00" if i % 3 == 0 else f"{1000000 + i % 53}"
        payee = "GB82WEST12345698765432" if i % 4 == 0 else f"55-{i % 29:04d}"
        amount = "0.00" if i == 10 else ("-12.50" if i == 20 else f"{(i % 997) + 0.25:.2f}")
        currency = "ZZZ" if i == 30 else ("EUR" if i % 2 else "usd")
        lines.append(
            f"T{i},2024-04-{1 + i % 28:02d}T08:{i % 60:02d}:00Z,{payer},Name {i % 17},"
            f"{payee},Payee {i % 11},{amount},{currency},wire,DE,GB,ref {i % 5}"
        )
    lines.append(lines[40])  # an exact repeat of an earlier row: skipped with a warning
    return "\n".join(lines) + "\n"


def _stored(ctx: Context, reference: str) -> dict[str, Any]:
    """Everything a load stores for a case, read back through the ORM (decrypted), with
    the ids that differ between cases left out."""
    with ctx.db.session() as session:
        case_id = session.scalar(sa.text(f"SELECT id FROM cases WHERE reference = '{reference}'"))
        records = sorted(
            (
                r.kind,
                r.row_number,
                r.occurred_at,
                r.source,
                r.target,
                None if r.amount is None else str(r.amount),
                r.currency,
                r.duration_s,
                r.channel,
                r.body,
                r.origin,
                r.destination,
                repr(r.attrs),
            )
            for r in session.scalars(select(Record).where(Record.case_id == case_id))
        )
        identifiers = {
            i.id: (i.kind, i.value)
            for i in session.scalars(select(Identifier).where(Identifier.case_id == case_id))
        }
        keys = sorted(
            (identifiers[k.identifier_id], k.key, k.kind, k.sealed)
            for k in session.scalars(select(SearchKey).where(SearchKey.case_id == case_id))
        )
        problems = sorted(
            (p.line, p.column, p.value, p.reason)
            for p in session.scalars(select(RowProblem).where(RowProblem.case_id == case_id))
        )
        files = sorted(
            (e.original_name, e.status, e.record_count, e.source_kind, e.problem)
            for e in session.scalars(select(EvidenceFile).where(EvidenceFile.case_id == case_id))
        )
    return {
        "records": records,
        "identifiers": sorted(identifiers.values()),
        "keys": keys,
        "problems": problems,
        "files": files,
    }


def _count(ctx: Context, model: type) -> int:
    with ctx.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("writer_seals", [False, True], ids=["worker-seals", "writer-seals"])
def test_the_worker_stores_exactly_what_the_serial_path_stores(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    unit_id: int,
    write: WriteFile,
    evidence: Path,
    used: list[str],
    monkeypatch: pytest.MonkeyPatch,
    writer_seals: bool,
) -> None:
    # A load that rebuilds the indexes (SQLite) leaves the body and attributes to the
    # writer to seal; any other load has the worker seal everything.
    sealers: list[bool] = []
    made = pipeline.random_column_sealer

    def spy(*args: Any) -> Any:
        sealers.append(True)
        return made(*args)

    monkeypatch.setattr(pipeline, "random_column_sealer", spy)
    if writer_seals:
        monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 0)
    write("calls.csv", _calls(1500))
    write("payments.csv", _payments(900))
    parallel = ingest_path(ctx, prosecutor, case_ref, evidence)
    assert sorted(used) == ["call", "payment"]
    # The first file loaded into the empty table rebuilds its indexes; the second does not.
    assert len(sealers) == (1 if writer_seals and ctx.db.dialect == "sqlite" else 0)
    monkeypatch.setattr(ctx.settings, "ingest_worker", False)
    serial = ingest_path(ctx, prosecutor, _other_case(ctx, prosecutor, unit_id), evidence)
    assert sorted(used) == ["call", "payment"]  # the second run read in this process

    def outcomes(report: Any) -> list[tuple[Any, ...]]:
        return sorted(
            (f.name, f.status, f.message, f.records, f.warnings, f.bad_rows) for f in report.files
        )

    assert outcomes(parallel) == outcomes(serial)
    assert all(f.status == Outcome.LOADED for f in parallel.files)
    assert parallel.files[0].bad_rows + parallel.files[1].bad_rows >= 3  # the bad cells
    assert any("duplicate" in w for f in parallel.files for w in f.warnings)
    ours, theirs = _stored(ctx, case_ref), _stored(ctx, OTHER)
    assert ours == theirs
    assert len(ours["records"]) == parallel.records and ours["keys"] and ours["problems"]
    # Search finds a number by how a user types it, in the case loaded by the worker.
    found = search.search(ctx, prosecutor, "(202) 555-0007", kinds=("identifiers",))
    assert (case_ref, "+12025550007") in {(h.reference, h.value) for h in found.identifiers}


def test_a_bad_line_found_by_the_worker_names_it_and_leaves_nothing(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    text = _payments(800).splitlines()
    # The same transaction id as line 2 with other content, far into the file (a later
    # batch of the worker): the file is refused.
    text[600] = text[1].replace(",wire,", ",cash,")
    write("payments.csv", "\n".join(text) + "\n")
    report = ingest_path(ctx, prosecutor, case_ref, evidence)
    (outcome,) = report.files
    assert outcome.status == Outcome.FAILED
    assert outcome.message.startswith("payments.csv, line 601, column 'transaction_id': ")
    assert "first on line 2" in outcome.message
    assert (_count(ctx, Record), _count(ctx, Identifier), _count(ctx, SearchKey)) == (0, 0, 0)
    with ctx.db.session() as session:
        evidence_row = session.scalars(select(EvidenceFile)).one()
        assert evidence_row.status == "failed" and evidence_row.record_count == 0


def test_all_or_nothing_stops_at_the_first_bad_cell_of_any_batch(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    from palermo.ingest.options import LoadOptions

    write("calls.csv", _calls(1000))
    report = ingest_path(
        ctx, prosecutor, case_ref, evidence, options=LoadOptions(all_or_nothing=True)
    )
    (outcome,) = report.files
    assert outcome.status == Outcome.FAILED
    assert outcome.message.startswith("calls.csv, line 252, column 'started_at': ")
    assert _count(ctx, Record) == 0


def test_a_header_problem_reads_as_it_does_without_the_worker(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    write: WriteFile,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write("payments.csv", "transaction_id,booked_at,payer_account,amount\nT1,2024-01-01,1,2\n")
    parallel = ingest_path(ctx, prosecutor, case_ref, evidence).files[0]
    assert parallel.status == Outcome.FAILED and "payee_account" in parallel.message
    monkeypatch.setattr(ctx.settings, "ingest_worker", False)
    serial = ingest_path(ctx, prosecutor, case_ref, evidence).files[0]
    assert (serial.status, serial.message) == (parallel.status, parallel.message)


def test_the_worker_is_reused_after_a_failure_and_re_ingest_adds_nothing(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    write: WriteFile,
    evidence: Path,
    used: list[str],
) -> None:
    bad = _payments(300).splitlines()
    bad[200] = bad[1].replace(",wire,", ",cash,")
    write("bad/payments.csv", "\n".join(bad) + "\n")
    assert ingest_path(ctx, prosecutor, case_ref, evidence / "bad").files[0].status == "failed"
    write("good/calls.csv", _calls(400))
    first = ingest_path(ctx, prosecutor, case_ref, evidence / "good")
    assert first.files[0].status == Outcome.LOADED
    assert used == ["payment", "call"]
    records = _count(ctx, Record)
    again = ingest_path(ctx, prosecutor, case_ref, evidence / "good")
    assert again.files[0].status == Outcome.DUPLICATE
    assert _count(ctx, Record) == records


def test_a_worker_that_dies_fails_the_file_and_the_next_one_loads(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    write: WriteFile,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = bulk.insert_sealed

    def kill_then_insert(*args: Any, **kwargs: Any) -> int:
        worker = pipeline._IDLE[0] if pipeline._IDLE else None
        assert worker is None  # it is in use
        for pid in _workers():
            os.kill(pid, signal.SIGKILL)
        return original(*args, **kwargs)

    monkeypatch.setattr(bulk, "insert_sealed", kill_then_insert)
    write("one/calls.csv", _calls(3000))
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, evidence / "one").files
    assert outcome.status == Outcome.FAILED and "stopped" in outcome.message
    assert _count(ctx, Record) == 0
    monkeypatch.setattr(bulk, "insert_sealed", original)
    write("two/calls.csv", _calls(500))
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, evidence / "two").files
    assert outcome.status == Outcome.LOADED and outcome.records > 0


def test_the_worker_is_used_when_a_cpu_is_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline.os, "getloadavg", lambda: (1.2, 1.0, 1.0))
    assert pipeline.worth_it(10)
    monkeypatch.setattr(pipeline.os, "getloadavg", lambda: (1.8, 1.0, 1.0))
    assert not pipeline.worth_it(10)
    assert pipeline.worth_it(10, True) and not pipeline.worth_it(10, False)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_ROWS", 50_000)
    assert not pipeline.worth_it(10, True) and pipeline.worth_it(50_000, True)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 1)
    assert not pipeline.worth_it(50_000, True)
    # The setting comes from the environment, like every other.
    monkeypatch.setenv("PALERMO_INGEST_WORKER", "0")
    assert Settings().ingest_worker is False


def test_a_large_tabular_file_starts_the_worker_before_it_is_copied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_ROWS", 50_000)
    pipeline.shutdown()
    large = 50_000 * pipeline.MIN_LINE_BYTES
    pipeline.warm_up("scan.pdf", large, True)
    pipeline.warm_up("calls.csv", large - pipeline.MIN_LINE_BYTES, True)
    pipeline.warm_up("calls.csv", large, False)
    assert _workers() == []
    pipeline.warm_up("bundle.zip/Calls.CSV", large, True)
    (started,) = _workers()
    pipeline.warm_up("payments.csv", large, True)  # one is waiting already
    assert _workers() == [started]


def test_the_worker_imports_no_database_code() -> None:
    # Its start-up delays the first row of every large file a process reads first.
    script = (
        "import sys, palermo.ingest.pipeline, palermo.ingest.sealed; "
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'palermo.store', "
        "'palermo.ingest.readers.documents') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"


def _workers() -> list[int]:
    """The process ids of this process's reading workers that are running (not ended)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid() and b"palermo.ingest.pipeline" in command:
            found.append(int(entry.name))
    return found


# --- the search keys a bulk load makes ---------------------------------------------------


PHONES = [
    "+12025550123",
    "(202) 555-0123",
    "+447700900123",
    "00447700900123",
    "+390612345678",  # Italian: a leading zero in the national number
    "+393471234567",
    "+4915123456789",
    "+525512345678",
    "+5491123456789",
    "+40721555666",
    "+861012345678",
    "+35312345678",
    "+7 495 123-45-67",
    "0721555666",
]


@pytest.mark.parametrize("raw", PHONES)
def test_forms_known_from_reading_give_the_tokens_search_makes(raw: str) -> None:
    for region in ("US", "GB", "RO"):
        value, forms = normalize_phone_with_forms(raw, region)
        if value is None:
            continue
        expected = blind_index.identifier_tokens("phone", value, region)
        if forms is None:
            assert raw.strip() != value
            continue
        assert raw.strip() == value
        assert sealed.prefix_tokens(forms) == expected


def test_the_bulk_keys_are_the_search_keys() -> None:
    master = bytes(range(32)) + b"more key material"
    slow = blind_index.key_for(master)
    items = [("phone", "+12025550123"), ("account", "123456789"), ("email", "a@b.example")]
    made = sealed.identifier_keys(master, "US", items)
    for kind, value in items:
        tokens = blind_index.identifier_tokens(kind, value, "US")
        assert made[(kind, value)] == slow.many(blind_index.IDENTIFIER, tokens)


def test_postgresql_checks_the_parents_once_or_per_row_the_same(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    unit_id: int,
    write: WriteFile,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if ctx.db.dialect != "postgresql":
        pytest.skip("PostgreSQL's foreign-key triggers")
    settings: list[str] = []
    original = bulk._copy_insert

    def watch(raw: Any, *args: Any) -> int:
        with raw.cursor() as cursor:
            cursor.execute("SELECT current_setting('session_replication_role')")
            settings.append(cursor.fetchone()[0])
        return original(raw, *args)

    monkeypatch.setattr(bulk, "_copy_insert", watch)
    write("calls.csv", _calls(600))
    once = ingest_path(ctx, prosecutor, case_ref, evidence)
    assert once.files[0].status == Outcome.LOADED
    assert settings == ["replica"]  # the test database's role is a superuser
    with ctx.db.engine.connect() as connection:
        role = connection.exec_driver_sql("SELECT current_setting('session_replication_role')")
        assert role.scalar() == "origin"
    monkeypatch.setattr(bulk, "_may_skip_triggers", lambda raw: False)
    per_row = ingest_path(ctx, prosecutor, _other_case(ctx, prosecutor, unit_id), evidence)
    assert settings == ["replica", "origin"]
    assert per_row.files[0].message == once.files[0].message
    assert _stored(ctx, case_ref) == _stored(ctx, OTHER)


def test_postgresql_bulk_tables_have_no_trigger_a_load_would_skip(ctx: Context) -> None:
    # The once-per-load check skips every trigger of the COPY it wraps; only the
    # database's own foreign-key triggers may be there, or something would go unchecked.
    if ctx.db.dialect != "postgresql":
        pytest.skip("PostgreSQL's triggers")
    with ctx.db.engine.connect() as connection:
        own = connection.exec_driver_sql(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
            " WHERE NOT tgisinternal AND tgrelid IN ('records'::regclass, 'search_keys'::regclass)"
        ).all()
    assert own == []


def test_postgresql_refuses_a_load_whose_parent_is_gone(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    if ctx.db.dialect != "postgresql":
        pytest.skip("PostgreSQL's foreign-key triggers")
    with ctx.db.session() as session:
        raw = session.connection().connection.driver_connection
        with (
            pytest.raises(LookupError, match="evidence_files"),
            bulk._checked_once(raw, "evidence_files", [987654]),
        ):
            pass
        session.rollback()


def test_a_write_that_fails_midway_stops_the_worker_and_leaves_nothing(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    write: WriteFile,
    evidence: Path,
    used: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = bulk.insert_sealed

    def fail_after_two_batches(
        session: Any, case_id: int, evidence_id: int, batches: Any, *args: Any, **kwargs: Any
    ) -> int:
        def two_then_fail() -> Iterator[Any]:
            for number, batch in enumerate(batches):
                if number == 2:
                    raise RuntimeError("disk full")
                yield batch

        return original(session, case_id, evidence_id, two_then_fail(), *args, **kwargs)

    monkeypatch.setattr(bulk, "insert_sealed", fail_after_two_batches)
    write("one/calls.csv", _calls(2000))
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, evidence / "one").files
    assert outcome.status == Outcome.FAILED and "disk full" in outcome.message
    assert (_count(ctx, Record), _count(ctx, Identifier), _count(ctx, SearchKey)) == (0, 0, 0)
    assert not _workers()  # stopped: it may have been midway through a batch
    monkeypatch.setattr(bulk, "insert_sealed", original)
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, evidence / "one").files
    assert outcome.status == Outcome.LOADED and _count(ctx, Record) == outcome.records
    assert used == ["call", "call"]
