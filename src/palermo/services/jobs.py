"""Durable background work: a queue of jobs in the database, run by worker processes.

One table (:class:`~palermo.store.models.jobs.Job`) is the record of truth: kind,
status, progress, outcome, error, attempts, and the references the job needs (sealed:
file names can name a person). Any process may submit; a worker claims the oldest
queued job in one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the
database write lock on SQLite), so two workers never run the same job, and writes a
heartbeat while it runs.

A job may be queued to start later (``not_before``: the analysis after a burst of
decisions waits for the burst to end); no worker takes it before then, and
:func:`run_now` lets a person start it at once.

A worker killed midway leaves its job ``running`` with a heartbeat that stops: the
next worker on the same machine takes it back at once (its process is gone), any
other after :data:`LEASE` without a heartbeat. Running it again is safe because every
kind of job is idempotent (ingest adds a file's content to a case once; OCR writes its
result in one transaction; analysis stores views under the case's fingerprint). After
:data:`MAX_ATTEMPTS` interrupted runs a job fails rather than kill workers for ever.

On SQLite (the embedded, one-process setup) the web process runs jobs itself in a
thread (:func:`ensure_local_worker`); on PostgreSQL ``palermo worker`` does, as many
as wanted, on any machine that shares the data directory.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from palermo.security import audit, identities
from palermo.security.permissions import Actor, Permission
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound
from palermo.store.models import Case, Role, User
from palermo.store.models.jobs import Job

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
ACTIVE = (QUEUED, RUNNING)
FINISHED = (DONE, FAILED, CANCELLED)
KINDS = ("ingest", "ocr", "analyse")
KIND_LABELS = {
    "ingest": "Load evidence",
    "ocr": "Read scans (OCR)",
    "analyse": "Analyse the case",
}

# A running job whose heartbeat is older than this is taken back by another worker.
LEASE = timedelta(seconds=float(os.environ.get("PALERMO_JOB_LEASE_SECONDS", "60")))
HEARTBEAT_SECONDS = 5.0
MAX_ATTEMPTS = 30
PROGRESS_EVERY = 0.5  # seconds between progress writes
# The in-process worker looks again this often while a job waits for its start.
IDLE_POLL_SECONDS = 1.0


def now() -> datetime:
    """The queue's clock (UTC): when a waiting job may start is compared with it. One
    function, so that tests can move time on instead of sleeping."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """A time read from the database as UTC (SQLite gives it back without its zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Cancelled(BaseException):
    """The job was cancelled by a user while it ran.

    A BaseException, like KeyboardInterrupt: the ingest's "one bad file must not stop
    the others" handler catches Exception, and a cancel must stop the whole job (the
    file being read is rolled back with its transaction)."""


class Lost(BaseException):
    """Another worker took the job back (this one was presumed dead)."""


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    kind: str
    status: str
    attempts: int
    progress_done: int
    progress_total: int
    current: str | None
    error: str | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result: dict[str, Any] | None
    # When a queued job waiting for its start may start (None: it may start now).
    starts_after: datetime | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def waiting(self) -> bool:
        """Queued, and not to be started before :attr:`starts_after`."""
        return self.status == QUEUED and self.starts_after is not None

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))


def _view(job: Job) -> JobView:
    return JobView(
        id=job.id,
        kind=job.kind,
        status=job.status,
        attempts=job.attempts,
        progress_done=job.progress_done,
        progress_total=job.progress_total,
        current=job.current,
        error=job.error,
        cancel_requested=job.cancel_requested,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        result=job.result,
        starts_after=_starts_after(job),
    )


def _starts_after(job: Job) -> datetime | None:
    if job.status != QUEUED or job.not_before is None:
        return None
    start = aware(job.not_before)
    return start if start > now() else None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- submitting and reading ----------------------------------------------------------------


def actor_ref(actor: Actor) -> dict[str, Any]:
    """Who the job runs as, kept in its sealed payload."""
    return {
        "user_id": actor.user_id,
        "username": actor.username,
        "role": actor.role.value,
        "operator": actor.operator,
    }


