"""The case's analysis after a person's decision: queued once the decision commits (one
waiting per case, however many decisions), as the person who decided last; a failure to
queue keeps the decision and shows on the Jobs page; the job stores the views for each
kind of viewer among the case's members, each computed as such a member and served
only to that kind; the pages then read them without computing."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.conftest import Login
from tests.helpers import csrf_from, forget_kept_views
from tests.jobs.conftest import Clock, run_all, suggestions

from palermo.security.permissions import Actor
from palermo.services import (
    analysis_jobs,
    cases,
    elements,
    jobs,
    network,
    review,
)
from palermo.services.context import Context
from palermo.services.derived_views import _digest
from palermo.services.errors import NotFound
from palermo.services.viewcache import viewer_key
from palermo.store.models import Assertion, AuditEntry, PersonKind, Role, User
from palermo.store.models.derived import DerivedView
from palermo.store.models.jobs import Job


@pytest.fixture(autouse=True)
def forget_memory(fresh_kept_views: None) -> None:
    """No view kept in memory from another test."""


@pytest.fixture
def deciding(ctx: Context) -> Context:
    """Decisions queue the analysis (as deployed), and it waits in the queue until the
    test runs it, as a worker process would."""
    ctx.settings.analyse_after_decisions = True
    ctx.settings.jobs_in_process = False
    return ctx


def analyses(ctx: Context) -> list[Job]:
    with ctx.db.session() as session:
        found = list(
            session.scalars(sa.select(Job).where(Job.kind == analysis_jobs.KIND).order_by(Job.id))
        )
        session.expunge_all()
        return found


def stored_variants(ctx: Context, name: str) -> set[str]:
    with ctx.db.session() as session:
        return set(session.scalars(sa.select(DerivedView.variant).where(DerivedView.name == name)))


def network_variant(actor: Actor) -> str:
    """The stored row's variant of the Network tab as ``actor`` first opens it."""
    return _digest((viewer_key(actor, False), None, None, 500))


def elements_variant(actor: Actor) -> str:
    return _digest(viewer_key(actor, reveal=True))


def test_a_decision_queues_one_analysis_as_who_decided(
    deciding: Context, prosecutor: Actor, case_ref: str, suspect: int
) -> None:
    ctx = deciding
    (first,) = suggestions(ctx, case_ref, suspect, 1)
    assert analyses(ctx) == []
    review.decide(ctx, prosecutor, case_ref, first, "confirmed")
    (queued,) = analyses(ctx)
    assert queued.status == jobs.QUEUED
    assert queued.payload["actor"]["username"] == "prosecutor"
    assert queued.requested_by == prosecutor.user_id
    with ctx.db.session() as session:
        actions = list(
            session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq.desc()).limit(2))
        )
    assert actions == ["job.submit", "assertion.confirm"]  # after the decision committed

    # A decision refused (not this case's suggestion) is rolled back: nothing more queued,
    # and a decision is never half-written with the queue.
    with pytest.raises(NotFound):
        review.decide(ctx, prosecutor, case_ref, first + 999, "rejected")
    assert [j.id for j in analyses(ctx)] == [queued.id]


