"""The Network tab: an interactive graph (canvas, shipped JS) over tables that carry
everything the canvas shows: suggested roles, key players, culpable but not charged,
links to the user's other cases, and the national linkage's suggestions that a person
of this case is a person of another case (kept outside the cached body: a decision
shows at once)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from palermo.security.permissions import Permission
from palermo.services import cases, national_linkage, network
from palermo.services.errors import InvalidInput
from palermo.web.auth import CtxDep, PageUser
from palermo.web.fragments import fragments
from palermo.web.pages.cases import _case_page, case_path

router = APIRouter()

EVIDENCE_KINDS = ("call", "message", "payment", "trip")
# Rows of the roles and culpable tables per page: a large case has hundreds of people
# with a role, each row with its evidence (megabytes as one page); "all" shows them all.
TABLE_PAGE = 25
# The paged tables: (query parameter, the view's list).
PAGED_TABLES = (("roles_page", "roles"), ("culpable_page", "culpable"))
# Where the cached body leaves room for the national links (rendered per request).
NATIONAL_MARKER = Markup("<!-- national-links -->")
# The comparisons of the resolution model, in words.
COMPARISONS = {
    "name": "name",
    "dob": "date of birth",
    "ids": "phones, accounts and other identifiers",
    "address": "address",
    "nationality": "nationality",
}


def _evidence_words(evidence: list[tuple[str, str, float]]) -> list[tuple[str, float]]:
    """The comparisons of a national link as (words, weight in bits), strongest first;
    a comparison missing on one side is not counted and not shown."""
    return [
        (f"{COMPARISONS.get(comp, comp)}: {level.replace('_', ' ')}", weight)
        for comp, level, weight in evidence
        if level != "null"
    ]


def _page(value: str, total: int) -> int:
    """The page of a paged table asked for: 0 for all, else 1 to the last page."""
    if value == "all":
        return 0
    pages = max(1, -(-total // TABLE_PAGE))
    try:
        return min(max(1, int(value)), pages)
    except ValueError:
        return 1


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/cases/{reference}/network")
def network_tab(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    reveal: bool = False,
    roles_page: Annotated[str, Query(max_length=8)] = "",
    culpable_page: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    view = network.network_view(
        ctx, user.actor, reference, start=_date(start), end=_date(end), reveal=reveal
    )
    query = urlencode([(k, v) for k, v in (("start", start), ("end", end)) if v])
    asked = {"roles_page": roles_page, "culpable_page": culpable_page}
    pages = {param: _page(asked[param], len(getattr(view, field))) for param, field in PAGED_TABLES}
    values = {
        "view": view,
        "case": case,
        "case_path": case_path(case.reference),
        "start": start,
        "end": end,
        "reveal": reveal,
        "can_reveal": user.actor.can(Permission.SEE_VICTIM_IDENTITY),
        "can_decide": user.actor.can(Permission.DECIDE),
        "evidence_kinds": EVIDENCE_KINDS,
        "api_url": f"/api{case_path(case.reference)}/network" + ("?" + query if query else ""),
        "table_page": TABLE_PAGE,
        **pages,
    }
    # The view's graph is the kept computation's own (one per case fingerprint and
    # viewer); the rest of the view and the inputs complete the body's key.
    key = (
        id(view.graph),
        view.cached,
        view.computed_at,
        repr(view.cross_links),
        user.id,
        *(v for k, v in values.items() if k not in ("view", "case")),
    )
    tab_body = fragments.render(request, "network/_body.html", key, view.graph, lambda: values)
    head, _, tail = tab_body.partition(NATIONAL_MARKER)
    links = national_linkage.national_links(ctx, user.actor, reference)
    page = {
        "tab_head": head,
        "tab_tail": tail,
        "national_links": links,
        "national_evidence": {link.id: _evidence_words(link.evidence) for link in links},
        "can_decide": user.actor.can(Permission.DECIDE),
    }
    return _case_page(request, user, case, "network", "network/tab.html", page)


@router.post("/cases/{reference}/network/roles")
def decide_role(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    person_id: Annotated[int, Form()],
    role: Annotated[str, Form(max_length=64)],
    decision: Annotated[str, Form(max_length=16)],
    roles_page: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    network.decide_role(
        ctx, user.actor, reference, person_id=person_id, role=role, decision=decision
    )
    # Back to the page of the table the decision was made on.
    back = f"?roles_page={roles_page}" if roles_page == "all" or roles_page.isdigit() else ""
    return RedirectResponse(
        case_path(reference, "/network") + back + f"#role-{person_id}-{role}", status_code=303
    )


@router.post("/cases/{reference}/network/duplicates")
def decide_duplicate(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    person_a: Annotated[int, Form()],
    person_b: Annotated[int, Form()],
    decision: Annotated[str, Form(max_length=16)],
) -> Response:
    network.decide_duplicate(
        ctx,
        user.actor,
        reference,
        person_a=person_a,
        person_b=person_b,
        same=None if decision == "undo" else decision == "same",
    )
    return RedirectResponse(case_path(reference, "/network") + "#duplicates", status_code=303)


@router.post("/cases/{reference}/network/national")
def decide_national_link(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    link_id: Annotated[int, Form()],
    decision: Annotated[str, Form(max_length=16)],
) -> Response:
    same = {"same": True, "apart": False, "undo": None}
    if decision not in same:
        raise InvalidInput("decision: same, apart or undo")
    national_linkage.decide_national_link(ctx, user.actor, reference, link_id, same=same[decision])
    return RedirectResponse(
        case_path(reference, "/network") + f"#national-{link_id}", status_code=303
    )
