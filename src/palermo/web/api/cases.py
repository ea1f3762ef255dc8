"""``/api/cases``: the caller's cases and what is in them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date as _date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from palermo.services import cases, casework, search
from palermo.services.fields import FieldErrors
from palermo.web.api.models import (
    CaseOut,
    EvidenceOut,
    IdentifierOut,
    PageNo,
    PersonOut,
    RecordOut,
    RecordPage,
    error_responses,
    refuse,
    refused_responses,
)
from palermo.web.auth import ApiUser, CtxDep

router = APIRouter(tags=["cases"])

NOT_FOUND: dict[int | str, dict[str, Any]] = error_responses(
    e404="No such case, or the caller is not a member of it."
)


@router.get("/cases", response_model=list[CaseOut])
def list_cases(ctx: CtxDep, user: ApiUser) -> list[CaseOut]:
    """The cases the caller is a member of."""
    return [CaseOut.model_validate(c) for c in cases.list_cases(ctx, user.actor)]


@router.get("/cases/{reference}", response_model=CaseOut, responses=NOT_FOUND)
def get_case(ctx: CtxDep, user: ApiUser, reference: str) -> CaseOut:
    return CaseOut.model_validate(cases.get_case(ctx, user.actor, reference))


@router.get("/cases/{reference}/people", response_model=list[PersonOut], responses=NOT_FOUND)
def list_people(
    ctx: CtxDep, user: ApiUser, reference: str, reveal: bool = False
) -> list[PersonOut]:
    """People of the case. Victims appear by pseudonym unless ``reveal`` and the role allows
    it; every reveal is audited."""
    people = cases.list_people(ctx, user.actor, reference, reveal=reveal)
    return [PersonOut.model_validate(p) for p in people]


@router.get(
    "/cases/{reference}/identifiers", response_model=list[IdentifierOut], responses=NOT_FOUND
)
def list_identifiers(ctx: CtxDep, user: ApiUser, reference: str) -> list[IdentifierOut]:
    return [
        IdentifierOut.model_validate(i) for i in cases.list_identifiers(ctx, user.actor, reference)
    ]


@router.get("/cases/{reference}/evidence", response_model=list[EvidenceOut], responses=NOT_FOUND)
def list_evidence(ctx: CtxDep, user: ApiUser, reference: str) -> list[EvidenceOut]:
    return [EvidenceOut.model_validate(f) for f in cases.list_evidence(ctx, user.actor, reference)]


@router.get("/cases/{reference}/records", response_model=RecordPage, responses=NOT_FOUND)
def list_records(
    ctx: CtxDep,
    user: ApiUser,
    reference: str,
    kind: str | None = None,
    page: PageNo = 1,
    per_page: Annotated[int, Query(ge=1, le=cases.MAX_PER_PAGE)] = 50,
    sort: Annotated[
        str, Query(json_schema_extra={"enum": list(cases.RECORD_SORTS)})
    ] = "occurred_at",
    desc: bool = False,
    q: Annotated[str | None, Query(max_length=200, description="Search in from/to.")] = None,
) -> RecordPage:
    """A page of records, sorted on the server, each with its provenance (file and row)."""
    result = cases.list_records(
        ctx,
        user.actor,
        reference,
        kind=kind or None,
        page=page,
        per_page=per_page,
        sort=sort,
        descending=desc,
        search=q or None,
    )
    return RecordPage(
        items=[RecordOut.model_validate(r) for r in result.items],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
        sort=result.sort,
        desc=result.descending,
    )


# --------------------------------------------------------------------------- casework


REFUSED: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    **refused_responses("Refused: ``errors`` names each field and what is wrong with it."),
}


class CaseIn(BaseModel):
    reference: str = Field(max_length=64)
    title: str = Field(max_length=300)
    unit: str = Field(description="Code of an existing unit (the caller's own).")
    jurisdiction: str = Field(max_length=8)
    typology: str | None = Field(default=None, max_length=64)
    statutes: list[str] = Field(default_factory=list, max_length=50)
    opened_on: _date | None = None
    summary: str | None = Field(default=None, max_length=20_000)


class CaseUpdate(BaseModel):
    title: str = Field(max_length=300)
    jurisdiction: str = Field(max_length=8)
    typology: str | None = Field(default=None, max_length=64)
    statutes: list[str] = Field(default_factory=list, max_length=50)
    opened_on: _date | None = None
    summary: str | None = Field(default=None, max_length=20_000)


class StageIn(BaseModel):
    on: _date
    reason: str = Field(max_length=2000)


class MemberIn(BaseModel):
    username: str = Field(max_length=120)
    case_role: str = "member"


class SavedOut(BaseModel):
    ok: bool = True
    id: int | None = None
    warnings: list[str] = Field(default_factory=list)


class PersonIn(BaseModel):
    kind: str
    name: str = Field(max_length=300)
    aliases: list[str] = Field(default_factory=list, max_length=50)
    sex: str | None = None
    nationality: str | None = Field(default=None, max_length=64)
    birth_year: int | None = None
    is_minor: bool = False
    notes: str | None = Field(default=None, max_length=20_000)
    identifiers: list[tuple[str, str]] = Field(default_factory=list, max_length=100)
    sealed: dict[str, str] = Field(
        default_factory=dict, description="date_of_birth, address, contact (victims: sealed)"
    )
    from_suggestion: int | None = None


class ChargeIn(BaseModel):
    person_id: int
    statute_id: str = Field(max_length=64)
    counts: int = 1
    status: str = "filed"
    filed_on: _date | None = None


class OutcomeIn(BaseModel):
    charge_id: int
    verdict: str
    plea: str | None = None
    plea_on: _date | None = None
    verdict_on: _date | None = None
    sentenced_on: _date | None = None
    custodial_months: int | None = Field(default=None, ge=0)
    suspended_months: int | None = Field(default=None, ge=0)
    probation_months: int | None = Field(default=None, ge=0)
    supervised_release_months: int | None = Field(default=None, ge=0)
    fine_amount: Decimal | None = Field(default=None, ge=0)
    fine_currency: str | None = None
    restitution_requested: Decimal | None = Field(default=None, ge=0)
    restitution_ordered: Decimal | None = Field(default=None, ge=0)
    restitution_paid: Decimal | None = Field(default=None, ge=0)
    restitution_currency: str | None = None
    forfeiture_amount: Decimal | None = Field(default=None, ge=0)
    appeal_filed_on: _date | None = None
    appeal_on: _date | None = None
    appeal_result: str | None = None


class PaymentIn(BaseModel):
    paid_on: _date
    amount: Decimal = Field(gt=0)
    note: str | None = Field(default=None, max_length=2000)


class NoteIn(BaseModel):
    kind: str = "note"
    text: str = Field(max_length=20_000)
    due_on: _date | None = None
    assigned_to: str | None = None


class WitnessRecordIn(BaseModel):
    what: str = Field(description="contact, consent, support, availability or intimidation")
    on: _date
    kind: str = ""
    notes: str = Field(default="", max_length=20_000)
    consent: str = ""
    available: str = ""
    location: str = Field(default="", max_length=200)
    service: str = Field(default="", max_length=64)
    provider: str = Field(default="", max_length=200)


@router.post("/cases", response_model=CaseOut, status_code=201, responses=REFUSED)
def create_case(ctx: CtxDep, user: ApiUser, body: CaseIn) -> CaseOut:
    """Open a case in the caller's unit; the caller becomes its owner."""
    try:
        unit_id = casework.unit_id_for_code(ctx, body.unit)
        made = cases.create_case(
            ctx,
            user.actor,
            reference=body.reference,
            title=body.title,
            jurisdiction=body.jurisdiction,
            unit_id=unit_id,
            typology=body.typology,
            statutes=body.statutes,
            opened_on=body.opened_on,
            summary=body.summary,
        )
    except FieldErrors as exc:
        raise refuse(exc) from None
    return CaseOut.model_validate(made)


