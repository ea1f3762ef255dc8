from __future__ import annotations

import sqlalchemy as sa

from palermo.security import audit
from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import AuditEntry


def _chain_of(ctx: Context, actor: Actor, reference: str, reads: int) -> None:
    for _ in range(reads):
        cases.get_case(ctx, actor, reference)


def test_untouched_chain_verifies(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    _chain_of(ctx, prosecutor, case_ref, 5)
    with ctx.db.session() as session:
        result = audit.verify(session)
    assert result.ok
    assert result.checked >= 7  # user creation, case creation, five reads


def test_edited_entry_is_reported(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    _chain_of(ctx, prosecutor, case_ref, 5)
    with ctx.db.session() as session:
        session.execute(
            sa.update(AuditEntry).where(AuditEntry.seq == 4).values(username="someone-else")
        )
    with ctx.db.session() as session:
        result = audit.verify(session)
    assert not result.ok
    assert result.first_bad_seq == 4
    assert "edited" in (result.problem or "")


def test_deleted_entry_is_reported(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    _chain_of(ctx, prosecutor, case_ref, 5)
    with ctx.db.session() as session:
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq == 3))
    with ctx.db.session() as session:
        result = audit.verify(session)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "deleted" in (result.problem or "")


def test_inserted_entry_is_reported(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    _chain_of(ctx, prosecutor, case_ref, 3)
    with ctx.db.session() as session:
        # A forger shifts later entries up and slips one in with a self-consistent hash.
        original = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)).all()
        last = original[-1]
        last_seq, last_at, last_case = last.seq, last.at, last.case_id
        session.execute(sa.update(AuditEntry).where(AuditEntry.seq == last_seq).values(seq=1000))
        fake = {
            "seq": last_seq,
            "at": last_at,
            "user_id": None,
            "username": "forger",
            "action": "case.read",
            "case_id": last_case,
            "object_type": None,
            "object_id": None,
            "details": None,
            "prev_hash": original[-2].hash,
        }
        session.add(AuditEntry(**fake, hash=audit.entry_hash(**fake)))
    with ctx.db.session() as session:
        result = audit.verify(session)
    assert not result.ok
    # The forged entry itself is caught: it is not keyed, and keyed chaining began at entry 1.
    assert result.first_bad_seq == last_seq
