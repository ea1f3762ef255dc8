"""The tamper-evident audit log: every read and change of case data, hash-chained.

Each entry's hash covers its sequence number, content and the previous entry's
hash, so an edited, inserted or deleted entry breaks the chain from that point.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from palermo.security.permissions import Actor
from palermo.store.models import AuditEntry

GENESIS = "0" * 64


def _canonical_time(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC values
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
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
) -> str:
    payload = json.dumps(
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
    )
    return hashlib.sha256(payload.encode()).hexdigest()


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
    # Serialise appends so the chain has one head: read the head only while holding
    # the database's write lock, released when this transaction ends.
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7243001)"))
    elif dialect == "sqlite":
        # A no-op write makes SQLite begin the transaction and take its write lock now
        # (other writers wait on busy_timeout), so the head read next is the latest.
        session.execute(text("UPDATE audit_log SET seq = seq WHERE 0"))
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq = (last.seq + 1) if last else 1
    prev_hash = last.hash if last else GENESIS
    at = datetime.now(UTC)
    clean_details = json.loads(json.dumps(details, default=str)) if details else None
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "user_id": actor.user_id,
        "username": actor.username,
        "action": action,
        "case_id": case_id,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "details": clean_details,
        "prev_hash": prev_hash,
    }
    entry = AuditEntry(**fields, hash=entry_hash(**fields))
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session, batch_size: int = 5000) -> VerifyResult:
    """Walk the chain in order and report the first entry that was edited, inserted or deleted."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
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
            return VerifyResult(ok=True, checked=checked)
        for entry in rows:
            if entry.seq != expected_seq:
                return VerifyResult(
                    False,
                    checked,
                    expected_seq,
                    f"entry {expected_seq} is missing (next present is {entry.seq}): deleted",
                )
            if entry.prev_hash != prev_hash:
                return VerifyResult(
                    False,
                    checked,
                    entry.seq,
                    f"entry {entry.seq} does not follow entry {entry.seq - 1}: "
                    "inserted, or an earlier entry was removed",
                )
            recomputed = entry_hash(
                seq=entry.seq,
                at=entry.at,
                user_id=entry.user_id,
                username=entry.username,
                action=entry.action,
                case_id=entry.case_id,
                object_type=entry.object_type,
                object_id=entry.object_id,
                details=entry.details,
                prev_hash=entry.prev_hash,
            )
            if recomputed != entry.hash:
                problem = f"entry {entry.seq} was edited: its hash does not match"
                return VerifyResult(False, checked, entry.seq, problem)
            prev_hash = entry.hash
            expected_seq += 1
            checked += 1
            last_seq = entry.seq
        session.expunge_all()
