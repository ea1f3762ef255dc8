"""A case's change stamps: an edit in place of anything a case holds moves ``cases.updated_at``;
of what its analysis reads, ``cases.content_changed_at`` too.

Views kept per case (:func:`palermo.services.viewcache.case_fingerprint`) and the Network
tab's links to other cases compare counts and largest ids, which catch what is added or
removed but not what is changed in place: a person renamed, a charge's statute changed,
a document's text corrected. Those edits move the case's content stamp instead, in the
same transaction, so no kept view outlives them.

Casework (:data:`CASEWORK`: tasks and notes, hearings, deadlines, stages, outcomes, the
case's members and OCR settings) is read fresh by every page that shows it and by no kept
view, so editing it moves only ``updated_at``: completing a task keeps the case's
analysis. A table not listed there moves both stamps, so a new table is safe by default.

Only rows changed or deleted move them (a new row already changes the counts), so a bulk
load that only adds never takes the case row's lock. Book-keeping written while a case is
only read (audit entries, stored views, jobs' progress) never moves them, or reading a
case would throw away what reading it had stored.
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

# Tables of a case that no kept view reads (see the module's docstring).
CASEWORK = frozenset(
    {
        "case_deadlines",
        "case_members",
        "case_notes",
        "case_ocr_settings",
        "hearings",
        "outcomes",
        "stage_transitions",
    }
)


@event.listens_for(Session, "after_flush")
def _stamp_edited_cases(session: Session, _flush_context: Any) -> None:
    # The session's new, dirty and deleted lists still show what this flush wrote.
    edited: dict[int, bool] = {}  # case id -> whether what the analysis reads changed
    for row in chain(session.dirty, session.deleted):
        table = getattr(row, "__tablename__", None)
        if (
            isinstance(row, Case)
            or table in NOT_CASE_CONTENT
            or not isinstance(case_id := getattr(row, "case_id", None), int)
            or not (row in session.deleted or session.is_modified(row, include_collections=False))
        ):
            continue
        edited[case_id] = edited.get(case_id, False) or table not in CASEWORK
    if not edited:
        return
    now = utcnow()
    content = [case_id for case_id, read in edited.items() if read]
    casework = [case_id for case_id, read in edited.items() if not read]
    connection = session.connection()
    if content:
        connection.execute(
            update(Case).where(Case.id.in_(content)).values(updated_at=now, content_changed_at=now)
        )
    if casework:
        connection.execute(update(Case).where(Case.id.in_(casework)).values(updated_at=now))
    for case_id, read in edited.items():  # a case already loaded here sees its new stamps too
        case = session.identity_map.get(session.identity_key(Case, case_id))
        if case is not None:
            set_committed_value(case, "updated_at", now)
            if read:
                set_committed_value(case, "content_changed_at", now)
