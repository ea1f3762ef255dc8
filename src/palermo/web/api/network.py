"""``/api/cases/{reference}/network``: the case graph, roles, key players and role decisions."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from palermo.law.roles import load_roles
from palermo.services import network
from palermo.web.api.models import DbId, error_responses, with_utc
from palermo.web.auth import ApiUser, CtxDep

router = APIRouter(tags=["network"])

NOT_FOUND: dict[int | str, dict[str, Any]] = error_responses(
    e404="No such case, or the caller is not a member of it."
)


@router.get("/cases/{reference}/network", response_model=dict[str, Any], responses=NOT_FOUND)
def get_network(
    ctx: CtxDep,
    user: ApiUser,
    reference: str,
    start: date | None = None,
    end: date | None = None,
    max_nodes: Annotated[int, Query(ge=10, le=5000)] = 500,
    reveal: bool = False,
) -> Response:
    """Nodes and edges (``graph``), suggested roles with signals and evidence, key players
    with explanations, culpable but not charged, and links to the caller's other cases."""
    # Written once per kept view (a large case's graph is most of a megabyte of JSON).
    body = network.network_payload_json(
        ctx, user.actor, reference, start=start, end=end, max_nodes=max_nodes, reveal=reveal
    )
    return Response(body, media_type="application/json")


ROLE_NAMES: list[Any] = sorted(load_roles().roles)


class RoleDecisionIn(BaseModel):
    person_id: DbId
    role: str = Field(json_schema_extra={"enum": ROLE_NAMES})
    decision: Literal["confirmed", "rejected"]


@router.post("/cases/{reference}/network/roles", responses=NOT_FOUND)
def decide_role(ctx: CtxDep, user: ApiUser, reference: str, body: RoleDecisionIn) -> dict[str, Any]:
    """Confirm or reject a suggested role for a person (kept and audited)."""
    decision = network.decide_role(
        ctx,
        user.actor,
        reference,
        person_id=body.person_id,
        role=body.role,
        decision=body.decision,
    )
    return with_utc(asdict(decision))


class DuplicateDecisionIn(BaseModel):
    person_a: DbId
    person_b: DbId
    # true: the same person (drawn as one); false: kept apart; null: undo the decision.
    same: bool | None


@router.post("/cases/{reference}/network/duplicates", responses=NOT_FOUND)
def decide_duplicate(
    ctx: CtxDep, user: ApiUser, reference: str, body: DuplicateDecisionIn
) -> dict[str, Any]:
    """Record that two people are the same (merge) or not, or undo that (``same``: null);
    reversible, audited. A merge draws them as one person in the network view."""
    decision = network.decide_duplicate(
        ctx,
        user.actor,
        reference,
        person_a=body.person_a,
        person_b=body.person_b,
        same=body.same,
    )
    return with_utc(asdict(decision))
