"""Derived views kept, not recomputed: memory, then the ``derived_views`` table, then compute.

A :class:`KeptView` is one kind of view of a case (the elements assessment, the network,
the money flows, the timeline's facts, the memo's analysis). Asked for a view under a
case fingerprint and a variant (what the view depends on besides the case: what the
viewer may see, dates, sizes), it answers from this process's memory
(:class:`~palermo.services.viewcache.CaseViewCache`), else from the row stored for that
case, view and variant if the row was computed under the same fingerprint (after a
restart, or computed by another worker), else computes the view and stores it.

* **Invalidation**: the fingerprint changes with any new evidence, person, fact or
  decision (:func:`~palermo.services.viewcache.case_fingerprint`), so a stored row under
  another fingerprint is never served; storing the new one replaces the case's rows of
  that view under older fingerprints.
* **Encryption at rest**: views name people, so the row holds the view encrypted with
  AES-GCM under a key derived from the case's data key, with the case, view, variant and
  fingerprint bound in as associated data: a row cannot be moved to another case, viewer
  kind or fingerprint. A copy of the database alone reveals nothing of it.
* **Viewers**: the variant carries what the viewer may see (``viewer_key``), so a view
  computed for someone who may see victims' names is never served to someone who may
  not. Callers still open the case (access control) and write the audit entry on every
  read, whichever layer answered.
* **Format**: pickled and compressed. Only this service's own classes (and a few plain
  standard types) may be rebuilt from a row, on top of the authentication above. A row
  that fails to open or rebuild (a changed class, a wrong key) is computed again.
"""

from __future__ import annotations

import enum
import hashlib
import io
import logging
import os
import pickle
import time
import zlib
import zoneinfo
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from palermo.security.sealing import subkey
from palermo.services.context import Context
from palermo.services.viewcache import Cached, CaseViewCache
from palermo.store.models.derived import DerivedView

log = logging.getLogger(__name__)

T = TypeVar("T")

_NONCE = 12
_VERSION = b"\x01"

# Plain types a view may hold besides the application's own classes.
_STANDARD = {
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "bytearray"),
    ("builtins", "complex"),
    ("builtins", "slice"),
    ("builtins", "range"),
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("collections", "Counter"),
    ("collections", "deque"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("zoneinfo", "ZoneInfo"),
    ("decimal", "Decimal"),
    ("fractions", "Fraction"),
    ("uuid", "UUID"),
    ("markupsafe", "Markup"),
    ("pathlib", "PurePosixPath"),
    ("pathlib", "PosixPath"),
    # numbers the analysis leaves as numpy scalars (rebuilt from a dtype and bytes)
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
}


