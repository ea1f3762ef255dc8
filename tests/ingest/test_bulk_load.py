"""The bulk load path (SQLite batches, PostgreSQL binary COPY): what it writes is what
the ORM reads back, sealed at rest, with identifiers indexed for search, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from palermo.ingest import bulk, sealed
from palermo.security import blind_index
from palermo.security.permissions import Actor
from palermo.security.sealing import ColumnCipher
from palermo.services import search
from palermo.services.context import Context
from palermo.services.ingest import Outcome, ingest_path
from palermo.store.models import EvidenceFile, Identifier, Record
from palermo.store.models.find import SearchKey

from .conftest import CALLS, MESSAGES, PAYMENTS, TRIPS, WriteFile


def _count(ctx: Context, model: type, *where: sa.ColumnElement[bool]) -> int:
    with ctx.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _calls(rows: int, first: int = 0) -> str:
    lines = ["call_id,started_at,caller,callee,duration_s,cell_id"]
    for i in range(first, first + rows):
        lines.append(
            f"C{i},2024-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z,"
            f"+1202555{i % 500:04d},+1202666{i % 700:04d},{i % 900},CELL-{i % 13}"
        )
    return "\n".join(lines) + "\n"


def _index_names(ctx: Context) -> set[str]:
    """The indexes of the tables a load may rebuild them on (SQLite)."""
    inspector = sa.inspect(ctx.db.engine)
    return {
        f"{table}.{ix['name']}"
        for table in ("records", "search_keys")
        for ix in inspector.get_indexes(table)
    }


def test_every_field_reads_back_and_what_names_a_person_is_sealed(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("calls.csv", CALLS)
    write("messages.csv", MESSAGES)
    write("payments.csv", PAYMENTS)
    write("trips.csv", TRIPS)
    report = ingest_path(ctx, prosecutor, case_ref, evidence)
    assert report.ok and report.records == 8
    with ctx.db.session() as session:
        records = {
            (r.kind, r.row_number): r
            for r in session.scalars(select(Record).where(Record.case_id.is_not(None)))
        }
        message = records[("message", 2)]
        assert message.body == "Meet at the hotel, room 12"
        assert (message.source, message.target, message.channel) == (
            "+12025550101",
            "+12025550102",
            "sms",
        )
        assert message.attrs == {"message_id": "M1"}
        payment = records[("payment", 3)]
        assert (payment.source, payment.target) == ("GB82WEST12345698765432", "123456789")
        assert str(payment.amount) == "99.99" and payment.currency == "GBP"
        assert (payment.origin, payment.destination) == ("GB", "US")
        trip = records[("trip", 2)]
        assert (trip.source, trip.origin, trip.destination) == ("Victim One", "Bucharest", "London")
        assert str(trip.amount) == "120.00" and trip.channel == "bus"
        call = records[("call", 4)]
        assert call.occurred_at is not None
        assert call.occurred_at.strftime("%Y-%m-%d %H:%M:%S") == "2024-03-02 08:15:00"
        assert call.duration_s == 125
        # At rest: no phone, name, place or message text in the clear.
        raw = session.execute(
            sa.text("SELECT source, target, body, origin, destination, attrs FROM records")
        ).all()
    stored = b"".join(bytes(v) for row in raw for v in row if v is not None)
    for clear in (b"+12025550101", b"Victim One", b"Bucharest", b"hotel", b"Anna B", b"M1"):
        assert clear not in stored


def test_identifiers_are_stored_once_and_found_by_search(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("calls.csv", CALLS)
    write("payments.csv", PAYMENTS)
    ingest_path(ctx, prosecutor, case_ref, evidence)
    with ctx.db.session() as session:
        found = session.execute(
            select(Identifier.id, Identifier.kind, Identifier.value, Identifier.created_at)
        ).all()
        region = "US"
        key = blind_index.key_for(ctx.keyring.master)
        for identifier_id, kind, value, created in found:
            assert created is not None
            keys = session.scalars(
                select(SearchKey.key).where(SearchKey.identifier_id == identifier_id)
            ).all()
            expected = key.many(
                blind_index.IDENTIFIER, blind_index.identifier_tokens(kind, value, region)
            )
            assert sorted(keys) == expected, value
    assert {(k, v) for _, k, v, _ in found} == {
        ("phone", "+12025550101"),
        ("phone", "+12025550102"),
        ("phone", "+12025550103"),
        ("account", "DE89370400440532013000"),
        ("account", "GB82WEST12345698765432"),
        ("account", "123456789"),
    }
    # Typed as people type it, with its national form.
    hits = search.search(ctx, prosecutor, "(202) 555-0103", kinds=("identifiers",))
    assert [(h.reference, h.value) for h in hits.identifiers] == [(case_ref, "+12025550103")]
    keys_before = _count(ctx, SearchKey)
    # The same numbers in another file: no identifier and no key twice.
    write("more/calls-again.csv", CALLS.replace("C1,", "C9,"))
    ingest_path(ctx, prosecutor, case_ref, evidence / "more")
    assert _count(ctx, Identifier) == 6
    assert _count(ctx, SearchKey) == keys_before


def test_reingest_of_a_large_file_adds_nothing(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    write: WriteFile,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small thresholds: several batches, and the index rebuild on SQLite.
    monkeypatch.setattr(sealed, "BATCH_ROWS", 700)
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1000)
    monkeypatch.setattr(bulk, "IDENTIFIER_BATCH", 300)
    indexes = _index_names(ctx)
    assert {"records.ix_records_case_source", "search_keys.ix_search_keys_key"} <= indexes
    write("calls.csv", _calls(5000))
    first = ingest_path(ctx, prosecutor, case_ref, evidence)
    (outcome,) = first.files
    assert outcome.status == Outcome.LOADED and outcome.records == 5000
    assert _index_names(ctx) == indexes
    counts = (_count(ctx, Record), _count(ctx, Identifier), _count(ctx, SearchKey))
    assert counts[:2] == (5000, 1200)
    again = ingest_path(ctx, prosecutor, case_ref, evidence)
    assert [f.status for f in again.files] == [Outcome.DUPLICATE]
    assert (_count(ctx, Record), _count(ctx, Identifier), _count(ctx, SearchKey)) == counts
    with ctx.db.session() as session:
        rows = session.execute(
            select(Record.row_number, Record.source, Record.attrs)
            .where(Record.row_number.in_([2, 5001]))
            .order_by(Record.row_number)
        ).all()
    assert [tuple(r) for r in rows] == [
        (2, "+12025550000", {"call_id": "C0", "cell_id": "CELL-0"}),
        (5001, "+12025550499", {"call_id": "C4999", "cell_id": "CELL-7"}),
    ]


def test_a_failure_after_the_records_leaves_nothing(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    write: WriteFile,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1000)
    indexes = _index_names(ctx)

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk, "_index_new_identifiers", broken)
    write("calls.csv", _calls(3000))
    report = ingest_path(ctx, prosecutor, case_ref, evidence)
    (outcome,) = report.files
    assert outcome.status == Outcome.FAILED and "disk full" in outcome.message
    assert (_count(ctx, Record), _count(ctx, Identifier), _count(ctx, SearchKey)) == (0, 0, 0)
    # The dropped indexes came back with the rollback.
    assert _index_names(ctx) == indexes
    monkeypatch.undo()
    retried = ingest_path(ctx, prosecutor, case_ref, evidence)
    assert [f.status for f in retried.files] == [Outcome.LOADED]
    assert _count(ctx, Record) == 3000
    assert _count(ctx, EvidenceFile) == 1
    assert _count(ctx, SearchKey) > 0


def test_batches_with_and_without_a_column_read_back_the_same(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    write: WriteFile,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Batches of two rows: a column empty in one batch is left out of its INSERT, filled
    # in the next; an empty cell beside filled ones in the same batch stays empty (a
    # message's empty text is kept as written).
    monkeypatch.setattr(sealed, "BATCH_ROWS", 2)
    write(
        "messages.csv",
        "message_id,sent_at,sender,recipient,channel,body\n"
        "M1,2024-03-01T10:05:00Z,+12025550101,+12025550102,,\n"
        "M2,2024-03-01T10:06:00Z,+12025550102,+12025550101,,\n"
        "M3,2024-03-01T10:07:00Z,+12025550101,,sms,hello\n"
        "M4,2024-03-01T10:08:00Z,+12025550102,+12025550101,,again\n"
        "M5,2024-03-01T10:09:00Z,+12025550101,+12025550103,sms,\n",
    )
    report = ingest_path(ctx, prosecutor, case_ref, evidence)
    assert report.ok and report.records == 5
    with ctx.db.session() as session:
        got = [
            (r.row_number, r.target, r.channel, r.body, r.attrs)
            for r in session.scalars(select(Record).order_by(Record.row_number))
        ]
    assert got == [
        (2, "+12025550102", None, "", {"message_id": "M1"}),
        (3, "+12025550101", None, "", {"message_id": "M2"}),
        (4, None, "sms", "hello", {"message_id": "M3"}),
        (5, "+12025550101", None, "again", {"message_id": "M4"}),
        (6, "+12025550103", "sms", "", {"message_id": "M5"}),
    ]


def test_keys_and_records_still_go_with_their_owners(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    # PostgreSQL checks a record's and a key's case only through their owners (0011).
    write("calls.csv", CALLS)
    ingest_path(ctx, prosecutor, case_ref, evidence)
    with ctx.db.session() as session:
        gone, kept = session.execute(
            select(Identifier.id, Identifier.case_id).order_by(Identifier.id).limit(2)
        ).all()
        case_id = gone.case_id
    assert _count(ctx, SearchKey, SearchKey.identifier_id == gone.id) > 0
    with ctx.db.session() as session:
        session.execute(sa.delete(Identifier).where(Identifier.id == gone.id))
    assert _count(ctx, SearchKey, SearchKey.identifier_id == gone.id) == 0
    assert _count(ctx, SearchKey, SearchKey.identifier_id == kept.id) > 0
    # A case holding evidence (so records) and identifiers (so keys) cannot be deleted.
    with pytest.raises(sa.exc.IntegrityError), ctx.db.session() as session:
        session.execute(sa.text("DELETE FROM cases WHERE id = :id"), {"id": case_id})
    assert _count(ctx, Record, Record.case_id == case_id) == 3
    assert _count(ctx, SearchKey, SearchKey.case_id == case_id) > 0


def test_sealed_batches_refuse_a_row_of_another_width(ctx: Context) -> None:
    cipher = ColumnCipher(ctx.keyring.master)
    row = (2, "call", None, "+12025550101", None, None, None, 60, None, None, None, None, None)
    ((n, columns),) = sealed.sealed_batches([row, row], cipher, blob=None)
    assert n == 2 and columns[4] is None and columns[0] == [2, 2]
    assert columns[3] == [cipher.seal_fixed("+12025550101", sealed.IDENTIFIER_LABEL)] * 2
    with pytest.raises(ValueError, match="13 fields"):
        list(sealed.sealed_batches([row, row[:-1]], cipher))


@pytest.mark.parametrize("blob", [None, bytearray])
def test_random_columns_left_as_text_are_sealed_later_the_same_way(ctx: Context, blob: Any) -> None:
    cipher = ColumnCipher(ctx.keyring.master)
    rows = [
        (1, "message", None, "+12025550101", None, None, None, None, "sms", "hi", None, None, None),
        (
            2,
            "message",
            None,
            "+12025550102",
            None,
            None,
            None,
            None,
            "sms",
            None,
            None,
            None,
            '{"message_id":"m2"}',
        ),
    ]
    ((_, left),) = sealed.sealed_batches(rows, cipher, blob=blob, random=False)
    assert left[9] == ["hi", None] and left[12] == [None, '{"message_id":"m2"}']
    ((_, whole),) = sealed.sealed_batches(rows, cipher, blob=blob)
    assert left[3] == whole[3]  # the deterministic columns are sealed either way
    sealed.random_column_sealer(cipher, blob)(left)
    for later, at_once in zip(left, whole, strict=True):
        if later is None or at_once is None:
            assert later is at_once
            continue
        assert [type(v) for v in later] == [type(v) for v in at_once]
    for i, label in ((9, "records.body"), (12, "records.attrs")):
        column = left[i]
        assert column is not None
        texts = [None if v is None else cipher.open(v, label) for v in column]
        assert texts == [row[i] for row in rows]


def test_the_load_cache_lasts_the_file_and_the_pool_gets_the_usual_one_back(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    write: WriteFile,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if ctx.db.dialect != "sqlite":
        pytest.skip("SQLite's page cache")
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1000)
    with ctx.db.engine.connect() as connection:
        usual = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    assert usual != -bulk.SQLITE_LOAD_CACHE_KIB
    during: list[int] = []
    returned: list[int] = []
    index_new = bulk._index_new_identifiers

    def watched(raw: Any, *args: Any) -> int:
        during.append(raw.execute("PRAGMA cache_size").fetchone()[0])
        if len(during) == 2:
            raise RuntimeError("disk full")  # the second file fails after its records
        return index_new(raw, *args)

    def checkin(dbapi_connection: Any, record: Any) -> None:
        returned.append(dbapi_connection.execute("PRAGMA cache_size").fetchone()[0])

    monkeypatch.setattr(bulk, "_index_new_identifiers", watched)
    sa.event.listen(ctx.db.engine, "checkin", checkin)
    try:
        write("calls.csv", _calls(3000))
        assert ingest_path(ctx, prosecutor, case_ref, evidence).ok
        write("calls.csv", _calls(3000, first=3000))
        (failed,) = ingest_path(ctx, prosecutor, case_ref, evidence).files
    finally:
        sa.event.remove(ctx.db.engine, "checkin", checkin)
    assert failed.status == Outcome.FAILED and "disk full" in failed.message
    # Still the load's cache after the records (their dirty pages stay in memory) ...
    assert during == [-bulk.SQLITE_LOAD_CACHE_KIB] * 2
    # ... and every connection back in the pool with its usual one, committed or not.
    assert returned and set(returned) == {usual}
    assert _count(ctx, Record) == 3000
