"""Concurrent appends from several threads keep one unbroken chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from palermo.security import audit
from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context


def test_parallel_reads_append_one_chain(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    def read(_: int) -> None:
        cases.get_case(ctx, prosecutor, case_ref)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(read, range(80)))
    with ctx.db.session() as session:
        result = audit.verify(session)
    assert result.ok, result.problem
    assert result.checked >= 82
