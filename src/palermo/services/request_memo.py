"""What one web request has read of a case's state, read once however many services ask.

A page calls several services, and each opens the case (access check) and reads the
case's fingerprint (:func:`palermo.services.viewcache.case_fingerprint`) to find its
cached view. Within one request that changes nothing, the first reading stands for the
others: it is still taken before the data it guards, and the request sees no change of
its own. Outside such a request (the CLI, a request that writes) every call reads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")

_MEMO: ContextVar[dict[Hashable, Any] | None] = ContextVar("palermo_request_memo", default=None)


@contextlib.contextmanager
def request_memo(active: bool = True) -> Iterator[None]:
    """Within this context (one web request of a safe method), :func:`read_once` reads
    each key once. ``active`` False: every call reads (a request that writes)."""
    token = _MEMO.set({} if active else None)
    try:
        yield
    finally:
        _MEMO.reset(token)


def read_once(session: Session, key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, or what it gave earlier in this request (see :func:`request_memo`)."""
    memo = _MEMO.get()
    if memo is None:
        return read()
    full = (id(session.get_bind()), key)
    if full not in memo:
        memo[full] = read()
    value: T = memo[full]
    return value
