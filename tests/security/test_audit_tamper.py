"""Tampering with the audit log, as someone with write access to the database but not
the master key would: every method is caught, and `verify` names the first bad entry."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palermo.security import audit
from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import AuditEntry


def _entries(ctx: Context, actor: Actor, reference: str, reads: int) -> None:
    for _ in range(reads):
        cases.get_case(ctx, actor, reference)


def _verify(ctx: Context) -> audit.VerifyResult:
    with ctx.db.session() as session:
        return audit.verify(session)


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


def _rechain_unkeyed(session: Session, start: int, *, alg: str | None) -> None:
    """What a forger without the key can do: recompute every hash from ``start`` on."""
    rows = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)).all()
    prev = rows[start - 2].hash if start > 1 else audit.GENESIS
    for row in rows[start - 1 :]:
        row.prev_hash = prev
        row.alg = alg
        row.hash = audit.entry_hash(**_fields(row))
        prev = row.hash
    session.flush()


@pytest.fixture
def chain(ctx: Context, prosecutor: Actor, case_ref: str) -> int:
    """A chain of about 30 entries; returns its length."""
    _entries(ctx, prosecutor, case_ref, 28)
    result = _verify(ctx)
    assert result.ok, result.problem
    assert result.checkpoints >= 1
    return result.checked


def test_untouched_chain_verifies_and_is_keyed(ctx: Context, chain: int) -> None:
    with ctx.db.session() as session:
        algs = set(session.scalars(sa.select(AuditEntry.alg)))
    assert algs == {audit.ALG}
    result = _verify(ctx)
    assert result.ok and result.checked == chain and not result.truncated


def test_edit_with_every_later_hash_recomputed_is_caught(ctx: Context, chain: int) -> None:
    with ctx.db.session() as session:
        session.execute(
            sa.update(AuditEntry).where(AuditEntry.seq == 10).values(username="someone-else")
        )
        _rechain_unkeyed(session, 10, alg=audit.ALG)
    result = _verify(ctx)
    assert not result.ok
    assert result.first_bad_seq == 10
    assert "edited" in (result.problem or "")


def test_downgrading_entries_to_the_legacy_hash_is_caught(ctx: Context, chain: int) -> None:
    # The forger rewrites the whole chain as "legacy" unkeyed entries, consistent end to end.
    with ctx.db.session() as session:
        session.execute(
            sa.update(AuditEntry).where(AuditEntry.seq == 5).values(action="case.nothing")
        )
        _rechain_unkeyed(session, 1, alg=None)
    result = _verify(ctx)
    assert not result.ok
    assert result.first_bad_seq == 1


def test_deleting_the_last_entries_is_caught_as_truncation(
    ctx: Context, chain: int, prosecutor: Actor, case_ref: str
) -> None:
    with ctx.db.session() as session:
        audit.checkpoint_now(session)
    with ctx.db.session() as session:
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq > chain - 3))
    result = _verify(ctx)
    assert not result.ok
    assert result.truncated
    assert result.first_bad_seq == chain - 2
    assert f"ends at entry {chain - 3}" in (result.problem or "")


def test_deleting_the_tail_past_an_automatic_checkpoint_is_caught(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    ctx.settings.audit_checkpoint_every = 10
    audit.install(ctx.db.engine, ctx.settings)
    _entries(ctx, prosecutor, case_ref, 25)  # automatic checkpoints at 1, 10, 20
    with ctx.db.session() as session:
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq > 15))
    result = _verify(ctx)
    assert not result.ok and result.truncated
    assert result.last_checkpoint_seq == 20


def test_deleting_an_entry_in_the_middle_is_caught(ctx: Context, chain: int) -> None:
    with ctx.db.session() as session:
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq == 7))
    result = _verify(ctx)
    assert not result.ok
    assert result.first_bad_seq == 7
    assert "deleted" in (result.problem or "")


def test_deleting_and_renumbering_is_caught(ctx: Context, chain: int) -> None:
    with ctx.db.session() as session:
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq == 7))
        for seq in range(8, chain + 1):
            session.execute(sa.update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq - 1))
        _rechain_unkeyed(session, 7, alg=audit.ALG)
    result = _verify(ctx)
    assert not result.ok
    assert result.first_bad_seq == 7


def test_inserted_entry_with_a_self_consistent_hash_is_caught(ctx: Context, chain: int) -> None:
    with ctx.db.session() as session:
        for seq in range(chain, 11, -1):  # make room at 12
            session.execute(sa.update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq + 1))
        template = session.scalar(sa.select(AuditEntry).where(AuditEntry.seq == 11))
        assert template is not None
        fake = {**_fields(template), "seq": 12, "username": "forger", "prev_hash": template.hash}
        session.add(AuditEntry(**fake, hash=audit.entry_hash(**fake), alg=audit.ALG))
        session.flush()
        _rechain_unkeyed(session, 13, alg=audit.ALG)
    result = _verify(ctx)
    assert not result.ok
    assert result.first_bad_seq == 12


def test_swapping_two_entries_is_caught(ctx: Context, chain: int) -> None:
    with ctx.db.session() as session:
        session.execute(sa.update(AuditEntry).where(AuditEntry.seq == 8).values(seq=-8))
        session.execute(sa.update(AuditEntry).where(AuditEntry.seq == 9).values(seq=8))
        session.execute(sa.update(AuditEntry).where(AuditEntry.seq == -8).values(seq=9))
    result = _verify(ctx)
    assert not result.ok
    assert result.first_bad_seq == 8


def test_replaying_an_old_mac_onto_an_edited_row_is_caught(ctx: Context, chain: int) -> None:
    # Copy entry 3's content and MAC over entry 4 and fix the link: the MAC covers seq.
    with ctx.db.session() as session:
        three = session.scalar(sa.select(AuditEntry).where(AuditEntry.seq == 3))
        assert three is not None
        session.execute(
            sa.update(AuditEntry)
            .where(AuditEntry.seq == 4)
            .values(action=three.action, prev_hash=three.hash, hash=three.hash)
        )
    result = _verify(ctx)
    assert not result.ok
    assert result.first_bad_seq == 4


def test_edited_checkpoint_file_is_caught(ctx: Context, chain: int) -> None:
    path = ctx.settings.data_dir / audit.CHECKPOINT_FILE
    lines = path.read_text().splitlines()
    first = json.loads(lines[0])
    first["seq"] = 999
    path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    result = _verify(ctx)
    assert not result.ok
    assert "signature does not match" in (result.problem or "")


def test_removed_checkpoint_file_is_reported(ctx: Context, chain: int) -> None:
    (ctx.settings.data_dir / audit.CHECKPOINT_FILE).unlink()
    result = _verify(ctx)
    assert not result.ok
    assert "no signed checkpoint" in (result.problem or "")


def test_a_different_master_key_cannot_verify_or_forge(ctx: Context, chain: int) -> None:
    other = ctx.settings.model_copy(update={"secret_key": "cd" * 32})
    audit.install(ctx.db.engine, other)
    try:
        result = _verify(ctx)
    finally:
        audit.install(ctx.db.engine, ctx.settings)
    assert not result.ok and result.first_bad_seq == 1


def test_legacy_prefix_verifies_then_keyed_chaining_follows(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    """A database from before keyed chaining: its unkeyed entries verify as a prefix."""
    with ctx.db.session() as session:
        _rechain_unkeyed(session, 1, alg=None)  # what revision 0003 finds: all legacy
    (ctx.settings.data_dir / audit.CHECKPOINT_FILE).unlink()
    legacy = _verify(ctx)
    assert legacy.ok and legacy.legacy_entries == legacy.checked
    _entries(ctx, prosecutor, case_ref, 3)  # first keyed entry writes a checkpoint
    result = _verify(ctx)
    assert result.ok, result.problem
    assert result.legacy_entries == legacy.checked
    assert result.checked == legacy.checked + 3
    # Now editing a legacy entry and recomputing the legacy hashes breaks the first keyed one.
    with ctx.db.session() as session:
        session.execute(sa.update(AuditEntry).where(AuditEntry.seq == 1).values(username="x"))
        rows = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)).all()
        prev = audit.GENESIS
        for row in rows[: legacy.checked]:
            row.prev_hash = prev
            row.hash = audit.entry_hash(**_fields(row))
            prev = row.hash
    broken = _verify(ctx)
    assert not broken.ok
    assert broken.first_bad_seq == legacy.checked + 1
