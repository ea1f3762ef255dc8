"""The Money tab: flows as a server-drawn Sankey with tables that add up, a trace form,
laundering patterns with their transactions, proceeds, and restitution worksheets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from palermo.reports.pictures import FlowLink, FlowNode, flow_svg
from palermo.services import cases, money
from palermo.services.errors import InvalidInput
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import _case_page

router = APIRouter()


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _flow_picture(sankey: dict[str, Any], currency: str) -> Markup:
    """The memo's flow picture, sized by the page's stylesheet."""
    return flow_svg(
        [FlowNode(str(node["label"])) for node in sankey.get("nodes", [])],
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
    return _case_page(
        request,
        user,
        case,
        "money",
        "money/tab.html",
        {
            "view": view,
            "traced": traced,
            "shown": shown,
            "trace_error": trace_error,
            "sankey": _flow_picture(shown.sankey, view.currency),
            "start": start,
            "end": end,
            "seed": seed,
            "direction": direction,
        },
    )


def _restitution(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    victim: int,
    defendant: int | None,
    hours_per_week: float,
    start: str,
    end: str,
    jurisdiction: str,
    wages_paid: float,
    liquidated_damages: bool,
) -> money.RestitutionView:
    return money.restitution(
        ctx,
        user.actor,
        reference,
        victim_id=victim,
        defendant_id=defendant,
        hours_per_week=hours_per_week,
        start=_date(start),
        end=_date(end),
        jurisdiction=jurisdiction,
        wages_paid=wages_paid,
        liquidated_damages=liquidated_damages,
    )


@router.get("/cases/{reference}/money/restitution")
def restitution_page(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    victim: int,
    defendant: int | None = None,
    hours_per_week: Annotated[float, Query(gt=0, le=168)] = 60.0,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    jurisdiction: Annotated[str, Query(max_length=40)] = "US-federal",
    wages_paid: Annotated[float, Query(ge=0)] = 0.0,
    liquidated_damages: bool = False,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    view = _restitution(
        ctx,
        user,
        reference,
        victim,
        defendant,
        hours_per_week,
        start,
        end,
        jurisdiction,
        wages_paid,
        liquidated_damages,
    )
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
            "suspects": suspects,
            "victims": victims,
            "wages_paid": wages_paid,
            "liquidated_damages": liquidated_damages,
        },
    )


@router.get("/cases/{reference}/money/restitution.csv")
def restitution_csv(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    victim: int,
    defendant: int | None = None,
    hours_per_week: Annotated[float, Query(gt=0, le=168)] = 60.0,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    jurisdiction: Annotated[str, Query(max_length=40)] = "US-federal",
    wages_paid: Annotated[float, Query(ge=0)] = 0.0,
    liquidated_damages: bool = False,
) -> Response:
    view = _restitution(
        ctx,
        user,
        reference,
        victim,
        defendant,
        hours_per_week,
        start,
        end,
        jurisdiction,
        wages_paid,
        liquidated_damages,
    )
    name = f"restitution-{reference}-{view.victim}.csv".replace("/", "-").replace('"', "")
    return Response(
        view.worksheet.to_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
