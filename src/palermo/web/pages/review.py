"""The Documents tab: documents with their highlighted suggestions, the suggestions list,
and confirm / reject (one or many)."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from palermo.security.permissions import Permission
from palermo.services import cases, indicator_quality, ocr, review, tagging
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.web.auth import CtxDep, PageUser, UserInfo
from palermo.web.form_errors import field_errors
from palermo.web.pages.cases import _case_page, _page_numbers, case_path
from palermo.words import human

router = APIRouter()

PER_PAGE_CHOICES = [25, 50, 100, 200]
SUGGESTION_COLUMNS = [
    ("type", "Type", "type"),
    ("what", "What", None),
    ("passage", "Passage", None),
    ("source", "Source", "file"),
    ("confidence", "Confidence", "confidence"),
    ("status", "Status", "status"),
]


def _back(reference: str, next_url: str | None, fallback: str) -> str:
    """Where to go after a decision: a path inside this case only (no open redirect)."""
    base = case_path(reference)
    if (
        next_url
        and next_url.startswith(base + "/")
        and "//" not in next_url
        and "\\" not in next_url
    ):
        return next_url
    return case_path(reference, fallback)


DOCUMENT_COLUMNS = [
    {"label": "Document", "sort": "name"},
    {"label": "Type", "sort": "type"},
    {"label": "Pages", "sort": "pages", "numeric": True},
]


@router.get("/cases/{reference}/documents")
def documents(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    page: Annotated[int, Query(ge=1)] = 1,
    sort: str = "name",
    desc: bool = False,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    listing = review.list_documents(
        ctx, user.actor, reference, page=page, sort=sort, descending=desc
    )
    result = listing.documents
    base = case_path(case.reference, "/documents")

    def url(
        page: int = result.page, sort: str = result.sort, desc: bool = result.descending
    ) -> str:
        query: dict[str, Any] = {}
        if page != 1:
            query["page"] = page
        if sort != "name":
            query["sort"] = sort
        if desc:
            query["desc"] = "1"
        return base + ("?" + urlencode(query) if query else "")

    return _case_page(
        request,
        user,
        case,
        "documents",
        "review/documents.html",
        {
            "result": result,
            "documents": result.items,
            "columns": DOCUMENT_COLUMNS,
            "url": url,
            "page_numbers": _page_numbers(result.page, result.pages),
            "sub": "documents",
            "can_ingest": user.actor.can(Permission.INGEST),
            "totals": listing.totals,
        },
    )


@router.get("/cases/{reference}/documents/{evidence_file_id}")
def document(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    evidence_file_id: int,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    return _document_page(request, ctx, user, reference, evidence_file_id, page)


TAG_FIELDS = ("indicator", "passage", "page", "occurrence")


@router.post("/cases/{reference}/documents/{evidence_file_id}/tag")
def tag(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    evidence_file_id: int,
    indicator: Annotated[str, Form(max_length=64)] = "",
    passage: Annotated[str, Form(max_length=tagging.MAX_PASSAGE + 200)] = "",
    page: Annotated[str, Form(max_length=12)] = "",
    start: Annotated[str, Form(max_length=12)] = "",
    occurrence: Annotated[str, Form(max_length=12)] = "",
    screen: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    """Tag a passage the extraction missed; on a mistake the screen again with the form
    open, the words kept and the field at fault named."""
    values = {"indicator": indicator, "passage": passage, "page": page, "occurrence": occurrence}
    try:
        tagged = tagging.tag_indicator(
            ctx,
            user.actor,
            reference,
            evidence_file_id,
            page=_page_number(page),
            passage=passage,
            indicator=indicator,
            start=_whole_number("start", start),
            occurrence=_whole_number("occurrence", occurrence),
        )
    except InvalidInput as error:
        errors = field_errors(error, TAG_FIELDS)
        return _document_page(
            request, ctx, user, reference, evidence_file_id, screen, errors, values, 422
        )
    base = case_path(reference, f"/documents/{evidence_file_id}")
    where = f"?page={tagged.screen}" if tagged.screen != 1 else ""
    return RedirectResponse(f"{base}{where}#sug-{tagged.assertion_id}", status_code=303)


def _page_number(raw: str) -> int:
    number = _whole_number("page", raw)
    if number is None:
        raise InvalidInput("page: give the page (or message) number")
    return number


def _whole_number(field: str, raw: str) -> int | None:
    """A form's optional whole number from 1; None when left empty."""
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput(f"{field}: a whole number from 1, not “{raw[:12]}”")
    return int(raw)


