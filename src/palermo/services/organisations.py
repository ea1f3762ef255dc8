"""Organisations of a case (companies, agencies, venues...) and people's relations to them
(owner, director, employee...).

An organisation's name is not a victim's identity, but it stays out of clear-text logs:
audit entries carry ids and kinds only. Its address is encrypted at rest (a venue's
address can be where victims were held or live). One transaction per function; every read
and change is audited; writes need the edit permission on the case, and queue the case's
analysis once they commit (as every decision does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services import analysis_jobs
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import NotFound
from palermo.services.fields import FieldError, FieldErrors, raise_if
from palermo.store.models import Case, Organisation, Person
from palermo.store.models.people import PersonOrganisation

KINDS = ("company", "agency", "venue", "ngo", "government", "other")
RELATIONS = (
    "owner",
    "director",
    "manager",
    "employee",
    "recruiter",
    "driver",
    "client",
    "resident",
    "other",
)
COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True, slots=True)
class LinkView:
    id: int
    person_id: int
    person: str  # a name only for people whose identity is not sealed; else the pseudonym
    organisation_id: int
    organisation: str
    relation: str
    since: date | None
    until: date | None


@dataclass(frozen=True, slots=True)
class OrganisationView:
    id: int
    name: str
    kind: str | None
    country: str | None
    registration_number: str | None
    address: str | None
    links: list[LinkView]


def person_label(person: Person) -> str:
    """How a person is named to everyone: a sealed identity by its pseudonym only."""
    if person.name and person.sealed_identity is None:
        return f"{person.name} ({person.pseudonym})"
    return person.pseudonym


def _links(session: Session, case_id: int, *conditions: object) -> list[LinkView]:
    rows = session.execute(
        select(PersonOrganisation, Person, Organisation)
        .join(Person, PersonOrganisation.person_id == Person.id)
        .join(Organisation, PersonOrganisation.organisation_id == Organisation.id)
        .where(PersonOrganisation.case_id == case_id, *conditions)  # type: ignore[arg-type]
        .order_by(PersonOrganisation.id)
    ).all()
    return [
        LinkView(
            link.id,
            person.id,
            person_label(person),
            org.id,
            org.name,
            link.relation,
            link.since,
            link.until,
        )
        for link, person, org in rows
    ]


def links_of_person(session: Session, case_id: int, person_id: int) -> list[LinkView]:
    return _links(session, case_id, PersonOrganisation.person_id == person_id)


def list_organisations(ctx: Context, actor: Actor, reference: str) -> list[OrganisationView]:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        orgs = list(
            session.scalars(
                select(Organisation)
                .where(Organisation.case_id == case.id)
                .order_by(func.lower(Organisation.name), Organisation.id)
            )
        )
        links = _links(session, case.id)
        audit.record(session, actor=actor, action="organisation.list", case_id=case.id)
        return [
            OrganisationView(
                o.id,
                o.name,
                o.kind,
                o.country,
                o.registration_number,
                o.address,
                [link for link in links if link.organisation_id == o.id],
            )
            for o in orgs
        ]


def _check(
    session: Session,
    case: Case,
    *,
    name: str,
    kind: str,
    country: str,
    registration_number: str,
    address: str,
    organisation_id: int | None = None,
) -> list[FieldError]:
    errors: list[FieldError] = []
    clean = name.strip()
    if not clean:
        errors.append(FieldError("name", "enter the organisation's name"))
    elif len(clean) > 300:
        errors.append(FieldError("name", "at most 300 characters"))
    else:
        same = session.scalar(
            select(Organisation.id).where(
                Organisation.case_id == case.id,
                func.lower(Organisation.name) == clean.lower(),
            )
        )
        if same is not None and same != organisation_id:
            errors.append(FieldError("name", "the case already has an organisation of that name"))
    if kind not in KINDS:
        errors.append(FieldError("kind", f"choose one of {', '.join(KINDS)}"))
    if country.strip() and not COUNTRY.match(country.strip().upper()):
        errors.append(FieldError("country", "a two-letter country code such as RO or US"))
    if len(registration_number.strip()) > 64:
        errors.append(FieldError("registration_number", "at most 64 characters"))
    if len(address.strip()) > 500:
        errors.append(FieldError("address", "at most 500 characters"))
    return errors


def add_organisation(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    name: str,
    kind: str,
    country: str = "",
    registration_number: str = "",
    address: str = "",
) -> int:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        errors = _check(
            session,
            case,
            name=name,
            kind=kind,
            country=country,
            registration_number=registration_number,
            address=address,
        )
        raise_if(errors, "new organisation")
        org = Organisation(
            case_id=case.id,
            name=name.strip(),
            kind=kind,
            country=country.strip().upper() or None,
            registration_number=registration_number.strip() or None,
            address=address.strip() or None,
        )
        session.add(org)
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        # Ids and the kind only: the name and the address stay out of the log.
        audit.record(
            session,
            actor=actor,
            action="organisation.create",
            case_id=case.id,
            object_type="organisation",
            object_id=org.id,
            details={"kind": kind},
        )
        return org.id


def _organisation(session: Session, case: Case, organisation_id: int) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None or org.case_id != case.id:
        raise NotFound(f"organisation {organisation_id} not found in case '{case.reference}'")
    return org


def get_organisation(
    ctx: Context, actor: Actor, reference: str, organisation_id: int
) -> OrganisationView:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        o = _organisation(session, case, organisation_id)
        links = _links(session, case.id, PersonOrganisation.organisation_id == o.id)
        audit.record(
            session,
            actor=actor,
            action="organisation.read",
            case_id=case.id,
            object_type="organisation",
            object_id=o.id,
        )
        return OrganisationView(
            o.id, o.name, o.kind, o.country, o.registration_number, o.address, links
        )


def update_organisation(
    ctx: Context,
    actor: Actor,
    reference: str,
    organisation_id: int,
    *,
    name: str,
    kind: str,
    country: str = "",
    registration_number: str = "",
    address: str = "",
) -> None:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        org = _organisation(session, case, organisation_id)
        errors = _check(
            session,
            case,
            name=name,
            kind=kind,
            country=country,
            registration_number=registration_number,
            address=address,
            organisation_id=org.id,
        )
        raise_if(errors, f"organisation {org.id}")
        after = {
            "name": name.strip(),
            "kind": kind,
            "country": country.strip().upper() or None,
            "registration_number": registration_number.strip() or None,
            "address": address.strip() or None,
        }
        changed = sorted(k for k, v in after.items() if getattr(org, k) != v)
        for key, value in after.items():
            setattr(org, key, value)
        if changed:
            analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="organisation.update",
            case_id=case.id,
            object_type="organisation",
            object_id=org.id,
            details={"changed": changed},  # which fields, never their values
        )


def link_person(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    person_id: int | None,
    organisation_id: int | None,
    relation: str,
    since: date | None = None,
    until: date | None = None,
) -> int:
    """Relate a person of the case to an organisation of the case."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        errors: list[FieldError] = []
        person = session.get(Person, person_id) if person_id is not None else None
        if person is None or person.case_id != case.id:
            errors.append(FieldError("person_id", "choose a person of this case"))
        org = session.get(Organisation, organisation_id) if organisation_id is not None else None
        if org is None or org.case_id != case.id:
            errors.append(FieldError("organisation_id", "choose an organisation of this case"))
        if relation not in RELATIONS:
            errors.append(FieldError("relation", f"choose one of {', '.join(RELATIONS)}"))
        if since and until and until < since:
            errors.append(FieldError("until", f"{until} is before {since}"))
        if person is not None and org is not None and relation in RELATIONS:
            exists = session.scalar(
                select(PersonOrganisation.id).where(
                    PersonOrganisation.person_id == person.id,
                    PersonOrganisation.organisation_id == org.id,
                    PersonOrganisation.relation == relation,
                )
            )
            if exists is not None:
                errors.append(
                    FieldError("relation", f"{person.pseudonym} is already {relation} there")
                )
        raise_if(errors, "link to an organisation")
        assert person is not None and org is not None
        link = PersonOrganisation(
            case_id=case.id,
            person_id=person.id,
            organisation_id=org.id,
            relation=relation,
            since=since,
            until=until,
        )
        session.add(link)
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="organisation.link",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
            details={"organisation_id": org.id, "relation": relation},
        )
        return link.id


def unlink_person(ctx: Context, actor: Actor, reference: str, link_id: int) -> None:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        link = session.get(PersonOrganisation, link_id)
        if link is None or link.case_id != case.id:
            raise FieldErrors([FieldError("link", f"no link {link_id} in this case")])
        session.delete(link)
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="organisation.unlink",
            case_id=case.id,
            object_type="person",
            object_id=link.person_id,
            details={"organisation_id": link.organisation_id, "relation": link.relation},
        )


__all__ = [
    "KINDS",
    "RELATIONS",
    "LinkView",
    "OrganisationView",
    "add_organisation",
    "get_organisation",
    "link_person",
    "links_of_person",
    "list_organisations",
    "unlink_person",
    "update_organisation",
]
