"""HTCDS import into the database: cases and people created, the round trip through the
database keeps every field the export writes, re-import adds nothing, conflicts refuse."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo.caseload import htcds
from palermo.caseload.htcds import HtcdsPerson
from palermo.security.permissions import Actor
from palermo.services.caseload import htcds_import, htcds_people
from palermo.services.errors import InvalidInput, PermissionDenied
from palermo.store.models import Case, Charge, Event, Person, Role, Unit

from .conftest import make_actor

PEOPLE = [
    HtcdsPerson(
        case_reference="IMP-1",
        person_ref="V-7",
        role="victim",
        case_status="Open",
        gender="Female",
        citizenship="NG",
        birth_year=2007,
        is_minor=True,
        trafficking_status="Possible victim of trafficking",
        method_of_recruitment="Job offer abroad",
        methods_of_control=("MethodsOfControlDebtBondage",),
        types_of_exploitation=("Sexual exploitation",),
    ),
    HtcdsPerson(
        case_reference="IMP-1",
        person_ref="P-1",
        role="perpetrator",
        case_status="Open",
        gender="Male",
        citizenship="ES",
        perpetrator_charged=True,
    ),
    HtcdsPerson(
        case_reference="IMP-1",
        person_ref="P-2",
        role="perpetrator",
        case_status="Open",
        gender="Unknown",
        perpetrator_charged=False,
    ),
    HtcdsPerson(
        case_reference="IMP-2",
        person_ref="V-1",
        role="victim",
        case_status="Closed",
        gender="Male",
        trafficking_status="Possible victim of trafficking",
        types_of_exploitation=("Forced labour",),
    ),
]
# What the export derives from the database, so what a round trip must keep.
ROUND_TRIP = [
    "case_reference",
    "person_ref",
    "role",
    "case_status",
    "gender",
    "citizenship",
    "birth_year",
    "is_minor",
    "types_of_exploitation",
    "perpetrator_charged",
]


def _key(p: HtcdsPerson) -> tuple[object, ...]:
    return tuple(getattr(p, f) for f in ROUND_TRIP)


def _normalise(p: HtcdsPerson) -> tuple[object, ...]:
    # The export states is_minor and charged for everyone; a perpetrator has no
    # exploitation type.
    values = dict(zip(ROUND_TRIP, _key(p), strict=True))
    values["is_minor"] = bool(values["is_minor"])
    if p.role == "victim":
        values["perpetrator_charged"] = None
    else:
        values["types_of_exploitation"] = ()
    return tuple(values.values())


def test_import_creates_cases_and_round_trips(session: Session, unit: Unit, actor: Actor) -> None:
    report = htcds_import(
        session, actor, unit.id, PEOPLE, jurisdiction="ES", statute_id="eu-2011-36-art2"
    )
    assert sorted(report.cases_created) == ["IMP-1", "IMP-2"]
    assert (report.people_added, report.charges_added, report.skipped) == (4, 1, 0)
    cases = {c.reference: c for c in session.scalars(select(Case).where(Case.unit_id == unit.id))}
    assert cases["IMP-1"].jurisdiction == "ES" and cases["IMP-2"].stage == "closed"
    victim = session.scalar(select(Person).where(Person.pseudonym == "V-7"))
    assert victim is not None and victim.name is None and victim.kind == "victim"
    charge = session.scalar(select(Charge))
    assert charge is not None and charge.statute_id == "eu-2011-36-art2"
    # The victim profile the database has no column for is kept with the person.
    record = session.scalar(select(Event).where(Event.person_id == victim.id))
    assert record is not None and record.details is not None
    assert record.details["vic_MethodOfRecruitment"] == "Job offer abroad"
    assert record.details["vic_MethodsOfControl"] == "MethodsOfControlDebtBondage"

    exported = htcds_people(session, actor, unit.id)
    assert sorted(_normalise(p) for p in exported) == sorted(_normalise(p) for p in PEOPLE)
    assert {p.case_owner for p in exported} == {unit.name}

    again = htcds_import(
        session, actor, unit.id, PEOPLE, jurisdiction="ES", statute_id="eu-2011-36-art2"
    )
    assert (again.people_added, again.skipped, again.cases_created) == (0, 4, [])
    assert session.scalar(select(func.count()).select_from(Person)) == 4


def test_import_refusals_name_the_problem(session: Session, unit: Unit, actor: Actor) -> None:
    with pytest.raises(InvalidInput, match="marked charged"):
        htcds_import(session, actor, unit.id, PEOPLE, jurisdiction="ES")
    with pytest.raises(InvalidInput, match="unknown statute id 'nope'"):
        htcds_import(session, actor, unit.id, PEOPLE, jurisdiction="ES", statute_id="nope")
    other = Unit(code="u2", name="Unit two", country="ES", settings={})
    session.add(other)
    session.flush()
    htcds_import(session, actor, other.id, PEOPLE[3:], jurisdiction="ES")
    with pytest.raises(InvalidInput, match="'IMP-2' already exists in another unit"):
        htcds_import(session, actor, unit.id, PEOPLE[3:], jurisdiction="ES")
    analyst = make_actor(session, Role.ANALYST, "ana")
    with pytest.raises(PermissionDenied):
        htcds_import(session, analyst, unit.id, PEOPLE[3:], jurisdiction="ES")


def test_rows_without_a_case_are_counted_not_placed(
    session: Session, unit: Unit, actor: Actor
) -> None:
    result = htcds.from_rows([(2, {"ext_PersonRef": "X-1", "prs_Gender": "Female"})])
    assert any(p.field == "ext_CaseReference" for p in result.problems)
    report = htcds_import(session, actor, unit.id, result.people, jurisdiction="US")
    assert report.without_case == 1 and report.people_added == 0
