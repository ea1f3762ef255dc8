"""Every person's change that the case's analysis reads queues the analysis.

For each path below (through the service the page, the API and the demo intake call),
the test records what the kept views are filed under (the case's fingerprint and, for
money, the unit's rates) before and after the change, and which analysis jobs are waiting.
Each change that moves what the views are filed under must leave an analysis waiting (or
the next reader computes every view afresh), and so must every path listed as a
decision. Casework (a task done, a note, a hearing, a stage, an outcome) is read by no
kept view: it must neither move what they are filed under nor queue an analysis.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from palermo.security.permissions import Actor
from palermo.services import (
    analysis_jobs,
    caseload_views,
    cases,
    casework,
    jobs,
    money,
    organisations,
    people,
    rates,
)
from palermo.services.context import Context
from palermo.services.viewcache import case_fingerprint
from palermo.store.models import Case, PersonKind, Role
from palermo.store.models.jobs import Job

from .conftest import Clock


@dataclass
class Given:
    ref: str
    suspect: int
    victim: int
    organisation: int
    link: int
    task: int
    charge: int


def _given(ctx: Context, actor: Actor, ref: str) -> Given:
    suspect = cases.add_person(ctx, actor, ref, kind=PersonKind.SUSPECT, name="Tom Dealer").id
    victim = cases.add_person(ctx, actor, ref, kind=PersonKind.VICTIM, name="Ana Vic").id
    organisation = organisations.add_organisation(
        ctx, actor, ref, name="Night Bar Ltd", kind="venue"
    )
    link = organisations.link_person(
        ctx, actor, ref, person_id=suspect, organisation_id=organisation, relation="owner"
    )
    task = casework.add_note(ctx, actor, ref, kind="task", text="Call the landlord")
    charge = casework.add_charge(
        ctx, actor, ref, person_id=suspect, statute_id="us-18-1591", counts=2
    )
    return Given(ref, suspect, victim, organisation, link, task, charge)


Change = Callable[[Context, Actor, Given], Any]

# The decisions: each must queue the analysis.
DECISIONS: dict[str, Change] = {
    "charge (demo intake, CLI)": lambda ctx, a, g: cases.add_charge(
        ctx, a, g.ref, person_id=g.suspect, statute_id="us-18-1591"
    ),
    "charge (Charges page)": lambda ctx, a, g: casework.add_charge(
        ctx, a, g.ref, person_id=g.suspect, statute_id="us-18-1591", counts=1
    ),
    "organisation added": lambda ctx, a, g: organisations.add_organisation(
        ctx, a, g.ref, name="Fast Cash LLC", kind="company"
    ),
    "organisation changed": lambda ctx, a, g: organisations.update_organisation(
        ctx, a, g.ref, g.organisation, name="Night Bar Limited", kind="venue"
    ),
    "person linked to an organisation": lambda ctx, a, g: organisations.link_person(
        ctx, a, g.ref, person_id=g.victim, organisation_id=g.organisation, relation="employee"
    ),
    "person unlinked from an organisation": lambda ctx, a, g: organisations.unlink_person(
        ctx, a, g.ref, g.link
    ),
    "person added (demo intake, CLI)": lambda ctx, a, g: cases.add_person(
        ctx, a, g.ref, kind=PersonKind.SUSPECT, name="Second Man"
    ),
    "person added (People page)": lambda ctx, a, g: people.add_person(
        ctx, a, g.ref, kind="suspect", name="Third Man", aliases=[]
    ),
    "person changed": lambda ctx, a, g: people.update_person(
        ctx, a, g.ref, g.suspect, name="Tom the Dealer", aliases=["TD"]
    ),
    "case's statutes changed": lambda ctx, a, g: casework.update_case(
        ctx,
        a,
        g.ref,
        title="Test case",
        jurisdiction="US",
        typology="escort_ads",
        statutes=["us-18-1591", "us-18-1589"],
        opened_on=None,
    ),
    "unit's exchange rates loaded": lambda ctx, a, g: rates.load_rates(
        ctx,
        a,
        g.ref,
        "currency,date,rate,base,source\nBTC,2023-05-02,0.0000355,USD,exchange close\n",
        "btc.csv",
    ),
}

# Casework: read fresh by the pages that show it, by no kept view.
CASEWORK: dict[str, Change] = {
    "note added": lambda ctx, a, g: casework.add_note(ctx, a, g.ref, kind="note", text="Seen"),
    "task done": lambda ctx, a, g: casework.complete_task(ctx, a, g.ref, g.task),
    "case moved to a stage": lambda ctx, a, g: caseload_views.move_case(
        ctx, a, g.ref, to_stage="charged", on=date(2024, 5, 1)
    ),
    "hearing added": lambda ctx, a, g: caseload_views.add_hearing(
        ctx, a, g.ref, held_on=date(2024, 6, 1), kind="arraignment"
    ),
    "outcome of a charge": lambda ctx, a, g: casework.add_outcome(
        ctx, a, g.ref, charge_id=g.charge, verdict="convicted", verdict_on=date(2030, 1, 1)
    ),
    "case renamed": lambda ctx, a, g: casework.update_case(
        ctx,
        a,
        g.ref,
        title="Renamed case",
        jurisdiction="US",
        typology="escort_ads",
        statutes=["us-18-1591"],
        opened_on=date(2024, 1, 2),
    ),
    "witness contact recorded": lambda ctx, a, g: casework.record_witness(
        ctx, a, g.ref, g.victim, what="contact", on=date(2024, 5, 2), kind="phone"
    ),
}


def filed_under(ctx: Context, ref: str) -> tuple[Any, ...]:
    """What the kept views of the case are filed under (what a reader's view is found by)."""
    with ctx.db.session() as session:
        case = session.scalars(sa.select(Case).where(Case.reference == ref)).one()
        return (*case_fingerprint(session, case), *money._rates_digest(session, case.unit_id))


def waiting(ctx: Context) -> list[int]:
    with ctx.db.session() as session:
        return list(
            session.scalars(
                sa.select(Job.id).where(Job.kind == analysis_jobs.KIND, Job.status == jobs.QUEUED)
            )
        )


def settle(ctx: Context, clock: Clock) -> None:
    """Run the analyses the setting up queued: none waits when the change is made."""
    clock.advance(ctx.settings.analyse_max_delay_seconds)
    jobs.work(ctx, threading.Event(), until_idle=True)
    assert waiting(ctx) == []


@pytest.fixture
def given(ctx: Context, prosecutor: Actor, case_ref: str, clock: Clock) -> Given:
    ctx.settings.analyse_after_decisions = True
    ctx.settings.jobs_in_process = False
    found = _given(ctx, prosecutor, case_ref)
    settle(ctx, clock)
    return found


@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_each_decision_queues_the_analysis(
    name: str, ctx: Context, prosecutor: Actor, given: Given
) -> None:
    before = filed_under(ctx, given.ref)
    DECISIONS[name](ctx, prosecutor, given)
    assert len(waiting(ctx)) == 1, f"{name}: no analysis queued"
    (job_id,) = waiting(ctx)
    with ctx.db.session() as session:
        job = session.get_one(Job, job_id)
        assert job.payload["actor"]["username"] == "prosecutor"
        assert job.not_before is not None  # after the quiet period, as for every decision
    assert filed_under(ctx, given.ref) != before, f"{name} changed nothing kept"


@pytest.mark.parametrize("name", sorted(CASEWORK))
def test_casework_keeps_the_analysis(
    name: str, ctx: Context, prosecutor: Actor, given: Given
) -> None:
    before = filed_under(ctx, given.ref)
    with ctx.db.session() as session:
        stamp = session.scalars(sa.select(Case.updated_at).where(Case.reference == given.ref))
        updated_before = stamp.one()
    CASEWORK[name](ctx, prosecutor, given)
    assert filed_under(ctx, given.ref) == before, f"{name} threw the kept views away"
    assert waiting(ctx) == [], f"{name} queued an analysis"
    if name in {"task done", "case moved to a stage"}:  # edits in place: the case did change
        with ctx.db.session() as session:
            stamp = session.scalars(sa.select(Case.updated_at).where(Case.reference == given.ref))
            assert stamp.one() > updated_before


def test_a_refused_change_queues_nothing(ctx: Context, prosecutor: Actor, given: Given) -> None:
    from palermo.services.fields import FieldErrors

    with pytest.raises(FieldErrors):
        organisations.link_person(
            ctx, prosecutor, given.ref, person_id=given.suspect, organisation_id=None, relation="x"
        )
    with pytest.raises(FieldErrors):
        organisations.unlink_person(ctx, prosecutor, given.ref, given.link + 999)
    assert waiting(ctx) == []


def test_new_rates_queue_the_analysis_of_the_units_cases_the_person_works_on(
    ctx: Context, prosecutor: Actor, given: Given, make_user: Any, unit_id: int
) -> None:
    """A unit's rates are what every one of its cases' money views is filed under."""
    mine = _case(ctx, prosecutor, "TEST-002", unit_id)
    colleague = make_user(Role.PROSECUTOR, "colleague")
    theirs = _case(ctx, colleague, "TEST-003", unit_id)
    DECISIONS["unit's exchange rates loaded"](ctx, prosecutor, given)
    with ctx.db.session() as session:
        queued = {
            job.case_id: job.payload["actor"]["username"]
            for job in session.scalars(sa.select(Job).where(Job.id.in_(waiting(ctx))))
        }
        ids = {ref: case_id for ref, case_id in session.execute(sa.select(Case.reference, Case.id))}
    assert queued == {ids[given.ref]: "prosecutor", ids[mine]: "prosecutor"}
    assert ids[theirs] not in queued  # not theirs to analyse: the colleague's reads do


def _case(ctx: Context, actor: Actor, reference: str, unit_id: int) -> str:
    return cases.create_case(
        ctx,
        actor,
        reference=reference,
        title="Another case",
        jurisdiction="US",
        unit_id=unit_id,
        typology="escort_ads",
        statutes=["us-18-1591"],
    ).reference
