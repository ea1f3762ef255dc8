"""``/api/cases/{reference}/...``: a person with everything recorded about her, edit,
merge (the differing fields answered in ``keep``), undo a merge, split; organisations and
people's relations to them; photos (a victim's only for roles that may see her identity).

The same services and rules as the browser: a refusal is HTTP 422 with ``errors`` naming
each field; a role that may not do something gets 403.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Response, UploadFile
from pydantic import BaseModel, Field

from palermo.services import organisations, people, person_merge, person_photos
from palermo.services.fields import FieldErrors
from palermo.web.api.cases import REFUSED, SavedOut
from palermo.web.api.models import PathId, refuse, with_utc
from palermo.web.auth import ApiUser, CtxDep

router = APIRouter(tags=["people"])


class PersonDetailOut(BaseModel):
    id: int
    kind: str
    pseudonym: str
    display_name: str
    sealed: bool
    identity_visible: bool
    aliases: list[str]
    identifiers: list[dict[str, Any]]
    sex: str | None
    nationality: str | None
    birth_year: int | None
    is_minor: bool
    notes: str | None
    facts: list[dict[str, Any]]
    organisations: list[dict[str, Any]]
    photos: list[dict[str, Any]]
    merges: list[dict[str, Any]]


@router.get(
    "/cases/{reference}/people/{person_id}", response_model=PersonDetailOut, responses=REFUSED
)
def get_person(
    ctx: CtxDep, user: ApiUser, reference: str, person_id: PathId, reveal: bool = False
) -> PersonDetailOut:
    """A person with aliases, identifiers, facts, organisations, photos and merges. A
    victim's identity only with ``reveal`` and a role that may see it (audited)."""
    p = people.person_page(ctx, user.actor, reference, person_id, reveal=reveal)
    return PersonDetailOut(
        id=p.id,
        kind=p.kind,
        pseudonym=p.pseudonym,
        display_name=p.display_name,
        sealed=p.sealed,
        identity_visible=p.identity_visible,
        aliases=p.aliases,
        identifiers=[{"id": i, "kind": k, "value": v} for i, k, v in p.identifiers],
        sex=p.sex,
        nationality=p.nationality,
        birth_year=p.birth_year,
        is_minor=p.is_minor,
        notes=p.notes,
        facts=[asdict(f) for f in p.facts],
        organisations=[asdict(link) for link in p.organisations],
        photos=with_utc([asdict(ph) for ph in p.photos]),
        merges=with_utc([asdict(m) for m in p.merges]),
    )


class PersonUpdate(BaseModel):
    name: str = Field(max_length=300)
    aliases: list[str] = Field(default_factory=list, max_length=50)
    sex: str | None = None
    nationality: str | None = Field(default=None, max_length=64)
    birth_year: int | None = None
    is_minor: bool = False
    notes: str | None = Field(default=None, max_length=20_000)
    identifiers: list[tuple[str, str]] = Field(default_factory=list, max_length=100)
    sealed: dict[str, str] = Field(default_factory=dict)


@router.put("/cases/{reference}/people/{person_id}", response_model=SavedOut, responses=REFUSED)
def update_person(
    ctx: CtxDep, user: ApiUser, reference: str, person_id: PathId, body: PersonUpdate
) -> SavedOut:
    """Replace a person's name, aliases, identifiers and details (a victim's: sealed)."""
    try:
        people.update_person(ctx, user.actor, reference, person_id, **body.model_dump())
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(id=person_id)


class MergeIn(BaseModel):
    absorbed_id: int
    keep: dict[str, str] = Field(
        default_factory=dict,
        description='For each differing field (see the preview): "survivor" or "absorbed".',
    )


@router.get("/cases/{reference}/people/{person_id}/merge/{other_id}", responses=REFUSED)
def merge_preview(
    ctx: CtxDep, user: ApiUser, reference: str, person_id: PathId, other_id: PathId
) -> dict[str, Any]:
    """What merging ``other_id`` into ``person_id`` would move, and the fields that differ."""
    try:
        preview = person_merge.merge_preview(ctx, user.actor, reference, person_id, other_id)
    except FieldErrors as exc:
        raise refuse(exc) from None
    return asdict(preview)


@router.post(
    "/cases/{reference}/people/{person_id}/merge",
    response_model=SavedOut,
    status_code=201,
    responses=REFUSED,
)
def merge(ctx: CtxDep, user: ApiUser, reference: str, person_id: PathId, body: MergeIn) -> SavedOut:
    """Merge ``absorbed_id`` into this person; returns the merge's id (to undo it)."""
    try:
        merge_id = person_merge.merge_people(
            ctx,
            user.actor,
            reference,
            survivor_id=person_id,
            absorbed_id=body.absorbed_id,
            keep=body.keep,
        )
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(id=merge_id)


@router.post(
    "/cases/{reference}/merges/{merge_id}/undo", response_model=SavedOut, responses=REFUSED
)
def undo_merge(ctx: CtxDep, user: ApiUser, reference: str, merge_id: PathId) -> SavedOut:
    """Undo a merge; returns the restored person's id."""
    try:
        restored = person_merge.undo_merge(ctx, user.actor, reference, merge_id)
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(id=restored)