@router.put("/cases/{reference}", response_model=SavedOut, responses=REFUSED)
def update_case(ctx: CtxDep, user: ApiUser, reference: str, body: CaseUpdate) -> SavedOut:
    try:
        warnings = casework.update_case(ctx, user.actor, reference, **body.model_dump())
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(warnings=warnings)


@router.post("/cases/{reference}/close", response_model=SavedOut, responses=REFUSED)
def close_case(ctx: CtxDep, user: ApiUser, reference: str, body: StageIn) -> SavedOut:
    try:
        return SavedOut(
            warnings=casework.close_case(ctx, user.actor, reference, body.on, body.reason)
        )
    except FieldErrors as exc:
        raise refuse(exc) from None


@router.post("/cases/{reference}/reopen", response_model=SavedOut, responses=REFUSED)
def reopen_case(ctx: CtxDep, user: ApiUser, reference: str, body: StageIn) -> SavedOut:
    try:
        return SavedOut(
            warnings=casework.reopen_case(ctx, user.actor, reference, body.on, body.reason)
        )
    except FieldErrors as exc:
        raise refuse(exc) from None


@router.post("/cases/{reference}/members", response_model=SavedOut, responses=REFUSED)
def add_member(ctx: CtxDep, user: ApiUser, reference: str, body: MemberIn) -> SavedOut:
    """Only the case owner or an administrator; the user must be in the case's unit."""
    try:
        casework.add_member(ctx, user.actor, reference, body.username, body.case_role)
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut()


