"""The tamper-evident audit log: every read and change of case data, MAC-chained.

Each entry carries an HMAC-SHA256 over its sequence number, content and the
previous entry's MAC, keyed by a subkey of the master key (which lives outside
the database). Someone who can write to the database but does not hold the key
cannot edit, insert, reorder or remove an entry and recompute the chain.

Removing the *last* entries leaves a shorter chain that is still consistent, so
the log also writes **signed checkpoints** (head sequence number, head MAC, count,
time) to an append-only file in the data directory: every
``audit_checkpoint_every`` entries, on the first keyed entry, and on demand.
``verify`` compares the chain with the checkpoints and reports a truncated tail.
Entries after the last checkpoint can still be removed unnoticed: run ``palermo
audit checkpoint`` on a schedule to narrow that window, and copy the checkpoints
(``palermo audit export-checkpoints``) off the machine so they cannot be cut too.

Entries written before keyed chaining (``alg`` NULL) are verified with the old
unkeyed SHA-256, and only as a prefix: the first keyed entry covers the last
legacy hash and the first checkpoint records where the legacy prefix ends
(``legacy_until``), so turning keyed entries back into "legacy" ones is caught.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import threading
import weakref
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, insert, select, text
from sqlalchemy.orm import Session

from palermo.security import subkeys
from palermo.security.permissions import Actor
from palermo.settings import Settings
from palermo.store.models import AuditEntry

GENESIS = "0" * 64
ALG = "hmac1"
CHECKPOINT_FILE = "audit-checkpoints.jsonl"
_PENDING = "palermo.audit.checkpoint"
_WRITING = "palermo.audit.writer_lock"
# How long a thread waits for this process's SQLite writer lock before leaving the wait
# to SQLite's own busy timeout (never forever).
WRITER_WAIT_S = 30.0
_writer_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_writer_locks_guard = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock:
    with _writer_locks_guard:
        lock = _writer_locks.get(engine)
        if lock is None:
            lock = _writer_locks[engine] = threading.RLock()
        return lock


def _take_sqlite_writer(session: Session) -> None:
    """SQLite has one writer at a time, and a waiting connection polls in its busy handler
    with sleeps of up to 100 ms. Under many concurrent reads (each read is audited) the
    waits, not the writes, made every page slow. Threads of this process therefore queue
    on a lock of their own, woken the moment the previous transaction ends, and reach
    SQLite's lock only when it is free (other processes still meet SQLite's busy
    timeout). Held until the session's transaction ends."""
    if _WRITING in session.info:
        return
    dbapi = session.connection().connection.dbapi_connection
    if getattr(dbapi, "in_transaction", False):
        # This transaction has written already and holds SQLite's lock: queueing now
        # behind a thread that waits for that lock would stall both.
        return
    lock = _writer_lock(session.get_bind().engine)
    if lock.acquire(timeout=WRITER_WAIT_S):
        session.info[_WRITING] = lock


@event.listens_for(Session, "after_transaction_end")
def _release_sqlite_writer(session: Session, transaction: Any) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    lock = session.info.pop(_WRITING, None)
    if lock is not None:
        # ended in another thread than it began: nothing is held here
        with contextlib.suppress(RuntimeError):
            lock.release()


class AuditKeyMissing(RuntimeError):
    """No audit key is installed for this database: nothing may be written unaudited."""


@dataclass(frozen=True, slots=True)
class AuditKeys:
    mac_key: bytes = field(repr=False)
    checkpoint_key: bytes = field(repr=False)
    checkpoint_path: Path
    checkpoint_every: int


_KEYS: weakref.WeakKeyDictionary[Engine, AuditKeys] = weakref.WeakKeyDictionary()


def install(engine: Engine, settings: Settings) -> AuditKeys:
    """Bind the audit keys (from the master key) and checkpoint file to a database engine."""
    master = settings.resolved_secret_key()
    keys = AuditKeys(
        mac_key=subkeys.derive(master, subkeys.AUDIT_ENTRY_MAC),
        checkpoint_key=subkeys.derive(master, subkeys.AUDIT_CHECKPOINT),
        checkpoint_path=settings.data_dir / CHECKPOINT_FILE,
        checkpoint_every=max(1, settings.audit_checkpoint_every),
    )
    _KEYS[engine] = keys
    return keys


def keys_for(session: Session) -> AuditKeys:
    bind = session.get_bind()
    return keys_for_engine(bind if isinstance(bind, Engine) else bind.engine)


