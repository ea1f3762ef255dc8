"""A case's records counted by kind, with the times of its first and last record, kept
per case fingerprint (:mod:`.derived_views`).

Counting a case's records reads every one of them (a second or more for a million on
PostgreSQL, a tenth of one on SQLite), and the Overview, the Records tab and the memo
each show these counts on every visit. They change only when evidence is loaded, which
changes the case fingerprint (its evidence files and their record totals), so they are
counted once per fingerprint, stored, and read by every page and worker after that.

The counts name no one, so one stored copy serves every viewer; callers open the case
(access control) and write their own audit entry, as for any other kept view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo.services.context import Context
from palermo.services.derived_views import KeptView
from palermo.services.viewcache import case_fingerprint
from palermo.store.models import Case, Record, RecordKind


@dataclass(frozen=True, slots=True)
class RecordStats:
    by_kind: dict[str, int]  # every kind, zero when the case has none
    first: datetime | None  # the earliest record's time
    last: datetime | None

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


_kept: KeptView[RecordStats] = KeptView("records.stats/1", max_entries=64)


def _count(session: Session, case_id: int) -> RecordStats:
    by_kind = {kind.value: 0 for kind in RecordKind}
    for kind, n in session.execute(
        select(Record.kind, func.count()).where(Record.case_id == case_id).group_by(Record.kind)
    ).all():
        by_kind[str(kind)] = int(n)
    first, last = session.execute(
        select(func.min(Record.occurred_at), func.max(Record.occurred_at)).where(
            Record.case_id == case_id
        )
    ).one()
    return RecordStats(by_kind, first, last)


def record_stats(ctx: Context, session: Session, case: Case) -> RecordStats:
    """The case's record counts and time span (the caller has opened the case)."""
    fingerprint = case_fingerprint(session, case)
    return _kept.get(ctx, case.id, fingerprint, "", lambda: _count(session, case.id)).value


def clear_memory() -> None:
    """Forget what this process holds (the stored rows stay)."""
    _kept.clear_memory()