def submit(
    ctx: Context,
    session: Session,
    actor: Actor,
    case_id: int,
    kind: str,
    payload: dict[str, Any],
    total: int = 0,
    not_before: datetime | None = None,
) -> Job:
    """Queue a job in the caller's transaction (it runs once that commits, and not before
    ``not_before`` when given)."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(
        case_id=case_id,
        kind=kind,
        status=QUEUED,
        attempts=0,
        progress_done=0,
        progress_total=total,
        payload={**payload, "actor": actor_ref(actor)},
        cancel_requested=False,
        requested_by=actor.user_id,
        not_before=not_before,
        created_at=now(),
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="job.submit",
        case_id=case_id,
        object_type="job",
        object_id=job.id,
        details={"kind": kind},
    )
    return job


def _shown(
    ctx: Context, session: Session, actor: Actor, case_id: int, views: list[JobView]
) -> list[JobView]:
    """The views as ``actor`` may see them: file names, the file being read, errors and
    the report redacted of victims' identities for a role that may not see them."""
    redactor = identities.redactor_for(ctx, session, case_id, actor, purpose="jobs")
    if redactor is None:
        return views
    return [redactor.fields(v, "current", "error", "result") for v in views]


def list_jobs(ctx: Context, actor: Actor, reference: str, limit: int = 100) -> list[JobView]:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        rows = session.scalars(
            select(Job).where(Job.case_id == case.id).order_by(Job.id.desc()).limit(limit)
        )
        return _shown(ctx, session, actor, case.id, [_view(job) for job in rows])


def get_job(ctx: Context, actor: Actor, reference: str, job_id: int) -> JobView:
    with ctx.db.session() as session:
        job = _case_job(ctx, session, actor, reference, job_id)
        return _shown(ctx, session, actor, job.case_id, [_view(job)])[0]


def case_of_job(ctx: Context, actor: Actor, job_id: int) -> str:
    """The reference of the case a job belongs to, if the actor may read that case;
    NotFound otherwise, the same answer as for a job that does not exist."""
    with ctx.db.session() as session:
        found = session.execute(
            select(Case.reference).join(Job, Job.case_id == Case.id).where(Job.id == job_id)
        ).scalar_one_or_none()
        if found is None:
            raise NotFound(f"no job {job_id}")
        try:
            open_case(ctx, session, actor, found)
        except NotFound:
            raise NotFound(f"no job {job_id}") from None
        return str(found)


def _case_job(
    ctx: Context,
    session: Session,
    actor: Actor,
    reference: str,
    job_id: int,
    permission: Permission = Permission.READ_CASE,
    lock: bool = False,
) -> Job:
    case = open_case(ctx, session, actor, reference, permission)
    statement = select(Job).where(Job.id == job_id, Job.case_id == case.id)
    if lock:
        statement = statement.with_for_update()
    job = session.scalar(statement)
    if job is None:
        raise NotFound(f"no job {job_id} in this case")
    return job


def cancel(ctx: Context, actor: Actor, reference: str, job_id: int) -> JobView:
    """Cancel a queued job at once; a running one stops at its next step (its work so far
    is kept: each file it finished is in the case)."""
    with ctx.db.session() as session:
        job = _case_job(ctx, session, actor, reference, job_id, Permission.INGEST, lock=True)
        if job.status not in ACTIVE:
            raise InvalidInput(f"job {job_id} has already finished ({job.status})")
        if job.status == QUEUED:
            job.status, job.finished_at = CANCELLED, datetime.now(UTC)
        job.cancel_requested = True
        audit.record(
            session,
            actor=actor,
            action="job.cancel",
            case_id=job.case_id,
            object_type="job",
            object_id=job.id,
            details={"kind": job.kind},
        )
        return _view(job)


def retry(ctx: Context, actor: Actor, reference: str, job_id: int) -> JobView:
    """Queue a failed or cancelled job again (safe: every kind of job is idempotent)."""
    with ctx.db.session() as session:
        job = _case_job(ctx, session, actor, reference, job_id, Permission.INGEST, lock=True)
        if job.status not in (FAILED, CANCELLED):
            raise InvalidInput(f"only a failed or cancelled job can be run again ({job.status})")
        if job.kind == "analyse":
            from palermo.services import analysis_jobs

            analysis_jobs.check_retry(session, job.case_id)
        job.status, job.cancel_requested, job.error = QUEUED, False, None
        job.not_before = None
        job.attempts, job.worker, job.heartbeat_at, job.finished_at = 0, None, None, None
        audit.record(
            session,
            actor=actor,
            action="job.retry",
            case_id=job.case_id,
            object_type="job",
            object_id=job.id,
            details={"kind": job.kind},
        )
        view = _view(job)
    wake(ctx)
    return view


