"""The "analyse" job: queued once after evidence is loaded, computes and stores the case's
derived views as its requester may see them, which the pages then read without computing;
cancellable; asked for again only by who may change the case's jobs."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from tests.helpers import counting, forget_kept_views

from palermo.security.permissions import Actor
from palermo.services import analysis_jobs, cases, elements, ingest_jobs, jobs, memo, money, network
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound, PermissionDenied
from palermo.store.models import AuditEntry, Role
from palermo.store.models.derived import DerivedView
from palermo.store.models.jobs import Job

from .conftest import call_files, streams


@pytest.fixture(autouse=True)
def forget_memory(fresh_kept_views: None) -> None:
    """No view kept in memory from another test."""


@pytest.fixture
def queued_only(ctx: Context) -> Context:
    """Jobs wait in the queue until the test runs them (as a worker process would)."""
    ctx.settings.jobs_in_process = False
    return ctx


def run_all(ctx: Context) -> int:
    return jobs.work(ctx, threading.Event(), until_idle=True)


def analyse_jobs(ctx: Context) -> list[Job]:
    with ctx.db.session() as session:
        found = list(session.scalars(sa.select(Job).where(Job.kind == "analyse")))
        session.expunge_all()
        return found


def stored_names(ctx: Context) -> set[str]:
    with ctx.db.session() as session:
        return set(session.scalars(sa.select(DerivedView.name)))


def test_after_an_ingest_the_views_are_stored_and_the_pages_read_them_without_computing(
    queued_only: Context, prosecutor: Actor, case_ref: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = queued_only
    ingest = ingest_jobs.submit_upload(ctx, prosecutor, case_ref, streams(call_files(2, 20)))
    assert analyse_jobs(ctx) == []  # nothing to analyse before the evidence is in
    assert run_all(ctx) == 2  # the ingest, then the analysis it queued
    assert jobs.get_job(ctx, prosecutor, case_ref, ingest).status == jobs.DONE
    (analysis,) = analyse_jobs(ctx)
    assert analysis.status == jobs.DONE and analysis.id > ingest
    assert analysis.payload["actor"]["username"] == "prosecutor"  # as who asked
    shown = jobs.get_job(ctx, prosecutor, case_ref, analysis.id)
    assert shown.label == "Analyse the case" and shown.percent == 100
    assert [v["name"] for v in (shown.result or {})["views"]] == [
        name for name, _label, _compute in analysis_jobs.VIEWS
    ]
    assert {"elements.assessment/1", "network/1", "money/1", "memo.analysis/1"} <= (
        stored_names(ctx)
    )
    with ctx.db.session() as session:
        submitted = session.scalars(
            sa.select(AuditEntry.details).where(
                AuditEntry.action == "job.submit", AuditEntry.object_id == str(analysis.id)
            )
        ).all()
    assert submitted and submitted[0]["kind"] == "analyse"

    # What a web worker that did not run the job sees (nothing in its memory): the
    # stored views, not a computation.
    forget_kept_views()
    computed = counting(monkeypatch, network, "_compute_view")
    assessed = counting(monkeypatch, elements, "assess")
    traced = counting(monkeypatch, money, "_money_view")
    analysed = counting(monkeypatch, memo, "_analyse")
    network.network_view(ctx, prosecutor, case_ref)
    elements.assess_cached(ctx, prosecutor, case_ref)
    money.money_view(ctx, prosecutor, case_ref)
    memo.build_memo(ctx, prosecutor, case_ref)
    assert (computed, assessed, traced, analysed) == ([], [], [], [])

    # Running it again computes nothing either (idempotent).
    again, new = analysis_jobs.submit(ctx, prosecutor, case_ref)
    assert new and run_all(ctx) == 1
    assert jobs.get_job(ctx, prosecutor, case_ref, again).status == jobs.DONE
    assert (computed, assessed, traced, analysed) == ([], [], [], [])


def test_an_upload_that_loads_nothing_queues_no_analysis(
    queued_only: Context, prosecutor: Actor, case_ref: str
) -> None:
    bad = b"call_id,started_at,caller,callee,duration_s,cell_id\nC1,not a date,+1,+2,x,C\n"
    ingest_jobs.submit_upload(queued_only, prosecutor, case_ref, streams([("bad.csv", bad)]))
    assert run_all(queued_only) == 1
    assert analyse_jobs(queued_only) == []


def test_only_one_analysis_waits_in_the_queue_per_case(
    queued_only: Context, prosecutor: Actor, case_ref: str
) -> None:
    ctx = queued_only
    first = ingest_jobs.submit_upload(ctx, prosecutor, case_ref, streams(call_files(1, 5)))
    files = call_files(2, 5)
    second = ingest_jobs.submit_upload(ctx, prosecutor, case_ref, streams(files[1:]))
    for job_id in (first, second):  # two uploads end one after the other
        assert jobs.claim(ctx, "w:1", kinds=("ingest",)) == job_id
        assert jobs.run_claimed(ctx, job_id, "w:1") == jobs.DONE
    (waiting,) = analyse_jobs(ctx)
    assert waiting.status == jobs.QUEUED
    assert analysis_jobs.submit(ctx, prosecutor, case_ref) == (waiting.id, False)
    assert len(analyse_jobs(ctx)) == 1
    assert run_all(ctx) == 1
    # Once it has run (or while it runs), a new change queues a new one.
    third, new = analysis_jobs.submit(ctx, prosecutor, case_ref)
    assert new and third != waiting.id
    # Running an old one again would make a second: refused while one waits.
    jobs.cancel(ctx, prosecutor, case_ref, third)
    fourth, new = analysis_jobs.submit(ctx, prosecutor, case_ref)
    assert new
    with pytest.raises(InvalidInput, match=f"already queued \\(job {fourth}\\)"):
        jobs.retry(ctx, prosecutor, case_ref, third)


def test_an_analysis_is_cancelled_between_two_views(
    queued_only: Context, prosecutor: Actor, case_ref: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = queued_only
    ingest_jobs.submit_upload(ctx, prosecutor, case_ref, streams(call_files(1, 10)))
    assert jobs.claim(ctx, "w:1", kinds=("ingest",)) is not None
    with ctx.db.session() as session:
        ingest_id = session.scalar(sa.select(Job.id).where(Job.kind == "ingest"))
    assert ingest_id is not None
    assert jobs.run_claimed(ctx, ingest_id, "w:1") == jobs.DONE
    (queued,) = analyse_jobs(ctx)
    ran: list[str] = []

    def watched(name: str, compute: Any) -> Any:
        def run(c: Context, actor: Actor, reference: str) -> None:
            compute(c, actor, reference)
            ran.append(name)
            if len(ran) == 1:
                jobs.cancel(c, prosecutor, reference, queued.id)  # a user cancels meanwhile

        return run

    views = [(n, label, watched(n, f)) for n, label, f in analysis_jobs.VIEWS]
    monkeypatch.setattr(analysis_jobs, "VIEWS", tuple(views))
    assert run_all(ctx) == 1
    done = jobs.get_job(ctx, prosecutor, case_ref, queued.id)
    assert done.status == jobs.CANCELLED
    assert ran == ["elements"]  # stopped before the next view
    assert (done.result or {})["views"][0]["name"] == "elements"  # its work so far kept

    # A queued one is cancelled at once and can be run again.
    again, _ = analysis_jobs.submit(ctx, prosecutor, case_ref)
    assert jobs.cancel(ctx, prosecutor, case_ref, again).status == jobs.CANCELLED
    assert run_all(ctx) == 0
    jobs.retry(ctx, prosecutor, case_ref, again)
    monkeypatch.undo()
    assert run_all(ctx) == 1
    assert jobs.get_job(ctx, prosecutor, case_ref, again).status == jobs.DONE


def test_views_computed_for_a_prosecutor_are_not_served_to_an_analyst(
    queued_only: Context,
    prosecutor: Actor,
    case_ref: str,
    make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = queued_only
    analyst: Actor = make_user(Role.ANALYST)
    ingest_jobs.submit_upload(ctx, prosecutor, case_ref, streams(call_files(1, 10)))
    assert run_all(ctx) == 2
    # The analyst joins after the analysis ran: nothing was computed for their kind of
    # viewer, and what was computed for the prosecutor is not served to them.
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    forget_kept_views()
    computed = counting(monkeypatch, network, "_compute_view")
    assessed = counting(monkeypatch, elements, "assess")
    network.network_view(ctx, analyst, case_ref)
    elements.assess_cached(ctx, analyst, case_ref)
    assert computed == [1] and assessed == [1]  # the analyst's own variant

    # Who may not change the case's jobs cannot ask for an analysis; an outsider
    # cannot tell the case exists.
    with pytest.raises(PermissionDenied):
        analysis_jobs.submit(ctx, analyst, case_ref)
    outsider: Actor = make_user(Role.PROSECUTOR)
    with pytest.raises(NotFound):
        analysis_jobs.submit(ctx, outsider, case_ref)


def test_no_analysis_is_queued_for_a_requester_who_left_the_case(
    queued_only: Context, prosecutor: Actor, case_ref: str, make_user: Any
) -> None:
    ctx = queued_only
    investigator: Actor = make_user(Role.INVESTIGATOR)
    cases.add_member(ctx, prosecutor, case_ref, investigator.username)
    ingest_jobs.submit_upload(ctx, investigator, case_ref, streams(call_files(1, 5)))
    assert jobs.claim(ctx, "w:1", kinds=("ingest",)) is not None
    with ctx.db.session() as session:
        ingest_id = session.scalar(sa.select(Job.id).where(Job.kind == "ingest"))
        running = jobs.Running(ctx, session.get_one(Job, ingest_id), "w:1")
    from palermo.services import casework

    casework.remove_member(ctx, prosecutor, case_ref, investigator.username)
    assert analysis_jobs.submit_after(ctx, running) is None
    assert analyse_jobs(ctx) == []
