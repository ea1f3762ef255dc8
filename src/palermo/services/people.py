"""People of a case: add and edit a person (a victim's identity goes straight into the
sealed fields), the edit form's values, a person's page (aliases, identifiers, facts,
organisations, photos, merges), and a "name not in the case" suggestion made a person.

Each function opens one transaction, checks the actor's permission, validates every field
first (:class:`~palermo.services.fields.FieldErrors` naming the field) and writes nothing
when anything is wrong; every read and write is audited. Merging and splitting people is
:mod:`palermo.services.person_merge`; photos are :mod:`palermo.services.person_photos`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo import clock
from palermo.security import audit, identities
from palermo.security.permissions import Actor, Permission
from palermo.services import analysis_jobs, search
from palermo.services.access import open_case
from palermo.services.cases import _attach_identifier, _next_pseudonym, seal_identity
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound, PermissionDenied
from palermo.services.fields import FieldError, FieldErrors, raise_if
from palermo.store.models import Assertion, Identifier, Organisation, Person, PersonKind

if TYPE_CHECKING:
    from palermo.services.organisations import LinkView
    from palermo.services.person_merge import MergeView
    from palermo.services.person_photos import PhotoView

# The newest facts a person's page lists (with the count of all).
FACTS_SHOWN = 200
# Fields sealed with a victim's identity, besides name and aliases.
SEALED_FIELDS = ("date_of_birth", "address", "contact")


@dataclass(frozen=True, slots=True)
class PersonForm:
    """A person as the edit form shows it (sealed fields only for roles allowed)."""

    id: int | None
    kind: str
    pseudonym: str
    name: str
    aliases: list[str]
    sex: str | None
    nationality: str | None
    birth_year: int | None
    is_minor: bool
    notes: str | None
    identifiers: list[tuple[str, str]]
    sealed: dict[str, str] = field(default_factory=dict)
    identity_visible: bool = True


def _parse_identifiers(
    lines: list[tuple[str, str]], region: str = "US"
) -> tuple[list[tuple[str, str]], list[str]]:
    """(kind, value) pairs normalised as evidence's identifiers are (phones in E.164, e-mails
    lower case...), so that a phone entered by hand matches the same phone in records; and
    the problems found."""
    from palermo.ingest.normalize import normalize_identifier

    out, problems = [], []
    for kind, value in lines:
        kind, value = kind.strip().lower(), value.strip()
        if not value:
            continue
        if not re.match(r"^[a-z_]{2,32}$", kind):
            problems.append(f"'{kind}' is not an identifier kind (phone, email, passport…)")
            continue
        normal = normalize_identifier(kind, value, region)
        if normal is None:
            problems.append(f"{kind} '{value}' is not a valid {kind}")
            continue
        if (kind, normal) not in out:
            out.append((kind, normal))
    return out, problems


def check_person(
    actor: Actor,
    *,
    kind: str,
    name: str,
    birth_year: int | None,
    sex: str | None,
    identifiers: list[tuple[str, str]],
    region: str = "US",
) -> list[FieldError]:
    errors: list[FieldError] = []
    try:
        PersonKind(kind)
    except ValueError:
        errors.append(FieldError("kind", f"choose one of {', '.join(k.value for k in PersonKind)}"))
    if not name.strip():
        errors.append(FieldError("name", "enter the name (for a victim it is sealed at once)"))
    if birth_year is not None and not 1900 <= birth_year <= clock.today().year:
        errors.append(FieldError("birth_year", f"{birth_year} is not a plausible year"))
    if sex not in (None, "", "female", "male", "other", "unknown"):
        errors.append(FieldError("sex", "female, male, other or unknown"))
    _, problems = _parse_identifiers(identifiers, region)
    errors += [FieldError("identifiers", p) for p in problems]
    return errors


def add_person(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    kind: str,
    name: str,
    aliases: list[str],
    sex: str | None = None,
    nationality: str | None = None,
    birth_year: int | None = None,
    is_minor: bool = False,
    notes: str | None = None,
    identifiers: list[tuple[str, str]] | None = None,
    sealed: dict[str, str] | None = None,
    from_suggestion: int | None = None,
) -> int:
    """Add a person; a victim's name, aliases and ``sealed`` fields go straight into the
    sealed identity. ``from_suggestion``: the confirmed "name not in the case" it came from
    (linked to the new person)."""
    if kind == PersonKind.VICTIM.value and not actor.can(Permission.SEE_VICTIM_IDENTITY):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot enter a victim's identity")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        errors = check_person(
            actor,
            kind=kind,
            name=name,
            birth_year=birth_year,
            sex=sex,
            identifiers=identifiers or [],
            region=case.default_region,
        )
        raise_if(errors, "new person")
        ids, _ = _parse_identifiers(identifiers or [], case.default_region)
        person_kind = PersonKind(kind)
        pseudonym = _next_pseudonym(session, case.id, person_kind)
        person = Person(
            case_id=case.id,
            kind=person_kind.value,
            pseudonym=pseudonym,
            is_minor=is_minor,
            sex=sex or None,
            nationality=(nationality or "").strip() or None,
            birth_year=birth_year,
            notes=(notes or "").strip() or None,
            aliases=[],
        )
        if person_kind is PersonKind.VICTIM:
            identity = {"name": name.strip(), "aliases": aliases, **_sealed(sealed)}
            person.sealed_identity = seal_identity(ctx, case.id, pseudonym, identity)
        else:
            person.name = name.strip()
            person.aliases = aliases
        session.add(person)
        session.flush()
        search.index_person(
            ctx, session, person, [name, *aliases], sealed=person_kind is PersonKind.VICTIM
        )
        _check_identifiers_free(session, case.id, person.id, ids)
        for id_kind, value in ids:
            _attach_identifier(session, case.id, person.id, id_kind, value)
        search.index_identifiers_of(ctx, session, person)
        if from_suggestion is not None:
            _link_suggestion(session, case.id, from_suggestion, person.id)
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="person.create",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
            details={
                "kind": person_kind.value,
                "pseudonym": pseudonym,
                "from_suggestion": from_suggestion,
            },
        )
        return person.id


def _sealed(values: dict[str, str] | None) -> dict[str, str]:
    return {k: v.strip() for k, v in (values or {}).items() if k in SEALED_FIELDS and v.strip()}


def _check_identifiers_free(
    session: Session, case_id: int, person_id: int, ids: list[tuple[str, str]]
) -> None:
    errors = []
    for kind, value in ids:
        owner = session.scalar(
            select(Identifier.person_id).where(
                Identifier.case_id == case_id, Identifier.kind == kind, Identifier.value == value
            )
        )
        if owner is not None and owner != person_id:
            other = session.get(Person, owner)
            errors.append(
                FieldError(
                    "identifiers",
                    f"{kind} {value} already belongs to {other.pseudonym if other else owner}",
                )
            )
    raise_if(errors, "person")


def _link_suggestion(session: Session, case_id: int, assertion_id: int, person_id: int) -> None:
    a = session.get(Assertion, assertion_id)
    if a is None or a.case_id != case_id or a.predicate != "mention":
        raise FieldErrors([FieldError("from_suggestion", "no such suggestion in this case")])
    if a.subject_type != "person" or a.subject_id is None:
        a.subject_type, a.subject_id = "person", person_id


def suggestion_name(ctx: Context, actor: Actor, reference: str, assertion_id: int) -> str | None:
    """The name a "name not in the case" suggestion found, to prefill a new person."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        a = session.get(Assertion, assertion_id)
        if a is None or a.case_id != case.id or a.predicate != "mention":
            raise NotFound(f"suggestion {assertion_id} not found in case '{reference}'")
        if a.subject_type == "person" and a.subject_id is not None:
            raise InvalidInput(f"suggestion {assertion_id} already names a person of the case")
        audit.record(
            session,
            actor=actor,
            action="suggestion.read",
            case_id=case.id,
            object_type="assertion",
            object_id=a.id,
        )
        return (a.value or a.quote or "").strip() or None