def run_now(ctx: Context, actor: Actor, reference: str, job_id: int) -> JobView:
    """Start a queued job that waits for its start (:attr:`JobView.starts_after`) as soon
    as a worker is free."""
    with ctx.db.session() as session:
        job = _case_job(ctx, session, actor, reference, job_id, Permission.INGEST, lock=True)
        if job.status != QUEUED:
            raise InvalidInput(f"only a waiting job can be started now ({job.status})")
        if job.not_before is not None:
            audit.record(
                session,
                actor=actor,
                action="job.run_now",
                case_id=job.case_id,
                object_type="job",
                object_id=job.id,
                details={"kind": job.kind, "was": aware(job.not_before).isoformat()},
            )
            job.not_before = None
        view = _view(job)
    wake(ctx)
    return view


# --- running -------------------------------------------------------------------------------


class Running:
    """What a job's handler gets: its payload, who it runs as, and progress reporting
    (which also notices a cancel, or that another worker took the job)."""

    def __init__(self, ctx: Context, job: Job, worker: str) -> None:
        self.ctx = ctx
        self.id = job.id
        self.case_id = job.case_id
        self.kind = job.kind
        self.payload: dict[str, Any] = dict(job.payload)
        self.result: dict[str, Any] = dict(job.result or {})
        self.worker = worker
        self._last = 0.0
        # SQLite has one writer: progress reported from inside a file's transaction is
        # kept here and written by the heartbeat after the transaction commits.
        self.writes_inside = ctx.db.dialect != "sqlite"
        self.pending: tuple[int, int, str | None] | None = None

    def actor(self) -> Actor:
        """The requester as they are now (a disabled account or a lost role stops the job)."""
        ref = self.payload["actor"]
        if ref.get("user_id") is None:
            return Actor(
                user_id=None,
                username=str(ref["username"]),
                role=Role(ref["role"]),
                operator=bool(ref.get("operator")),
            )
        with self.ctx.db.session() as session:
            user = session.get(User, int(ref["user_id"]))
            if user is None or not user.is_active:
                raise PermissionError("the account that asked for this job is disabled")
            return Actor(user_id=user.id, username=user.username, role=Role(user.role))

    def progress(
        self, done: int, total: int, current: str | None = None, force: bool = False
    ) -> None:
        """Record progress (at most every PROGRESS_EVERY s unless forced); raises
        Cancelled when a user cancelled the job, Lost when another worker took it."""
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY:
            return
        self._last = now
        with self.ctx.db.session() as session:
            job = session.get(Job, self.id)
            if job is None or job.worker != self.worker or job.status != RUNNING:
                raise Lost()
            job.progress_done, job.progress_total = done, total
            if current is not None:
                job.current = current[:1000]
            job.heartbeat_at = datetime.now(UTC)
            if job.cancel_requested:
                raise _CancelAfterCommit()

    def inner_progress(self, done: int, total: int, current: str | None = None) -> None:
        """Progress from inside a transaction that writes (rows of a file being loaded):
        written at once where the database allows a second writer, else kept for the
        heartbeat (and a cancel is then noticed at the next file)."""
        if self.writes_inside:
            self.progress(done, total, current)
        else:
            self.pending = (done, total, current)

    def save_result(self, result: dict[str, Any]) -> None:
        """Keep the outcome so far (a resumed run continues from it)."""
        self.result = result
        with self.ctx.db.session() as session:
            session.execute(
                update(Job)
                .where(Job.id == self.id, Job.worker == self.worker)
                .values(result=result, heartbeat_at=datetime.now(UTC))
            )


class _CancelAfterCommit(Cancelled):
    pass


Handler = Callable[[Running], dict[str, Any]]


def _handlers() -> dict[str, Handler]:
    # Imported here: the handlers import the services that import this module.
    from palermo.services import analysis_jobs, ingest_jobs, ocr

    return {"ingest": ingest_jobs.run, "ocr": ocr.run_queued, "analyse": analysis_jobs.run}


