"""Bulk insert of records and identifiers inside the caller's transaction.

SQLite: ``executemany`` of one prepared INSERT on the raw DBAPI connection, in
batches. PostgreSQL: ``COPY records FROM STDIN`` through psycopg 3. Both run in
the session's open transaction, so a failure anywhere rolls the whole file back.

Rows are tuples in ``ROW_FIELDS`` order (see ``readers.structured``). For SQLite
they must already be in stored form (timestamps as naive UTC text, amounts as
text, attrs as JSON text); for PostgreSQL aware datetimes and Decimals.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from palermo.ingest.readers.base import RecordRow
from palermo.ingest.readers.structured import ROW_FIELDS
from palermo.security.sealing import ColumnCipher
from palermo.store.models import Identifier
from palermo.store.types import cipher_of

BATCH_ROWS = 20_000
# Loads at least this large, and at least as large as the table, rebuild the indexes.
REBUILD_MIN_ROWS = 50_000
RECORD_COLUMNS: tuple[str, ...] = ("case_id", "evidence_file_id", *ROW_FIELDS)
Row = tuple[Any, ...]
Progress = Callable[[int], None]


def wants_text(session: Session) -> bool:
    """Whether rows for this session's database should be in stored text form (SQLite)."""
    return session.get_bind().dialect.name == "sqlite"


def insert_records(
    session: Session,
    case_id: int,
    evidence_file_id: int,
    rows: Iterable[Row],
    on_batch: Progress | None = None,
    expected_rows: int = 0,
) -> int:
    """Insert all ``rows`` for one evidence file; returns the count. Calls ``on_batch(done)``.

    ``expected_rows`` (an estimate, e.g. the file's line count) lets SQLite rebuild the
    record indexes once instead of updating them row by row when the load is large.
    """
    bind_dialect = session.get_bind().dialect
    dialect = bind_dialect.name
    rows = sealed_rows(rows, cipher_of(bind_dialect))
    raw: Any = session.connection().connection.driver_connection
    if dialect == "sqlite":
        rebuild = _indexes_to_rebuild(raw, expected_rows)
        for name, _ in rebuild:
            raw.execute(f'DROP INDEX "{name}"')
        done = _sqlite_insert(raw, int(case_id), int(evidence_file_id), iter(rows), on_batch)
        for _, ddl in rebuild:
            raw.execute(ddl)
        return done
    if dialect == "postgresql":
        return _copy_insert(raw, int(case_id), int(evidence_file_id), iter(rows), on_batch)
    raise NotImplementedError(f"bulk insert for {dialect}")


def sealed_rows(rows: Iterable[Row], cipher: ColumnCipher) -> Iterator[Row]:
    """Rows with the fields that can name a person encrypted, as the record columns'
    types (``palermo.store.types``) would store them: the raw bulk paths bypass them.

    Endpoints and places are sealed deterministically, so their ciphertexts are cached
    (the same phones, accounts and places recur on thousands of rows)."""
    seal, fixed = cipher.seal, cipher.seal_fixed
    ends: dict[str, bytes] = {}
    froms: dict[str, bytes] = {}
    tos: dict[str, bytes] = {}

    def sealed(cache: dict[str, bytes], value: str, label: str) -> bytes:
        if len(cache) >= _CACHE_ENTRIES:
            cache.clear()
        result = cache[value] = fixed(value, label)
        return result

    end, origin, destination = "records.endpoint", "records.origin", "records.destination"
    end_get, from_get, to_get = ends.get, froms.get, tos.get
    for r in rows:
        source, target, place_from, place_to, body, attrs = r[3], r[4], r[10], r[11], r[9], r[12]
        yield (
            r[0],
            r[1],
            r[2],
            None if source is None else end_get(source) or sealed(ends, source, end),
            None if target is None else end_get(target) or sealed(ends, target, end),
            r[5],
            r[6],
            r[7],
            r[8],
            None if body is None else seal(body, "records.body"),
            None
            if place_from is None
            else from_get(place_from) or sealed(froms, place_from, origin),
            None if place_to is None else to_get(place_to) or sealed(tos, place_to, destination),
            None if attrs is None else seal(attrs, "records.attrs"),
        )


