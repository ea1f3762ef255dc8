"""Analysis as a background job: the case's derived views computed ahead of the first reader.

The pages keep each derived view per case fingerprint and viewer
(:mod:`palermo.services.derived_views`): the first reader after a change pays for the
computation. An "analyse" job pays it instead, right after evidence is loaded, right
after a person's decision that changes the case's analysis (:func:`analyse_after_commit`),
or when someone asks for it on the case's Jobs page: it asks each view for the case
exactly as the pages do, so the view is computed once under the current fingerprint,
stored (sealed) and kept in this process's memory, and the pages then read it.

Who it runs as decides what it computes. The job runs as the person who asked for it
(the uploader after an ingest, the person who made the last decision after a burst of
decisions), checked again when it starts. It then computes each view once per kind of
viewer among the case's current members (role, and so whether victims' names are shown:
:func:`readers`), each AS a member of that kind, through the same services the pages
call, with the same access checks, sealing, redaction and audit (the entries say the
job read it, not the member). A view is kept under what its reader may see
(``viewer_key``), so nothing computed for one kind of viewer is served to another.

The variants computed are the ones the pages ask for first: no date window, victims by
pseudonym (the default of every tab), the first page of the timeline's facts.

Running it again is harmless (every view already stored is read, not computed), a cancel
stops it between two views, and only one analyse job per case waits in the queue at a
time (:func:`submit`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services import jobs
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.services.viewcache import viewer_key
from palermo.store.models import Case, CaseMember, Role, User
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


def _waiting(session: Session, case_id: int) -> Job | None:
    """The case's analyse job waiting in the queue, locked and read afresh (a worker may
    have claimed it since :func:`queued_for` saw it)."""
    found = queued_for(session, case_id)
    if found is None:
        return None
    return session.scalar(
        select(Job)
        .where(Job.id == found, Job.status == jobs.QUEUED)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _submit_in(ctx: Context, session: Session, actor: Actor, case_id: int) -> tuple[int, bool]:
    """Queue the analysis to run at once: an analysis already waiting covers the request
    and, if it was waiting for the end of a burst of decisions, now starts at once."""
    waiting = _waiting(session, case_id)
    if waiting is not None:
        waiting.not_before = None
        return waiting.id, False
    job = jobs.submit(ctx, session, actor, case_id, KIND, {}, total=len(VIEWS))
    return job.id, True


def start_after_decision(ctx: Context, moment: datetime, first: datetime) -> datetime | None:
    """When an analysis queued by decisions may start, after one made at ``moment``, the
    burst's first having queued it at ``first``: once the case has had no decision for
    ``analyse_delay_seconds``, and no later than ``analyse_max_delay_seconds`` after the
    first (a reviewer deciding without a pause still gets an analysis). None (at once)
    without a delay."""
    delay = ctx.settings.analyse_delay_seconds
    if delay <= 0:
        return None
    latest = first + timedelta(seconds=max(ctx.settings.analyse_max_delay_seconds, 0.0))
    return min(moment + timedelta(seconds=delay), latest)


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


# --- after a decision -----------------------------------------------------------------------

_AFTER_COMMIT = "palermo.analysis_jobs.after_commit"


def analyse_after_commit(ctx: Context, session: Session, actor: Actor, case_id: int) -> None:
    """Call in the transaction that records a person's decision (a suggestion confirmed
    or rejected, a role, a duplicate, a merge, a link, a charge): once that transaction
    commits, the case's analysis is queued as ``actor`` (:func:`queue_after_decision`);
    nothing is queued if it rolls back. Several decisions in one transaction, or a burst
    of them, leave one analysis waiting."""
    if not ctx.settings.analyse_after_decisions:
        return
    session.info.setdefault(_AFTER_COMMIT, {})[case_id] = (ctx, actor)


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session: Session) -> None:
    pending = session.info.pop(_AFTER_COMMIT, None)
    for case_id, (ctx, actor) in (pending or {}).items():
        # The decision is committed: queueing uses a session of its own and never raises.
        queue_after_decision(ctx, actor, case_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    # Left over only when the outermost transaction ended without a commit.
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_AFTER_COMMIT, None)


def queue_after_decision(ctx: Context, actor: Actor, case_id: int) -> int | None:
    """Queue the case's analysis after a decision that has committed, as the person who
    made it: the analysis waiting in the queue, if any, now runs as them (the last
    decision of a burst decides who it runs as), else a new one. Its id.

    Never raises: the decision stands whatever happens here. A failure is logged and left
    on the case's Jobs page as a failed analysis, which can be run again."""
    try:
        with ctx.db.session() as session:
            job_id = _queue_as(ctx, session, actor, case_id)
    except Exception as error:
        log.exception("case %s: the analysis after a decision was not queued", case_id)
        return _record_not_queued(ctx, actor, case_id, error)
    try:
        jobs.wake(ctx)
    except Exception:  # queued: a worker (or the next wake) runs it
        log.exception("case %s: no worker woken for analysis job %s", case_id, job_id)
    return job_id


