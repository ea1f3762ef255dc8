"""A small unit with known figures, written through the caseload service.

Dates are relative to the suite's today (``tests.helpers.SUITE_TODAY``), which the pages
also read. Members see TRIAL-1, INV-2 and CLOSED-4; OTHER-3 belongs to the unit but not
to them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tests.helpers import SUITE_TODAY

from palermo.caseload.records import StatuteRange
from palermo.security.permissions import SYSTEM
from palermo.services import caseload as svc
from palermo.services.context import Context
from palermo.store.models import Case, CaseMember, Person

T = SUITE_TODAY
RANGES = {"us-18-1591": StatuteRange("us-18-1591", 120, None)}


def d(days: int) -> date:
    return T + timedelta(days=days)


def _case(
    s: Any, unit_id: int, ref: str, opened: int, typology: str = "sexual_exploitation"
) -> Case:
    case = Case(
        unit_id=unit_id,
        reference=ref,
        title=f"Case {ref}",
        jurisdiction="US",
        typology=typology,
        stage="intake",
        statutes=["us-18-1591"],
        opened_on=d(opened),
    )
    s.add(case)
    s.flush()
    return case


def _person(s: Any, case: Case, pseudonym: str, kind: str) -> Person:
    p = Person(case_id=case.id, kind=kind, pseudonym=pseudonym, sex="female", aliases=[])
    s.add(p)
    s.flush()
    return p


def _moves(s: Any, case: Case, steps: list[tuple[str, int]]) -> None:
    for stage, day in steps:
        svc.record_transition(s, SYSTEM, case_id=case.id, to_stage=stage, on=d(day))


def seed_unit(ctx: Context, unit_id: int, members: list[int | None]) -> None:
    a = SYSTEM
    with ctx.db.session() as s:
        trial = _case(s, unit_id, "TRIAL-1", -400)
        _moves(
            s,
            trial,
            [("investigation", -400), ("charged", -300), ("pre_trial", -250), ("trial", -100)],
        )
        svc.add_hearing(s, a, case_id=trial.id, held_on=d(-280), kind="arraignment")
        svc.add_hearing(s, a, case_id=trial.id, held_on=d(-100), kind="trial")
        svc.add_hearing(
            s,
            a,
            case_id=trial.id,
            held_on=d(-60),
            kind="trial",
            adjourned=True,
            requested_by="defence",
            reason="counsel unavailable",
        )
        svc.add_hearing(
            s,
            a,
            case_id=trial.id,
            held_on=d(-50),
            kind="trial",
            adjourned=True,
            requested_by="court",
            reason="judge on leave",
        )
        svc.add_hearing(
            s,
            a,
            case_id=trial.id,
            held_on=d(-40),
            kind="trial",
            adjourned=True,
            requested_by="defence",
            reason="new counsel appointed",
        )
        svc.add_hearing(s, a, case_id=trial.id, held_on=d(5), kind="trial")
        svc.add_deadline(
            s,
            a,
            case_id=trial.id,
            kind="custody_limit",
            due_on=d(3),
            description="pre-trial detention of S1 ends",
        )
        _person(s, trial, "S1", "suspect")
        v1 = _person(s, trial, "V1", "victim")
        v2 = _person(s, trial, "V2", "victim")
        svc.add_contact(s, a, person_id=v1.id, on=d(-70), kind="visit")
        svc.set_witness_status(
            s,
            a,
            person_id=v1.id,
            intimidation_reports=1,
            consent_to_testify=False,
            consent_withdrawn_on=d(-20),
            location="Shelter North",
        )
        svc.add_contact(s, a, person_id=v2.id, on=d(-3), kind="phone")
        svc.set_witness_status(s, a, person_id=v2.id, consent_to_testify=True)

        inv = _case(s, unit_id, "INV-2", -30, "forced_labour")
        _moves(s, inv, [("investigation", -30)])
        svc.add_deadline(
            s,
            a,
            case_id=inv.id,
            kind="foreign_request",
            due_on=d(-2),
            description="MLA request to Romania",
        )

        other = _case(s, unit_id, "OTHER-3", -500)
        _moves(s, other, [("investigation", -500), ("charged", -400), ("trial", -200)])
        svc.add_hearing(
            s,
            a,
            case_id=other.id,
            held_on=d(-100),
            kind="trial",
            adjourned=True,
            requested_by="prosecution",
            reason="witness not available",
        )
        svc.add_hearing(s, a, case_id=other.id, held_on=d(2), kind="trial")
        secret = _person(s, other, "VX", "victim")
        svc.set_witness_status(s, a, person_id=secret.id, intimidation_reports=3)

        closed = _case(s, unit_id, "CLOSED-4", -900)
        _moves(
            s,
            closed,
            [
                ("investigation", -900),
                ("charged", -800),
                ("trial", -700),
                ("verdict", -500),
                ("sentencing", -480),
                ("closed", -450),
            ],
        )
        s1 = _person(s, closed, "S1", "suspect")
        s2 = _person(s, closed, "S2", "suspect")
        _person(s, closed, "V1", "victim")
        svc.add_outcome(
            s,
            a,
            case_id=closed.id,
            person_id=s1.id,
            verdict="convicted",
            statute_id="us-18-1591",
            ranges=RANGES,
            verdict_on=d(-500),
            sentenced_on=d(-480),
            custodial_months=150,
            restitution_requested=Decimal("5000"),
            restitution_ordered=Decimal("5000"),
            restitution_paid=Decimal("1000"),
        )
        svc.add_outcome(
            s,
            a,
            case_id=closed.id,
            person_id=s2.id,
            verdict="acquitted",
            statute_id="us-18-1591",
            ranges=RANGES,
            verdict_on=d(-500),
        )
        for uid in members:
            for case in (trial, inv, closed):
                s.add(CaseMember(case_id=case.id, user_id=uid))
