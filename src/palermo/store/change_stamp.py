"""A case's change stamp: an edit in place of anything a case holds moves ``cases.updated_at``.

Views kept per case (:func:`palermo.services.viewcache.case_fingerprint`) and the Network
tab's links to other cases compare counts and largest ids, which catch what is added or
removed but not what is changed in place: a person renamed, a hearing moved, a note
rewritten. Those edits move the case's stamp instead, in the same transaction, so no kept
view outlives them.

Only rows changed or deleted move it (a new row already changes the counts), so a bulk load
that only adds never takes the case row's lock. Book-keeping written while a case is only
read (audit entries, stored views, jobs' progress) never moves it, or reading a case would
throw away what reading it had stored.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from palermo.store.models.base import utcnow
from palermo.store.models.core import Case

NOT_CASE_CONTENT = frozenset({"audit_log", "derived_views", "jobs", "ocr_jobs", "ocr_pages"})


@event.listens_for(Session, "after_flush")
def _stamp_edited_cases(session: Session, _flush_context: Any) -> None:
    # The session's new, dirty and deleted lists still show what this flush wrote.
    edited = {
        case_id
        for row in chain(session.dirty, session.deleted)
        if not isinstance(row, Case)
        and getattr(row, "__tablename__", None) not in NOT_CASE_CONTENT
        and isinstance(case_id := getattr(row, "case_id", None), int)
        and (row in session.deleted or session.is_modified(row, include_collections=False))
    }
    if not edited:
        return
    now = utcnow()
    session.connection().execute(update(Case).where(Case.id.in_(edited)).values(updated_at=now))
    for case_id in edited:  # a case already loaded here sees its new stamp too
        case = session.identity_map.get(session.identity_key(Case, case_id))
        if case is not None:
            set_committed_value(case, "updated_at", now)
