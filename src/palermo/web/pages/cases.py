"""The caseload and the case page with its tabs (overview, evidence, people, records)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from palermo.security.permissions import Permission
from palermo.services import cases, cockpit, elements, row_problems, saved_filters, viewcache
from palermo.services.cases import CaseSummary
from palermo.services.context import Context
from palermo.services.errors import NotFound, PermissionDenied
from palermo.services.users import UserInfo
from palermo.store.models import RecordKind
from palermo.web import navigation
from palermo.web.auth import CtxDep, PageUser
from palermo.web.templating import render

router = APIRouter()
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    sort: str | None = None
    numeric: bool = False


CASELOAD_COLUMNS = [
    Column("reference", "Reference", "reference"),
    Column("title", "Title", "title"),
    Column("jurisdiction", "Jurisdiction", "jurisdiction"),
    Column("typology", "Typology", "typology"),
    Column("stage", "Stage", "stage"),
    Column("statutes", "Statutes"),
    Column("opened_on", "Opened", "opened_on"),
    Column("record_count", "Records", numeric=True),
]


_WHEN = Column("occurred_at", "When (UTC)", "occurred_at")
_FROM = Column("source", "From", "source")
_TO = Column("target", "To", "target")
_ROW = Column("provenance", "Source file and row", "row_number")
RECORD_COLUMNS: dict[str, list[Column]] = {
    "": [_WHEN, Column("kind", "Kind"), _FROM, _TO, Column("detail", "Detail"), _ROW],
    RecordKind.CALL.value: [
        _WHEN,
        _FROM,
        _TO,
        Column("duration", "Duration", "duration_s", numeric=True),
        Column("channel", "Channel"),
        _ROW,
    ],
    RecordKind.MESSAGE.value: [
        _WHEN,
        _FROM,
        _TO,
        Column("channel", "Channel"),
        Column("body", "Text"),
        _ROW,
    ],
    RecordKind.PAYMENT.value: [
        _WHEN,
        _FROM,
        _TO,
        Column("amount", "Amount", "amount", numeric=True),
        Column("channel", "Channel"),
        _ROW,
    ],
    RecordKind.TRIP.value: [
        _WHEN,
        Column("source", "Traveller", "source"),
        Column("origin", "Origin"),
        Column("destination", "Destination"),
        Column("channel", "Mode"),
        _ROW,
    ],
}
PER_PAGE_CHOICES = [25, 50, 100, 200]


def case_path(reference: str, suffix: str = "") -> str:
    return f"/cases/{quote(reference, safe='')}{suffix}"


def _case_page(
    request: Request,
    user: UserInfo,
    case: CaseSummary,
    tab: str,
    template: str,
    context: dict[str, Any],
) -> Response:
    page = {
        "case": case,
        "tabs": navigation.CASE_TABS,
        "active_tab": tab,
        "case_path": case_path(case.reference),
        "readiness": _header_readiness(request, user, case, context),
        "readiness_class": READINESS_CLASS,
        **context,
    }
    return render(request, template, page, user=user, active="caseload")


# The header's readiness badge: colour only repeats the words.
READINESS_CLASS = {"ready": "ok", "needs corroboration": "warn", "not ready": "bad"}


def _header_readiness(
    request: Request, user: UserInfo, case: CaseSummary, context: dict[str, Any]
) -> viewcache.Readiness | None:
    """The elements verdict for the header: the tab's own assessment when it has one,
    else the shared cached one (every tab shows it; the header must never break a tab)."""
    result = context.get("result")
    assessment = result if isinstance(result, elements.CaseAssessment) else None
    ctx: Context = request.app.state.ctx
    if assessment is None:
        try:
            assessment = elements.assess_cached(ctx, user.actor, case.reference, audit_hit=False)
        except (NotFound, PermissionDenied):
            return None
        except Exception:  # a badge is not worth a broken page; the Elements tab shows it
            log.exception("readiness for the case header of %s failed", case.reference)
            return None
    return viewcache.case_readiness(ctx, user.actor, case.reference, assessment=assessment)


@router.get("/cases")
def caseload(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    sort: str = "reference",
    desc: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
    stage: Annotated[str, Query(max_length=32)] = "",
    statute: Annotated[str, Query(max_length=64)] = "",
    typology: Annotated[str, Query(max_length=64)] = "",
    owner: Annotated[str, Query(max_length=120)] = "",
    status: Annotated[str, Query(max_length=8)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    if sort not in cases.CASE_SORTS:
        sort = "reference"
    filters = cases.CaseFilter(stage, statute, typology, owner, status, q)
    result = cases.find_cases(
        ctx, user.actor, filters, sort=sort, descending=desc, page=page, per_page=per_page
    )
    current: dict[str, Any] = {
        "stage": stage,
        "statute": statute,
        "typology": typology,
        "owner": owner,
        "status": status,
        "q": q,
        "sort": sort,
        "desc": desc,
        "page": result.page,
        "per_page": result.per_page,
    }

    def caseload_url(**changes: Any) -> str:
        params = {**current, **changes}
        query = {
            key: ("1" if value is True else value)
            for key, value in params.items()
            if value not in ("", None, False)
            and not (key == "page" and value == 1)
            and not (key == "per_page" and value == 50)
            and not (key == "sort" and value == "reference")
        }
        return "/cases" + ("?" + urlencode(query) if query else "")

    first = (result.page - 1) * result.per_page + 1 if result.total else 0
    return render(
        request,
        "cases/list.html",
        {
            "cases": result.items,
            "result": result,
            "columns": CASELOAD_COLUMNS,
            "sort": sort,
            "desc": desc,
            "caseload_url": caseload_url,
            "filters": filters,
            "facets": cases.case_facets(ctx, user.actor),
            "first": first,
            "last": min(result.total, result.page * result.per_page),
            "page_numbers": _page_numbers(result.page, result.pages),
            "filtered": any(asdict(filters).values()),
            "can_read_cases": user.actor.can(Permission.READ_CASE),
            "can_create": user.actor.can(Permission.EDIT_CASE),
            "statute_citation": casework_citation,
            "saved_filters": saved_filters.list_filters(ctx, user.actor),
            "current_filter": current,
        },
        user=user,
        active="caseload",
    )


def casework_citation(statute_id: str) -> str:
    from palermo.services.casework import citation

    return citation(statute_id)


@router.get("/cases/new")
def new_case(request: Request, ctx: CtxDep, user: PageUser) -> Response:
    """The "Open a case" form (here so that it is routed before ``/cases/{reference}``)."""
    from palermo.web.pages.casework import new_case_form

    return new_case_form(request, ctx, user)


@router.get("/cases/{reference}")
def overview(request: Request, ctx: CtxDep, user: PageUser, reference: str) -> Response:
    """The case cockpit: ready? who? what is missing? what next? (see services.cockpit)."""
    view = cockpit.cockpit(ctx, user.actor, reference)
    return _case_page(
        request,
        user,
        view.case,
        "overview",
        "cases/overview.html",
        {
            "cockpit": view,
            "result": view.assessment,
            "statute_citation": casework_citation,
            "can_edit": user.actor.can(Permission.EDIT_CASE),
        },
    )


@router.get("/cases/{reference}/evidence")
def evidence(request: Request, ctx: CtxDep, user: PageUser, reference: str) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    files = cases.list_evidence(ctx, user.actor, reference)
    return _case_page(
        request,
        user,
        case,
        "evidence",
        "cases/evidence.html",
        {
            "files": files,
            "can_ingest": user.actor.can(Permission.INGEST),
            "row_problems": row_problems.counts(ctx, user.actor, reference),
        },
    )


# The people tab (and person pages) live in palermo.web.pages.people.


@router.get("/cases/{reference}/records")
def records(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    kind: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=cases.MAX_PER_PAGE)] = 50,
    sort: str = "occurred_at",
    desc: bool = False,
    q: Annotated[str, Query(max_length=200)] = "",
    record: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    columns = RECORD_COLUMNS.get(kind, RECORD_COLUMNS[""])
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
        record_id=record,
    )
    counts = cases.record_counts(ctx, user.actor, reference)
    base = case_path(case.reference, "/records")
    current: dict[str, Any] = {
        "kind": kind,
        "page": result.page,
        "per_page": result.per_page,
        "sort": result.sort,
        "desc": result.descending,
        "q": q,
        "record": None,
    }

    def url(**changes: Any) -> str:
        params = {**current, **changes}
        query = {
            key: ("1" if value is True else value)
            for key, value in params.items()
            if value not in ("", None, False)
            and not (key == "page" and value == 1)
            and not (key == "per_page" and value == 50)
            and not (key == "sort" and value == "occurred_at")
        }
        return base + ("?" + urlencode(query) if query else "")

    first = (result.page - 1) * result.per_page + 1 if result.total else 0
    last = min(result.total, result.page * result.per_page)
    return _case_page(
        request,
        user,
        case,
        "records",
        "cases/records.html",
        {
            "result": result,
            "columns": columns,
            "counts": counts,
            "counts_total": sum(counts.values()),
            "kind": kind,
            "q": q,
            "record": record,
            "url": url,
            "first": first,
            "last": last,
            "per_page_choices": PER_PAGE_CHOICES,
            "page_numbers": _page_numbers(result.page, result.pages),
        },
    )


def _page_numbers(current: int, pages: int) -> list[int | None]:
    """Page links around the current one, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
    wanted = {1, pages, *range(current - 2, current + 3)}
    numbers = sorted(n for n in wanted if 1 <= n <= pages)
    out: list[int | None] = []
    for n in numbers:
        if out and out[-1] is not None and n - int(out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out
