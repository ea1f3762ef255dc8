"""The unit dashboard: cases by stage and age, hearings coming up, cases over target,
adjournments by party, victim-witnesses at risk and deadlines.

Counts cover the signed-in user's unit; rows list only cases the user is a member of
(the service filters them). Witness risk reasons appear only for roles that may see
witness details.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from palermo import clock
from palermo.services import caseload_views as views
from palermo.services import saved_filters
from palermo.services.caseload import AGE_BUCKETS, Dashboard
from palermo.services.errors import NotFound
from palermo.services.fields import FieldErrors
from palermo.web import charts
from palermo.web.auth import CtxDep, PageUser
from palermo.web.templating import label, render, templates

router = APIRouter()

T = TypeVar("T")
PER_PAGE = 15


@dataclass(frozen=True, slots=True)
class Paged(Generic[T]):
    items: Sequence[T]
    page: int
    pages: int
    total: int
    first: int
    last: int


def paginate(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> Paged[T]:
    """One page of an already ordered list (the service sorts: soonest, worst first)."""
    total = len(items)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    chunk = items[start : start + per_page]
    return Paged(chunk, page, pages, total, start + 1 if total else 0, start + len(chunk))


# The service caches the dashboard for a short time: draw its charts once per object.
_drawn: dict[int, tuple[Dashboard, dict[str, str]]] = {}


def dashboard_charts(dash: Dashboard) -> dict[str, str]:
    found = _drawn.get(id(dash))
    if found is not None and found[0] is dash:
        return found[1]
    drawn = _draw(dash)
    if len(_drawn) >= 16:
        _drawn.clear()
    _drawn[id(dash)] = (dash, drawn)
    return drawn


def _draw(dash: Dashboard) -> dict[str, str]:
    stages = list(dash.cases_by_stage_and_age)
    buckets = [b for _, b in AGE_BUCKETS]
    return {
        "stage-age": charts.stacked_bar_chart(
            "Open cases by stage and age",
            [label(s) for s in stages],
            [(b, [dash.cases_by_stage_and_age[s].get(b, 0) for s in stages]) for b in buckets],
            unit="cases",
            chart_id="chart-stage-age",
            empty="No open cases in the unit.",
        ),
        "adjournments": charts.bar_chart(
            "Adjournments by requesting party",
            [(label(p), n) for p, n in dash.adjournments_by_party.items()],
            unit="adjournments",
            chart_id="chart-adjournments",
            empty="No adjournments recorded.",
        ),
    }


CHARTS = ("stage-age", "adjournments")


@router.get("/dashboard")
def dashboard(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    hp: Annotated[int, Query(ge=1)] = 1,
    op: Annotated[int, Query(ge=1)] = 1,
    wp: Annotated[int, Query(ge=1)] = 1,
    dp: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    view = views.dashboard(ctx, user.actor, clock.today())
    dash = view.dashboard
    page: dict[str, Any] = {"view": view, "dash": dash, "max_age": int(views.DASHBOARD_MAX_AGE)}
    if dash is not None:
        current = {"hp": hp, "op": op, "wp": wp, "dp": dp}

        def url(**changes: int) -> str:
            query = {k: v for k, v in {**current, **changes}.items() if v != 1}
            return "/dashboard" + ("?" + urlencode(query) if query else "")

        page.update(
            charts=dashboard_charts(dash),
            hearings=paginate(dash.hearings_next_two_weeks, hp),
            over=paginate(dash.over_target, op),
            witnesses=paginate(dash.at_risk_witnesses, wp),
            deadlines=paginate(dash.deadlines, dp),
            url=url,
            age_buckets=[b for _, b in AGE_BUCKETS],
            stage_totals={s: sum(v.values()) for s, v in dash.cases_by_stage_and_age.items()},
        )
    page["body"] = dashboard_body(page, user, (hp, op, wp, dp))
    return render(request, "caseload/dashboard.html", page, user=user, active="dashboard")


# The dashboard's content is the same for every request that gets the same cached
# dashboard (the service caches it per user): rendered once per dashboard object, user
# and page of each table, then reused (the surrounding page, with its CSRF token and
# navigation, is rendered per request).
_bodies: dict[tuple[Any, ...], tuple[Any, Markup]] = {}


def dashboard_body(page: dict[str, Any], user: Any, pages: tuple[int, ...]) -> Markup:
    dash = page["dash"]
    view = page["view"]
    key = (id(dash), view.computed_at, user.id, user.role, pages)
    found = _bodies.get(key)
    if dash is not None and found is not None and found[0] is dash:
        return found[1]
    body = Markup(
        templates.env.get_template("caseload/_dashboard_body.html").render(**page, user=user)
    )
    if dash is not None:
        if len(_bodies) >= 64:
            _bodies.clear()
        _bodies[key] = (dash, body)
    return body


@router.get("/dashboard/charts/{name}.svg")
def dashboard_chart(ctx: CtxDep, user: PageUser, name: str) -> Response:
    """A dashboard chart as an SVG file ("export as image")."""
    if name not in CHARTS:
        raise HTTPException(404)
    view = views.dashboard(ctx, user.actor, clock.today())
    if view.dashboard is None:
        raise HTTPException(404)
    return Response(
        dashboard_charts(view.dashboard)[name],
        media_type="image/svg+xml",
        headers={"content-disposition": f'attachment; filename="dashboard-{name}.svg"'},
    )


# --------------------------------------------------------------------------- saved filters
# The caseload (/cases) lists the user's saved filters and offers to save the current one.


@router.post("/caseload/filters")
async def save_caseload_filter(request: Request, ctx: CtxDep, user: PageUser) -> Response:
    form = await request.form()
    name = str(form.get("name") or "")
    params = {k: str(form.get(k) or "") for k in saved_filters.KEYS if k in form}
    try:
        saved = saved_filters.save_filter(ctx, user.actor, name, params)
    except FieldErrors as exc:
        return render(
            request,
            "caseload/filter_refused.html",
            {"errors": exc.by_field(), "name": name, "params": params},
            status_code=422,
            user=user,
            active="caseload",
        )
    return RedirectResponse(f"/cases?{saved.query}", status_code=303)


@router.get("/caseload/filters/{filter_id}")
def use_caseload_filter(ctx: CtxDep, user: PageUser, filter_id: int) -> Response:
    try:
        saved = saved_filters.get_filter(ctx, user.actor, filter_id)
    except (NotFound, FieldErrors) as exc:
        raise HTTPException(404, str(exc)) from None
    return RedirectResponse(f"/cases?{saved.query}", status_code=303)


@router.post("/caseload/filters/{filter_id}/delete")
def delete_caseload_filter(ctx: CtxDep, user: PageUser, filter_id: int) -> Response:
    try:
        saved_filters.delete_filter(ctx, user.actor, filter_id)
    except (NotFound, FieldErrors) as exc:
        raise HTTPException(404, str(exc)) from None
    return RedirectResponse("/cases", status_code=303)
