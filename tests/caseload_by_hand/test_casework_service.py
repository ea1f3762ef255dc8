"""Running a case by hand through the services: every rule refuses with the record and
the field named, and nothing is half-written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from palermo import clock
from palermo.security.permissions import SYSTEM, Actor
from palermo.services import caseload_views, cases, casework, users
from palermo.services.context import Context
from palermo.services.errors import PermissionDenied
from palermo.services.fields import FieldErrors
from palermo.store.models import AuditEntry, Case, Charge, Person, Role
from palermo.store.models.caseload import Outcome, RestitutionPayment, WitnessStatus

MakeUser = Callable[..., Actor]


def _fields(exc: pytest.ExceptionInfo[FieldErrors]) -> dict[str, list[str]]:
    return exc.value.by_field()


def test_create_case_validates_every_field(
    ctx: Context, prosecutor: Actor, unit_id: int, case_ref: str
) -> None:
    with pytest.raises(FieldErrors) as bad:
        cases.create_case(
            ctx,
            prosecutor,
            reference=case_ref,
            title=" ",
            jurisdiction="united states",
            unit_id=unit_id,
            statutes=["us-18-9999", "us-18-1593"],
        )
    errors = _fields(bad)
    assert "already exists" in errors["reference"][0]
    assert errors["title"] == ["a case needs a title"]
    assert "country code" in errors["jurisdiction"][0]
    assert any("unknown statute 'us-18-9999'" in m for m in errors["statutes"])
    assert any("18 U.S.C. § 1593 is not an offence" in m for m in errors["statutes"])
    assert f"case {case_ref}, title: a case needs a title" in str(bad.value)
    other_unit = users.ensure_unit(ctx, "other", "Other unit", "GB")
    with pytest.raises(FieldErrors) as wrong_unit:
        cases.create_case(
            ctx, prosecutor, reference="X-1", title="x", jurisdiction="US", unit_id=other_unit
        )
    assert "your own unit" in _fields(wrong_unit)["unit"][0]
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def test_owner_manages_members_of_the_unit_only(
    ctx: Context, prosecutor: Actor, make_user: MakeUser, case_ref: str
) -> None:
    investigator = make_user(Role.INVESTIGATOR)
    casework.add_member(ctx, prosecutor, case_ref, investigator.username, "investigator")
    details = casework.case_details(ctx, prosecutor, case_ref)
    roles = {m.username: m.case_role for m in details.members}
    assert roles == {"prosecutor": "owner", investigator.username: "investigator"}
    # A member who is not the owner may not add or remove members.
    with pytest.raises(PermissionDenied):
        casework.remove_member(ctx, investigator, case_ref, "prosecutor")
    other_unit = users.ensure_unit(ctx, "other", "Other unit", "GB")
    stranger = users.create_user(
        ctx, SYSTEM, username="stranger", password="x" * 16, role="prosecutor", unit_id=other_unit
    )
    with pytest.raises(FieldErrors) as bad:
        casework.add_member(ctx, prosecutor, case_ref, stranger.username)
    assert "stranger is not in the case's unit" in str(bad.value)
    with pytest.raises(FieldErrors, match="only owner"):
        casework.remove_member(ctx, prosecutor, case_ref, "prosecutor")
    casework.remove_member(ctx, prosecutor, case_ref, investigator.username)
    assert [m.username for m in casework.case_details(ctx, prosecutor, case_ref).members] == [
        "prosecutor"
    ]


def test_edit_close_and_reopen(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    warnings = casework.update_case(
        ctx,
        prosecutor,
        case_ref,
        title="Renamed",
        jurisdiction="us",
        typology="domestic_servitude",
        statutes=["us-18-1589", "uk-msa-s2"],
        opened_on=date(2024, 1, 10),
    )
    assert warnings and "Modern Slavery Act 2015 s.2" in warnings[0]
    details = casework.case_details(ctx, prosecutor, case_ref)
    assert details.citations == ["18 U.S.C. § 1589(a)", "Modern Slavery Act 2015 s.2"]
    casework.close_case(ctx, prosecutor, case_ref, date(2024, 3, 1), "no evidence")
    assert casework.case_details(ctx, prosecutor, case_ref).stage == "closed"
    with pytest.raises(FieldErrors) as bad:
        casework.reopen_case(ctx, prosecutor, case_ref, date(2024, 3, 2), "")
    assert "reason" in _fields(bad)
    casework.reopen_case(ctx, prosecutor, case_ref, date(2024, 3, 2), "new witness")
    assert casework.case_details(ctx, prosecutor, case_ref).stage == "investigation"


def test_victim_identity_goes_straight_into_the_sealed_fields(
    ctx: Context, prosecutor: Actor, make_user: MakeUser, case_ref: str
) -> None:
    pid = casework.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name="Ana Petrescu",
        aliases=["Ani"],
        sealed={"date_of_birth": "2005-02-03"},
        identifiers=[("phone", "+40721000111")],
    )
    with ctx.db.session() as session:
        person = session.get(Person, pid)
        assert person is not None and person.name is None and person.aliases == []
        assert b"Petrescu" not in (person.sealed_identity or b"")
    form = casework.person_form(ctx, prosecutor, case_ref, pid)
    assert (form.name, form.aliases, form.sealed) == (
        "Ana Petrescu",
        ["Ani"],
        {"date_of_birth": "2005-02-03"},
    )
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    with pytest.raises(PermissionDenied):
        casework.add_person(ctx, analyst, case_ref, kind="victim", name="X", aliases=[])
    casework.update_person(
        ctx, prosecutor, case_ref, pid, name="Ana Petrescu-Ilie", aliases=[], sealed={}
    )
    assert casework.person_form(ctx, prosecutor, case_ref, pid).name == "Ana Petrescu-Ilie"


def _defendant_with_charge(ctx: Context, actor: Actor, ref: str) -> tuple[int, int]:
    pid = casework.add_person(ctx, actor, ref, kind="suspect", name="Ion Popescu", aliases=[])
    charge = casework.add_charge(
        ctx,
        actor,
        ref,
        person_id=pid,
        statute_id="us-18-1591",
        counts=2,
        filed_on=date(2024, 5, 1),
    )
    return pid, charge


def test_charges_and_outcomes_refuse_bad_values_and_write_nothing(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    pid, charge = _defendant_with_charge(ctx, prosecutor, case_ref)
    with pytest.raises(FieldErrors) as bad_charge:
        casework.add_charge(
            ctx, prosecutor, case_ref, person_id=pid, statute_id="made-up", counts=0
        )
    assert set(_fields(bad_charge)) == {"statute_id", "counts"}
    with pytest.raises(FieldErrors) as early:
        casework.add_outcome(
            ctx,
            prosecutor,
            case_ref,
            charge_id=charge,
            verdict="convicted",
            verdict_on=date(2024, 4, 1),
        )
    assert "before the charge on 2024-05-01" in _fields(early)["verdict_on"][0]
    assert "outcome for Ion Popescu on 18 U.S.C. § 1591(a)(1)" in str(early.value)
    documents = casework.add_charge(
        ctx, prosecutor, case_ref, person_id=pid, statute_id="us-18-1592", counts=1
    )
    with pytest.raises(FieldErrors) as too_long:
        casework.add_outcome(
            ctx,
            prosecutor,
            case_ref,
            charge_id=documents,
            verdict="convicted",
            verdict_on=date(2024, 9, 1),
            sentenced_on=date(2024, 12, 1),
            custodial_months=100,
        )
    assert "above" in _fields(too_long)["custodial_months"][0]
    with pytest.raises(FieldErrors) as overpaid:
        casework.add_outcome(
            ctx,
            prosecutor,
            case_ref,
            charge_id=charge,
            verdict="convicted",
            verdict_on=date(2024, 9, 1),
            restitution_ordered=Decimal(1000),
            restitution_paid=Decimal(2000),
        )
    assert "restitution_paid" in _fields(overpaid)
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Charge)) == 2
    casework.add_outcome(
        ctx,
        prosecutor,
        case_ref,
        charge_id=charge,
        verdict="convicted",
        plea="guilty",
        verdict_on=date(2024, 9, 1),
        sentenced_on=date(2024, 12, 1),
        custodial_months=180,
        supervised_release_months=60,
        restitution_ordered=Decimal(5000),
    )
    view = casework.charges_view(ctx, prosecutor, case_ref)
    (outcome,) = view.outcomes
    assert (outcome.plea, outcome.custodial_months, outcome.supervised_release_months) == (
        "guilty",
        180,
        60,
    )
    with pytest.raises(FieldErrors) as above:
        casework.add_payment(
            ctx, prosecutor, case_ref, outcome.id, paid_on=date(2025, 1, 1), amount=Decimal(6000)
        )
    assert "above the 5000.00 ordered" in _fields(above)["amount"][0]
    casework.add_payment(
        ctx, prosecutor, case_ref, outcome.id, paid_on=date(2025, 1, 1), amount=Decimal(1200)
    )
    casework.add_payment(
        ctx, prosecutor, case_ref, outcome.id, paid_on=date(2025, 2, 1), amount=Decimal(300)
    )
    (outcome,) = casework.charges_view(ctx, prosecutor, case_ref).outcomes
    assert outcome.restitution_paid == Decimal(1500)
    assert [p.amount for p in outcome.payments] == [Decimal(1200), Decimal(300)]
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(RestitutionPayment)) == 2
        actions = set(session.scalars(sa.select(AuditEntry.action)))
    assert {"charge.create", "caseload.outcome", "caseload.restitution_payment"} <= actions
    view = caseload_views.outcomes(ctx, prosecutor)
    assert view.stats is not None
    assert view.stats.convicted == 1
    assert view.stats.restitution.amount_paid == Decimal(1500)


def test_witness_records_feed_the_risk_rating(
    ctx: Context, prosecutor: Actor, make_user: MakeUser, case_ref: str
) -> None:
    pid = casework.add_person(ctx, prosecutor, case_ref, kind="victim", name="V", aliases=[])
    advocate = make_user(Role.ADVOCATE)
    cases.add_member(ctx, prosecutor, case_ref, advocate.username)
    before = caseload_views.case_hearings(ctx, advocate, case_ref).witnesses[0].score or 0
    today = clock.today()
    casework.record_witness(ctx, advocate, case_ref, pid, what="contact", on=today, kind="visit")
    casework.record_witness(
        ctx, advocate, case_ref, pid, what="consent", on=today, consent="withdrawn"
    )
    casework.record_witness(ctx, advocate, case_ref, pid, what="intimidation", on=today, notes="x")
    casework.record_witness(
        ctx, advocate, case_ref, pid, what="support", on=today, service="shelter"
    )
    with ctx.db.session() as session:
        st = session.get(WitnessStatus, pid)
        assert st is not None and st.intimidation_reports == 1 and st.consent_withdrawn_on == today
    after = caseload_views.case_hearings(ctx, advocate, case_ref).witnesses[0]
    assert (after.score or 0) > before
    assert any("intimidation" in r for r in after.reasons)
    with pytest.raises(FieldErrors) as bad:
        casework.record_witness(ctx, advocate, case_ref, pid, what="consent", on=None, consent="?")
    assert set(_fields(bad)) == {"on", "consent"}
