"""``/api/cases/{reference}/elements``: the elements assessment and the decisions on it."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from palermo.services import elements
from palermo.web.api.models import DbId, PathId, UtcDateTime, error_responses
from palermo.web.auth import ApiUser, CtxDep

router = APIRouter(tags=["elements"])

NOT_FOUND: dict[int | str, dict[str, Any]] = error_responses(
    e404="No such case (or item in it), or the caller is not a member of it."
)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FactOut(_Out):
    id: str
    concept: str
    concept_label: str
    suspect: str | None = Field(description="Suspect pseudonym.")
    victim: str | None = Field(description="Victim pseudonym (never a name).")
    status: str = Field(description="confirmed | suggested")
    origin: str = Field(description="machine | human")
    source_id: str = Field(description="Independent source: statement:<pseudonym> or file:<sha>.")
    source_kind: str
    quote: str
    locator: str | None
    evidence_file: str | None
    sha256: str | None
    attribution: str = Field(description="Why this fact is attributed to this suspect.")
    assertion_id: int | None
    record_id: int | None
    link_id: int | None
    rule: str | None


class RuleOut(_Out):
    rule_id: str
    kind: str
    citation: str
    explanation: str
    waives: list[str]
    victims: list[str]
    pending: bool


class GapOut(_Out):
    element_id: str
    element_label: str
    kind: str
    status: str
    required: bool
    have: list[str]
    seek: list[str]
    advice: str


class ElementOut(_Out):
    element_id: str
    kind: str
    label: str
    required: bool
    status: str = Field(
        description="proved | single_source | supported_if_confirmed | missing | waived"
    )
    evidence_status: str
    source_count: int
    sources: list[str]
    source_kinds: list[str]
    satisfied_by: list[str]
    confirmed: list[FactOut]
    suggested: list[FactOut]
    waived_by: RuleOut | None


class StatuteOut(_Out):
    statute_id: str
    title: str
    citation: str
    jurisdiction: str
    charge_status: str
    readiness: str
    reason: str
    warning: str | None
    elements: list[ElementOut]
    rules: list[RuleOut]
    penalties: list[str]
    gaps: list[GapOut]


class SuspectOut(_Out):
    person_id: int
    pseudonym: str
    name: str
    statutes: list[StatuteOut]


class VictimOut(_Out):
    person_id: int
    pseudonym: str
    is_minor: bool


class StatuteChoiceOut(_Out):
    statute_id: str
    citation: str
    title: str
    fits: bool


class LinkOut(_Out):
    id: int
    suspect: str
    statute_id: str | None
    element_id: str | None
    concept: str
    status: str
    quote: str
    decided_by: str | None
    decided_at: UtcDateTime | None


class AssessmentOut(_Out):
    reference: str
    jurisdiction: str
    readiness: str
    readiness_reason: str
    suspects: list[SuspectOut]
    victims: list[VictimOut]
    unattributed: list[FactOut] = Field(description="The first 500 facts with no suspect.")
    unattributed_total: int
    links: list[LinkOut]
    statute_choices: list[StatuteChoiceOut]
    fact_count: int
    can_decide: bool
    can_edit: bool


class DecisionIn(BaseModel):
    decision: Literal["confirmed", "rejected"]
    assertion_id: DbId | None = Field(default=None, description="An extracted assertion.")
    fact_id: str | None = Field(
        default=None, max_length=200, description="A record rule's suggestion (r<id>#<rule>)."
    )


class LinkIn(BaseModel):
    suspect_id: DbId
    statute_id: str = Field(max_length=64)
    element_id: str = Field(max_length=64)
    concept: str | None = Field(default=None, max_length=100)
    assertion_id: DbId | None = None
    record_id: DbId | None = None
    victim_id: DbId | None = None
    quote: str | None = Field(default=None, max_length=4000)


class StatutesIn(BaseModel):
    suspect_id: DbId
    statute_ids: list[str] = Field(max_length=50)


class Done(BaseModel):
    ok: bool = True
    id: int | None = None
    status: str | None = None
    statute_ids: list[str] | None = None


@router.get("/cases/{reference}/elements", response_model=AssessmentOut, responses=NOT_FOUND)
def get_elements(ctx: CtxDep, user: ApiUser, reference: str) -> AssessmentOut:
    """Every suspect x statute x element with its supporting facts, sources, rules, gaps
    and readiness. Victims appear by pseudonym only."""
    return AssessmentOut.model_validate(elements.assess(ctx, user.actor, reference))


@router.post("/cases/{reference}/elements/decide", response_model=Done, responses=NOT_FOUND)
def decide(ctx: CtxDep, user: ApiUser, reference: str, body: DecisionIn) -> Done:
    """Confirm or reject a suggestion: an assertion, or a record rule's suggestion."""
    if body.assertion_id is not None:
        status = elements.decide_assertion(
            ctx, user.actor, reference, body.assertion_id, body.decision
        )
        return Done(id=body.assertion_id, status=status)
    if body.fact_id:
        link_id = elements.decide_rule_fact(ctx, user.actor, reference, body.fact_id, body.decision)
        return Done(id=link_id, status=body.decision)
    from palermo.services.errors import InvalidInput

    raise InvalidInput("give assertion_id or fact_id")


@router.post("/cases/{reference}/elements/links", response_model=Done, responses=NOT_FOUND)
def link(ctx: CtxDep, user: ApiUser, reference: str, body: LinkIn) -> Done:
    """Link an assertion, a record or a free note to a suspect x element (confirmed)."""
    link_id = elements.link_fact(ctx, user.actor, reference, **body.model_dump())
    return Done(id=link_id, status="confirmed")


@router.post(
    "/cases/{reference}/elements/links/{link_id}/unlink",
    response_model=Done,
    responses=NOT_FOUND,
)
def unlink(ctx: CtxDep, user: ApiUser, reference: str, link_id: PathId) -> Done:
    """Withdraw a link: its status becomes rejected, with who and when; nothing is deleted."""
    elements.unlink(ctx, user.actor, reference, link_id)
    return Done(id=link_id, status="rejected")


@router.post("/cases/{reference}/elements/statutes", response_model=Done, responses=NOT_FOUND)
def set_statutes(ctx: CtxDep, user: ApiUser, reference: str, body: StatutesIn) -> Done:
    """Set the statutes under consideration for a suspect (filed charges stay)."""
    now = elements.set_statutes(ctx, user.actor, reference, body.suspect_id, body.statute_ids)
    return Done(statute_ids=now)
