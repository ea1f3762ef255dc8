"""``/api/cases/{reference}/suggestions``: review over JSON. (Evidence is uploaded as a
background job: :mod:`palermo.web.api.jobs`.)"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from palermo.services import review, tagging
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
    origin: str = Field(description="machine (found by extraction) or human (tagged by hand)")


class SuggestionPage(BaseModel):
    items: list[SuggestionOut]
    total: int
    page: int
    per_page: int
    pages: int
    sort: str
    descending: bool


class TagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(ge=1, le=MAX_ID, description="Page (or message) number, from 1")
    passage: str = Field(min_length=1, max_length=tagging.MAX_PASSAGE)
    indicator: str = Field(max_length=64, description="An indicator id, e.g. withholding_wages")
    start: int | None = Field(
        default=None, ge=0, description="Where the passage starts in the page as you see it"
    )
    occurrence: int | None = Field(
        default=None, ge=1, description="Which occurrence, when the passage occurs more than once"
    )


class TaggedOut(BaseModel):
    assertion_id: int
    page: int
    span_start: int
    span_end: int
    created: bool = Field(description="False: a suggestion of the same indicator was confirmed")


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


@router.post(
    "/cases/{reference}/documents/{evidence_file_id}/indicators",
    response_model=TaggedOut,
    status_code=201,
    responses=RESPONSES,
)
def tag_indicator(
    ctx: CtxDep, user: ApiUser, reference: str, evidence_file_id: PathId, body: TagIn
) -> TaggedOut:
    """Tag a passage of a document as an indicator the extraction missed: stored confirmed,
    in the caller's name, and audited. A passage that occurs more than once needs ``start``
    or ``occurrence`` (422 otherwise, naming the field)."""
    tagged = tagging.tag_indicator(
        ctx,
        user.actor,
        reference,
        evidence_file_id,
        page=body.page,
        passage=body.passage,
        indicator=body.indicator,
        start=body.start,
        occurrence=body.occurrence,
    )
    return TaggedOut(
        assertion_id=tagged.assertion_id,
        page=tagged.page,
        span_start=tagged.span[0],
        span_end=tagged.span[1],
        created=tagged.created,
    )