def keys_for_engine(engine: Engine) -> AuditKeys:
    keys = _KEYS.get(engine)
    if keys is None:
        raise AuditKeyMissing(
            "no audit key is installed for this database: create the context with "
            "Context.create (or call palermo.security.audit.install) before writing"
        )
    return keys


# --------------------------------------------------------------------------- entry MACs


def _canonical_time(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC values
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _payload(
    *,
    seq: int,
    at: datetime,
    user_id: int | None,
    username: str | None,
    action: str,
    case_id: int | None,
    object_type: str | None,
    object_id: str | None,
    details: dict[str, Any] | None,
    prev_hash: str,
) -> bytes:
    return json.dumps(
        [
            seq,
            _canonical_time(at),
            user_id,
            username,
            action,
            case_id,
            object_type,
            object_id,
            details,
            prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    ).encode()


def entry_hash(**fields: Any) -> str:
    """The legacy, unkeyed SHA-256 of an entry (anyone can compute it: not proof of anything)."""
    return hashlib.sha256(_payload(**fields)).hexdigest()


def entry_mac(key: bytes, **fields: Any) -> str:
    """HMAC-SHA256 of an entry under the audit subkey."""
    return hmac.new(key, ALG.encode() + b"\n" + _payload(**fields), hashlib.sha256).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "user_id": entry.user_id,
        "username": entry.username,
        "action": entry.action,
        "case_id": entry.case_id,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }


def _lock_head(session: Session) -> Any:
    """Take the database's write lock for this transaction, then read the chain's head
    (seq, hash, alg; None for an empty log): appends are serialised, so the chain has
    one head, and the lock is released when the transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7243001)"))
    elif dialect == "sqlite":
        _take_sqlite_writer(session)
        # A no-op write makes SQLite begin the transaction and take its write lock now
        # (other writers wait on busy_timeout), so the head read next is the latest.
        session.execute(text("UPDATE audit_log SET seq = seq WHERE 0"))
    return session.execute(
        select(AuditEntry.seq, AuditEntry.hash, AuditEntry.alg)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()


def _chained_row(
    keys: AuditKeys, seq: int, prev_hash: str, entry: dict[str, Any]
) -> dict[str, Any]:
    """The stored row of one entry (``actor``, ``action``, ``case_id``, ``object_type``,
    ``object_id``, ``details``) at ``seq`` after ``prev_hash``, with its MAC."""
    actor: Actor = entry["actor"]
    object_id = entry["object_id"]
    fields: dict[str, Any] = {
        "seq": seq,
        "at": datetime.now(UTC),
        "user_id": actor.user_id,
        "username": actor.username,
        "action": entry["action"],
        "case_id": entry["case_id"],
        "object_type": entry["object_type"],
        "object_id": None if object_id is None else str(object_id),
        "details": entry["details"],
        "prev_hash": prev_hash,
    }
    return {**fields, "hash": entry_mac(keys.mac_key, **fields), "alg": ALG}


def _note_checkpoint(
    session: Session, keys: AuditKeys, row: dict[str, Any], *, first_keyed: bool, empty_log: bool
) -> None:
    """Queue a signed checkpoint for the entry (written after commit) when it is the first
    keyed entry of the log or falls on the checkpoint interval."""
    seq = row["seq"]
    if first_keyed or seq % keys.checkpoint_every == 0:
        legacy_until = 0 if empty_log else (seq - 1 if first_keyed else None)
        session.info.setdefault(_PENDING, []).append((keys, seq, row["hash"], legacy_until))


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    case_id: int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction (it commits or rolls back with the work)."""
    keys = keys_for(session)
    last = _lock_head(session)
    row = _chained_row(
        keys,
        (last.seq + 1) if last else 1,
        last.hash if last else GENESIS,
        {
            "actor": actor,
            "action": action,
            "case_id": case_id,
            "object_type": object_type,
            "object_id": object_id,
            "details": json.loads(json.dumps(details, default=str)) if details else None,
        },
    )
    entry = AuditEntry(**row)
    session.add(entry)
    session.flush()
    _note_checkpoint(
        session, keys, row, first_keyed=last is None or last.alg != ALG, empty_log=last is None
    )
    return entry


# --------------------------------------------------------------------------- reads of a request


@dataclass(slots=True)
class ReadBatch:
    """The read entries of one web request, written together in one short transaction
    before its response leaves (see :func:`record_read`): one turn at the database's
    write lock per page instead of one per service the page calls. Chaining, MACs and
    checkpoints are :func:`record`'s, entry by entry."""

    engine: Engine | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False
    guard: threading.Lock = field(default_factory=threading.Lock)

    def add(self, engine: Engine, entry: dict[str, Any]) -> bool:
        """Queue an entry; False when the batch is written already or is another database's."""
        with self.guard:
            if self.closed or (self.engine is not None and self.engine is not engine):
                return False
            self.engine = engine
            self.entries.append(entry)
            return True

    def take(self) -> tuple[Engine | None, list[dict[str, Any]]]:
        """Close the batch (later reads are written at once) and hand over its entries."""
        with self.guard:
            self.closed = True
            entries, self.entries = self.entries, []
            return self.engine, entries


_READS: ContextVar[ReadBatch | None] = ContextVar("palermo_audit_reads", default=None)


@contextlib.contextmanager
def reads_batched() -> Iterator[ReadBatch]:
    """Queue :func:`record_read` entries made in this context (and the worker threads it
    starts) in one batch; the caller must :func:`write_reads` it before answering."""
    batch = ReadBatch()
    token = _READS.set(batch)
    try:
        yield batch
    finally:
        _READS.reset(token)


def record_read(
    session: Session,
    *,
    actor: Actor,
    action: str,
    case_id: int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Audit a read: an entry with no change of its own to commit with. Inside
    :func:`reads_batched` (a web request) it is queued and written with the request's
    other reads by :func:`write_reads` before the response is sent; anywhere else it is
    written in the caller's transaction, as :func:`record` does. Never use it for an
    entry that must commit or roll back with a change."""
    keys_for(session)  # no key, no read: fail here as record() would, not later
    fields: dict[str, Any] = {
        "actor": actor,
        "action": action,
        "case_id": case_id,
        "object_type": object_type,
        "object_id": object_id,
        # A copy as it is now: the caller may change its dictionary afterwards.
        "details": json.loads(json.dumps(details, default=str)) if details else None,
    }
    batch = _READS.get()
    if batch is None or not batch.add(_engine_of(session), fields):
        # (written now: outside a request, after its batch was written, or another database)
        record(session, **fields)


def write_reads(batch: ReadBatch) -> int:
    """Append the batch's entries in one transaction (in order, each chained and MACed as
    :func:`record` does) and close the batch; returns how many were written."""
    engine, entries = batch.take()
    if engine is None or not entries:
        return 0
    with Session(engine, expire_on_commit=False) as session, session.begin():
        _append_many(session, entries)
    return len(entries)


def _append_many(session: Session, entries: list[dict[str, Any]]) -> None:
    """What :func:`record` does for each entry, with one head read and one INSERT for
    them all (the write lock is held once, for as short a time as possible)."""
    keys = keys_for(session)
    last = _lock_head(session)
    seq = last.seq if last else 0
    prev_hash = last.hash if last else GENESIS
    # As record() decides it from the entry before: the batch's later entries follow keyed ones.
    empty_log = last is None
    first_keyed = last is None or last.alg != ALG
    rows: list[dict[str, Any]] = []
    for entry in entries:
        seq += 1
        row = _chained_row(keys, seq, prev_hash, entry)
        rows.append(row)
        _note_checkpoint(session, keys, row, first_keyed=first_keyed, empty_log=empty_log)
        empty_log = first_keyed = False
        prev_hash = row["hash"]
    # Core, not the ORM's bulk path: nothing here needs objects back.
    session.connection().execute(insert(AuditEntry.__table__), rows)  # type: ignore[arg-type]


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


@event.listens_for(Session, "after_commit")
def _write_pending_checkpoint(session: Session) -> None:
    # Written only once the entries are committed: a rolled-back entry is never signed.
    for keys, seq, mac, legacy_until in session.info.pop(_PENDING, []):
        write_checkpoint(keys, seq=seq, mac=mac, count=seq, legacy_until=legacy_until)


@event.listens_for(Session, "after_rollback")
def _drop_pending_checkpoint(session: Session) -> None:
    session.info.pop(_PENDING, None)


# --------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    mac: str
    count: int
    at: str
    legacy_until: int | None
    prev: str | None
    sig: str

    def body(self) -> dict[str, Any]:
        return {
            "v": 1,
            "seq": self.seq,
            "mac": self.mac,
            "count": self.count,
            "at": self.at,
            "legacy_until": self.legacy_until,
            "prev": self.prev,
        }


def _sign(key: bytes, body: dict[str, Any]) -> str:
    message = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _open_append(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)


def _last_signature(path: Path) -> str | None:
    """The last checkpoint's signature, reading only the end of the file."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 8192))
        lines = [line for line in handle.read().splitlines() if line.strip()]
    if not lines:
        return None
    sig = json.loads(lines[-1]).get("sig")
    return str(sig) if sig is not None else None


def write_checkpoint(
    keys: AuditKeys, *, seq: int, mac: str, count: int, legacy_until: int | None = None
) -> Checkpoint:
    """Append a signed checkpoint; each one also signs the previous one's signature."""
    fd = _open_append(keys.checkpoint_path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        prev = _last_signature(keys.checkpoint_path)
        body = {
            "v": 1,
            "seq": seq,
            "mac": mac,
            "count": count,
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "legacy_until": legacy_until,
            "prev": prev,
        }
        sig = _sign(keys.checkpoint_key, body)
        os.write(fd, (json.dumps({**body, "sig": sig}, sort_keys=True) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    return Checkpoint(seq, mac, count, str(body["at"]), legacy_until, prev, sig)


@dataclass(frozen=True, slots=True)
class CheckpointFile:
    checkpoints: list[Checkpoint]
    problem: str | None = None


def read_checkpoints(keys: AuditKeys) -> CheckpointFile:
    """The checkpoints in the file, each signature and link checked; stops at the first bad one."""
    path = keys.checkpoint_path
    if not path.exists():
        return CheckpointFile([])
    found: list[Checkpoint] = []
    prev: str | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            point = Checkpoint(
                seq=int(raw["seq"]),
                mac=str(raw["mac"]),
                count=int(raw["count"]),
                at=str(raw["at"]),
                legacy_until=None if raw.get("legacy_until") is None else int(raw["legacy_until"]),
                prev=raw.get("prev"),
                sig=str(raw["sig"]),
            )
        except (ValueError, KeyError, TypeError):
            return CheckpointFile(found, f"{path.name} line {number}: not a checkpoint")
        if not hmac.compare_digest(_sign(keys.checkpoint_key, point.body()), point.sig):
            return CheckpointFile(found, f"{path.name} line {number}: signature does not match")
        if point.prev != prev:
            return CheckpointFile(
                found, f"{path.name} line {number}: a checkpoint before it was removed or altered"
            )
        found.append(point)
        prev = point.sig
    return CheckpointFile(found)


def checkpoint_now(session: Session) -> Checkpoint:
    """Verify the chain, then sign its head (refused if the chain is broken)."""
    keys = keys_for(session)
    result = verify(session)
    if not result.ok:
        raise ValueError(f"the audit chain is broken, no checkpoint written: {result.problem}")
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    count = int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
    if head is None:
        return write_checkpoint(keys, seq=0, mac=GENESIS, count=0, legacy_until=0)
    return write_checkpoint(keys, seq=head.seq, mac=head.hash, count=count)


# --------------------------------------------------------------------------- verify


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    truncated: bool = False
    head_seq: int = 0
    checkpoints: int = 0
    last_checkpoint_seq: int | None = None
    legacy_entries: int = 0


def _entries(session: Session, batch_size: int) -> Iterator[AuditEntry]:
    last_seq = -(2**62)
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.seq > last_seq)
                .order_by(AuditEntry.seq)
                .limit(batch_size)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq
        session.expunge_all()


def verify(session: Session, batch_size: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first entry edited, inserted, reordered or deleted,
    and whether the tail is shorter than the last signed checkpoint."""
    keys = keys_for(session)
    file = read_checkpoints(keys)
    points = file.checkpoints
    info: dict[str, Any] = {
        "checkpoints": len(points),
        "last_checkpoint_seq": max((p.seq for p in points), default=None),
    }
    legacy_limits = [p.legacy_until for p in points if p.legacy_until is not None]
    legacy_until = min(legacy_limits) if legacy_limits else None
    wanted = {p.seq: p for p in points}
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    legacy = 0
    keyed_seen = False

    def bad(seq: int | None, problem: str, **extra: Any) -> VerifyResult:
        return VerifyResult(False, checked, seq, problem, **{**info, **extra})

    for entry in _entries(session, batch_size):
        if entry.seq != expected_seq:
            if entry.seq < expected_seq:
                return bad(entry.seq, f"entry {entry.seq} is out of order")
            return bad(
                expected_seq,
                f"entry {expected_seq} is missing (next present is {entry.seq}): deleted",
            )
        if entry.prev_hash != prev_hash:
            return bad(
                entry.seq,
                f"entry {entry.seq} does not follow entry {entry.seq - 1}: "
                "inserted, reordered, or an earlier entry was removed",
            )
        if entry.alg == ALG:
            keyed_seen = True
            expected = entry_mac(keys.mac_key, **_fields(entry))
        elif (
            entry.alg is None
            and not keyed_seen
            and (legacy_until is None or entry.seq <= legacy_until)
        ):
            legacy += 1
            expected = entry_hash(**_fields(entry))
        else:
            return bad(
                entry.seq,
                f"entry {entry.seq} claims the legacy unkeyed hash after keyed chaining began: "
                "rewritten",
            )
        if not hmac.compare_digest(expected, entry.hash):
            return bad(entry.seq, f"entry {entry.seq} was edited: its MAC does not match")
        point = wanted.get(entry.seq)
        if point is not None and not hmac.compare_digest(point.mac, entry.hash):
            return bad(
                entry.seq,
                f"entry {entry.seq} differs from the signed checkpoint of {point.at}: rewritten",
            )
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    head = expected_seq - 1
    if file.problem:
        return bad(None, f"checkpoint file: {file.problem}", head_seq=head, legacy_entries=legacy)
    last_point = max(points, key=lambda p: p.seq, default=None)
    if last_point is not None and last_point.seq > head:
        return bad(
            head + 1,
            f"the log ends at entry {head} but the checkpoint of {last_point.at} signed "
            f"entry {last_point.seq}: entries {head + 1}–{last_point.seq} (at least) were "
            "deleted from the end",
            truncated=True,
            head_seq=head,
            legacy_entries=legacy,
        )
    # This very transaction's first entries get their checkpoint when it commits.
    if keyed_seen and not points and not session.info.get(_PENDING):
        return bad(
            None,
            f"no signed checkpoint in {keys.checkpoint_path}: cannot tell whether entries "
            "were deleted from the end (restore the checkpoint file from a backup)",
            head_seq=head,
            legacy_entries=legacy,
        )
    return VerifyResult(True, checked, head_seq=head, legacy_entries=legacy, **info)


# --------------------------------------------------------------------------- key rotation


def keys_from_master(master: bytes, like: AuditKeys) -> AuditKeys:
    """The audit keys a master key gives, with ``like``'s checkpoint file and interval."""
    return AuditKeys(
        mac_key=subkeys.derive(master, subkeys.AUDIT_ENTRY_MAC),
        checkpoint_key=subkeys.derive(master, subkeys.AUDIT_CHECKPOINT),
        checkpoint_path=like.checkpoint_path,
        checkpoint_every=like.checkpoint_every,
    )


@dataclass(frozen=True, slots=True)
class Rechained:
    keys: AuditKeys
    entries: int
    head_seq: int
    head_mac: str
    legacy_until: int


def rechain(session: Session, new_master: bytes) -> Rechained:
    """Re-MAC the whole chain under a new master key, in the caller's transaction (the key
    rotation's). The chain is verified under the old key first: a broken log is never
    re-signed, so rotating cannot launder a tampered entry. Call :func:`adopt` after the
    commit to move the checkpoints over to the new key."""
    result = verify(session)
    if not result.ok:
        raise ValueError(f"the audit chain is broken, the key is not rotated: {result.problem}")
    old = keys_for(session)
    new = keys_from_master(new_master, old)
    session.info.pop(_PENDING, None)  # checkpoints signed with the old key: not wanted now
    prev = GENESIS
    count = 0
    legacy_until = 0
    for entry in _entries(session, 5000):
        entry = session.merge(entry)
        entry.prev_hash = prev
        if entry.alg == ALG:
            entry.hash = entry_mac(new.mac_key, **_fields(entry))
        else:
            entry.hash = entry_hash(**_fields(entry))
            legacy_until = entry.seq
        prev = entry.hash
        count += 1
        session.flush()
    head_seq = count  # verify() proved the sequence has no gaps
    return Rechained(new, count, head_seq, prev, legacy_until)


def adopt(engine: Engine, rechained: Rechained) -> Path | None:
    """After the rotation's commit: keep the old checkpoint file beside the new one (it can
    only be checked with the old key) and start a new file whose first checkpoint signs the
    re-MACed head under the new key; the engine writes with the new key from now on."""
    path = rechained.keys.checkpoint_path
    archived: Path | None = None
    if path.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        archived = path.with_name(f"{path.stem}.before-rotation-{stamp}{path.suffix}")
        os.replace(path, archived)
    _KEYS[engine] = rechained.keys
    write_checkpoint(
        rechained.keys,
        seq=rechained.head_seq,
        mac=rechained.head_mac,
        count=rechained.entries,
        legacy_until=rechained.legacy_until,
    )
    return archived