def _alive_here(worker: str | None) -> bool | None:
    """Whether the process named ``host:pid`` is alive, when it ran on this machine."""
    if not worker or ":" not in worker:
        return None
    host, _, rest = worker.rpartition(":")
    pid = rest.split("/", 1)[0]  # "host:pid/t<thread>" for an in-process worker thread
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_for_claim(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        # Take SQLite's write lock now, so the read below is the latest (as audit does).
        session.execute(text("UPDATE jobs SET id = id WHERE 0"))


def _due(moment: datetime) -> Any:
    """Queued and due (no start time, or it has come), or running (perhaps abandoned)."""
    return or_(
        Job.status == RUNNING,
        and_(Job.status == QUEUED, or_(Job.not_before.is_(None), Job.not_before <= moment)),
    )


def claim(ctx: Context, worker: str, kinds: tuple[str, ...] = KINDS) -> int | None:
    """Take the oldest job that is queued and due (never one before its ``not_before``),
    or running in a dead process; its id or None."""
    due = now()  # the queue's clock, for the start times
    moment = datetime.now(UTC)  # the wall clock, for leases and the job's own times
    with ctx.db.session() as session:
        _lock_for_claim(session)
        statement = select(Job).where(Job.kind.in_(kinds), _due(due)).order_by(Job.id).limit(20)
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        for job in session.scalars(statement):
            if job.status == RUNNING and not _abandoned(job, moment):
                continue
            if job.status == RUNNING and job.cancel_requested:
                job.status, job.finished_at = CANCELLED, moment
                continue
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.finished_at = FAILED, moment
                job.error = f"stopped after {job.attempts} interrupted runs"
                continue
            job.status, job.worker, job.heartbeat_at = RUNNING, worker, moment
            job.attempts += 1
            job.started_at = job.started_at or moment
            return job.id
    return None


def _abandoned(job: Job, now: datetime) -> bool:
    alive = _alive_here(job.worker)
    if alive is not None:
        return not alive
    beat = job.heartbeat_at or job.started_at or job.created_at
    if beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)
    return now - beat > LEASE


def run_claimed(ctx: Context, job_id: int, worker: str) -> str:
    """Run a job this worker claimed, to its end; the status it ended with."""
    with ctx.db.session() as session:
        job = session.get(Job, job_id)
        if job is None or job.worker != worker:
            return "lost"
        running = Running(ctx, job, worker)
    beat = _Heartbeat(ctx, running)
    beat.start()
    try:
        result = _handlers()[running.kind](running)
        status, error = DONE, None
    except Lost:
        return "lost"
    except Cancelled:
        result, status, error = running.result, CANCELLED, None
    except Exception as exc:
        log.exception("job %s failed", job_id)
        result, status, error = running.result, FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        beat.stop()
    _finish(ctx, job_id, worker, status, result, error)
    if status == DONE:
        _after(ctx, running, result)
    return status


def _after(ctx: Context, running: Running, result: dict[str, Any] | None) -> None:
    """What a job that ended well sets off: the case's analysis, when the job changed the
    case (:func:`.analysis_jobs.changed_case` says when)."""
    from palermo.services import analysis_jobs

    if not analysis_jobs.changed_case(running, result):
        return
    try:
        analysis_jobs.submit_after(ctx, running)
    except Exception:  # the job itself is done; the pages compute the views on first read
        log.exception("job %s: the case's analysis was not queued", running.id)


def _finish(
    ctx: Context,
    job_id: int,
    worker: str,
    status: str,
    result: dict[str, Any] | None,
    error: str | None,
) -> None:
    with ctx.db.session() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.worker != worker:
            return
        job.status, job.result, job.error = status, result, error
        job.finished_at = datetime.now(UTC)
        if status == DONE:
            job.progress_done = job.progress_total = max(job.progress_total, 1)
            job.current = None


class _Heartbeat:
    """Says every HEARTBEAT_SECONDS that this worker still runs the job (with the
    progress kept for it, if any)."""

    def __init__(self, ctx: Context, running: Running) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ctx, running), name=f"job-{running.id}-beat", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self, ctx: Context, running: Running) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            values: dict[str, Any] = {"heartbeat_at": datetime.now(UTC)}
            pending = running.pending
            if pending is not None:
                values.update(progress_done=pending[0], progress_total=pending[1])
            try:
                with ctx.db.session() as session:
                    session.execute(
                        update(Job)
                        .where(
                            Job.id == running.id,
                            Job.worker == running.worker,
                            Job.status == RUNNING,
                        )
                        .values(**values)
                    )
            except Exception:  # a busy database: the next beat tries again
                log.warning("job %s: heartbeat not written", running.id, exc_info=True)


def work(
    ctx: Context,
    stop: threading.Event,
    *,
    poll: float = 1.0,
    until_idle: bool = False,
    worker: str | None = None,
    on_job: Callable[[int, str], None] | None = None,
) -> int:
    """Claim and run jobs until ``stop`` is set (or, ``until_idle``, none is left);
    how many ran."""
    name = worker or worker_name()
    ran = 0
    while not stop.is_set():
        job_id = claim(ctx, name)
        if job_id is None:
            if until_idle:
                return ran
            stop.wait(poll)
            continue
        status = run_claimed(ctx, job_id, name)
        ran += 1
        if on_job is not None:
            on_job(job_id, status)
    return ran


