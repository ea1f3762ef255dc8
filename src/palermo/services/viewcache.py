"""Small per-case caches for views that cost seconds to compute and little to check.

The approach is the caseload dashboard's (:mod:`palermo.services.caseload_views`):
results live in this process's memory, keyed by the context (``id(ctx)`` checked
against a weak reference, so a new database never sees an old entry), with one
computation per key at a time, and the caller still opens the case (access control)
and writes its audit entry on every read, cached or not.

Unlike the dashboard, entries have no age limit: their key carries
:func:`case_fingerprint`, a handful of counts, largest ids and latest decision times
of the case's tables, read in one query. Any new evidence, person, fact or decision,
whether made here, by another worker or by the CLI, changes the fingerprint, so the
next read computes afresh and the stale entries of that case are dropped.

This is the memory layer: :mod:`palermo.services.derived_views` puts the
``derived_views`` table behind it, so a restarted process or a second worker reads a
view computed elsewhere instead of computing it again.

What a view shows may depend on who looks (victims' names by role, the user's other
cases): callers put the viewer's identity visibility and role in the key and keep
anything user-specific (such as links to the user's other cases) out of the entry.
"""

from __future__ import annotations

import logging
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from threading import Lock
from typing import Any, Generic, TypeVar

from sqlalchemy import Integer, bindparam, func, select, true
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from palermo.law.exploitation import Exploitation, ExploitationFact, form_of_exploitation
from palermo.security.permissions import Actor, Permission
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.request_memo import read_once
from palermo.store.models import (
    Assertion,
    AssertionStatus,
    Case,
    Charge,
    EvidenceFile,
    Identifier,
    Person,
)
from palermo.store.models import Organisation as OrgRow
from palermo.store.models.documents import Document
from palermo.store.models.people import PersonOrganisation

log = logging.getLogger(__name__)

T = TypeVar("T")


# What the kept views read of the case row itself (the rest of it is casework): part of
# every fingerprint, and a change of one of them is a decision that queues the analysis.
VIEWED_CASE_FIELDS = ("jurisdiction", "statutes")


def case_fingerprint(session: Session, case: Case) -> tuple[Any, ...]:
    """What changes whenever the case's evidence, people, facts or decisions change.

    One statement of scalar sub-queries over ``case_id`` columns: counts and largest ids
    catch additions and deletions, confirmed/rejected counts and the latest
    ``decided_at`` catch decisions that change an existing assertion, and the sums over
    identifiers and charges catch a phone given to a person or a charge swapped by a
    merge's bulk update, and ``case.content_changed_at`` (the case's content stamp,
    :mod:`palermo.store.change_stamp`) every edit in place of what the views read: a
    person renamed, a charge's statute or status changed. Casework (a task done, a
    hearing moved, a new stage) moves none of these: no kept view reads it.
    Records are not counted (millions of rows): ingest writes them in the transaction
    that records their evidence file with its ``record_count``, so the evidence files'
    count, largest id and record total stand for them (a failed file loaded again
    changes its count). Read it *before* the data it guards, so a view is never filed
    under a newer fingerprint than its data."""
    row = read_once(
        session,
        ("case_fingerprint", case.id),
        lambda: tuple(
            session.execute(_fingerprint_statement(), {"fingerprint_case": case.id}).one()
        ),
    )
    return (
        case.id,
        case.content_changed_at,
        *(_hashable(getattr(case, name)) for name in VIEWED_CASE_FIELDS),
        *(str(v) if isinstance(v, datetime) else v for v in row),
    )


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@lru_cache(maxsize=1)
def _fingerprint_statement() -> Any:
    """The fingerprint's statement, built once (building it cost more than running it).

    Each table is read once, for all of its aggregates (one single-row sub-select per
    table, joined): a case with tens of thousands of phones and accounts read its
    identifiers five times, on every page."""
    cid = bindparam("fingerprint_case", type_=Integer)
    confirmed = AssertionStatus.CONFIRMED.value
    rejected = AssertionStatus.REJECTED.value
    tables: list[tuple[Any, list[Any]]] = [
        (Person, [func.count(Person.id), func.max(Person.id)]),
        (OrgRow, [func.count(OrgRow.id), func.max(OrgRow.id)]),
        (
            Identifier,
            [
                func.count(Identifier.id),
                func.max(Identifier.id),
                func.count(Identifier.person_id),
                func.sum(Identifier.person_id),
                func.count(Identifier.organisation_id),
            ],
        ),
        (
            Charge,
            [
                func.count(Charge.id),
                func.max(Charge.id),
                func.sum(Charge.id),
                func.sum(Charge.person_id),
            ],
        ),
        (
            Assertion,
            [
                func.count(Assertion.id),
                func.max(Assertion.id),
                func.max(Assertion.decided_at),
                func.sum(when((Assertion.status == confirmed, 1), else_=0)),
                func.sum(when((Assertion.status == rejected, 1), else_=0)),
            ],
        ),
        (
            EvidenceFile,
            [
                func.count(EvidenceFile.id),
                func.max(EvidenceFile.id),
                func.sum(EvidenceFile.record_count),
            ],
        ),
        (Document, [func.count(Document.id), func.max(Document.id)]),
        # People's relations to organisations: edges of the network, and who holds an
        # organisation's money.
        (
            PersonOrganisation,
            [func.count(PersonOrganisation.id), func.max(PersonOrganisation.id)],
        ),
    ]
    parts = [
        select(*(value.label(f"v{n}") for n, value in enumerate(values)))
        .where(model.case_id == cid)
        .subquery(f"fp_{model.__tablename__}")
        for model, values in tables
    ]
    joined: Any = parts[0]
    for part in parts[1:]:
        joined = joined.join(part, true())
    return select(*(column for part in parts for column in part.c)).select_from(joined)


