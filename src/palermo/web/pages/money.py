"""The Money tab: flows as a server-drawn Sankey with tables that add up, a trace form,
laundering patterns with their transactions, proceeds, and restitution worksheets."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from palermo.services import cases, money
from palermo.services.errors import InvalidInput
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import _case_page

router = APIRouter()

_PALETTE = ("#1f4a8a", "#b45309", "#2f7d32", "#7c3aed", "#9f1239", "#0e7490", "#4d7c0f")


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def sankey_svg(sankey: dict[str, Any], *, width: int = 960, title: str = "Money flows") -> Markup:
    """A left-to-right Sankey: columns by hop from the sources, band width by amount."""
    nodes: list[dict[str, Any]] = sankey.get("nodes", [])
    links: list[dict[str, Any]] = sankey.get("links", [])
    if not nodes or not links:
        return Markup("")
    n = len(nodes)
    incoming = [0.0] * n
    outgoing = [0.0] * n
    for link in links:
        outgoing[link["source"]] += link["value"]
        incoming[link["target"]] += link["value"]
    # Column = shortest hop count from a node with no inflow (cycles stay finite).
    col = [-1] * n
    frontier = [i for i in range(n) if incoming[i] == 0] or [0]
    for i in frontier:
        col[i] = 0
    adj: dict[int, list[int]] = {}
    for link in links:
        adj.setdefault(link["source"], []).append(link["target"])
    while frontier:
        nxt = []
        for i in frontier:
            for j in adj.get(i, []):
                if col[j] < 0:
                    col[j] = col[i] + 1
                    nxt.append(j)
        frontier = nxt
    col = [c if c >= 0 else 0 for c in col]
    ncols = max(col) + 1
    size = [max(incoming[i], outgoing[i]) for i in range(n)]
    per_col: dict[int, list[int]] = {}
    for i in sorted(range(n), key=lambda i: -size[i]):
        per_col.setdefault(col[i], []).append(i)
    gap, top, node_w = 6, 24, 12
    height = max(240, max(len(v) for v in per_col.values()) * 30 + 40)
    usable = height - top - 10
    scale = min(
        (usable - gap * (len(v) - 1)) / max(sum(size[i] for i in v), 1e-9) for v in per_col.values()
    )
    xstep = (width - 260) / max(ncols - 1, 1)
    pos: dict[int, tuple[float, float, float]] = {}  # x, y, h
    for c, members in per_col.items():
        y = float(top)
        for i in members:
            h = max(2.0, size[i] * scale)
            pos[i] = (20 + c * xstep, y, h)
            y += h + gap
    out_off = [0.0] * n
    in_off = [0.0] * n
    parts = [
        f'<svg class="mn-sankey" role="img" aria-labelledby="sankey-title" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="sankey-title">{escape(title)}</title>',
    ]
    for link in sorted(links, key=lambda x: -x["value"]):
        s, t, v = link["source"], link["target"], link["value"]
        sx, sy, _ = pos[s]
        tx, ty, _ = pos[t]
        w = max(1.0, v * scale)
        y0 = sy + out_off[s] + w / 2
        y1 = ty + in_off[t] + w / 2
        out_off[s] += w
        in_off[t] += w
        x0, x1 = sx + node_w, tx
        if x1 <= x0:  # a link backwards (a cycle): loop below
            x1 = tx
        mid = (x0 + x1) / 2
        colour = _PALETTE[col[s] % len(_PALETTE)]
        label = f"{nodes[s]['label']} → {nodes[t]['label']}: {v:,.2f}"
        parts.append(
            f'<path d="M{x0:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"'
            f' fill="none" stroke="{colour}" stroke-opacity="0.35" stroke-width="{w:.1f}">'
            f"<title>{escape(label)}</title></path>"
        )
    for i, node in enumerate(nodes):
        x, y, h = pos[i]
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{node_w}" height="{h:.1f}" fill="#334155">'
            f"<title>{escape(node['label'])}: {size[i]:,.2f}</title></rect>"
        )
        right = col[i] == ncols - 1 and ncols > 1
        tx = x - 4 if right else x + node_w + 4
        anchor = "end" if right else "start"
        parts.append(
            f'<text x="{tx:.1f}" y="{y + h / 2 + 4:.1f}" font-size="11" text-anchor="{anchor}"'
            f' fill="#111827">{escape(str(node["label"])[:40])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


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
            "sankey": sankey_svg(shown.sankey, title="Money flows, largest links"),
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