class _ViewUnpickler(pickle.Unpickler):
    """Rebuilds only classes (never functions) of the application and the plain types
    listed above."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _member_of  # how some enumerations are pickled: getattr(cls, name)
        if (module, name) in _STANDARD:
            return super().find_class(module, name)
        if module == "palermo" or module.startswith("palermo."):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"a stored view may not hold {module}.{name}")


def _member_of(cls: Any, name: str) -> Any:
    """``getattr`` as a stored view may use it: a member of the application's own
    enumeration, or how a time zone (from PostgreSQL's times) is rebuilt; nothing else."""
    if cls is zoneinfo.ZoneInfo and name == "_unpickle":
        return zoneinfo.ZoneInfo._unpickle  # type: ignore[attr-defined]
    if (
        isinstance(cls, type)
        and issubclass(cls, enum.Enum)
        and cls.__module__.startswith("palermo.")
        and name in cls.__members__
    ):
        return cls[name]
    raise pickle.UnpicklingError(f"a stored view may not read {cls!r}.{name}")


def _digest(value: Hashable) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def _aad(case_id: int, name: str, variant: str, fingerprint: str) -> bytes:
    return f"derived-view:{case_id}:{name}:{variant}:{fingerprint}".encode()


def _cipher(ctx: Context, session: Any, case_id: int) -> AESGCM:
    return AESGCM(subkey(ctx.keyring.case_key(session, case_id), "derived-views/v1"))


def seal_view(cipher: AESGCM, value: Any, aad: bytes) -> bytes:
    plain = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
    nonce = os.urandom(_NONCE)
    return _VERSION + nonce + cipher.encrypt(nonce, plain, aad)


def open_view(cipher: AESGCM, blob: bytes, aad: bytes) -> Any:
    blob = bytes(blob)
    if blob[:1] != _VERSION:
        raise ValueError("unknown stored view format")
    nonce, body = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
    plain = zlib.decompress(cipher.decrypt(nonce, body, aad))
    return _ViewUnpickler(io.BytesIO(plain)).load()


@dataclass
class Counts:
    """How each layer answered (for tests and benchmarks)."""

    memory: int = 0
    stored: int = 0
    computed: int = 0


class KeptView(Generic[T]):
    """One kind of derived view: memory, then the table, then ``compute``.

    ``name`` names the view in the table; change its version suffix when the view's
    classes change shape, so rows of the old shape are not read."""

    def __init__(self, name: str, *, max_entries: int = 16, durable: bool = True) -> None:
        self.name = name
        self.durable = durable
        self.memory: CaseViewCache[T] = CaseViewCache(max_entries=max_entries)
        self.counts = Counts()
        _EVERY_KIND.append(self)

    def get(
        self,
        ctx: Context,
        case_id: int,
        fingerprint: Hashable,
        variant: Hashable,
        compute: Callable[[], T],
    ) -> Cached[T]:
        """The view, with when it was computed and whether it was (``hit`` False)."""
        loaded = [False]

        def load() -> Cached[T]:
            loaded[0] = True
            if self.durable:
                stored = self._read(ctx, case_id, fingerprint, variant)
                if stored is not None:
                    self.counts.stored += 1
                    return stored
            clock = time.perf_counter()
            value = compute()
            took = time.perf_counter() - clock
            self.counts.computed += 1
            at = datetime.now(UTC)
            if self.durable:
                self._write(ctx, case_id, fingerprint, variant, value, at, took)
            return Cached(value, at, False)

        got = self.memory.get_or_load(ctx, case_id, fingerprint, variant, load)
        if not loaded[0]:
            self.counts.memory += 1
        return got

    # -- the table ------------------------------------------------------------------------

    def _read(
        self, ctx: Context, case_id: int, fingerprint: Hashable, variant: Hashable
    ) -> Cached[T] | None:
        v, f = _digest(variant), _digest(fingerprint)
        try:
            with ctx.db.session() as session:
                row = session.execute(
                    select(DerivedView.sealed, DerivedView.computed_at).where(
                        DerivedView.case_id == case_id,
                        DerivedView.name == self.name,
                        DerivedView.variant == v,
                        DerivedView.fingerprint == f,
                    )
                ).first()
                if row is None:
                    return None
                value: T = open_view(
                    _cipher(ctx, session, case_id), row.sealed, _aad(case_id, self.name, v, f)
                )
        except (InvalidTag, ValueError, pickle.UnpicklingError, zlib.error, EOFError) as error:
            log.warning("stored %s view of case %s not used: %s", self.name, case_id, error)
            return None
        except (AttributeError, ImportError, TypeError) as error:  # a class changed shape
            log.warning("stored %s view of case %s not used: %r", self.name, case_id, error)
            return None
        at = row.computed_at
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return Cached(value, at or datetime.now(UTC), True)

    def _write(
        self,
        ctx: Context,
        case_id: int,
        fingerprint: Hashable,
        variant: Hashable,
        value: T,
        at: datetime,
        took: float,
    ) -> None:
        """Store the view in one short transaction, replacing the row of the same
        variant and the case's rows of this view under other fingerprints (they can
        never be served again). A view that cannot be stored is still served."""
        v, f = _digest(variant), _digest(fingerprint)
        try:
            with ctx.db.session() as session:
                sealed = seal_view(
                    _cipher(ctx, session, case_id), value, _aad(case_id, self.name, v, f)
                )
                session.execute(
                    delete(DerivedView).where(
                        DerivedView.case_id == case_id,
                        DerivedView.name == self.name,
                        (DerivedView.variant == v) | (DerivedView.fingerprint != f),
                    )
                )
                session.add(
                    DerivedView(
                        case_id=case_id,
                        name=self.name,
                        variant=v,
                        fingerprint=f,
                        computed_at=at,
                        compute_ms=round(took * 1000),
                        sealed=sealed,
                    )
                )
        except IntegrityError:
            pass  # another worker stored the same view first
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            log.warning("the %s view of case %s cannot be stored: %r", self.name, case_id, error)

    def clear_memory(self) -> None:
        """Forget what this process holds (as a restart would); the table stays."""
        self.memory.clear()


# Every kind of view defined in this process (each is made once, at import).
_EVERY_KIND: list[KeptView[Any]] = []


def forget_memory() -> None:
    """Forget every view of every kind this process holds in memory, as a restart or a
    second worker would have it; the stored views stay stored."""
    for kept in _EVERY_KIND:
        kept.clear_memory()