def test_a_decision_that_fails_after_asking_for_the_analysis_queues_none(
    deciding: Context,
    prosecutor: Actor,
    case_ref: str,
    suspect: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = deciding
    (one,) = suggestions(ctx, case_ref, suspect, 1)

    def broken(*_args: Any) -> None:
        raise RuntimeError("the decision's answer could not be built")

    # Fails in the decision's transaction, after the analysis was asked for.
    monkeypatch.setattr(review, "_Describer", broken)
    with pytest.raises(RuntimeError):
        review.decide(ctx, prosecutor, case_ref, one, "confirmed")
    with ctx.db.session() as session:
        assert session.get_one(Assertion, one).status == "suggested"  # rolled back
    assert analyses(ctx) == []
    monkeypatch.undo()
    # Made again, it is saved and the analysis queued.
    review.decide(ctx, prosecutor, case_ref, one, "confirmed")
    assert len(analyses(ctx)) == 1


def test_a_burst_of_decisions_queues_one_analysis_run_as_the_last_to_decide(
    deciding: Context, prosecutor: Actor, case_ref: str, suspect: int, make_user: Any, clock: Clock
) -> None:
    ctx = deciding
    investigator: Actor = make_user(Role.INVESTIGATOR)
    cases.add_member(ctx, prosecutor, case_ref, investigator.username)
    ids = suggestions(ctx, case_ref, suspect, 4)
    review.decide_many(ctx, prosecutor, case_ref, ids[:2], "confirmed")
    network.decide_role(
        ctx, prosecutor, case_ref, person_id=suspect, role="recruiter", decision="confirmed"
    )
    elements.set_statutes(ctx, prosecutor, case_ref, suspect, ["us-18-1591"])
    review.decide(ctx, investigator, case_ref, ids[2], "rejected")
    (queued,) = analyses(ctx)
    assert queued.status == jobs.QUEUED
    assert queued.payload["actor"]["username"] == investigator.username
    assert queued.requested_by == investigator.user_id
    with ctx.db.session() as session:
        handed = session.scalars(
            sa.select(AuditEntry.username).where(
                AuditEntry.action == "job.requester", AuditEntry.object_id == str(queued.id)
            )
        ).all()
    assert handed == [investigator.username]  # who it runs as changed once, audited

    assert run_all(ctx) == 0  # it waits for the burst to end
    clock.advance(ctx.settings.analyse_max_delay_seconds)
    assert run_all(ctx) == 1
    done = jobs.get_job(ctx, prosecutor, case_ref, queued.id)
    assert done.status == jobs.DONE
    # Once it has run, the next decision queues a new one.
    review.decide(ctx, prosecutor, case_ref, ids[3], "confirmed")
    assert [j.status for j in analyses(ctx)] == [jobs.DONE, jobs.QUEUED]


def test_decisions_made_at_the_same_time_leave_one_analysis_waiting(
    deciding: Context, prosecutor: Actor, case_ref: str, suspect: int, make_user: Any
) -> None:
    ctx = deciding
    investigator: Actor = make_user(Role.INVESTIGATOR)
    cases.add_member(ctx, prosecutor, case_ref, investigator.username)
    ids = suggestions(ctx, case_ref, suspect, 8)
    start = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def decide(n: int, assertion_id: int) -> None:
        try:
            start.wait()
            who = prosecutor if n % 2 else investigator
            review.decide(ctx, who, case_ref, assertion_id, "confirmed")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=decide, args=(n, i)) for n, i in enumerate(ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with ctx.db.session() as session:
        decided = session.scalars(sa.select(Assertion.status).where(Assertion.id.in_(ids)))
        assert set(decided) == {"confirmed"}
    (queued,) = analyses(ctx)
    assert queued.status == jobs.QUEUED
    assert queued.payload["actor"]["username"] in {"prosecutor", investigator.username}


def test_a_decision_stands_when_its_analysis_cannot_be_queued(
    deciding: Context,
    prosecutor: Actor,
    case_ref: str,
    suspect: int,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ctx = deciding
    (one,) = suggestions(ctx, case_ref, suspect, 1)

    def broken(*_args: Any) -> int:
        raise RuntimeError("the queue is unreachable")

    monkeypatch.setattr(analysis_jobs, "_queue_as", broken)
    with caplog.at_level(logging.ERROR, logger="palermo.services.analysis_jobs"):
        decided = review.decide(ctx, prosecutor, case_ref, one, "confirmed")
    assert decided.status == "confirmed"
    with ctx.db.session() as session:
        assert session.get_one(Assertion, one).status == "confirmed"  # the decision stands
    assert "analysis after a decision was not queued" in caplog.text
    # ... and the Jobs page says so, with a way to run it again.
    (failed,) = jobs.list_jobs(ctx, prosecutor, case_ref)
    assert failed.kind == analysis_jobs.KIND and failed.status == jobs.FAILED
    assert failed.error == "not queued after a decision: RuntimeError: the queue is unreachable"
    monkeypatch.undo()
    assert jobs.retry(ctx, prosecutor, case_ref, failed.id).status == jobs.QUEUED
    assert run_all(ctx) == 1
    assert jobs.get_job(ctx, prosecutor, case_ref, failed.id).status == jobs.DONE


def test_two_kinds_of_member_each_get_their_own_stored_views_and_only_theirs(
    deciding: Context,
    prosecutor: Actor,
    case_ref: str,
    suspect: int,
    make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
    clock: Clock,
) -> None:
    ctx = deciding
    analyst: Actor = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    # A disabled account's kind of viewer is not computed (nobody of it can read).
    advocate: Actor = make_user(Role.ADVOCATE)
    cases.add_member(ctx, prosecutor, case_ref, advocate.username)
    with ctx.db.session() as session:
        session.get_one(User, advocate.user_id).is_active = False
    (one,) = suggestions(ctx, case_ref, suspect, 1)
    review.decide(ctx, prosecutor, case_ref, one, "confirmed")
    clock.advance(ctx.settings.analyse_delay_seconds)
    assert run_all(ctx) == 1
    (job,) = analyses(ctx)
    assert job.status == jobs.DONE and (job.result or {})["roles"] == ["analyst", "prosecutor"]

    # One stored row per kind of member, under what that kind may see.
    assert stored_variants(ctx, "network/1") == {
        network_variant(prosecutor),
        network_variant(analyst),
    }
    assert stored_variants(ctx, "elements.assessment/1") == {
        elements_variant(prosecutor),
        elements_variant(prosecutor.hiding_identities()),  # what the memo reads by default
        elements_variant(analyst),
    }
    # The analyst's were computed as an analyst of the case (never as someone who may see
    # more), and the audit says the job read them, not the analyst.
    with ctx.db.session() as session:
        read = session.execute(
            sa.select(AuditEntry.username, AuditEntry.details).where(
                AuditEntry.action == "network.view", AuditEntry.user_id == analyst.user_id
            )
        ).all()
    assert read and {r.username for r in read} == {f"{analyst.username} (analysis job {job.id})"}
    assert all(r.details["reveal"] is False for r in read)

    # Each reads their own without computing.
    computed = _count_computations(monkeypatch)
    for reader in (prosecutor, analyst):
        network.network_view(ctx, reader, case_ref)
        elements.assess_cached(ctx, reader, case_ref)
    assert computed == []

    # Without the analyst's row, the analyst's view is computed afresh: the prosecutor's
    # (stored, and in memory) is never served to them.
    with ctx.db.session() as session:
        session.execute(
            sa.delete(DerivedView).where(DerivedView.variant == network_variant(analyst))
        )
    network._views.clear_memory()
    network.network_view(ctx, analyst, case_ref)
    assert computed == ["network"]
    network.network_view(ctx, prosecutor, case_ref)
    assert computed == ["network"]


def test_after_the_analysis_the_pages_read_the_stored_views(
    deciding: Context,
    prosecutor: Actor,
    case_ref: str,
    suspect: int,
    client: TestClient,
    login: Login,
    monkeypatch: pytest.MonkeyPatch,
    clock: Clock,
) -> None:
    ctx = deciding
    login(client, "prosecutor")
    page = client.get(f"/cases/{case_ref}/network")
    assert page.status_code == 200
    decided = client.post(
        f"/cases/{case_ref}/network/roles",
        data={
            "csrf_token": csrf_from(page.text),
            "person_id": str(suspect),
            "role": "recruiter",
            "decision": "confirmed",
        },
    )
    assert decided.status_code == 303, decided.text
    (queued,) = analyses(ctx)
    listing = client.get(f"/cases/{case_ref}/jobs").text
    row = listing[listing.index(f'id="job-row-{queued.id}"') :].split("</tr>", 1)[0]
    assert "Analyse the case" in row and "Waiting" in row
    clock.advance(ctx.settings.analyse_delay_seconds)
    assert run_all(ctx) == 1

    # A web worker that did not run the job (nothing in its memory) reads the stored rows.
    forget_kept_views()
    before = (network._views.counts.stored, elements._assessments.counts.stored)
    computed = _count_computations(monkeypatch)
    assert client.get(f"/cases/{case_ref}/network").status_code == 200
    assert client.get(f"/cases/{case_ref}/elements").status_code == 200
    assert computed == []
    after = (network._views.counts.stored, elements._assessments.counts.stored)
    assert after[0] > before[0] and after[1] > before[1]


def _count_computations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which views are computed from here on (not read from memory or the table)."""
    computed: list[str] = []
    for module, name in ((network, "_compute_view"), (elements, "assess")):
        original = getattr(module, name)

        def counted(*args: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
            computed.append("network" if _name == "_compute_view" else "elements")
            return _original(*args, **kw)

        monkeypatch.setattr(module, name, counted)
    return computed


def test_in_the_embedded_setup_the_web_process_runs_the_analysis_after_a_decision(
    ctx: Context, prosecutor: Actor, case_ref: str, clock: Clock
) -> None:
    ctx.settings.analyse_after_decisions = True  # and jobs run in this process
    suspect = cases.add_person(ctx, prosecutor, case_ref, kind=PersonKind.SUSPECT, name="S").id
    network.decide_role(
        ctx, prosecutor, case_ref, person_id=suspect, role="recruiter", decision="confirmed"
    )
    (job,) = analyses(ctx)
    clock.advance(ctx.settings.analyse_delay_seconds)  # no further decision
    assert jobs.wait_for(ctx, job.id) == jobs.DONE
    assert "network/1" in _stored_names(ctx)


def _stored_names(ctx: Context) -> set[str]:
    with ctx.db.session() as session:
        return set(session.scalars(sa.select(DerivedView.name)))
