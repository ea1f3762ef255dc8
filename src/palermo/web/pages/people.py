"""People and organisations of a case in the browser: the people tab (with the case's
organisations), a person's page (aliases, identifiers, facts, organisations, photos,
merges), add and edit a person, merge two people (conflicting identity fields asked),
undo a merge, split a person, organisations and people's relations to them, photos.

Every form posts back; a refused form comes back (HTTP 422) with the values entered and
each message next to its field; a saved form redirects (303) with a note. A victim's
photo is served only to roles that may see victims' identities (403 otherwise, 503 when
it cannot be decrypted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from palermo.security.permissions import Permission
from palermo.services import cases, organisations, people, person_merge, person_photos
from palermo.services.caseload_views import FieldError, FieldErrors
from palermo.services.errors import PermissionDenied
from palermo.services.users import UserInfo
from palermo.store.models import PersonKind
from palermo.web.auth import CtxDep, PageUser
from palermo.web.fragments import fragments
from palermo.web.pages.cases import case_path
from palermo.web.pages.casework import (
    LABELS,
    Parsed,
    _attempt,
    _back,
    _case_tab,
    _identifier_lines,
    _lines,
)

router = APIRouter()

PEOPLE_LABELS = {
    **LABELS,
    "survivor": "Person kept",
    "absorbed": "Person merged in",
    "photo": "Photo",
    "organisation_id": "Organisation",
    "relation": "Relation",
    "since": "Since",
    "until": "Until",
    "country": "Country",
    "registration_number": "Registration number",
    "address": "Address",
    "facts": "Facts",
    "photos": "Photos",
    "merge": "Merge",
    "link": "Link",
}
SAVED = {
    "person": "Person saved.",
    "organisation": "Organisation saved.",
    "link": "Link to the organisation saved.",
    "unlinked": "Link removed.",
    "photo": "Photo added.",
    "photo_removed": "Photo removed.",
    "merged": "People merged. The merge is recorded below and can be undone.",
    "unmerged": "Merge undone: the person merged in is back with everything that was hers.",
    "split": "New person made from the chosen aliases, identifiers, facts and photos.",
}


def _person_path(reference: str, person_id: int, suffix: str = "") -> str:
    return case_path(reference, f"/people/{person_id}{suffix}")


def _to_person(reference: str, person_id: int, saved: str, reveal: bool = False) -> Response:
    query = f"?saved={saved}" + ("&reveal=1" if reveal else "")
    return RedirectResponse(_person_path(reference, person_id, query), status_code=303)


# --------------------------------------------------------------------------- people tab


IDENTIFIERS_PER_PAGE = 200


def _people_tab(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    *,
    reveal: bool = False,
    saved: str | None = None,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
    identifiers_page: int = 1,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    may_reveal = user.actor.can(Permission.SEE_VICTIM_IDENTITY)
    reveal = reveal and may_reveal
    persons = cases.kept_people(ctx, user.actor, reference, reveal=reveal)
    can_edit = user.actor.can(Permission.EDIT_CASE)
    # The rows are most of the page: rendered once per kept list (one per case
    # fingerprint and kind of viewer) and what else they show.
    row_values = {
        "people": persons,
        "reveal": reveal,
        "can_edit": can_edit,
        "case_path": case_path(case.reference),
    }
    key = (id(persons), reveal, can_edit, row_values["case_path"])
    people_rows = fragments.render(request, "people/_rows.html", key, persons, lambda: row_values)
    every_identifier = cases.list_identifiers(ctx, user.actor, reference)
    # A large case's records name tens of thousands of phones and accounts: a page of them.
    pages = max(1, -(-len(every_identifier) // IDENTIFIERS_PER_PAGE))
    identifiers_page = min(max(1, identifiers_page), pages)
    first = (identifiers_page - 1) * IDENTIFIERS_PER_PAGE
    identifiers = every_identifier[first : first + IDENTIFIERS_PER_PAGE]
    orgs = organisations.list_organisations(ctx, user.actor, reference)
    return _case_tab(
        request,
        user,
        case,
        "people",
        "people/list.html",
        {
            "people": persons,
            "people_rows": people_rows,
            "identifiers": identifiers,
            "identifiers_total": len(every_identifier),
            "identifiers_first": first + 1,
            "identifiers_page": identifiers_page,
            "identifiers_pages": pages,
            "organisations": orgs,
            "may_reveal": may_reveal,
            "reveal": reveal,
            "can_edit": can_edit,
            "saved": SAVED.get(saved or ""),
            "form": form,
            "values": values or {},
            "defaults": {"organisation": {"kind": "company"}},
            "errors": errors or {},
            "labels": PEOPLE_LABELS,
            "org_kinds": [
                (k, k.upper() if k == "ngo" else k.capitalize()) for k in organisations.KINDS
            ],
        },
        status_code,
    )


@router.get("/cases/{reference}/people")
def people_tab(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    reveal: bool = False,
    saved: str | None = None,
    identifiers_page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    return _people_tab(
        request,
        ctx,
        user,
        reference,
        reveal=reveal,
        saved=saved,
        identifiers_page=identifiers_page,
    )


# --------------------------------------------------------------------------- add, edit

PERSON_KINDS = [(k.value, k.value.capitalize()) for k in PersonKind]
SEXES = [("female", "Female"), ("male", "Male"), ("other", "Other"), ("unknown", "Unknown")]


def _person_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    *,
    person_id: int | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
    note: str | None = None,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    if not user.actor.can(Permission.EDIT_CASE):
        raise PermissionDenied(f"your role ({user.actor.role.value}) cannot add or edit people")
    may_seal = user.actor.can(Permission.SEE_VICTIM_IDENTITY)
    kinds = [k for k in PERSON_KINDS if may_seal or k[0] != PersonKind.VICTIM.value]
    return _case_tab(
        request,
        user,
        case,
        "people",
        "people/form.html",
        {
            "person_id": person_id,
            "values": values,
            "errors": errors or {},
            "labels": LABELS,
            "kinds": kinds,
            "sexes": SEXES,
            "may_seal": may_seal,
            "note": note,
        },
        status_code,
    )


@router.get("/cases/{reference}/people/new")
def new_person(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    suggestion: int | None = None,
    kind: str = "",
) -> Response:
    values: dict[str, Any] = {"kind": kind}
    note = None
    if suggestion is not None:
        name = people.suggestion_name(ctx, user.actor, reference, suggestion)
        values.update({"name": name or "", "from_suggestion": suggestion})
        note = (
            f"From the confirmed suggestion “{name}”. Check the name and choose the role; "
            "a victim's name is sealed as soon as you save."
        )
    return _person_page(request, ctx, user, reference, person_id=None, values=values, note=note)


@dataclass(frozen=True)
class PersonForm:
    """The fields the add and the edit person forms share, as posted."""

    name: str
    aliases: str
    sex: str
    nationality: str
    birth_year: str
    is_minor: str
    notes: str
    identifiers: str
    date_of_birth: str
    address: str
    contact: str

    def values(self) -> dict[str, Any]:
        """The fields shown again when refused; sealed fields are never echoed back."""
        return {
            "name": self.name,
            "aliases": self.aliases,
            "sex": self.sex,
            "nationality": self.nationality,
            "birth_year": self.birth_year,
            "is_minor": self.is_minor == "1",
            "notes": self.notes,
            "identifiers": self.identifiers,
        }

    def details(self, birth_year: int | None) -> dict[str, Any]:
        """The fields as the service takes them."""
        sealed = {"date_of_birth": self.date_of_birth, "address": self.address}
        return {
            "name": self.name,
            "aliases": _lines(self.aliases),
            "sex": self.sex or None,
            "nationality": self.nationality,
            "birth_year": birth_year,
            "is_minor": self.is_minor == "1",
            "notes": self.notes,
            "identifiers": _identifier_lines(self.identifiers),
            "sealed": {**sealed, "contact": self.contact},
        }


def _person_form(
    name: Annotated[str, Form()] = "",
    aliases: Annotated[str, Form()] = "",
    sex: Annotated[str, Form()] = "",
    nationality: Annotated[str, Form()] = "",
    birth_year: Annotated[str, Form()] = "",
    is_minor: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
    identifiers: Annotated[str, Form()] = "",
    date_of_birth: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
) -> PersonForm:
    return PersonForm(
        name=name,
        aliases=aliases,
        sex=sex,
        nationality=nationality,
        birth_year=birth_year,
        is_minor=is_minor,
        notes=notes,
        identifiers=identifiers,
        date_of_birth=date_of_birth,
        address=address,
        contact=contact,
    )


PersonFormDep = Annotated[PersonForm, Depends(_person_form)]


def _person_refused(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    person_id: int | None,
    values: dict[str, Any],
    errors: dict[str, list[str]],
) -> Response:
    # Sealed fields are never echoed back into the page.
    return _person_page(
        request,
        ctx,
        user,
        reference,
        person_id=person_id,
        values=values,
        errors=errors,
        status_code=422,
    )


@router.post("/cases/{reference}/people/new")
def create_person(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    person: PersonFormDep,
    kind: Annotated[str, Form()] = "",
    from_suggestion: Annotated[str, Form()] = "",
) -> Response:
    values = {**person.values(), "kind": kind, "from_suggestion": from_suggestion}
    parsed = Parsed()
    year = parsed.int(person.birth_year, "birth_year")
    suggestion = parsed.int(from_suggestion, "from_suggestion")
    if not kind:
        parsed.errors.append(FieldError("kind", "choose the person's role in the case"))
    _, errors = _attempt(
        parsed,
        lambda: people.add_person(
            ctx,
            user.actor,
            reference,
            kind=kind,
            from_suggestion=suggestion,
            **person.details(year),
        ),
    )
    if errors:
        return _person_refused(request, ctx, user, reference, None, values, errors)
    return _back(reference, "people", "person")


@router.get("/cases/{reference}/people/{person_id}/edit")
def edit_person(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, person_id: int
) -> Response:
    p = people.person_form(ctx, user.actor, reference, person_id)
    values = {
        "kind": p.kind,
        "pseudonym": p.pseudonym,
        "name": p.name,
        "aliases": "\n".join(p.aliases),
        "sex": p.sex or "",
        "nationality": p.nationality or "",
        "birth_year": p.birth_year or "",
        "is_minor": p.is_minor,
        "notes": p.notes or "",
        "identifiers": "\n".join(f"{k}: {v}" for k, v in p.identifiers),
        "identity_visible": p.identity_visible,
        **p.sealed,
    }
    return _person_page(request, ctx, user, reference, person_id=person_id, values=values)


@router.post("/cases/{reference}/people/{person_id}/edit")
def update_person(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    person_id: int,
    person: PersonFormDep,
) -> Response:
    parsed = Parsed()
    year = parsed.int(person.birth_year, "birth_year")
    _, errors = _attempt(
        parsed,
        lambda: people.update_person(ctx, user.actor, reference, person_id, **person.details(year)),
    )
    if errors:
        values = {**person.values(), "identity_visible": True}
        return _person_refused(request, ctx, user, reference, person_id, values, errors)
    return _back(reference, "people", "person")


# --------------------------------------------------------------------------- person page


def _person_view(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    person_id: int,
    *,
    reveal: bool = False,
    saved: str | None = None,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    p = people.person_page(ctx, user.actor, reference, person_id, reveal=reveal)
    return _case_tab(
        request,
        user,
        case,
        "people",
        "people/person.html",
        {
            "p": p,
            "person_path": _person_path(reference, person_id),
            "saved": SAVED.get(saved or ""),
            "form": form,
            "values": values or {},
            "defaults": {},
            "errors": errors or {},
            "labels": PEOPLE_LABELS,
            "relations": [(r, r.capitalize()) for r in organisations.RELATIONS],
            "org_options": [(str(i), n) for i, n in p.organisation_options],
            "other_options": [(str(i), n) for i, n in p.others],
            "max_photo_mb": person_photos.MAX_PHOTO_BYTES // (1024 * 1024),
        },
        status_code,
    )


@router.get("/cases/{reference}/people/{person_id}")
def person_page(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    person_id: int,
    reveal: bool = False,
    saved: str | None = None,
) -> Response:
    return _person_view(request, ctx, user, reference, person_id, reveal=reveal, saved=saved)


# --------------------------------------------------------------------------- merge, split


def _merge_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    person_id: int,
    other: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    preview = person_merge.merge_preview(ctx, user.actor, reference, person_id, other)
    return _case_tab(
        request,
        user,
        case,
        "people",
        "people/merge.html",
        {
            "m": preview,
            "person_path": _person_path(reference, person_id),
            "form": "merge",
            "values": values or {},
            "errors": errors or {},
            "labels": {
                **PEOPLE_LABELS,
                **{f"keep_{c.field}": c.label.capitalize() for c in preview.conflicts},
            },
        },
        status_code,
    )


@router.get("/cases/{reference}/people/{person_id}/merge")
def merge_form(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    person_id: int,
    other: str = "",
) -> Response:
    parsed = Parsed()
    other_id = parsed.int(other, "absorbed")
    if other_id is None:
        parsed.errors.append(FieldError("absorbed", "choose the person to merge into this one"))
    if parsed.errors:
        return _person_view(
            request,
            ctx,
            user,
            reference,
            person_id,
            form="merge",
            values={"other": other},
            errors=FieldErrors(parsed.errors).by_field(),
            status_code=422,
        )
    assert other_id is not None
    try:
        return _merge_page(request, ctx, user, reference, person_id, other_id)
    except FieldErrors as exc:
        return _person_view(
            request,
            ctx,
            user,
            reference,
            person_id,
            form="merge",
            values={"other": other},
            errors=exc.by_field(),
            status_code=422,
        )


@router.post("/cases/{reference}/people/{person_id}/merge")
async def merge(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, person_id: int
) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    parsed = Parsed()
    other = parsed.int(values.get("absorbed", ""), "absorbed")
    keep = {k.removeprefix("keep_"): v for k, v in values.items() if k.startswith("keep_") and v}
    _, errors = _attempt(
        parsed,
        lambda: person_merge.merge_people(
            ctx, user.actor, reference, survivor_id=person_id, absorbed_id=other, keep=keep
        ),
    )
    if errors:
        if other is None:
            return _person_view(
                request, ctx, user, reference, person_id, form="merge", errors=errors,
                status_code=422,
            )  # fmt: skip
        return _merge_page(
            request, ctx, user, reference, person_id, other, values=values, errors=errors,
            status_code=422,
        )  # fmt: skip
    return _to_person(reference, person_id, "merged", reveal=True)


@router.post("/cases/{reference}/people/{person_id}/merges/{merge_id}/undo")
def undo_merge(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, person_id: int, merge_id: int
) -> Response:
    restored, errors = _attempt(
        Parsed(), lambda: person_merge.undo_merge(ctx, user.actor, reference, merge_id)
    )
    if errors:
        return _person_view(
            request, ctx, user, reference, person_id, form="undo", errors=errors, status_code=422
        )
    return _to_person(reference, int(restored), "unmerged", reveal=True)


def _split_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    person_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    choices = person_merge.split_choices(ctx, user.actor, reference, person_id)
    return _case_tab(
        request,
        user,
        case,
        "people",
        "people/split.html",
        {
            "s": choices,
            "person_path": _person_path(reference, person_id),
            "values": values or {},
            "errors": errors or {},
            "labels": PEOPLE_LABELS,
            "form": None,
        },
        status_code,
    )


@router.get("/cases/{reference}/people/{person_id}/split")
def split_form(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, person_id: int
) -> Response:
    return _split_page(request, ctx, user, reference, person_id)


@router.post("/cases/{reference}/people/{person_id}/split")
async def split(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, person_id: int
) -> Response:
    form = await request.form()
    name = str(form.get("name") or "")
    aliases = [str(v) for v in form.getlist("aliases")]
    parsed = Parsed()

    def ids(field: str) -> list[int]:
        out = []
        for raw in form.getlist(field):
            number = parsed.int(str(raw), field)
            if number is not None:
                out.append(number)
        return out

    chosen = {f: ids(f) for f in ("identifiers", "facts", "photos")}
    made, errors = _attempt(
        parsed,
        lambda: person_merge.split_person(
            ctx,
            user.actor,
            reference,
            person_id,
            name=name,
            aliases=aliases,
            identifier_ids=chosen["identifiers"],
            fact_ids=chosen["facts"],
            photo_ids=chosen["photos"],
        ),
    )
    if errors:
        values = {"name": name, "aliases": aliases, **chosen}
        return _split_page(
            request, ctx, user, reference, person_id, values=values, errors=errors, status_code=422
        )
    return _to_person(reference, int(made), "split", reveal=True)


# --------------------------------------------------------------------------- photos


@router.post("/cases/{reference}/people/{person_id}/photos")
async def upload_photo(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, person_id: int
) -> Response:
    from starlette.datastructures import UploadFile

    form = await request.form()
    upload = form.get("photo")
    parsed = Parsed()
    data, name = b"", ""
    if not isinstance(upload, UploadFile) or not upload.filename:
        parsed.errors.append(FieldError("photo", "choose a JPEG or PNG image"))
    else:
        name = upload.filename
        data = await upload.read(person_photos.MAX_PHOTO_BYTES + 1)
    _, errors = _attempt(
        parsed,
        lambda: person_photos.upload_photo(
            ctx, user.actor, reference, person_id, data=data, file_name=name
        ),
    )
    if errors:
        return _person_view(
            request,
            ctx,
            user,
            reference,
            person_id,
            reveal=True,
            form="photo",
            errors=errors,
            status_code=422,
        )
    return _to_person(reference, person_id, "photo", reveal=True)


@router.get("/cases/{reference}/photos/{photo_id}")
def photo(
    ctx: CtxDep, user: PageUser, reference: str, photo_id: int, thumb: bool = False
) -> Response:
    """The photo itself (decrypted): never cached, never guessed as another type."""
    got = person_photos.photo_file(ctx, user.actor, reference, photo_id, thumbnail=thumb)
    return Response(
        got.content,
        media_type=got.media_type,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )


@router.post("/cases/{reference}/photos/{photo_id}/remove")
def remove_photo(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    photo_id: int,
    person_id: Annotated[str, Form()] = "",
) -> Response:
    person_photos.remove_photo(ctx, user.actor, reference, photo_id)
    if person_id.isdigit():
        return _to_person(reference, int(person_id), "photo_removed", reveal=True)
    return _back(reference, "people", "photo_removed")


# --------------------------------------------------------------------------- organisations


@dataclass(frozen=True)
class OrganisationForm:
    name: str
    kind: str
    country: str
    registration_number: str
    address: str

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "country": self.country,
            "registration_number": self.registration_number,
            "address": self.address,
        }


def _organisation_form(
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    registration_number: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
) -> OrganisationForm:
    return OrganisationForm(name, kind, country, registration_number, address)


OrganisationFormDep = Annotated[OrganisationForm, Depends(_organisation_form)]


@router.post("/cases/{reference}/organisations/new")
def add_organisation(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, org: OrganisationFormDep
) -> Response:
    _, errors = _attempt(
        Parsed(),
        lambda: organisations.add_organisation(ctx, user.actor, reference, **org.values()),
    )
    if errors:
        return _people_tab(
            request,
            ctx,
            user,
            reference,
            form="organisation",
            values=org.values(),
            errors=errors,
            status_code=422,
        )
    return RedirectResponse(
        case_path(reference, "/people?saved=organisation#organisations"), status_code=303
    )


def _organisation_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    organisation_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    org = organisations.get_organisation(ctx, user.actor, reference, organisation_id)
    return _case_tab(
        request,
        user,
        case,
        "people",
        "people/organisation.html",
        {
            "o": org,
            "form": None,
            "values": values
            or {
                "name": org.name,
                "kind": org.kind or "",
                "country": org.country or "",
                "registration_number": org.registration_number or "",
                "address": org.address or "",
            },
            "errors": errors or {},
            "labels": PEOPLE_LABELS,
            "can_edit": user.actor.can(Permission.EDIT_CASE),
            "org_kinds": [
                (k, k.upper() if k == "ngo" else k.capitalize()) for k in organisations.KINDS
            ],
        },
        status_code,
    )


@router.get("/cases/{reference}/organisations/{organisation_id}")
def organisation_page(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, organisation_id: int
) -> Response:
    return _organisation_page(request, ctx, user, reference, organisation_id)


@router.post("/cases/{reference}/organisations/{organisation_id}")
def update_organisation(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    organisation_id: int,
    org: OrganisationFormDep,
) -> Response:
    _, errors = _attempt(
        Parsed(),
        lambda: organisations.update_organisation(
            ctx, user.actor, reference, organisation_id, **org.values()
        ),
    )
    if errors:
        return _organisation_page(
            request,
            ctx,
            user,
            reference,
            organisation_id,
            values=org.values(),
            errors=errors,
            status_code=422,
        )
    return RedirectResponse(
        case_path(reference, "/people?saved=organisation#organisations"), status_code=303
    )


@router.post("/cases/{reference}/people/{person_id}/organisations")
def link_person(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    person_id: int,
    organisation_id: Annotated[str, Form()] = "",
    relation: Annotated[str, Form()] = "",
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
) -> Response:
    parsed = Parsed()
    org_id = parsed.int(organisation_id, "organisation_id")
    start = parsed.date(since, "since")
    end = parsed.date(until, "until")
    _, errors = _attempt(
        parsed,
        lambda: organisations.link_person(
            ctx,
            user.actor,
            reference,
            person_id=person_id,
            organisation_id=org_id,
            relation=relation,
            since=start,
            until=end,
        ),
    )
    if errors:
        values = {
            "organisation_id": organisation_id,
            "relation": relation,
            "since": since,
            "until": until,
        }
        return _person_view(
            request,
            ctx,
            user,
            reference,
            person_id,
            form="link",
            values=values,
            errors=errors,
            status_code=422,
        )
    return _to_person(reference, person_id, "link")


@router.post("/cases/{reference}/organisations/links/{link_id}/remove")
def unlink_person(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    link_id: int,
    person_id: Annotated[str, Form()] = "",
) -> Response:
    organisations.unlink_person(ctx, user.actor, reference, link_id)
    if person_id.isdigit():
        return _to_person(reference, int(person_id), "unlinked")
    return _back(reference, "people", "unlinked")
