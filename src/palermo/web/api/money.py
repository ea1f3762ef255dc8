"""``/api/cases/{reference}/money``: flows, traces, patterns, proceeds and restitution."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from palermo.services import money
from palermo.web.api.models import MAX_ID, QueryId, error_responses, with_utc
from palermo.web.auth import ApiUser, CtxDep

router = APIRouter(tags=["money"])

NOT_FOUND: dict[int | str, dict[str, Any]] = error_responses(
    e404="No such case, or the caller is not a member of it."
)


@router.get("/cases/{reference}/money", responses=NOT_FOUND)
def get_money(
    ctx: CtxDep,
    user: ApiUser,
    reference: str,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """Flows from buyers and victims, laundering patterns with their transactions, proceeds."""
    return with_utc(asdict(money.money_view(ctx, user.actor, reference, start=start, end=end)))


@router.get("/cases/{reference}/money/trace", responses=NOT_FOUND)
def get_trace(
    ctx: CtxDep,
    user: ApiUser,
    reference: str,
    seed: Annotated[str, Query(max_length=200, description="Person id or account number.")],
    direction: Literal["forward", "backward"] = "forward",
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """Pro-rata trace from (forward) or into (backward) a person's accounts or an account."""
    view = money.trace_money(
        ctx, user.actor, reference, seed=seed, direction=direction, start=start, end=end
    )
    return with_utc(asdict(view))


@router.get("/cases/{reference}/money/restitution", responses=NOT_FOUND)
def get_restitution(
    ctx: CtxDep,
    user: ApiUser,
    reference: str,
    victim: QueryId,
    defendant: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    hours_per_week: Annotated[float, Query(gt=0, le=168)] = 60.0,
    start: date | None = None,
    end: date | None = None,
    jurisdiction: Annotated[str, Query(max_length=40)] = "US-federal",
    wages_paid: Annotated[float, Query(ge=0)] = 0.0,
    liquidated_damages: bool = False,
) -> dict[str, Any]:
    """The 18 U.S.C. 1593 worksheet for one victim: every row with its formula and inputs."""
    view = money.restitution(
        ctx,
        user.actor,
        reference,
        victim_id=victim,
        defendant_id=defendant,
        hours_per_week=hours_per_week,
        start=start,
        end=end,
        jurisdiction=jurisdiction,
        wages_paid=wages_paid,
        liquidated_damages=liquidated_damages,
    )
    out = asdict(view)
    out["worksheet"]["total"] = str(view.worksheet.total)
    return with_utc(out)