def person_form(ctx: Context, actor: Actor, reference: str, person_id: int) -> PersonForm:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        person = session.get(Person, person_id)
        if person is None or person.case_id != case.id:
            raise NotFound(f"person {person_id} not found in case '{reference}'")
        ids = [
            (i.kind, i.value)
            for i in session.scalars(
                select(Identifier).where(Identifier.person_id == person.id).order_by(Identifier.id)
            )
        ]
        name, aliases, sealed, visible = person.name or "", list(person.aliases or []), {}, True
        if person.sealed_identity is not None:
            visible = actor.can(Permission.SEE_VICTIM_IDENTITY)
            name, aliases = "", []
            if visible:
                # Fails closed: IdentityUnavailable stops the request and is audited.
                identity = identities.unseal(
                    ctx, person, actor=actor, purpose="person.edit", session=session
                ).fields
                name = str(identity.get("name") or "")
                aliases = list(identity.get("aliases") or [])
                sealed = {k: str(identity[k]) for k in SEALED_FIELDS if identity.get(k)}
                audit.record(
                    session,
                    actor=actor,
                    action="person.reveal",
                    case_id=case.id,
                    object_type="person",
                    object_id=person.id,
                )
        return PersonForm(
            person.id,
            person.kind,
            person.pseudonym,
            name,
            aliases,
            person.sex,
            person.nationality,
            person.birth_year,
            person.is_minor,
            person.notes,
            ids,
            sealed,
            visible,
        )