# --- the in-process worker (embedded setup) --------------------------------------------------


_local_lock = threading.Lock()


@dataclass(slots=True)
class _LocalWorker:
    thread: threading.Thread
    stop: threading.Event
    # Set by a submit (or "run now") while the thread waits for a job's start time.
    nudge: threading.Event


_local: dict[int, _LocalWorker] = {}


def runs_in_process(ctx: Context) -> bool:
    """Whether this process runs the jobs itself: on SQLite (the embedded setup) unless
    ``PALERMO_JOBS_IN_PROCESS`` says otherwise; on PostgreSQL only if it says so."""
    chosen = ctx.settings.jobs_in_process
    return ctx.db.dialect == "sqlite" if chosen is None else chosen


def wake(ctx: Context) -> None:
    """After a submit: make sure someone runs the job (a thread here, on SQLite)."""
    if runs_in_process(ctx):
        ensure_local_worker(ctx, until_idle=True)


def ensure_local_worker(ctx: Context, *, until_idle: bool = False) -> threading.Thread:
    """A worker thread in this process for ``ctx`` (started unless one runs, which is
    told to look at the queue again); with ``until_idle`` it ends when no job is queued
    (it waits while one is queued to start later; a later submit starts another)."""
    key = id(ctx)
    with _local_lock:
        found = _local.get(key)
        if found is not None and found.thread.is_alive():
            found.nudge.set()
            return found.thread
        stop, nudge = threading.Event(), threading.Event()
        thread = threading.Thread(
            target=_local_run,
            args=(ctx, until_idle, stop, nudge),
            name="palermo-jobs",
            daemon=True,
        )
        _local[key] = _LocalWorker(thread, stop, nudge)
        thread.start()
        return thread


def stop_local_worker(ctx: Context, timeout: float = 60.0) -> None:
    """Stop this process's worker thread for ``ctx`` after its current job."""
    with _local_lock:
        found = _local.pop(id(ctx), None)
    if found is not None:
        found.stop.set()
        found.nudge.set()
        found.thread.join(timeout)


def _local_run(
    ctx: Context, until_idle: bool, stop: threading.Event, nudge: threading.Event
) -> None:
    name = f"{worker_name()}/t{threading.get_ident()}"
    while not stop.is_set():
        nudge.clear()
        try:
            work(ctx, stop, until_idle=until_idle, worker=name)
        except Exception:
            log.exception("the in-process job worker stopped on an error")
            stop.wait(1)
            continue
        if stop.is_set():
            return
        with _local_lock:
            # Checked under the lock that submit's wake() takes: a job queued after the
            # last claim either sees this thread alive (and nudges it) or starts a new one.
            start = next_start(ctx)
            if start is None:
                _local.pop(id(ctx), None)
                return
        # A job waits for its start: sleep until then (looking again every
        # IDLE_POLL_SECONDS, since a decision may push it later or "run now" bring it on).
        seconds = (start - now()).total_seconds()
        if seconds > 0:
            nudge.wait(min(seconds, IDLE_POLL_SECONDS))


def next_start(ctx: Context) -> datetime | None:
    """When the next queued job may start (now or earlier if one is due); None when no
    job is queued."""
    with ctx.db.session() as session:
        if session.scalar(select(Job.id).where(_due(now()), Job.status == QUEUED).limit(1)):
            return now()
        found = session.scalar(
            select(func.min(Job.not_before)).where(
                Job.status == QUEUED, Job.not_before.is_not(None)
            )
        )
    return None if found is None else aware(found)


def wait_for(ctx: Context, job_id: int, timeout: float = 60.0) -> str:
    """Block until a job has finished (for the CLI and tests); its status."""
    deadline = time.monotonic() + timeout
    while True:
        with ctx.db.session() as session:
            status = session.scalar(select(Job.status).where(Job.id == job_id))
        if status is None:
            raise NotFound(f"no job {job_id}")
        if status in FINISHED or time.monotonic() > deadline:
            return str(status)
        time.sleep(0.2)


def iter_statuses(ctx: Context, job_id: int) -> Iterator[JobView]:
    """The job's state every half second until it finishes (for the CLI's progress bar)."""
    while True:
        with ctx.db.session() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise NotFound(f"no job {job_id}")
            view = _view(job)
        yield view
        if view.status in FINISHED:
            return
        time.sleep(0.5)