def _document_page(
    request: Request,
    ctx: Context,
    user: UserInfo,
    reference: str,
    evidence_file_id: int,
    page: int,
    tag_errors: dict[str, list[str]] | None = None,
    tag_values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    view = review.document_view(ctx, user.actor, reference, evidence_file_id, page)
    base = case_path(case.reference, f"/documents/{evidence_file_id}")

    def url(page: int = view.screen) -> str:
        return base + (f"?page={page}" if page != 1 else "")

    by_id = {s.id: s for s in view.suggestions}
    scan = ocr.document_ocr(ctx, user.actor, reference, evidence_file_id, view.suggestions)
    response = _case_page(
        request,
        user,
        case,
        "documents",
        "review/document.html",
        {
            "doc": view,
            "ocr": scan,
            "by_id": by_id,
            "url": url,
            "here": url(),
            "page_numbers": _page_numbers(view.screen, view.screens),
            "can_decide": user.actor.can(Permission.DECIDE),
            "can_ingest": user.actor.can(Permission.INGEST),
            "sub": "documents",
            "indicator_groups": _indicator_groups(),
            "tag_errors": tag_errors or {},
            "tag_values": tag_values or {},
        },
    )
    response.status_code = status_code
    return response


def _indicator_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The indicators a passage can be tagged with, under their group's label."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for ident, label, group in tagging.indicator_choices():
        groups.setdefault(human(group), []).append((ident, label))
    return list(groups.items())


@router.get("/cases/{reference}/suggestions")
def suggestions(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    type: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    indicator: Annotated[str, Query(max_length=100)] = "",
    # A string: the filter form sends "file=" for "all files".
    file: Annotated[str, Query(max_length=12, pattern=r"^\d*$")] = "",
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=review.MAX_PER_PAGE)] = 50,
    sort: str = "position",
    desc: bool = False,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    result = review.list_suggestions(
        ctx,
        user.actor,
        reference,
        kind=type or None,
        status=status or None,
        indicator=indicator or None,
        evidence_file_id=int(file) if file else None,
        page=page,
        per_page=per_page,
        sort=sort,
        descending=desc,
    )
    filters = review.suggestion_filters(ctx, user.actor, reference)
    base = case_path(case.reference, "/suggestions")
    current: dict[str, Any] = {
        "type": type,
        "status": status,
        "indicator": indicator,
        "file": file,
        "page": result.page,
        "per_page": result.per_page,
        "sort": result.sort,
        "desc": result.descending,
    }
    defaults = {"page": 1, "per_page": 50, "sort": "position"}

    def url(**changes: Any) -> str:
        params = {**current, **changes}
        query = {
            key: ("1" if value is True else value)
            for key, value in params.items()
            if value not in ("", None, False) and defaults.get(key) != value
        }
        return base + ("?" + urlencode(query) if query else "")

    first = (result.page - 1) * result.per_page + 1 if result.total else 0
    last = min(result.total, result.page * result.per_page)
    filtered = any(current[k] for k in ("type", "status", "indicator", "file"))
    return _case_page(
        request,
        user,
        case,
        "documents",
        "review/suggestions.html",
        {
            "result": result,
            "filters": filters,
            "current": current,
            "url": url,
            "here": url(),
            "first": first,
            "last": last,
            "filtered": filtered,
            "columns": SUGGESTION_COLUMNS,
            "per_page_choices": PER_PAGE_CHOICES,
            "page_numbers": _page_numbers(result.page, result.pages),
            "can_decide": user.actor.can(Permission.DECIDE),
            "sub": "suggestions",
            "can_ingest": user.actor.can(Permission.INGEST),
            "quality": indicator_quality.case_quality(ctx, user.actor, reference),
        },
    )


@router.get("/cases/{reference}/suggestions/reviewed.jsonl")
def reviewed_sentences(ctx: CtxDep, user: PageUser, reference: str) -> Response:
    """The case's reviewed sentences as labelled sentences (JSON lines), for
    ``palermo indicators evaluate``; victims by pseudonym; audited."""
    sentences = indicator_quality.reviewed_sentences(ctx, user.actor, reference)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", reference) + "-reviewed-sentences.jsonl"
    return Response(
        indicator_quality.as_json_lines(sentences),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/cases/{reference}/suggestions/queue")
def queue(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    type: Annotated[str, Query(max_length=64)] = "",
    file: Annotated[str, Query(max_length=12, pattern=r"^\d*$")] = "",
    at: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The suggestions still to decide, one at a time with its passage, in reading order.

    Deciding one keeps the same position, where the next one to decide now stands."""
    case = cases.get_case(ctx, user.actor, reference)
    result = review.list_suggestions(
        ctx,
        user.actor,
        reference,
        kind=type or None,
        status="suggested",
        evidence_file_id=int(file) if file else None,
        page=at,
        per_page=1,
    )
    if result.total and at > result.total:  # past the end (the last one was just decided)
        at = result.total
        result = review.list_suggestions(
            ctx,
            user.actor,
            reference,
            kind=type or None,
            status="suggested",
            evidence_file_id=int(file) if file else None,
            page=at,
            per_page=1,
        )
    filters = review.suggestion_filters(ctx, user.actor, reference)
    base = case_path(case.reference, "/suggestions/queue")

    def url(position: int = at) -> str:
        query = {"type": type, "file": file, "at": position if position != 1 else ""}
        kept = {k: v for k, v in query.items() if v not in ("", None)}
        return base + ("?" + urlencode(kept) if kept else "")

    return _case_page(
        request,
        user,
        case,
        "documents",
        "review/queue.html",
        {
            "s": result.items[0] if result.items else None,
            "at": at,
            "total": result.total,
            "filters": filters,
            "current": {"type": type, "file": file},
            "url": url,
            "here": url(),
            "can_decide": user.actor.can(Permission.DECIDE),
            "sub": "queue",
            "can_ingest": user.actor.can(Permission.INGEST),
        },
    )


@router.post("/cases/{reference}/suggestions/{assertion_id}/decision")
def decide(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    assertion_id: int,
    decision: Annotated[str, Form(max_length=16)],
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    review.decide(ctx, user.actor, reference, assertion_id, decision)
    target = _back(reference, next, "/suggestions")
    return RedirectResponse(f"{target}#sug-{assertion_id}", status_code=303)


@router.post("/cases/{reference}/suggestions/decision")
def decide_selected(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    decision: Annotated[str, Form(max_length=16)],
    ids: Annotated[list[int] | None, Form()] = None,
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    review.decide_many(ctx, user.actor, reference, ids or [], decision)
    return RedirectResponse(_back(reference, next, "/suggestions"), status_code=303)