class SplitIn(BaseModel):
    name: str = Field(max_length=300)
    aliases: list[str] = Field(default_factory=list, max_length=50)
    identifier_ids: list[int] = Field(default_factory=list, max_length=500)
    fact_ids: list[int] = Field(default_factory=list, max_length=5000)
    photo_ids: list[int] = Field(default_factory=list, max_length=500)


@router.post(
    "/cases/{reference}/people/{person_id}/split",
    response_model=SavedOut,
    status_code=201,
    responses=REFUSED,
)
def split(ctx: CtxDep, user: ApiUser, reference: str, person_id: PathId, body: SplitIn) -> SavedOut:
    """Move the chosen aliases, identifiers, facts and photos onto a new person."""
    try:
        new = person_merge.split_person(ctx, user.actor, reference, person_id, **body.model_dump())
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(id=new)


# --------------------------------------------------------------------------- organisations


class OrganisationIn(BaseModel):
    name: str = Field(max_length=300)
    kind: str = Field(description=", ".join(organisations.KINDS))
    country: str = Field(default="", max_length=8)
    registration_number: str = Field(default="", max_length=64)
    address: str = Field(default="", max_length=500)


@router.get("/cases/{reference}/organisations", responses=REFUSED)
def list_organisations(ctx: CtxDep, user: ApiUser, reference: str) -> list[dict[str, Any]]:
    return [asdict(o) for o in organisations.list_organisations(ctx, user.actor, reference)]


@router.post(
    "/cases/{reference}/organisations", response_model=SavedOut, status_code=201, responses=REFUSED
)
def add_organisation(ctx: CtxDep, user: ApiUser, reference: str, body: OrganisationIn) -> SavedOut:
    try:
        org = organisations.add_organisation(ctx, user.actor, reference, **body.model_dump())
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(id=org)


@router.put(
    "/cases/{reference}/organisations/{organisation_id}",
    response_model=SavedOut,
    responses=REFUSED,
)
def update_organisation(
    ctx: CtxDep, user: ApiUser, reference: str, organisation_id: PathId, body: OrganisationIn
) -> SavedOut:
    try:
        organisations.update_organisation(
            ctx, user.actor, reference, organisation_id, **body.model_dump()
        )
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(id=organisation_id)


class LinkIn(BaseModel):
    organisation_id: int
    relation: str = Field(description=", ".join(organisations.RELATIONS))
    since: date | None = None
    until: date | None = None


@router.post(
    "/cases/{reference}/people/{person_id}/organisations",
    response_model=SavedOut,
    status_code=201,
    responses=REFUSED,
)
def link_person(
    ctx: CtxDep, user: ApiUser, reference: str, person_id: PathId, body: LinkIn
) -> SavedOut:
    try:
        link = organisations.link_person(
            ctx, user.actor, reference, person_id=person_id, **body.model_dump()
        )
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(id=link)


@router.delete(
    "/cases/{reference}/organisation-links/{link_id}", status_code=204, responses=REFUSED
)
def unlink_person(ctx: CtxDep, user: ApiUser, reference: str, link_id: PathId) -> Response:
    try:
        organisations.unlink_person(ctx, user.actor, reference, link_id)
    except FieldErrors as exc:
        raise refuse(exc) from None
    return Response(status_code=204)


# --------------------------------------------------------------------------- photos


@router.post(
    "/cases/{reference}/people/{person_id}/photos",
    response_model=SavedOut,
    status_code=201,
    responses=REFUSED,
)
async def upload_photo(
    ctx: CtxDep,
    user: ApiUser,
    reference: str,
    person_id: PathId,
    photo: Annotated[UploadFile, File(description="A JPEG or PNG image")],
) -> SavedOut:
    data = await photo.read(person_photos.MAX_PHOTO_BYTES + 1)
    try:
        photo_id = person_photos.upload_photo(
            ctx, user.actor, reference, person_id, data=data, file_name=photo.filename or ""
        )
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(id=photo_id)


@router.delete("/cases/{reference}/photos/{photo_id}", status_code=204, responses=REFUSED)
def remove_photo(ctx: CtxDep, user: ApiUser, reference: str, photo_id: PathId) -> Response:
    """Remove a photo; its stored file is erased once nothing else refers to it."""
    person_photos.remove_photo(ctx, user.actor, reference, photo_id)
    return Response(status_code=204)


@router.get(
    "/cases/{reference}/photos/{photo_id}",
    responses={**REFUSED, 503: {"description": "The stored photo cannot be decrypted."}},
    response_class=Response,
)
def get_photo(
    ctx: CtxDep, user: ApiUser, reference: str, photo_id: PathId, thumb: bool = False
) -> Response:
    """The decrypted photo (audited); 403 for a victim's photo and a role that may not
    see victims' identities."""
    got = person_photos.photo_file(ctx, user.actor, reference, photo_id, thumbnail=thumb)
    return Response(
        got.content,
        media_type=got.media_type,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