@router.delete("/cases/{reference}/members/{username}", status_code=204, responses=REFUSED)
def remove_member(ctx: CtxDep, user: ApiUser, reference: str, username: str) -> Response:
    try:
        casework.remove_member(ctx, user.actor, reference, username)
    except FieldErrors as exc:
        raise refuse(exc) from None
    return Response(status_code=204)


@router.post(
    "/cases/{reference}/people", response_model=SavedOut, status_code=201, responses=REFUSED
)
def add_person(ctx: CtxDep, user: ApiUser, reference: str, body: PersonIn) -> SavedOut:
    """Add a person; a victim's name, aliases and ``sealed`` fields are sealed at once."""
    try:
        pid = casework.add_person(ctx, user.actor, reference, **body.model_dump())
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(id=pid)


@router.post(
    "/cases/{reference}/charges", response_model=SavedOut, status_code=201, responses=REFUSED
)
def add_charge(ctx: CtxDep, user: ApiUser, reference: str, body: ChargeIn) -> SavedOut:
    try:
        return SavedOut(id=casework.add_charge(ctx, user.actor, reference, **body.model_dump()))
    except FieldErrors as exc:
        raise refuse(exc) from None


@router.post(
    "/cases/{reference}/outcomes", response_model=SavedOut, status_code=201, responses=REFUSED
)
def add_outcome(ctx: CtxDep, user: ApiUser, reference: str, body: OutcomeIn) -> SavedOut:
    """Outcome of one charge; refused with the field named for a verdict before the charge,
    a sentence above the statute maximum or restitution paid above ordered."""
    values = {k: v for k, v in body.model_dump().items() if v is not None}
    try:
        warnings = casework.add_outcome(ctx, user.actor, reference, **values)
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut(warnings=warnings)


@router.post(
    "/cases/{reference}/outcomes/{outcome_id}/payments",
    response_model=SavedOut,
    status_code=201,
    responses=REFUSED,
)
def add_payment(
    ctx: CtxDep, user: ApiUser, reference: str, outcome_id: int, body: PaymentIn
) -> SavedOut:
    try:
        casework.add_payment(ctx, user.actor, reference, outcome_id, **body.model_dump())
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut()


@router.post(
    "/cases/{reference}/notes", response_model=SavedOut, status_code=201, responses=REFUSED
)
def add_note(ctx: CtxDep, user: ApiUser, reference: str, body: NoteIn) -> SavedOut:
    try:
        return SavedOut(id=casework.add_note(ctx, user.actor, reference, **body.model_dump()))
    except FieldErrors as exc:
        raise refuse(exc) from None


@router.post(
    "/cases/{reference}/witnesses/{person_id}/records",
    response_model=SavedOut,
    status_code=201,
    responses=REFUSED,
)
def record_witness(
    ctx: CtxDep, user: ApiUser, reference: str, person_id: int, body: WitnessRecordIn
) -> SavedOut:
    """Victim-witness care (advocates too): contact, consent, support, availability,
    intimidation; feeds the risk rating."""
    try:
        casework.record_witness(ctx, user.actor, reference, person_id, **body.model_dump())
    except FieldErrors as exc:
        raise refuse(exc) from None
    return SavedOut()


class SearchOut(BaseModel):
    q: str
    cases: list[dict[str, Any]]
    people: list[dict[str, Any]]
    identifiers: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    by_case: dict[str, int]
    by_kind: dict[str, int]
    by_role: dict[str, int]
    notes: list[str]


@router.get("/search", response_model=SearchOut)
def search_cases(
    ctx: CtxDep,
    user: ApiUser,
    q: Annotated[str, Query(min_length=2, max_length=200)],
    kind: Annotated[
        str | None, Query(description="cases, people, identifiers or documents")
    ] = None,
    case: Annotated[str | None, Query(max_length=64)] = None,
    role: Annotated[
        str | None, Query(max_length=16, description="people of this kind: victim, suspect…")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> SearchOut:
    """Search the caller's cases; sealed victim names only for roles that may see them."""
    kinds = (kind,) if kind else search.KINDS
    r = search.search(ctx, user.actor, q, kinds=kinds, case=case, role=role, limit=limit)
    return SearchOut(
        q=r.q,
        cases=[asdict(h) for h in r.cases],
        people=[asdict(h) for h in r.people],
        identifiers=[asdict(h) for h in r.identifiers],
        documents=[asdict(h) for h in r.documents],
        by_case=r.by_case,
        by_kind=r.by_kind,
        by_role=r.by_role,
        notes=r.notes,
    )
