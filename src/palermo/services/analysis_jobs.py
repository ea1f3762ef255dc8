"""Analysis as a background job: the case's derived views computed ahead of the first reader.

The pages keep each derived view per case fingerprint and viewer
(:mod:`palermo.services.derived_views`): the first reader after a change pays for the
computation. An "analyse" job pays it instead, right after evidence is loaded (or when
someone asks for it on the case's Jobs page): it asks each view for the case exactly as
the pages do, so the view is computed once under the current fingerprint, stored
(sealed) and kept in this process's memory, and the pages then read it.

Who it runs as decides what it computes: the job runs as the user who asked for it (the
uploader, for the job queued after an ingest), through the same services the pages
call, with the same access checks, sealing, redaction and audit. A view is kept under
what that user may see (``viewer_key``), so nothing computed for them is served to a
viewer who may see less; other kinds of viewer compute their own variant on first read.

The variants computed are the ones the pages ask for first: no date window, victims by
pseudonym (the default of every tab), the first page of the timeline's facts.

Running it again is harmless (every view already stored is read, not computed), a cancel
stops it between two views, and only one analyse job per case waits in the queue at a
time (:func:`submit`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from palermo.security.permissions import Actor, Permission
from palermo.services import jobs
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.store.models import Case
from palermo.store.models.jobs import Job

log = logging.getLogger(__name__)

KIND = "analyse"

# After a job of these kinds ends well, the case has changed: analyse it again.
CHANGES_CASE = ("ingest", "ocr")


def _people(ctx: Context, actor: Actor, reference: str) -> None:
    from palermo.services import cases

    # The Overview's and Records tab's counts, and the People tab's identifiers.
    cases.record_counts(ctx, actor, reference)
    cases.list_identifiers(ctx, actor, reference)


def _elements(ctx: Context, actor: Actor, reference: str) -> None:
    from palermo.services import elements

    elements.assess_cached(ctx, actor, reference, audit_hit=False)


def _network(ctx: Context, actor: Actor, reference: str) -> None:
    from palermo.services import network

    network.network_view(ctx, actor, reference)


def _money(ctx: Context, actor: Actor, reference: str) -> None:
    from palermo.services import money

    money.money_view(ctx, actor, reference)


def _timeline(ctx: Context, actor: Actor, reference: str) -> None:
    from palermo.analysis.timeline import FACT_KINDS
    from palermo.services import timeline

    # The Timeline tab's first page with no filter chosen (its facts are the kept part).
    timeline.case_timeline(ctx, actor, reference, timeline.TimelineFilter(kinds=FACT_KINDS))


def _memo(ctx: Context, actor: Actor, reference: str) -> None:
    from palermo.services import memo

    memo.build_memo(ctx, actor, reference)


# (name, what people read, how it is computed), in the order a reader meets them.
VIEWS: tuple[tuple[str, str, Callable[[Context, Actor, str], None]], ...] = (
    ("elements", "Elements of the offences", _elements),
    ("network", "Network", _network),
    ("money", "Money flows", _money),
    ("timeline", "Timeline", _timeline),
    ("memo", "Memo analysis", _memo),
    ("people", "Record counts and identifiers", _people),
)


# PostgreSQL advisory locks of this module: (class, case id), apart from the audit's.
_LOCK_CLASS = 7243101


def _lock_case_analyses(session: Session, case_id: int) -> None:
    """Serialise the submits of analyses for one case until the transaction ends: the
    write lock on SQLite (taken now, so the check below reads the latest); on PostgreSQL
    an advisory lock of the case (not its row, which ingest updates while it holds the
    audit's lock: taking them in the other order could deadlock)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE jobs SET id = id WHERE 0"))
    else:
        session.execute(
            text("SELECT pg_advisory_xact_lock(:kind, :case_id)"),
            {"kind": _LOCK_CLASS, "case_id": case_id},
        )


def queued_for(session: Session, case_id: int) -> int | None:
    """The case's analyse job waiting in the queue, if any, read under the case's analysis
    lock (:func:`_lock_case_analyses`), so that no other submit slips in before the caller's
    transaction ends."""
    _lock_case_analyses(session, case_id)
    return session.scalar(
        select(Job.id)
        .where(Job.case_id == case_id, Job.kind == KIND, Job.status == jobs.QUEUED)
        .order_by(Job.id)
        .limit(1)
    )


def _submit_in(ctx: Context, session: Session, actor: Actor, case_id: int) -> tuple[int, bool]:
    waiting = queued_for(session, case_id)
    if waiting is not None:
        return waiting, False
    job = jobs.submit(ctx, session, actor, case_id, KIND, {}, total=len(VIEWS))
    return job.id, True


def submit(ctx: Context, actor: Actor, reference: str) -> tuple[int, bool]:
    """Queue an analysis of the case (asked for by a person: needs the INGEST permission,
    like every other change to the case's jobs); the job's id and whether it is new (an
    analysis already waiting in the queue is the one returned, and covers this request)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        found = _submit_in(ctx, session, actor, case.id)
    jobs.wake(ctx)
    return found


def check_retry(session: Session, case_id: int) -> None:
    """An analysis runs again only if none of the case waits in the queue already."""
    waiting = queued_for(session, case_id)
    if waiting is not None:
        raise InvalidInput(f"an analysis of this case is already queued (job {waiting})")


def changed_case(finished: jobs.Running, result: dict[str, Any] | None) -> bool:
    """Whether a job that ended well changed the case: OCR always, an upload when it
    loaded a file (not when every file was refused or already there)."""
    if finished.kind not in CHANGES_CASE:
        return False
    if finished.kind == "ingest":
        files = (result or {}).get("files") or []
        return any(f.get("status") == "loaded" for f in files)
    return True


def submit_after(ctx: Context, finished: jobs.Running) -> int | None:
    """After a job that changed the case (:func:`changed_case`): queue the case's
    analysis, as the user who asked for that job (no second one if one is waiting
    already); its id, or None when the requester may no longer read the case (nothing is
    computed for them then)."""
    try:
        actor = finished.actor()
    except PermissionError:
        return None
    with ctx.db.session() as session:
        case = session.get(Case, finished.case_id)
        if case is None:
            return None
        if actor.user_id is not None:
            # The requester must still be able to read the case (fail closed).
            from palermo.services.access import is_member

            if not (is_member(session, actor, case.id) and actor.can(Permission.READ_CASE)):
                return None
        job_id, _new = _submit_in(ctx, session, actor, case.id)
    jobs.wake(ctx)
    return job_id


def run(job: jobs.Running) -> dict[str, Any]:
    """The queue's handler: compute (or find stored) each view, in turn, as the requester.

    The requester's account, role and membership are checked again now (a disabled
    account, a lost role or membership stops the job)."""
    ctx = job.ctx
    actor = job.actor()
    with ctx.db.session() as session:
        case = session.get(Case, job.case_id)
        if case is None:
            raise InvalidInput("the case is gone")
        reference = case.reference
    result = dict(job.result)
    views: list[dict[str, Any]] = list(result.get("views", []))
    total = len(VIEWS)
    for position, (name, label, compute) in enumerate(VIEWS):
        job.progress(position, total, f"view {position + 1} of {total}: {label}", force=True)
        started = time.perf_counter()
        compute(ctx, actor, reference)
        seconds = round(time.perf_counter() - started, 3)
        views = [v for v in views if v.get("name") != name]
        views.append({"name": name, "label": label, "seconds": seconds})
        job.save_result({"views": views})
    job.progress(total, total, "done", force=True)
    return {"views": views, "seconds": round(sum(float(v["seconds"]) for v in views), 3)}
