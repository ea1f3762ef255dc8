"""Bulk insert of records, identifiers and their search keys inside the caller's
transaction.

SQLite: rows are sealed (:func:`palermo.ingest.sealed.sealed_batches`) and inserted a
batch at a time, as columns, with ``executemany`` of a prepared INSERT on the raw DBAPI
connection per batch, naming only the columns the batch fills, with a larger page
cache for the load; when a load is at least as large as the table, the record indexes
are dropped and built again once at the end, inside the same transaction. PostgreSQL:
the same sealed batches, written row by row through binary ``COPY ... FROM STDIN``
(psycopg 3) for records, and binary COPY for search keys, one ``INSERT ... SELECT FROM
unnest(...) ON CONFLICT DO NOTHING`` per batch for identifiers (COPY cannot skip the
ones a case already holds). Everything runs in the session's open transaction, so a
failure anywhere rolls the whole file back, and no ORM object is made per row.

Rows are tuples in ``ROW_FIELDS`` order (see ``readers.structured``). For SQLite
they must already be in stored form (timestamps as naive UTC text, amounts as
text, attrs as JSON text); for PostgreSQL aware datetimes and Decimals.

Organisation by case: every record index leads with ``case_id`` except the one by
evidence file, so a page or count of one case reads only that case's index entries
however many rows other cases hold.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice, repeat
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from palermo.ingest.readers.base import RecordRow
from palermo.ingest.readers.structured import ROW_FIELDS
from palermo.ingest.sealed import (
    BATCH_ROWS,
    IDENTIFIER_LABEL,
    Columns,
    KeyMaker,
    Row,
    sealed_batches,
)
from palermo.security import blind_index
from palermo.security.sealing import ColumnCipher
from palermo.store.types import cipher_of

# Loads at least this large, and at least as large as the table, rebuild the indexes.
REBUILD_MIN_ROWS = 50_000
RECORD_COLUMNS: tuple[str, ...] = ("case_id", "evidence_file_id", *ROW_FIELDS)
# PostgreSQL types of RECORD_COLUMNS, for binary COPY.
RECORD_TYPES: tuple[str, ...] = (
    "int4",  # case_id
    "int4",  # evidence_file_id
    "int4",  # row_number
    "varchar",  # kind
    "timestamptz",  # occurred_at
    "bytea",  # source
    "bytea",  # target
    "numeric",  # amount
    "varchar",  # currency
    "int4",  # duration_s
    "varchar",  # channel
    "bytea",  # body
    "bytea",  # origin
    "bytea",  # destination
    "bytea",  # attrs
)
# A page cache of this many KiB during a SQLite load keeps the record indexes in memory.
SQLITE_LOAD_CACHE_KIB = 262_144
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
    cipher = cipher_of(bind_dialect)
    blob = bytearray if bind_dialect.name == "sqlite" else None
    batches = sealed_batches(rows, cipher, blob=blob)
    return insert_sealed(session, case_id, evidence_file_id, batches, on_batch, expected_rows)


def insert_sealed(
    session: Session,
    case_id: int,
    evidence_file_id: int,
    batches: Iterable[tuple[int, Columns]],
    on_batch: Progress | None = None,
    expected_rows: int = 0,
) -> int:
    """:func:`insert_records` of rows already sealed into column batches by
    :func:`palermo.ingest.sealed.sealed_batches` (with ``blob=bytearray`` for SQLite, ``None`` for
    PostgreSQL), e.g. by the reading process of :mod:`palermo.ingest.pipeline`."""
    dialect = session.get_bind().dialect.name
    raw: Any = session.connection().connection.driver_connection
    batches = iter(batches)
    if dialect == "sqlite":
        _sqlite_load_cache(session)
        rebuild = _indexes_to_rebuild(raw, expected_rows)
        for name, _ in rebuild:
            raw.execute(f'DROP INDEX "{name}"')
        done = _sqlite_insert(raw, int(case_id), int(evidence_file_id), batches, on_batch)
        for _, ddl in rebuild:
            raw.execute(ddl)
        return done
    if dialect == "postgresql":
        # The one parent each record's foreign key checks: this transaction's own row.
        parents = ("evidence_files", [int(evidence_file_id)])
        with _checked_once(raw, *parents):
            return _copy_insert(raw, int(case_id), int(evidence_file_id), batches, on_batch)
    raise NotImplementedError(f"bulk insert for {dialect}")


def rebuilds_indexes(session: Session, expected_rows: int) -> bool:
    """Whether a load of about ``expected_rows`` records in this session's transaction
    drops the record indexes and builds them again at the end (SQLite, a load at least as
    large as the table): the writer then only appends, and has CPU to spare meanwhile."""
    if not wants_text(session):
        return False
    raw: Any = session.connection().connection.driver_connection
    return bool(_indexes_to_rebuild(raw, expected_rows))


def _sqlite_insert(
    raw: Any,
    case_id: int,
    evidence_file_id: int,
    batches: Iterable[tuple[int, Columns]],
    on_batch: Progress | None,
) -> int:
    cursor = raw.cursor()
    statements: dict[tuple[int, ...], str] = {}
    done = 0
    try:
        for n, columns in batches:
            present = tuple(i for i, column in enumerate(columns) if column is not None)
            sql = statements.get(present)
            if sql is None:
                # The two constant ids are literals (ints, so safe): fewer parameters per
                # row; the columns empty throughout the batch are left to their NULL.
                names = ", ".join(ROW_FIELDS[i] for i in present)
                marks = ", ".join("?" for _ in present)
                sql = statements[present] = (
                    f"INSERT INTO records (case_id, evidence_file_id, {names}) "
                    f"VALUES ({case_id}, {evidence_file_id}, {marks})"
                )
            cursor.executemany(sql, zip(*(columns[i] for i in present), strict=True))
            done += n
            if on_batch is not None:
                on_batch(done)
    finally:
        cursor.close()
    return done


def _sqlite_load_cache(session: Session) -> None:
    """A page cache of ``SQLITE_LOAD_CACHE_KIB`` for the rest of this transaction: inserts
    into the indexes and their rebuilds (whose sort spills to temporary files beyond the
    cache) stay in memory.

    Until the transaction ends, not for one step: with the usual cache back between the
    records and the identifiers, every page the later steps read would first push a
    dirty page of the records out to the log, ahead of the commit that writes them all
    anyway. Set back when the transaction commits or rolls back (just before SQLite's
    own commit, which writes the dirty pages out whatever the limit), so the connection
    goes back to the pool with its usual cache."""
    connection = session.connection()
    if _LOAD_CACHE.get(connection) is not None:
        return  # set already in this transaction
    raw: Any = connection.connection.driver_connection
    if connection not in _LOAD_CACHE:
        event.listen(connection, "commit", _usual_cache)
        event.listen(connection, "rollback", _usual_cache)
    _LOAD_CACHE[connection] = int(raw.execute("PRAGMA cache_size").fetchone()[0])
    raw.execute(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")


# The usual cache size of each connection in a load, until its transaction ends.
_LOAD_CACHE: WeakKeyDictionary[Connection, int | None] = WeakKeyDictionary()


def _usual_cache(connection: Connection) -> None:
    before = _LOAD_CACHE.get(connection)
    if before is None:
        return
    _LOAD_CACHE[connection] = None
    # A connection rolled back because it failed may refuse even this: it is then dropped.
    with suppress(sqlite3.Error, SQLAlchemyError):
        raw: Any = connection.connection.driver_connection
        raw.execute(f"PRAGMA cache_size = {before}")


def _indexes_to_rebuild(
    raw: Any, expected_rows: int, table: str = "records"
) -> list[tuple[str, str]]:
    """The indexes of ``table`` (records or search_keys) worth dropping and recreating
    around this load, with their DDL.

    Building an index once (a sort) costs less than inserting into it row by row
    when the load is at least as large as the table. It all happens inside the
    file's transaction: DDL is transactional in SQLite, so a failure or a kill
    leaves the indexes exactly as they were. Readers are not slowed meanwhile: in WAL
    mode they read the last committed snapshot, indexes included, until the load
    commits its rows and rebuilt indexes together (and SQLite has one writer at a time
    anyway). Not done on PostgreSQL, where DROP INDEX would lock the whole table, every
    case's records, until the commit.
    """
    if expected_rows < REBUILD_MIN_ROWS:
        return []
    assert table in ("records", "search_keys")
    existing = raw.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
    if expected_rows < existing:
        return []
    found = raw.execute(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    return [(str(name), str(sql)) for name, sql in found]


def _copy_insert(
    raw: Any,
    case_id: int,
    evidence_file_id: int,
    batches: Iterator[tuple[int, Columns]],
    on_batch: Progress | None,
) -> int:
    statement = f"COPY records ({', '.join(RECORD_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    done = 0
    with raw.cursor() as cursor:
        _bytea_as_bytes(cursor)
        with cursor.copy(statement) as copy:
            copy.set_types(RECORD_TYPES)
            write = copy.write_row
            for n, columns in batches:
                # The two ids and the columns empty throughout the batch are constants.
                full = [repeat(None, n) if c is None else c for c in columns]
                ids = repeat(case_id, n), repeat(evidence_file_id, n)
                for row in zip(*ids, *full, strict=True):
                    write(row)
                done += n
                if on_batch is not None:
                    on_batch(done)
    return done


def _bytea_as_bytes(cursor: Any) -> None:
    """Bytea values of this cursor's COPY dumped by psycopg's own dumper of ``bytes`` (in C
    where psycopg has it): the very same bytes. Named by type, as a binary COPY names its
    columns, bytea gets the DB-API ``Binary`` wrapper's dumper instead, a Python call per
    value. On the cursor's own adapters only: the connection's stay as they are."""
    from psycopg.adapt import PyFormat  # PostgreSQL only: not imported for SQLite

    dumper = cursor.adapters.get_dumper(bytes, PyFormat.BINARY)
    cursor.adapters.register_dumper(None, dumper)


@contextmanager
def _checked_once(raw: Any, table: str, ids: list[int]) -> Iterator[None]:
    """PostgreSQL: the foreign-key check of a COPY's rows made once for the whole load
    instead of once per row, where the database role may do so.

    Each row written checks its parent (a record its evidence file, a search key its
    identifier) with a trigger that looks the parent up and locks it against deletion
    (``FOR KEY SHARE``) until the commit; per row, that is a third of the server's work
    in a bulk load. Here the parents are locked the same way in one statement (and
    their presence checked), then the COPY runs with ``session_replication_role =
    replica``, which skips those triggers (the schema has no other ones), for this
    transaction only and set back right after. Only for a role allowed to set it (a
    superuser, or one granted ``SET ON PARAMETER session_replication_role``, PostgreSQL
    15+); otherwise the per-row checks run as before."""
    if not ids or not _may_skip_triggers(raw):
        yield
        return
    with raw.cursor() as cursor:
        # Sorted: concurrent loads lock shared parents in the same order.
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%s) "
            "ORDER BY id FOR KEY SHARE) AS locked",
            (sorted(set(ids)),),
        )
        row = cursor.fetchone()
        if row is None or int(row[0]) != len(set(ids)):
            raise LookupError(f"a row of {table} that this load refers to is gone")
        cursor.execute("SELECT current_setting('session_replication_role')")
        before = cursor.fetchone()[0]
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    # Not reached on an error: the transaction is then rolled back, and the setting with it.
    with raw.cursor() as cursor:
        cursor.execute("SELECT set_config('session_replication_role', %s, true)", (before,))


def _may_skip_triggers(raw: Any) -> bool:
    """Whether this PostgreSQL role may set ``session_replication_role``."""
    with raw.cursor() as cursor:
        if raw.info.server_version >= 150000:
            cursor.execute(
                "SELECT has_parameter_privilege('session_replication_role', 'SET') "
                "OR current_setting('is_superuser') = 'on'"
            )
        else:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        row = cursor.fetchone()
    return bool(row and row[0])


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
    if amount is not None:
        amount = str(amount) if as_text else Decimal(str(amount))
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


def store_identifiers(
    session: Session,
    master: bytes,
    case_id: int,
    region: str | None,
    items: Iterable[tuple[str, str]],
    forms: Mapping[tuple[str, str], Iterable[str]] | None = None,
    keys: Mapping[tuple[str, str], list[int]] | None = None,
) -> int:
    """Insert the (kind, value) identifiers a case does not hold yet (existing ones are
    left as they are, with their person links), then the search keys of the case's
    identifiers that have none (:mod:`palermo.security.blind_index`'s tokens and key).
    ``forms``: the search forms of some (kind, value) pairs already known from reading
    them (``RowStream.identifier_forms``), used instead of finding them again; ``keys``:
    their keys already made by :func:`palermo.ingest.sealed.identifier_keys` (e.g. by the
    reading process). Returns how many distinct pairs were given."""
    dialect = session.get_bind().dialect
    cipher = cipher_of(dialect)
    plain: dict[bytes, str] = {}
    rows: list[tuple[str, bytes]] = []
    for kind, value in sorted({(kind, value[:300]) for kind, value in items}):
        sealed = cipher.seal_fixed(value, IDENTIFIER_LABEL)
        plain[sealed] = value
        rows.append((kind, sealed))
    raw: Any = session.connection().connection.driver_connection
    now = datetime.now(UTC)
    if dialect.name == "sqlite":
        _sqlite_load_cache(session)  # for the identifiers and their keys
    if rows and dialect.name == "sqlite":
        stamp = now.replace(tzinfo=None).isoformat(" ", "microseconds")
        raw.executemany(
            f"INSERT INTO identifiers (case_id, kind, value, created_at) "
            f"VALUES ({int(case_id)}, ?, ?, '{stamp}') "
            "ON CONFLICT (case_id, kind, value) DO NOTHING",
            rows,
        )
    elif rows:
        with raw.cursor() as cursor:
            for start in range(0, len(rows), IDENTIFIER_BATCH):
                chunk = rows[start : start + IDENTIFIER_BATCH]
                cursor.execute(
                    "INSERT INTO identifiers (case_id, kind, value, created_at) "
                    "SELECT %s, k, v, %s FROM unnest(%s::varchar[], %s::bytea[]) AS t(k, v) "
                    "ON CONFLICT (case_id, kind, value) DO NOTHING",
                    (int(case_id), now, [k for k, _ in chunk], [v for _, v in chunk]),
                )
    make = KeyMaker(master, region, forms or {})
    _index_new_identifiers(raw, dialect.name, int(case_id), cipher, plain, make, keys or {})
    return len(rows)


IDENTIFIER_BATCH = 50_000


def _index_new_identifiers(
    raw: Any,
    dialect: str,
    case_id: int,
    cipher: ColumnCipher,
    plain: dict[bytes, str],
    make: KeyMaker,
    known: Mapping[tuple[str, str], list[int]],
) -> int:
    """Search keys for the case's identifiers that have none yet; how many were indexed.

    The same keys as ``blind_index.index_identifiers``, written without the ORM: binary
    COPY on PostgreSQL, executemany on SQLite. Keys come from ``known`` where they were
    made ahead, else from ``make``."""
    mark = "?" if dialect == "sqlite" else "%s"
    cursor = raw.cursor()
    try:
        cursor.execute(
            "SELECT i.id, i.kind, i.value FROM identifiers i "
            f"WHERE i.case_id = {mark} AND NOT EXISTS "
            "(SELECT 1 FROM search_keys s WHERE s.identifier_id = i.id)",
            (case_id,),
        )
        found = cursor.fetchall()
    finally:
        cursor.close()
    if not found:
        return 0
    kind_id = blind_index.IDENTIFIER

    def keys_of(kind: str, sealed: bytes) -> list[int]:
        value = plain.get(bytes(sealed)) or cipher.open(sealed, IDENTIFIER_LABEL)
        made = known.get((kind, value))
        return make(kind, value) if made is None else made

    keys = (
        (k, identifier_id) for identifier_id, kind, sealed in found for k in keys_of(kind, sealed)
    )
    if dialect == "sqlite":
        sql = (
            "INSERT INTO search_keys (key, case_id, kind, identifier_id, sealed) "
            f"VALUES (?, {case_id}, '{kind_id}', ?, 0)"
        )
        # Each identifier has a dozen keys or more (its forms and their prefixes).
        rebuild = _indexes_to_rebuild(raw, len(found) * 12, "search_keys")
        for name, _ in rebuild:
            raw.execute(f'DROP INDEX "{name}"')
        while batch := list(islice(keys, BATCH_ROWS)):
            raw.executemany(sql, batch)
        for _, ddl in rebuild:
            raw.execute(ddl)
    else:
        statement = (
            "COPY search_keys (key, case_id, kind, identifier_id, sealed) "
            "FROM STDIN (FORMAT BINARY)"
        )
        parents = ("identifiers", [int(identifier_id) for identifier_id, _, _ in found])
        with _checked_once(raw, *parents), raw.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(("int8", "int4", "varchar", "int4", "bool"))
            write = copy.write_row
            for k, identifier_id in keys:
                write((k, case_id, kind_id, identifier_id, False))
    return len(found)
