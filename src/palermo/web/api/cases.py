"""``/api/cases``: the caller's cases and what is in them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from palermo.services import cases
from palermo.web.api.models import (
    CaseOut,
    EvidenceOut,
    IdentifierOut,
    PageNo,
    PersonOut,
    RecordOut,
    RecordPage,
    error_responses,
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
