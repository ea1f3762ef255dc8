"""``/api/dashboard``, ``/api/outcomes`` and ``/api/cases/{reference}/hearings``.

Same services and the same rules as the pages: the caller's own unit, rows only for
cases they are a member of, witness reasons only for roles that may see witness details,
outcomes only with the statistics permission.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from palermo.services import caseload_views as views
from palermo.web.api.models import error_responses
from palermo.web.auth import ApiUser, CtxDep

router = APIRouter(tags=["caseload"])


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class UnitOut(_Out):
    id: int
    name: str
    country: str | None


class HearingRowOut(_Out):
    reference: str
    held_on: date
    kind: str
    days_away: int


class OverTargetOut(_Out):
    reference: str
    stage: str
    reasons: list[str]


class WitnessRiskOut(_Out):
    reference: str
    pseudonym: str
    level: str = Field(description="high | medium (low-risk witnesses are not listed)")
    reasons: list[str] = Field(
        description="Empty unless the caller's role may see witness details."
    )


class DeadlineRowOut(_Out):
    reference: str
    kind: str
    due_on: date
    days_left: int
    status: str
    description: str | None


class DashboardOut(_Out):
    unit: UnitOut
    today: date
    open_cases: int
    cases_by_stage: dict[str, int]
    cases_by_stage_and_age: dict[str, dict[str, int]]
    hearings_next_two_weeks: list[HearingRowOut]
    over_target: list[OverTargetOut]
    adjournments_by_party: dict[str, int]
    adjournments_total: int
    adjournment_sentences: list[str]
    at_risk_witnesses: list[WitnessRiskOut]
    deadlines: list[DeadlineRowOut]
    targets: dict[str, Any]
    rows_limited_to_member_cases: bool
    witness_details: bool


NO_UNIT: dict[int | str, dict[str, Any]] = error_responses(e404="The caller's account has no unit.")


@router.get("/dashboard", response_model=DashboardOut, responses=NO_UNIT)
def dashboard(ctx: CtxDep, user: ApiUser) -> DashboardOut:
    """The caller's unit dashboard (counts for the unit, rows for the caller's cases)."""
    view = views.dashboard(ctx, user.actor)
    if view.unit is None or view.dashboard is None:
        raise HTTPException(404, "your account has no unit")
    d = view.dashboard
    return DashboardOut.model_validate(
        {
            **{k: getattr(d, k) for k in DashboardOut.model_fields if hasattr(d, k)},
            "unit": view.unit,
            "witness_details": view.witness_details,
        }
    )


class SentenceMixOut(_Out):
    group: str
    n: int
    counts: dict[str, int]
    median_custodial_months: float | None
    p90_custodial_months: float | None
    non_custodial_share: float | None


class RestitutionOut(_Out):
    convicted_defendants: int
    requested: int
    ordered: int
    ordered_when_requested: int
    amount_requested: Decimal
    amount_ordered: Decimal
    amount_paid: Decimal
    request_rate: float | None
    award_rate: float | None


class RangeOut(_Out):
    statute_id: str
    min_months: int | None
    max_months: int | None = Field(description="null: no maximum (life)")
    n: int
    below_min: int
    within: int
    above_max: int


class BenchmarkOut(_Out):
    statute_id: str
    crime: str
    benchmark_low_months: int
    benchmark_typical_months: int
    n: int
    median_custodial_months: float | None
    below_low: int


class TipRowOut(_Out):
    year: int
    prosecutions: int
    prosecutions_labor: int
    convictions: int
    convictions_labor: int
    victims_identified: int
    victims_identified_labor: int


class OutcomesOut(_Out):
    unit: UnitOut
    defendants_by_result: dict[str, int]
    conviction_rate: float | None = Field(description="0..1; null without decided defendants")
    convicted: int
    decided: int
    disposition_cases: int
    disposition_median_days: float | None
    disposition_p90_days: float | None
    sentence_mix_by_statute: list[SentenceMixOut]
    sentence_mix_by_typology: list[SentenceMixOut]
    non_custodial_share: float | None
    restitution: RestitutionOut
    statute_ranges: list[RangeOut]
    range_errors: list[str]
    benchmarks: list[BenchmarkOut]
    tip_table: list[TipRowOut]


@router.get(
    "/outcomes",
    response_model=OutcomesOut,
    responses={**NO_UNIT, **error_responses(e403="The role may not read statistics.")},
)
def outcomes(ctx: CtxDep, user: ApiUser) -> OutcomesOut:
    """The unit's outcome statistics (definitions in ``palermo.caseload.stats``)."""
    view = views.outcomes(ctx, user.actor)
    if view.unit is None or view.stats is None:
        raise HTTPException(404, "your account has no unit")
    s = view.stats
    return OutcomesOut.model_validate(
        {
            **{k: getattr(s, k) for k in OutcomesOut.model_fields if hasattr(s, k)},
            "unit": view.unit,
        }
    )


class TransitionOut(_Out):
    on: date
    from_stage: str | None
    to_stage: str
    reason: str | None
    diversion_kind: str | None


class HearingOut(_Out):
    held_on: date
    kind: str
    adjourned: bool
    requested_by: str | None
    reason: str | None
    result: str | None
    upcoming: bool


class DeadlineOut(_Out):
    kind: str
    due_on: date
    done: bool
    description: str | None
    days_left: int
    status: str


class ContactOut(_Out):
    on: date
    kind: str


class SupportOut(_Out):
    service: str
    started_on: date
    ended_on: date | None


class WitnessOut(_Out):
    kind: str
    pseudonym: str
    level: str
    details: bool = Field(description="false: only the rating is given (role without access)")
    score: int | None
    reasons: list[str]
    contacts: list[ContactOut]
    support: list[SupportOut]
    location: str | None
    available: bool | None
    repatriated: bool | None
    intimidation_reports: int | None
    consent_to_testify: bool | None
    consent_withdrawn_on: date | None


class CaseHearingsOut(_Out):
    reference: str
    stage: str
    next_stages: list[str]
    transitions: list[TransitionOut]
    hearings: list[HearingOut]
    adjournments_by_party: dict[str, int]
    adjournment_sentences: list[str]
    over_target_reasons: list[str]
    deadlines: list[DeadlineOut]
    witnesses: list[WitnessOut]


@router.get(
    "/cases/{reference}/hearings",
    response_model=CaseHearingsOut,
    responses=error_responses(e404="No such case, or the caller is not a member of it."),
)
def case_hearings(ctx: CtxDep, user: ApiUser, reference: str) -> CaseHearingsOut:
    """Stage history, hearings and adjournments, deadlines and victim-witnesses (by
    pseudonym; details only for roles that may see them)."""
    return CaseHearingsOut.model_validate(views.case_hearings(ctx, user.actor, reference))
