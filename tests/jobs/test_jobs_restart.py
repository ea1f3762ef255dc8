"""A worker killed (SIGKILL) again and again during an ingest job: the job still ends
with every record loaded exactly once."""

from __future__ import annotations

import signal
import time

from sqlalchemy import func, select

from palermo.security.permissions import Actor
from palermo.services import ingest_jobs, jobs
from palermo.services.context import Context
from palermo.store.models import EvidenceFile, Record
from palermo.store.models.jobs import Job

from .conftest import call_files, start_cli, streams

FILES = 40
ROWS = 100
KILLS = 5


def _records(ctx: Context) -> int:
    with ctx.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Record)) or 0)


def _job(ctx: Context, job_id: int) -> Job:
    with ctx.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_an_ingest_job_survives_repeated_kills_with_no_record_lost_or_doubled(
    no_local_worker: Context, prosecutor: Actor, case_ref: str
) -> None:
    ctx = no_local_worker
    job_id = ingest_jobs.submit_upload(ctx, prosecutor, case_ref, streams(call_files(FILES, ROWS)))
    assert _job(ctx, job_id).status == jobs.QUEUED

    seen = 0
    for kill in range(KILLS):
        worker = start_cli(ctx.settings, "worker", "--poll", "0.1")
        deadline = time.monotonic() + 120
        # Kill as soon as the worker has loaded at least one more file than before.
        while _records(ctx) <= seen:
            assert worker.poll() is None, worker.communicate()[0].decode()[-2000:]
            assert time.monotonic() < deadline, "the worker made no progress"
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        seen = _records(ctx)
        job = _job(ctx, job_id)
        assert job.status == jobs.RUNNING, f"kill {kill + 1}: the job ended before the kill"
        assert seen < FILES * ROWS

    final = start_cli(ctx.settings, "worker", "--once", "--poll", "0.1")
    output = final.communicate(timeout=300)[0].decode()
    assert final.returncode == 0, output[-2000:]

    job = _job(ctx, job_id)
    assert job.status == jobs.DONE, (job.status, job.error)
    assert job.attempts == KILLS + 1
    with ctx.db.session() as session:
        per_file = dict(
            session.execute(
                select(Record.evidence_file_id, func.count()).group_by(Record.evidence_file_id)
            ).all()
        )
        files = session.scalars(select(EvidenceFile)).all()
        distinct = session.scalar(
            select(func.count()).select_from(
                select(Record.evidence_file_id, Record.row_number).distinct().subquery()
            )
        )
    assert len(files) == FILES and all(f.status == "loaded" for f in files)
    assert sorted(per_file.values()) == [ROWS] * FILES
    assert sum(per_file.values()) == FILES * ROWS == distinct
    # The report counts every file once: loaded by this run or an interrupted one.
    report = (job.result or {})["files"]
    assert len(report) == FILES
    assert sum(f["records"] for f in report if f["status"] == "loaded") <= FILES * ROWS
    assert not list((ctx.settings.data_dir / "jobs").iterdir())