_CACHE_ENTRIES = 200_000


def _sqlite_insert(
    raw: Any, case_id: int, evidence_file_id: int, rows: Iterator[Row], on_batch: Progress | None
) -> int:
    # The two constant ids are literals (ints, so safe): fewer parameters per row.
    placeholders = ", ".join("?" for _ in ROW_FIELDS)
    sql = (
        f"INSERT INTO records ({', '.join(RECORD_COLUMNS)}) "
        f"VALUES ({case_id}, {evidence_file_id}, {placeholders})"
    )
    cursor = raw.cursor()
    # A bigger page cache keeps the record indexes in memory during large loads.
    cursor.execute("PRAGMA cache_size = -262144")
    done = 0
    try:
        while True:
            batch = list(islice(rows, BATCH_ROWS))
            if not batch:
                break
            cursor.executemany(sql, batch)
            done += len(batch)
            if on_batch is not None:
                on_batch(done)
    finally:
        cursor.close()
    return done


def _indexes_to_rebuild(raw: Any, expected_rows: int) -> list[tuple[str, str]]:
    """The record indexes worth dropping and recreating around this load, with their DDL.

    Building an index once (a sort) costs less than inserting into it row by row
    when the load is at least as large as the table. It all happens inside the
    file's transaction: DDL is transactional in SQLite, so a failure or a kill
    leaves the indexes exactly as they were.
    """
    if expected_rows < REBUILD_MIN_ROWS:
        return []
    existing = raw.execute("SELECT max(id) FROM records").fetchone()[0] or 0
    if expected_rows < existing:
        return []
    found = raw.execute(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL"
    ).fetchall()
    return [(str(name), str(sql)) for name, sql in found]


def _copy_insert(
    raw: Any, case_id: int, evidence_file_id: int, rows: Iterator[Row], on_batch: Progress | None
) -> int:
    statement = f"COPY records ({', '.join(RECORD_COLUMNS)}) FROM STDIN"
    done = 0
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        write = copy.write_row
        for row in rows:
            write((case_id, evidence_file_id, *row))
            done += 1
            if on_batch is not None and done % BATCH_ROWS == 0:
                on_batch(done)
    if on_batch is not None and done % BATCH_ROWS:
        on_batch(done)
    return done


def record_row_tuple(record: RecordRow, as_text: bool) -> Row:
    """A reader's RecordRow (e.g. from a chat export) in bulk-insert tuple form."""
    when: Any = record.occurred_at
    amount: Any = record.amount
    if when is not None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        when = when.astimezone(UTC)
        if as_text:
            when = when.replace(tzinfo=None).isoformat(" ", "microseconds")
    if as_text and amount is not None:
        amount = str(amount)
    attrs = json.dumps(record.attrs, default=str, separators=(",", ":")) if record.attrs else None
    return (
        record.row_number,
        record.kind,
        when,
        record.source,
        record.target,
        amount,
        record.currency,
        record.duration_s,
        record.channel,
        record.body,
        record.origin,
        record.destination,
        attrs,
    )


def upsert_identifiers(
    session: Session, case_id: int, items: Iterable[tuple[str, str]], batch: int = 5_000
) -> int:
    """Insert the (kind, value) identifiers a case does not hold yet; existing ones are left
    as they are (with their person links). Returns how many distinct pairs were given."""
    dialect = session.get_bind().dialect.name
    now = datetime.now(UTC)
    values = [
        {"case_id": case_id, "kind": kind, "value": value[:300], "created_at": now}
        for kind, value in sorted(set(items))
    ]
    if not values:
        return 0
    if dialect == "sqlite":
        statement: Any = sqlite_insert(Identifier).on_conflict_do_nothing(
            index_elements=["case_id", "kind", "value"]
        )
    elif dialect == "postgresql":
        statement = pg_insert(Identifier).on_conflict_do_nothing(
            index_elements=["case_id", "kind", "value"]
        )
    else:  # pragma: no cover - only the two supported backends
        statement = insert(Identifier)
    for start in range(0, len(values), batch):
        session.execute(statement, values[start : start + batch])
    return len(values)
