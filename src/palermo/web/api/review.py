"""``/api/cases/{reference}/suggestions``: review over JSON. (Evidence is uploaded as a
background job: :mod:`palermo.web.api.jobs`.)"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from palermo.services import review
from palermo.web.api.models import MAX_ID, PageNo, PathId, UtcDateTime, error_responses
from palermo.web.auth import ApiUser, CtxDep

router = APIRouter(tags=["review"])

RESPONSES: dict[int | str, dict[str, Any]] = error_responses(
    e404="No such case or suggestion, or the caller is not a member.",
    e403="The caller's role may not do this.",
)


class _FromService(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SuggestionOut(_FromService):
    id: int
    predicate: str = Field(description="identifier, mention or indicator")
    kind: str = Field(description="identifier kind, 'person', 'name' or the indicator id")
    kind_label: str
    label: str = Field(description="The value in words; victims by pseudonym unless allowed")
    quote: str
    before: str = Field(description="Page text just before the quote")
    after: str = Field(description="Page text just after the quote")
    evidence_file_id: int | None
    file_name: str
    locator: str
    page: int | None
    span_start: int | None
    span_end: int | None
    confidence: float
    status: str = Field(description="suggested, confirmed or rejected")
    decided_by: str | None
    decided_at: UtcDateTime | None
    note: str | None


class SuggestionPage(BaseModel):
    items: list[SuggestionOut]
    total: int
    page: int
    per_page: int
    pages: int
    sort: str
    descending: bool


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirmed", "rejected"]


@router.get("/cases/{reference}/suggestions", response_model=SuggestionPage, responses=RESPONSES)
def list_suggestions(
    ctx: CtxDep,
    user: ApiUser,
    reference: str,
    type: Annotated[
        str | None,
        Query(max_length=64, description="identifier, identifier:phone, mention, indicator..."),
    ] = None,
    status: Annotated[
        str | None, Query(max_length=16, json_schema_extra={"enum": list(review.STATUSES)})
    ] = None,
    indicator: Annotated[str | None, Query(max_length=100)] = None,
    file: Annotated[int | None, Query(ge=1, le=MAX_ID, description="evidence file id")] = None,
    page: PageNo = 1,
    per_page: Annotated[int, Query(ge=1, le=review.MAX_PER_PAGE)] = 50,
    sort: Annotated[
        str, Query(json_schema_extra={"enum": list(review.SUGGESTION_SORTS)})
    ] = "position",
    desc: bool = False,
) -> SuggestionPage:
    """A page of the case's machine suggestions, each with its passage and provenance."""
    result = review.list_suggestions(
        ctx,
        user.actor,
        reference,
        kind=type or None,
        status=status or None,
        indicator=indicator or None,
        evidence_file_id=file,
        page=page,
        per_page=per_page,
        sort=sort,
        descending=desc,
    )
    return SuggestionPage(
        items=[SuggestionOut.model_validate(s) for s in result.items],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
        sort=result.sort,
        descending=result.descending,
    )


@router.post(
    "/cases/{reference}/suggestions/{assertion_id}/decision",
    response_model=SuggestionOut,
    responses=RESPONSES,
)
def decide(
    ctx: CtxDep, user: ApiUser, reference: str, assertion_id: PathId, body: DecisionIn
) -> SuggestionOut:
    """Confirm or reject one suggestion; who and when are stored and audited."""
    return SuggestionOut.model_validate(
        review.decide(ctx, user.actor, reference, assertion_id, body.decision)
    )
