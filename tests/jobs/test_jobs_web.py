"""The Jobs page of a case: an upload's job, its progress and report, cancel and run
again, who may see and change jobs; and the queue's claim rules."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import Login
from tests.helpers import csrf_from, finished_job_page

from palermo.security.permissions import Actor
from palermo.services import ingest_jobs, jobs
from palermo.services.context import Context
from palermo.store.models import AuditEntry, Record, Role
from palermo.store.models.jobs import Job

from .conftest import call_files, streams

BAD = b"call_id,started_at,caller,callee,duration_s,cell_id\nC1,not a date,+1,+2,x,C\n"


def _upload(client: TestClient, case_ref: str, files: list[tuple[str, bytes]]) -> str:
    page = client.get(f"/cases/{case_ref}/upload")
    assert "/jobs" in page.text  # the form links to the case's jobs
    response = client.post(
        f"/cases/{case_ref}/upload",
        data={"csrf_token": csrf_from(page.text)},
        files=[("files", (name, data, "text/csv")) for name, data in files],
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_an_upload_becomes_a_job_whose_page_shows_the_report(
    ctx: Context, prosecutor: Actor, case_ref: str, client: TestClient, login: Login
) -> None:
    login(client, "prosecutor")
    url = _upload(client, case_ref, [*call_files(2, 30), ("bad.csv", BAD)])
    assert url.startswith(f"/cases/{case_ref}/jobs/")
    page = finished_job_page(client, client.get(url))
    assert page.status_code == 200
    assert 'id="upload-report"' in page.text and "calls-001.csv" in page.text
    assert "bad.csv" in page.text and "line 2" in page.text  # the error names the line
    assert 'id="job-retry"' not in page.text and 'id="job-cancel"' not in page.text
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 60, page.text[-6000:]
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"job.submit", "evidence.ingest", "evidence.upload"} <= actions
    for view in jobs.list_jobs(ctx, prosecutor, case_ref):  # the analysis it queued too
        assert jobs.wait_for(ctx, view.id) == jobs.DONE
    listing = client.get(f"/cases/{case_ref}/jobs")
    assert listing.status_code == 200 and "Load evidence" in listing.text
    assert "Analyse the case" in listing.text
    assert "data-job-refresh" not in listing.text  # nothing running: no reloading
    assert not list((ctx.settings.data_dir / "jobs").iterdir())  # staged files removed


def test_a_queued_job_is_cancelled_then_run_again(
    ctx: Context, prosecutor: Actor, case_ref: str, client: TestClient, login: Login
) -> None:
    ctx.settings.jobs_in_process = False  # nobody runs it until we say so
    job_id = ingest_jobs.submit_upload(ctx, prosecutor, case_ref, streams(call_files(1, 10)))
    login(client, "prosecutor")
    url = f"/cases/{case_ref}/jobs/{job_id}"
    page = client.get(url)
    assert 'id="job-cancel"' in page.text and 'data-job-status="queued"' in page.text
    assert client.get(url + "/status").json()["status"] == "queued"
    cancelled = client.post(url + "/cancel", data={"csrf_token": csrf_from(page.text)})
    assert cancelled.status_code == 303
    page = client.get(url)
    assert "Cancelled" in page.text and 'id="job-retry"' in page.text
    assert client.post(url + "/retry").status_code == 403  # CSRF
    again = client.post(url + "/retry", data={"csrf_token": csrf_from(page.text)})
    assert again.status_code == 303
    assert jobs.get_job(ctx, prosecutor, case_ref, job_id).status == jobs.QUEUED
    stop = threading.Event()
    assert jobs.work(ctx, stop, until_idle=True) == 2  # the upload, then the analysis it queued
    done = jobs.get_job(ctx, prosecutor, case_ref, job_id)
    assert done.status == jobs.DONE and done.percent == 100
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 10


def test_a_running_job_stops_at_its_next_step_when_cancelled(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    ctx.settings.jobs_in_process = False
    job_id = ingest_jobs.submit_upload(ctx, prosecutor, case_ref, streams(call_files(3, 10)))
    claimed = jobs.claim(ctx, "elsewhere:1")
    assert claimed == job_id
    with ctx.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        running = jobs.Running(ctx, job, "elsewhere:1")
    jobs.cancel(ctx, prosecutor, case_ref, job_id)
    try:
        running.progress(1, 2, "file 1", force=True)
        raise AssertionError("progress did not notice the cancel")
    except jobs.Cancelled:
        pass


def test_two_workers_never_claim_the_same_job_and_a_dead_ones_job_is_taken_back(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    ctx.settings.jobs_in_process = False
    first = ingest_jobs.submit_upload(ctx, prosecutor, case_ref, streams(call_files(1, 5)))
    second = ingest_jobs.submit_upload(
        ctx, prosecutor, case_ref, streams([("other.csv", call_files(2, 5)[1][1])])
    )
    assert jobs.claim(ctx, "host-a:1") == first
    assert jobs.claim(ctx, "host-b:1") == second
    assert jobs.claim(ctx, "host-c:1") is None  # both alive (heartbeat fresh, other host)
    with ctx.db.session() as session:
        job = session.get(Job, first)
        assert job is not None
        job.heartbeat_at = datetime.now(UTC) - jobs.LEASE - timedelta(seconds=1)
    assert jobs.claim(ctx, "host-c:1") == first  # its worker stopped beating
    with ctx.db.session() as session:
        job = session.get(Job, first)
        assert job is not None and job.worker == "host-c:1" and job.attempts == 2


def test_jobs_follow_case_access(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    client: TestClient,
    login: Login,
    make_user: object,
) -> None:
    ctx.settings.jobs_in_process = False
    job_id = ingest_jobs.submit_upload(ctx, prosecutor, case_ref, streams(call_files(1, 5)))
    outsider = make_user(Role.INVESTIGATOR)  # type: ignore[operator]
    login(client, outsider.username)
    assert client.get(f"/cases/{case_ref}/jobs").status_code == 404
    assert client.get(f"/cases/{case_ref}/jobs/{job_id}").status_code == 404
    assert client.get(f"/cases/{case_ref}/jobs/{job_id}/status").status_code == 404
    with ctx.db.session() as session:
        stored = session.execute(select(Job.payload).where(Job.id == job_id)).scalar_one()
        raw = session.connection().exec_driver_sql("SELECT payload FROM jobs").scalar_one()
    assert stored["files"][0]["name"] == "calls-000.csv"
    assert b"calls-000" not in bytes(raw)  # the file names are sealed at rest
