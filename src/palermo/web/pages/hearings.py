"""The case tab "Hearings & witnesses": stage history and moves, hearings and
adjournments, deadlines, and the victim-witness panel with its risk rating.

Forms post back to the tab; a rejected form is shown again with the values entered and
an error next to each field named by the service (HTTP 422).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from palermo.security.permissions import Permission
from palermo.services import caseload_views as views
from palermo.services import cases, casework
from palermo.services.caseload_views import FieldError, FieldErrors
from palermo.services.users import UserInfo
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import _case_page, case_path

router = APIRouter()

FIELD_LABELS = {
    "to_stage": "New stage",
    "on": "Date",
    "reason": "Reason",
    "diversion_kind": "Diversion kind",
    "held_on": "Date",
    "kind": "Kind",
    "requested_by": "Requested by",
    "form": "Form",
    "text": "Text",
    "due_on": "Due",
    "assigned_to": "Assigned to",
    "consent": "Consent",
    "available": "Available",
    "service": "Service",
}
SAVED = {
    "stage": "Stage changed.",
    "hearing": "Hearing saved.",
    "note": "Note saved.",
    "deadline": "Deadline saved.",
    "witness": "Victim-witness record saved.",
}


def _date(value: str, name: str, errors: list[FieldError]) -> date | None:
    text = value.strip()
    if not text:
        errors.append(FieldError(name, "enter a date"))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(FieldError(name, f"{text!r} is not a date; use YYYY-MM-DD"))
        return None


def _tab(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    *,
    form: str | None = None,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    saved: str | None = None,
    warnings: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    data = views.case_hearings(ctx, user.actor, reference)
    notes = casework.list_notes(ctx, user.actor, reference)
    response = _case_page(
        request,
        user,
        case,
        "hearings",
        "hearings/tab.html",
        {
            "h": data,
            "form": form,
            "errors": errors or {},
            "values": values or {},
            "saved": SAVED.get(saved or ""),
            "warnings": warnings or [],
            "parties": views.HEARING_PARTIES,
            "diversion_kinds": views.DIVERSION_KINDS,
            "field_labels": FIELD_LABELS,
            "notes": notes,
            "deadline_kinds": views.DEADLINE_KINDS,
            "witness_may_record": user.actor.can(Permission.EDIT_CASE)
            or user.actor.can(Permission.SEE_WITNESS_DETAILS),
        },
    )
    response.status_code = status_code
    return response


@router.get("/cases/{reference}/hearings")
def hearings_tab(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, saved: str | None = None
) -> Response:
    return _tab(request, ctx, user, reference, saved=saved)


@router.post("/cases/{reference}/hearings/stage")
def move_stage(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    to_stage: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    diversion_kind: Annotated[str, Form()] = "",
) -> Response:
    values = {"to_stage": to_stage, "on": on, "reason": reason, "diversion_kind": diversion_kind}
    errors: list[FieldError] = []
    if not to_stage:
        errors.append(FieldError("to_stage", "choose the new stage"))
    when = _date(on, "on", errors)
    warnings: list[str] = []
    if not errors and when is not None:
        try:
            warnings = views.move_case(
                ctx,
                user.actor,
                reference,
                to_stage=to_stage,
                on=when,
                reason=reason,
                diversion_kind=diversion_kind,
            )
        except FieldErrors as exc:
            errors = exc.errors
    if errors:
        return _tab(
            request,
            ctx,
            user,
            reference,
            form="stage",
            errors=FieldErrors(errors).by_field(),
            values=values,
            status_code=422,
        )
    if warnings:
        return _tab(request, ctx, user, reference, saved="stage", warnings=warnings)
    return RedirectResponse(case_path(reference, "/hearings?saved=stage"), status_code=303)


@router.post("/cases/{reference}/hearings/add")
def add_hearing(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    held_on: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    adjourned: Annotated[str, Form()] = "",
    requested_by: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    result: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "held_on": held_on,
        "kind": kind,
        "adjourned": adjourned == "1",
        "requested_by": requested_by,
        "reason": reason,
        "result": result,
    }
    errors: list[FieldError] = []
    when = _date(held_on, "held_on", errors)
    if not kind.strip():
        errors.append(FieldError("kind", "say what kind of hearing (e.g. trial)"))
    if not errors and when is not None:
        try:
            views.add_hearing(
                ctx,
                user.actor,
                reference,
                held_on=when,
                kind=kind,
                adjourned=adjourned == "1",
                requested_by=requested_by or None,
                reason=reason,
                result=result,
            )
        except FieldErrors as exc:
            errors = exc.errors
    if errors:
        return _tab(
            request,
            ctx,
            user,
            reference,
            form="hearing",
            errors=FieldErrors(errors).by_field(),
            values=values,
            status_code=422,
        )
    return RedirectResponse(case_path(reference, "/hearings?saved=hearing"), status_code=303)
