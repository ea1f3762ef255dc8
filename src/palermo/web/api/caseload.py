"""``/api/dashboard``, ``/api/outcomes``, ``/api/cases/{reference}/hearings``, the
caller's saved caseload filters (``/api/caseload/filters``) and the import of outcome
tables (``/api/outcomes/import``).

Same services and the same rules as the pages: the caller's own unit, rows only for
cases they are a member of, witness reasons only for roles that may see witness details,
outcomes only with the statistics permission.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from palermo.caseload import outcome_import as oi
from palermo.services import caseload_views as views
from palermo.services import casework, outcome_import, saved_filters
from palermo.services.fields import FieldError, FieldErrors
from palermo.web.api.models import error_responses, refuse, refused_responses
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


# --------------------------------------------------------------------------- saved filters


class SavedFilterIn(BaseModel):
    name: str = Field(max_length=200)
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Any of stage, statute, typology, owner, status (open or closed), q, "
        "sort, desc, per_page: the query parameters of the caseload.",
    )


class SavedFilterOut(BaseModel):
    id: int
    name: str
    params: dict[str, Any]
    query: str = Field(description="The caseload's query string (GET /cases?…).")


def _filter_out(f: saved_filters.SavedFilterView) -> SavedFilterOut:
    return SavedFilterOut(id=f.id, name=f.name, params=f.params, query=f.query)


@router.get("/caseload/filters", response_model=list[SavedFilterOut])
def list_saved_filters(ctx: CtxDep, user: ApiUser) -> list[SavedFilterOut]:
    """The caller's saved caseload filters, by name."""
    return [_filter_out(f) for f in saved_filters.list_filters(ctx, user.actor)]


@router.post(
    "/caseload/filters",
    response_model=SavedFilterOut,
    status_code=201,
    responses=refused_responses("A field is wrong; ``errors`` name each one."),
)
def save_saved_filter(ctx: CtxDep, user: ApiUser, body: SavedFilterIn) -> SavedFilterOut:
    """Save the caseload filters under a name (replacing the caller's filter of that name)."""
    try:
        return _filter_out(saved_filters.save_filter(ctx, user.actor, body.name, body.params))
    except FieldErrors as exc:
        raise refuse(exc) from None


@router.get(
    "/caseload/filters/{filter_id}",
    response_model=SavedFilterOut,
    responses=error_responses(e404="Not one of the caller's saved filters."),
)
def get_saved_filter(ctx: CtxDep, user: ApiUser, filter_id: int) -> SavedFilterOut:
    return _filter_out(saved_filters.get_filter(ctx, user.actor, filter_id))


@router.delete(
    "/caseload/filters/{filter_id}",
    status_code=204,
    responses=error_responses(e404="Not one of the caller's saved filters."),
)
def delete_saved_filter(ctx: CtxDep, user: ApiUser, filter_id: int) -> Response:
    saved_filters.delete_filter(ctx, user.actor, filter_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- outcome import

IMPORT_LIMIT = 20 * 1024 * 1024


class ProblemOut(BaseModel):
    line: int
    field: str
    value: str
    message: str


class OutcomeImportOut(BaseModel):
    dry_run: bool = Field(description="True: nothing was written; this is what would be.")
    profile: str
    source: str
    rows: int
    cases_created: list[str]
    cases_reused: list[str]
    defendants: int
    charges: int
    outcomes: int
    already_imported: int
    imported_lines: list[int]
    refused: list[ProblemOut] = Field(description="Rows refused: their line, field and why.")
    notes: list[ProblemOut]


@router.post(
    "/outcomes/import",
    response_model=OutcomeImportOut,
    responses={
        **error_responses(e403="The caller's role cannot import outcomes."),
        **refused_responses(
            "The file, the profile or the mapping is wrong; ``errors`` name the field."
        ),
    },
)
async def import_outcome_table(
    ctx: CtxDep,
    user: ApiUser,
    file: Annotated[UploadFile, File(description="The defendant-level CSV table (UTF-8).")],
    profile: Annotated[
        str, Form(description=f"A bundled mapping profile: {', '.join(oi.profile_names())}.")
    ] = "htd",
    mapping: Annotated[
        UploadFile | None,
        File(description="A mapping profile (YAML) to use instead of a bundled one."),
    ] = None,
    commit: Annotated[
        bool, Form(description="false (the default): a dry run that writes nothing.")
    ] = False,
) -> OutcomeImportOut:
    """Import a table of defendant outcomes into the caller's unit: cases, defendants,
    charges and outcomes in one transaction, each row kept or refused whole. The same
    import as the Outcomes page and ``palermo cases import-outcomes``."""
    errors: list[FieldError] = []
    name = file.filename or "table.csv"
    data = await file.read(IMPORT_LIMIT + 1)
    text = ""
    if len(data) > IMPORT_LIMIT:
        errors.append(FieldError("file", f"{name} is larger than 20 MB"))
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors.append(FieldError("file", f"{name} is not UTF-8 text"))
    mapping_text = None
    if mapping is not None and mapping.filename:
        raw = await mapping.read(1024 * 1024 + 1)
        try:
            mapping_text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors.append(FieldError("mapping", f"{mapping.filename} is not UTF-8 text"))
        if len(raw) > 1024 * 1024:
            errors.append(FieldError("mapping", f"{mapping.filename} is larger than 1 MB"))
    elif profile not in oi.profile_names():
        # Only a bundled profile by name: never a path on the server.
        errors.append(FieldError("profile", f"no profile {profile!r}; choose {oi.profile_names()}"))
    units = casework.units_for(ctx, user.actor)
    if not units:
        errors.append(FieldError("unit", "your account has no unit"))
    try:
        if errors:
            raise FieldErrors(errors)
        report = outcome_import.import_outcomes(
            ctx,
            user.actor,
            text,
            unit_id=units[0][0],
            profile=profile,
            file_name=name,
            mapping=mapping_text,
            dry_run=not commit,
        )
    except FieldErrors as exc:
        raise refuse(exc) from None
    return OutcomeImportOut(
        dry_run=report.dry_run,
        profile=report.profile,
        source=report.source,
        rows=report.rows,
        cases_created=report.cases_created,
        cases_reused=report.cases_reused,
        defendants=report.defendants,
        charges=report.charges,
        outcomes=report.outcomes,
        already_imported=report.already_imported,
        imported_lines=report.imported_lines,
        refused=[ProblemOut(**_problem(p)) for p in report.refused],
        notes=[ProblemOut(**_problem(p)) for p in report.notes],
    )


def _problem(p: oi.Problem) -> dict[str, Any]:
    return {"line": p.line, "field": p.field, "value": p.value, "message": p.message}