def _queue_as(ctx: Context, session: Session, actor: Actor, case_id: int) -> int:
    moment = jobs.now()
    # Locked, and read again: a worker may have claimed it since (then it runs on the
    # data as it was before this decision, and a new one is queued below).
    job = _waiting(session, case_id)
    if job is not None:
        if job.not_before is not None:
            # Waiting for the burst to end: this decision pushes its start later (up to
            # the maximum after the burst's first decision). One asked to run at once
            # (by a person, or after an upload) is not held back.
            job.not_before = start_after_decision(ctx, moment, jobs.aware(job.created_at))
        ref = jobs.actor_ref(actor)
        if job.payload.get("actor") != ref:
            job.payload = {**job.payload, "actor": ref}
            job.requested_by = actor.user_id
            audit.record(
                session,
                actor=actor,
                action="job.requester",
                case_id=case_id,
                object_type="job",
                object_id=job.id,
                details={"kind": KIND, "after": "decision"},
            )
        return job.id
    start = start_after_decision(ctx, moment, moment)
    job = jobs.submit(ctx, session, actor, case_id, KIND, {}, total=len(VIEWS), not_before=start)
    return job.id


def _record_not_queued(ctx: Context, actor: Actor, case_id: int, error: Exception) -> int | None:
    """Leave a failed analysis on the case's Jobs page, saying why none was queued."""
    try:
        with ctx.db.session() as session:
            job = jobs.submit(ctx, session, actor, case_id, KIND, {}, total=len(VIEWS))
            job.status, job.finished_at = jobs.FAILED, datetime.now(UTC)
            job.error = f"not queued after a decision: {type(error).__name__}: {error}"[:2000]
            return job.id
    except Exception:
        log.exception("case %s: the failed analysis could not be recorded either", case_id)
        return None


# --- running ------------------------------------------------------------------------------


def _variant(actor: Actor) -> Hashable:
    """What a reader may see, as the kept views tell viewers apart (``viewer_key`` with
    victims' names asked for: the finest of the keys the views use)."""
    return viewer_key(actor, reveal=True)


def readers(ctx: Context, case_id: int, requester: Actor, job_id: int) -> list[Actor]:
    """Who the job computes the views as: the requester first, then one current member
    of the case for each other kind of viewer (an active account whose role may read the
    case), the earliest account of that kind. Each variant is computed as a member who
    sees exactly it, never as someone who may see more.

    A member stands in under their own account (membership and role are checked by every
    view as for them), named in the audit entries as this job, since they read nothing."""
    with ctx.db.session() as session:
        members = session.execute(
            select(User.id, User.username, User.role)
            .join(CaseMember, CaseMember.user_id == User.id)
            .where(CaseMember.case_id == case_id, User.is_active.is_(True))
            .order_by(User.id)
        ).all()
    chosen: dict[Hashable, Actor] = {_variant(requester): requester}
    for user_id, username, role in members:
        member = Actor(user_id=user_id, username=username, role=Role(role))
        if not member.can(Permission.READ_CASE) or _variant(member) in chosen:
            continue
        tag = f" (analysis job {job_id})"
        chosen[_variant(member)] = replace(member, username=username[: 120 - len(tag)] + tag)
    return list(chosen.values())


def run(job: jobs.Running) -> dict[str, Any]:
    """The queue's handler: compute (or find stored) each view, in turn, for each kind of
    viewer among the case's members (:func:`readers`).

    The requester's account, role and membership are checked again now (a disabled
    account, a lost role or membership stops the job); the members' are read now."""
    ctx = job.ctx
    actor = job.actor()
    with ctx.db.session() as session:
        case = session.get(Case, job.case_id)
        if case is None:
            raise InvalidInput("the case is gone")
        reference = case.reference
    who = readers(ctx, job.case_id, actor, job.id)
    result = dict(job.result)
    seconds: dict[str, float] = {}
    total = len(VIEWS) * len(who)
    position = 0
    for done, reader in enumerate(who, start=1):
        role = reader.role.value
        result["roles"] = sorted({r.role.value for r in who[:done]})
        for name, label, compute in VIEWS:
            step = f"view {position + 1} of {total}: {label} (for the role {role})"
            job.progress(position, total, step, force=True)
            started = time.perf_counter()
            compute(ctx, reader, reference)
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
            position += 1
            result["views"] = [
                {"name": n, "label": lbl, "seconds": round(seconds[n], 3)}
                for n, lbl, _compute in VIEWS
                if n in seconds
            ]
            job.save_result(result)
    job.progress(total, total, "done", force=True)
    return {
        "views": result["views"],
        "roles": sorted({r.role.value for r in who}),
        "seconds": round(sum(seconds.values()), 3),
    }
