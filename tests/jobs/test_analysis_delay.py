"""A job may wait for a start time: the analysis after a burst of decisions.

No worker takes a job before its ``not_before``; each decision on the case pushes the
waiting analysis later, never beyond the maximum wait after the burst's first decision;
once the time has come it runs. A person asking for the analysis, or "Run now", starts it
at once. The queue's clock is moved on by the tests (:class:`Clock`), not slept through.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.conftest import Login
from tests.helpers import csrf_from

from palermo.security.permissions import Actor
from palermo.services import analysis_jobs, cases, jobs, network, review, users
from palermo.services.context import Context
from palermo.store.models import AuditEntry, PersonKind, Role
from palermo.store.models.jobs import Job

from .conftest import Clock, run_all, suggestions

DELAY, LIMIT = 30.0, 120.0


@pytest.fixture
def deciding(ctx: Context, clock: Clock) -> Context:
    """Decisions queue the analysis after a quiet period of DELAY seconds, LIMIT at most;
    jobs wait in the queue until the test runs them, as a worker process would."""
    ctx.settings.analyse_after_decisions = True
    ctx.settings.jobs_in_process = False
    ctx.settings.analyse_delay_seconds = DELAY
    ctx.settings.analyse_max_delay_seconds = LIMIT
    return ctx


def analysis(ctx: Context) -> Job:
    with ctx.db.session() as session:
        (job,) = session.scalars(sa.select(Job).where(Job.kind == analysis_jobs.KIND))
        session.expunge(job)
        return job


def start_of(job: Job) -> Any:
    assert job.not_before is not None
    return jobs.aware(job.not_before)


def test_a_job_is_never_taken_before_its_start(
    ctx: Context, prosecutor: Actor, case_ref: str, clock: Clock
) -> None:
    ctx.settings.jobs_in_process = False
    case_id = cases.case_id_for(ctx, prosecutor, case_ref)
    start = clock.moment + timedelta(seconds=90)
    with ctx.db.session() as session:
        waiting = jobs.submit(ctx, session, prosecutor, case_id, "analyse", {}, not_before=start)
        waiting_id = waiting.id
        now_id = jobs.submit(ctx, session, prosecutor, case_id, "analyse", {}).id
    # The later job, due now, is taken first; the earlier one waits for its start.
    assert jobs.claim(ctx, "w:1") == now_id
    assert jobs.claim(ctx, "w:1") is None
    clock.advance(89)
    assert jobs.claim(ctx, "w:1") is None
    view = jobs.get_job(ctx, prosecutor, case_ref, waiting_id)
    assert view.waiting and view.starts_after == start
    clock.advance(1)
    assert not jobs.get_job(ctx, prosecutor, case_ref, waiting_id).waiting
    assert jobs.claim(ctx, "w:1") == waiting_id


def test_a_burst_of_decisions_pushes_the_analysis_later_but_not_beyond_the_limit(
    deciding: Context, prosecutor: Actor, case_ref: str, suspect: int, clock: Clock
) -> None:
    ctx = deciding
    ids = suggestions(ctx, case_ref, suspect, 8)
    first = clock.moment
    review.decide(ctx, prosecutor, case_ref, ids[0], "confirmed")
    job = analysis(ctx)
    assert job.status == jobs.QUEUED and start_of(job) == first + timedelta(seconds=DELAY)
    assert jobs.aware(job.created_at) == first

    # A decision every 20 s (less than the quiet period): each moves the start to 30 s
    # after it, and nothing runs in between.
    for n, assertion_id in enumerate(ids[1:5], start=1):
        clock.advance(20)
        assert run_all(ctx) == 0
        review.decide(ctx, prosecutor, case_ref, assertion_id, "confirmed")
        assert start_of(analysis(ctx)) == first + timedelta(seconds=20 * n + DELAY)
    # Still deciding: the start reaches the limit after the first decision, no further.
    clock.advance(20)  # 100 s
    review.decide(ctx, prosecutor, case_ref, ids[5], "confirmed")
    assert start_of(analysis(ctx)) == first + timedelta(seconds=LIMIT)  # not 130 s
    clock.advance(19)  # 119 s
    assert run_all(ctx) == 0
    review.decide(ctx, prosecutor, case_ref, ids[6], "confirmed")
    assert start_of(analysis(ctx)) == first + timedelta(seconds=LIMIT)  # not 149 s
    # The reviewer goes on deciding, but the limit has come: the analysis runs, once.
    clock.advance(1)
    assert run_all(ctx) == 1
    assert analysis(ctx).status == jobs.DONE

    # The next decision queues a new analysis, waiting from then.
    clock.advance(5)
    review.decide(ctx, prosecutor, case_ref, ids[7], "rejected")
    with ctx.db.session() as session:
        waiting = session.scalars(
            sa.select(Job).where(Job.status == jobs.QUEUED, Job.kind == analysis_jobs.KIND)
        ).one()
        assert start_of(waiting) == clock.moment + timedelta(seconds=DELAY)


def test_a_quiet_period_after_the_last_decision_starts_the_analysis(
    deciding: Context, prosecutor: Actor, case_ref: str, suspect: int, clock: Clock
) -> None:
    ctx = deciding
    ids = suggestions(ctx, case_ref, suspect, 3)
    for assertion_id in ids:
        review.decide(ctx, prosecutor, case_ref, assertion_id, "confirmed")
        clock.advance(10)
    # The last decision was 10 s ago: 20 s more of quiet are needed.
    assert run_all(ctx) == 0
    clock.advance(19)
    assert run_all(ctx) == 0
    clock.advance(1)
    assert run_all(ctx) == 1
    assert analysis(ctx).status == jobs.DONE


def test_asking_for_the_analysis_or_run_now_starts_the_waiting_one_at_once(
    deciding: Context, prosecutor: Actor, case_ref: str, suspect: int, clock: Clock
) -> None:
    ctx = deciding
    one, two = suggestions(ctx, case_ref, suspect, 2)
    review.decide(ctx, prosecutor, case_ref, one, "confirmed")
    waiting = analysis(ctx)
    assert run_all(ctx) == 0
    # A person asks for the analysis: the waiting one covers it, and starts now.
    assert analysis_jobs.submit(ctx, prosecutor, case_ref) == (waiting.id, False)
    assert analysis(ctx).not_before is None
    # A decision now does not hold back an analysis a person asked to run at once.
    review.decide(ctx, prosecutor, case_ref, two, "confirmed")
    assert analysis(ctx).not_before is None
    assert run_all(ctx) == 1

    # Run now: the same, for one queued by a decision.
    network.decide_role(
        ctx, prosecutor, case_ref, person_id=suspect, role="recruiter", decision="confirmed"
    )
    with ctx.db.session() as session:
        queued = session.scalars(sa.select(Job).where(Job.status == jobs.QUEUED)).one()
    started = jobs.run_now(ctx, prosecutor, case_ref, queued.id)
    assert started.status == jobs.QUEUED and not started.waiting
    assert run_all(ctx) == 1
    with ctx.db.session() as session:
        assert session.scalar(
            sa.select(AuditEntry.object_id).where(AuditEntry.action == "job.run_now")
        ) == str(queued.id)


def test_the_jobs_pages_show_the_planned_start_and_run_now_starts_it(
    deciding: Context,
    prosecutor: Actor,
    case_ref: str,
    suspect: int,
    clock: Clock,
    client: TestClient,
    login: Login,
    make_user: Any,
) -> None:
    ctx = deciding
    (one,) = suggestions(ctx, case_ref, suspect, 1)
    review.decide(ctx, prosecutor, case_ref, one, "confirmed")
    job = analysis(ctx)
    planned = start_of(job).strftime("%H:%M:%S")
    login(client, "prosecutor")
    listing = client.get(f"/cases/{case_ref}/jobs").text
    row = listing[listing.index(f'id="job-row-{job.id}"') :].split("</tr>", 1)[0]
    assert "Waiting" in row and "starts after <time" in row and planned in row
    assert f'id="job-run-now-{job.id}"' in row
    page = client.get(f"/cases/{case_ref}/jobs/{job.id}")
    assert f"{planned}</time> UTC" in page.text and 'id="job-run-now"' in page.text
    status = client.get(f"/cases/{case_ref}/jobs/{job.id}/status").json()
    assert status["status"] == "queued" and status["starts_after"] == start_of(job).isoformat()

    # A role that may not change the case's jobs sees the start, not the button, and is
    # refused if it posts.
    analyst: Actor = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    other = TestClient(client.app, follow_redirects=False)
    login(other, analyst.username)
    seen = other.get(f"/cases/{case_ref}/jobs/{job.id}")
    assert planned in seen.text and 'id="job-run-now"' not in seen.text
    refused = other.post(
        f"/cases/{case_ref}/jobs/{job.id}/run-now", data={"csrf_token": csrf_from(seen.text)}
    )
    assert refused.status_code == 403
    assert analysis(ctx).not_before is not None

    ran = client.post(
        f"/cases/{case_ref}/jobs/{job.id}/run-now", data={"csrf_token": csrf_from(page.text)}
    )
    assert ran.status_code == 303
    assert analysis(ctx).not_before is None
    after = client.get(f"/cases/{case_ref}/jobs/{job.id}").text
    assert "starts after" not in after and 'id="job-run-now"' not in after
    assert run_all(ctx) == 1


def test_the_api_shows_the_start_and_runs_a_waiting_job_now(
    deciding: Context, prosecutor: Actor, case_ref: str, suspect: int, client: TestClient
) -> None:
    ctx = deciding
    (one,) = suggestions(ctx, case_ref, suspect, 1)
    review.decide(ctx, prosecutor, case_ref, one, "confirmed")
    job = analysis(ctx)
    headers = {"Authorization": f"Bearer {users.create_api_token(ctx, prosecutor, 'jobs')}"}
    shown = client.get(f"/api/jobs/{job.id}", headers=headers).json()
    assert shown["status"] == "queued"
    assert shown["starts_after"].replace("Z", "+00:00") == start_of(job).isoformat()
    started = client.post(f"/api/jobs/{job.id}/run-now", headers=headers)
    assert started.status_code == 200, started.text
    assert started.json()["starts_after"] is None
    assert run_all(ctx) == 1
    again = client.post(f"/api/jobs/{job.id}/run-now", headers=headers)
    assert again.status_code == 422


def test_in_the_embedded_setup_the_worker_waits_for_the_start_without_spinning(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The web process's own worker thread (SQLite's setup) leaves a waiting analysis
    alone, looking at the queue about once a second, and runs it once its time comes."""
    ctx.settings.analyse_after_decisions = True  # and jobs run in this process
    ctx.settings.analyse_delay_seconds = DELAY
    suspect = cases.add_person(ctx, prosecutor, case_ref, kind=PersonKind.SUSPECT, name="S").id
    claims: list[int | None] = []
    claim = jobs.claim

    def counted(on: Context, *args: Any, **kw: Any) -> int | None:
        found = claim(on, *args, **kw)
        if on is ctx:  # not a worker thread left polling by another test's context
            claims.append(found)
        return found

    monkeypatch.setattr(jobs, "claim", counted)
    network.decide_role(
        ctx, prosecutor, case_ref, person_id=suspect, role="recruiter", decision="confirmed"
    )
    job = analysis(ctx)
    assert job.not_before is not None
    # Waits (the thread is alive, polling): nothing is taken, and it does not spin.
    assert jobs.wait_for(ctx, job.id, timeout=2.5) == jobs.QUEUED
    assert claims and set(claims) == {None} and len(claims) <= 6
    clock.advance(DELAY)
    assert jobs.wait_for(ctx, job.id, timeout=60) == jobs.DONE
