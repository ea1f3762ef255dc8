"""The Money tab: flows as a server-drawn Sankey with tables that add up, a trace form,
laundering patterns with their transactions, proceeds, and restitution worksheets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import BaseModel, Field

from palermo import words
from palermo.reports.pictures import FlowLink, FlowNode, flow_svg
from palermo.services import cases, money
from palermo.services import restitution as restitution_service
from palermo.services.errors import InvalidInput
from palermo.web.auth import CtxDep, PageUser
from palermo.web.fragments import fragments
from palermo.web.pages.cases import _case_page, case_path

router = APIRouter()


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _flow_picture(sankey: dict[str, Any], currency: str) -> Markup:
    """The memo's flow picture, sized by the page's stylesheet."""
    return flow_svg(
        [FlowNode(words.keys_in(str(node["label"]))) for node in sankey.get("nodes", [])],
        [FlowLink(lk["source"], lk["target"], lk["value"]) for lk in sankey.get("links", [])],
        currency=currency,
        width=960,
        title="Money flows, largest links",
        css_class="mn-sankey",
    )


@router.get("/cases/{reference}/money")
def money_tab(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    seed: Annotated[str, Query(max_length=200)] = "",
    direction: Annotated[str, Query(max_length=10)] = "forward",
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    view = money.money_view(ctx, user.actor, reference, start=_date(start), end=_date(end))
    traced = None
    trace_error = None
    if seed:
        try:
            traced = money.trace_money(
                ctx,
                user.actor,
                reference,
                seed=seed,
                direction="backward" if direction == "backward" else "forward",
                start=_date(start),
                end=_date(end),
            )
        except InvalidInput as error:
            trace_error = str(error)
    shown = traced or view.flows
    restitution_label = _restitution_label(ctx, user, reference)
    inputs = (start, end, seed, direction, trace_error, restitution_label)

    def body() -> dict[str, Any]:
        return {
            "view": view,
            "case": case,
            "case_path": case_path(case.reference),
            "traced": traced,
            "shown": shown,
            "trace_error": trace_error,
            "sankey": _flow_picture(shown.sankey, view.currency),
            "start": start,
            "end": end,
            "seed": seed,
            "direction": direction,
            "restitution_label": restitution_label,
        }

    # The view is the kept one (per case fingerprint, viewer and dates); a trace is
    # computed for its request and its body is not kept.
    key = (id(view), user.id, case_path(case.reference), *inputs)
    tab_body = fragments.render(
        request, "money/_body.html", key, view, body, keep=traced is None and not seed
    )
    return _case_page(request, user, case, "money", "money/tab.html", {"tab_body": tab_body})


def _restitution_label(ctx: CtxDep, user: PageUser, reference: str) -> str:
    """The button to the worksheet names the case's own law."""
    _, regime = restitution_service.case_regime(ctx, user.actor, reference)
    if regime is None or regime.main.method == "national_law":
        return ""  # no worksheet: national law decides (the memo says which)
    return f"Worksheet: {regime.main.title} ({regime.main.citation})"


class RestitutionQuery(BaseModel):
    """The worksheet's inputs, as the page's form and the CSV link send them."""

    victim: int
    defendant: int | None = None
    hours_per_week: float = Field(60.0, gt=0, le=168)
    start: str = Field("", max_length=10)
    end: str = Field("", max_length=10)
    # The minimum-wage table and the scheme; empty: the case's jurisdiction decides.
    jurisdiction: str = Field("", max_length=40)
    scheme: str = Field("", max_length=40)
    wages_paid: float = Field(0.0, ge=0)
    liquidated_damages: bool = False


def _restitution(
    ctx: CtxDep, user: PageUser, reference: str, q: RestitutionQuery
) -> tuple[Any, Any, money.RestitutionView]:
    """(regime, scheme, worksheet view) under the case's jurisdiction."""
    return restitution_service.case_restitution(
        ctx,
        user.actor,
        reference,
        victim_id=q.victim,
        defendant_id=q.defendant,
        hours_per_week=q.hours_per_week,
        start=_date(q.start),
        end=_date(q.end),
        wage_table=q.jurisdiction or None,
        scheme_id=q.scheme or None,
        wages_paid=q.wages_paid,
        liquidated_damages=q.liquidated_damages,
    )


@router.get("/cases/{reference}/money/restitution")
def restitution_page(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    q: Annotated[RestitutionQuery, Query()],
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    regime, scheme, view = _restitution(ctx, user, reference, q)
    people = cases.list_people(ctx, user.actor, reference)
    suspects = [p for p in people if p.kind != "victim"]
    victims = [p for p in people if p.kind == "victim"]
    return _case_page(
        request,
        user,
        case,
        "money",
        "money/restitution.html",
        {
            "r": view,
            "regime": regime,
            "scheme": scheme,
            "suspects": suspects,
            "victims": victims,
            "wages_paid": q.wages_paid,
            "liquidated_damages": q.liquidated_damages,
        },
    )


@router.get("/cases/{reference}/money/restitution.csv")
def restitution_csv(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    q: Annotated[RestitutionQuery, Query()],
) -> Response:
    _, _, view = _restitution(ctx, user, reference, q)
    name = f"restitution-{reference}-{view.victim}.csv".replace("/", "-").replace('"', "")
    return Response(
        view.worksheet.to_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
