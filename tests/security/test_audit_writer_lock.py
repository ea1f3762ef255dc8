"""SQLite: threads of one process queue for the audit log's writer lock in the process
(woken as soon as the holder's transaction ends), never deadlock with a transaction that
wrote before it audited, and the lock is given back on commit and on rollback."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from palermo.security import audit
from palermo.security.permissions import Actor
from palermo.services.context import Context


@pytest.fixture(autouse=True)
def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL queues appends with an advisory lock")


def _free(ctx: Context) -> bool:
    """Whether another thread could take the writer lock now."""
    got: list[bool] = []

    def probe() -> None:
        lock = audit._writer_lock(ctx.db.engine)
        ok = lock.acquire(blocking=False)
        if ok:
            lock.release()
        got.append(ok)

    t = threading.Thread(target=probe)
    t.start()
    t.join()
    return got[0]


def test_the_lock_is_held_until_commit_or_rollback(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    with ctx.db.session() as session:
        audit.record(session, actor=prosecutor, action="case.read")
        assert not _free(ctx)
    assert _free(ctx)
    session = ctx.db.sessions()
    try:
        audit.record(session, actor=prosecutor, action="case.read")
        assert not _free(ctx)
        session.rollback()
        assert _free(ctx)
    finally:
        session.close()
    with ctx.db.session() as session:
        assert audit.verify(session).ok


def test_a_waiting_thread_goes_on_as_soon_as_the_holder_commits(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    done: list[float] = []

    def second() -> None:
        with ctx.db.session() as session:
            audit.record(session, actor=prosecutor, action="case.read")
        done.append(time.perf_counter())

    with ctx.db.session() as session:
        audit.record(session, actor=prosecutor, action="case.read")
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.3)
        assert not done  # queued behind this transaction
        committed = time.perf_counter()
    t.join(timeout=10)
    assert done and done[0] - committed < 0.25


def test_no_deadlock_with_a_transaction_that_wrote_before_auditing(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    errors: list[BaseException] = []
    wrote = threading.Event()

    def writer_first() -> None:
        try:
            with ctx.db.session() as session:
                session.execute(sa.text("UPDATE cases SET title = title"))  # SQLite's lock
                wrote.set()
                time.sleep(0.3)  # the other thread takes the process lock meanwhile
                audit.record(session, actor=prosecutor, action="case.update")
        except BaseException as error:
            errors.append(error)

    def auditor() -> None:
        wrote.wait()
        try:
            with ctx.db.session() as session:
                audit.record(session, actor=prosecutor, action="case.read")
        except BaseException as error:
            errors.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=writer_first), threading.Thread(target=auditor)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert time.perf_counter() - started < 10
    with ctx.db.session() as session:
        result = audit.verify(session)
    assert result.ok and result.checked >= 2