def update_person(
    ctx: Context,
    actor: Actor,
    reference: str,
    person_id: int,
    *,
    name: str,
    aliases: list[str],
    sex: str | None = None,
    nationality: str | None = None,
    birth_year: int | None = None,
    is_minor: bool = False,
    notes: str | None = None,
    identifiers: list[tuple[str, str]] | None = None,
    sealed: dict[str, str] | None = None,
) -> None:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        person = session.get(Person, person_id)
        if person is None or person.case_id != case.id:
            raise NotFound(f"person {person_id} not found in case '{reference}'")
        if person.sealed_identity is not None and not actor.can(Permission.SEE_VICTIM_IDENTITY):
            raise PermissionDenied(
                f"your role ({actor.role.value}) cannot change a victim's identity"
            )
        errors = check_person(
            actor,
            kind=person.kind,
            name=name,
            birth_year=birth_year,
            sex=sex,
            identifiers=identifiers or [],
            region=case.default_region,
        )
        raise_if(errors, f"person {person.pseudonym}")
        ids, _ = _parse_identifiers(identifiers or [], case.default_region)
        _check_identifiers_free(session, case.id, person.id, ids)
        is_sealed = person.sealed_identity is not None or person.kind == PersonKind.VICTIM.value
        if is_sealed:
            identity = {"name": name.strip(), "aliases": aliases, **_sealed(sealed)}
            person.sealed_identity = seal_identity(ctx, case.id, person.pseudonym, identity)
            person.name, person.aliases = None, []
        else:
            person.name, person.aliases = name.strip(), aliases
        search.index_person(ctx, session, person, [name, *aliases], sealed=is_sealed)
        person.sex = sex or None
        person.nationality = (nationality or "").strip() or None
        person.birth_year = birth_year
        person.is_minor = is_minor
        person.notes = (notes or "").strip() or None
        for identifier in session.scalars(
            select(Identifier).where(Identifier.person_id == person.id)
        ):
            if (identifier.kind, identifier.value) not in ids:
                identifier.person_id = None
        session.flush()
        for id_kind, value in ids:
            _attach_identifier(session, case.id, person.id, id_kind, value)
        search.index_identifiers_of(ctx, session, person)
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="person.update",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
            details={"pseudonym": person.pseudonym},
        )


# --------------------------------------------------------------------------- person page


@dataclass(frozen=True, slots=True)
class FactView:
    id: int
    predicate: str
    status: str
    text: str