def viewer_key(actor: Actor, reveal: bool = False) -> tuple[Any, ...]:
    """The part of a cache key that says what the viewer may see: whether victims' names
    are shown (asked for and allowed), and the role (what else a role may see)."""
    sees = bool(reveal and actor.can(Permission.SEE_VICTIM_IDENTITY))
    return (sees, actor.role.value, actor.operator)


@dataclass(frozen=True, slots=True)
class Cached(Generic[T]):
    value: T
    computed_at: datetime
    hit: bool  # True: served from the cache


_Key = tuple[int, int, Hashable, Hashable]  # id(ctx), case id, fingerprint, variant


class CaseViewCache(Generic[T]):
    """A bounded, thread-safe map from (context, case, fingerprint, variant) to a view.

    ``variant`` holds what else the view depends on (viewer, dates, sizes). Storing an
    entry under a new fingerprint drops the case's entries under older ones."""

    def __init__(self, max_entries: int = 16) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[_Key, tuple[weakref.ref[Context], datetime, T]] = OrderedDict()
        self._guard = Lock()
        # One computation per key at a time: the key's lock and how many hold or wait.
        self._locks: dict[_Key, tuple[Lock, list[int]]] = {}

    def _lookup(self, ctx: Context, key: _Key) -> Cached[T] | None:
        with self._guard:
            entry = self._entries.get(key)
            if entry is None:
                return None
            ref, at, value = entry
            if ref() is not ctx:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return Cached(value, at, True)

    def _store(
        self, ctx: Context, key: _Key, value: T, at: datetime | None = None, hit: bool = False
    ) -> Cached[T]:
        at = at or datetime.now(UTC)
        with self._guard:
            for old in [
                k for k in self._entries if k[:2] == key[:2] and k[2] != key[2]
            ]:  # the same case under an older fingerprint: never valid again
                del self._entries[old]
            self._entries[key] = (weakref.ref(ctx), at, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return Cached(value, at, hit)

    def get_or_compute(
        self,
        ctx: Context,
        case_id: int,
        fingerprint: Hashable,
        variant: Hashable,
        compute: Callable[[], T],
    ) -> Cached[T]:
        return self.get_or_load(
            ctx, case_id, fingerprint, variant, lambda: Cached(compute(), datetime.now(UTC), False)
        )

    def get_or_load(
        self,
        ctx: Context,
        case_id: int,
        fingerprint: Hashable,
        variant: Hashable,
        load: Callable[[], Cached[T]],
    ) -> Cached[T]:
        """As :meth:`get_or_compute`, but ``load`` says when its value was computed and
        whether it was (``hit`` False) or was read from elsewhere (a stored view)."""
        key: _Key = (id(ctx), case_id, fingerprint, variant)
        hit = self._lookup(ctx, key)
        if hit is not None:
            return hit
        with self._guard:
            lock, users = self._locks.setdefault(key, (Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                # Requests that waited for the same computation use its result.
                hit = self._lookup(ctx, key)
                if hit is not None:
                    return hit
                got = load()
                return self._store(ctx, key, got.value, got.computed_at, got.hit)
        finally:
            with self._guard:
                users[0] -= 1
                if not users[0]:
                    del self._locks[key]

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# -- the case header's readiness ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Readiness:
    """The elements assessment's verdict for the case header."""

    label: str  # ready | needs corroboration | not ready
    reason: str
    # The form of exploitation the assessment's facts point to, with their passages.
    exploitation: Exploitation | None = None
    # Per victim (pseudonym), from the passages that name that victim.
    victims: dict[str, Exploitation] = field(default_factory=dict)


# How the elements service says a passage names its victim (its attribution's words).
_NAMES_VICTIM = (
    "victim named as the one it was done to",
    "victim named in the same sentence",
    "victim's own statement",
)


def _named(fact: Any) -> str | None:
    """The victim a fact's passage names (or whose own statement it is), else None."""
    why = str(getattr(fact, "attribution", "") or "")
    return fact.victim if fact.victim and any(w in why for w in _NAMES_VICTIM) else None


def _exploitation(result: Any) -> tuple[Exploitation, dict[str, Exploitation]]:
    """The form of exploitation of an elements assessment (its facts, its minor victims),
    for the case and per victim the passages name."""
    seen: set[tuple[str, str, str | None]] = set()
    facts: list[ExploitationFact] = []
    every = list(getattr(result, "exploitation_facts", None) or ()) or [
        f
        for suspect in result.suspects
        for statute in suspect.statutes
        for element in statute.elements
        for f in (*element.confirmed, *element.suggested)
    ]
    for f in (*every, *result.unattributed):
        fact = ExploitationFact(f.concept, f.quote, _named(f))
        key = (fact.concept, fact.passage, fact.victim)
        if key not in seen:
            seen.add(key)
            facts.append(fact)
    facts.extend(
        ExploitationFact("victim.minor", f"{v.pseudonym} is recorded as a minor", v.pseudonym)
        for v in result.victims
        if v.is_minor
    )
    whole, per_victim = form_of_exploitation(facts)
    return whole, {v: e for v, e in per_victim.items() if e.label}


def _readiness_of(result: Any) -> Readiness:
    whole, victims = _exploitation(result)
    return Readiness(str(result.readiness), str(result.readiness_reason), whole, victims)


_readiness: CaseViewCache[Readiness] = CaseViewCache(max_entries=256)

# The verdicts of the assessments last shown, by identity: an assessment from the cache is
# the same object on every page, and its form of exploitation costs tens of milliseconds
# to read from all its facts. Each entry holds its assessment, so an id is not reused.
_verdicts: OrderedDict[int, tuple[Any, Readiness]] = OrderedDict()
_verdicts_guard = Lock()
_VERDICTS = 64


def _verdict_of(assessment: Any) -> Readiness:
    key = id(assessment)
    with _verdicts_guard:
        found = _verdicts.get(key)
        if found is not None and found[0] is assessment:
            _verdicts.move_to_end(key)
            return found[1]
    verdict = _readiness_of(assessment)
    with _verdicts_guard:
        _verdicts[key] = (assessment, verdict)
        while len(_verdicts) > _VERDICTS:
            _verdicts.popitem(last=False)
    return verdict


def case_readiness(
    ctx: Context, actor: Actor, reference: str, *, assessment: Any = None
) -> Readiness | None:
    """The case's readiness verdict, from :func:`palermo.services.elements.assess`,
    cached per case fingerprint so that every tab can show it cheaply.

    Access is checked on every call. ``assessment``: one the caller has just computed
    for this actor (the Elements tab) and is shown as it is (not stored: its data may
    be older than a fingerprint read now). None when the actor may not see the case or
    the assessment fails (the header must never break a tab)."""
    from palermo.services import elements
    from palermo.services.errors import NotFound, PermissionDenied

    if assessment is not None:
        return _verdict_of(assessment)
    try:
        with ctx.db.session() as session:
            case = open_case(ctx, session, actor, reference)
            case_id = case.id
            fingerprint = case_fingerprint(session, case)
    except (NotFound, PermissionDenied):
        return None

    def compute() -> Readiness:
        return _verdict_of(elements.assess(ctx, actor, reference))

    try:
        return _readiness.get_or_compute(
            ctx, case_id, fingerprint, viewer_key(actor), compute
        ).value
    except (NotFound, PermissionDenied):
        return None
    except Exception:  # a badge is not worth a broken page; the Elements tab shows the error
        log.exception("readiness for the case header of %s failed", reference)
        return None
