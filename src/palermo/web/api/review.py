"""``/api/cases/{reference}/suggestions`` and ``/evidence`` uploads: review over JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from palermo.services import ocr, review
from palermo.web.api.models import MAX_ID, PageNo, PathId, UtcDateTime, error_responses
from palermo.web.auth import ApiUser, CtxDep
from palermo.web.pages.upload import form_uploads

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


class UploadedFileOut(_FromService):
    name: str
    status: str = Field(description="loaded, duplicate (already in the case), failed, skipped")
    message: str
    records: int
    pages: int
    suggestions: int
    evidence_file_id: int | None


class UploadReportOut(BaseModel):
    case_reference: str
    files: list[UploadedFileOut]
    seconds: float
    bytes_received: int


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


@router.post("/cases/{reference}/evidence", response_model=UploadReportOut, responses=RESPONSES)
async def upload_evidence(
    request: Request, ctx: CtxDep, user: ApiUser, reference: str
) -> UploadReportOut:
    """Upload evidence as ``multipart/form-data`` (one or more ``files`` parts; zips are
    expanded safely). Returns one outcome per file."""
    await run_in_threadpool(review.check_upload, ctx, user.actor, reference)
    uploads = await form_uploads(request)
    report = await run_in_threadpool(
        review.receive_upload,
        ctx,
        user.actor,
        reference,
        [(name, item.file) for name, item in uploads],
    )
    # Scans are read by OCR in the background, as for the upload page.
    loaded = [f.evidence_file_id for f in report.files if f.evidence_file_id and f.has_document]
    jobs = await run_in_threadpool(ocr.queue_for_files, ctx, user.actor, reference, loaded)
    ocr.start_in_background(ctx, user.actor, jobs)
    return UploadReportOut(
        case_reference=report.case_reference,
        files=[UploadedFileOut.model_validate(f) for f in report.files],
        seconds=report.seconds,
        bytes_received=report.bytes_received,
    )