@dataclass(frozen=True, slots=True)
class PersonPage:
    """A person with everything recorded about her, as the actor may see it."""

    id: int
    kind: str
    pseudonym: str
    display_name: str
    sealed: bool
    identity_visible: bool
    aliases: list[str]
    identifiers: list[tuple[int, str, str]]
    sex: str | None
    nationality: str | None
    birth_year: int | None
    is_minor: bool
    notes: str | None
    facts: list[FactView]
    facts_total: int
    organisations: list[LinkView]
    organisation_options: list[tuple[int, str]]
    photos: list[PhotoView]
    photos_visible: bool
    merges: list[MergeView]
    others: list[tuple[int, str]]
    may_edit: bool
    may_reveal: bool
    may_change_identity: bool


def person_page(
    ctx: Context, actor: Actor, reference: str, person_id: int, *, reveal: bool = False
) -> PersonPage:
    """A person's page. A victim's name, aliases, identifiers and photos are shown only when
    ``reveal`` and the role may see victims' identities (audited); otherwise pseudonyms,
    and facts quoting evidence are redacted for roles that may not see identities."""
    from palermo.services.organisations import links_of_person, person_label
    from palermo.services.person_merge import merges_of
    from palermo.services.person_photos import photos_of

    may_see = actor.can(Permission.SEE_VICTIM_IDENTITY)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        person = session.get(Person, person_id)
        if person is None or person.case_id != case.id:
            raise NotFound(f"person {person_id} not found in case '{reference}'")
        sealed = person.sealed_identity is not None or person.kind == PersonKind.VICTIM.value
        visible = not sealed or (reveal and may_see)
        name, aliases = person.name or "", list(person.aliases or [])
        if person.sealed_identity is not None:
            name, aliases = "", []
            if visible:
                opened = identities.unseal(
                    ctx, person, actor=actor, purpose="person.page", session=session
                )
                name, aliases = opened.name, list(opened.aliases)
        viewer = actor if visible else actor.hiding_identities()
        redactor = identities.redactor_for(ctx, session, case.id, viewer, purpose="person.page")
        ids = []
        for i in session.scalars(
            select(Identifier).where(Identifier.person_id == person.id).order_by(Identifier.id)
        ):
            value = i.value if visible else "sealed"
            ids.append((i.id, i.kind, redactor(value) if redactor and visible else value))
        about = (
            Assertion.case_id == case.id,
            Assertion.subject_type == "person",
            Assertion.subject_id == person.id,
        )
        facts_total = session.scalar(select(func.count()).select_from(Assertion).where(*about))
        facts = [
            FactView(
                a.id,
                a.predicate,
                a.status,
                (redactor(text) if redactor else text) if visible else "sealed",
            )
            for a in session.scalars(
                select(Assertion).where(*about).order_by(Assertion.id.desc()).limit(FACTS_SHOWN)
            )
            for text in [(a.value or a.quote or "")[:200]]
        ]
        others = [
            (p.id, person_label(p))
            for p in session.scalars(
                select(Person)
                .where(Person.case_id == case.id, Person.id != person.id)
                .order_by(Person.id)
            )
        ]
        orgs = [
            (o.id, o.name)
            for o in session.scalars(
                select(Organisation)
                .where(Organisation.case_id == case.id)
                .order_by(Organisation.name)
            )
        ]
        audit.record(
            session,
            actor=actor,
            action="person.reveal" if sealed and visible else "person.read",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
            details={"purpose": "person.page"},
        )
        may_edit = actor.can(Permission.EDIT_CASE)
        return PersonPage(
            id=person.id,
            kind=person.kind,
            pseudonym=person.pseudonym,
            display_name=name if visible and name else person.pseudonym,
            sealed=sealed,
            identity_visible=visible,
            aliases=aliases if visible else [],
            identifiers=ids,
            sex=person.sex,
            nationality=person.nationality,
            birth_year=person.birth_year,
            is_minor=person.is_minor,
            notes=person.notes,
            facts=facts,
            facts_total=int(facts_total or 0),
            organisations=links_of_person(session, case.id, person.id),
            organisation_options=orgs,
            photos=photos_of(session, person.id) if visible else [],
            photos_visible=visible,
            merges=merges_of(session, person.id),
            others=others,
            may_edit=may_edit,
            may_reveal=sealed and may_see and not visible,
            may_change_identity=may_edit and (not sealed or may_see),
        )
