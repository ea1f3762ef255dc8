"""The audit log in the browser (auditor and administrator): search, verify, export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from palermo.security.permissions import Permission
from palermo.services import audit_log
from palermo.services.errors import InvalidInput, PermissionDenied
from palermo.services.users import UserInfo
from palermo.web.auth import CtxDep, page_user
from palermo.web.form_errors import field_errors
from palermo.web.templating import render

router = APIRouter()

FILTER_FIELDS = ("user", "case", "action", "date_from", "date_to")


def audit_reader(user: Annotated[UserInfo, Depends(page_user)]) -> UserInfo:
    if not user.actor.can(Permission.READ_AUDIT):
        raise PermissionDenied("only an auditor or an administrator can read the audit log")
    return user


AuditReader = Annotated[UserInfo, Depends(audit_reader)]


def _date(name: str, raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise InvalidInput(f"{name}: use a date like 2026-01-31") from error


def _filter(
    ctx: CtxDep, user: UserInfo, values: dict[str, str]
) -> tuple[audit_log.AuditFilter, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Any] = {}
    for name in ("date_from", "date_to"):
        try:
            parsed[name] = _date(name, values[name])
        except InvalidInput as error:
            errors.update(field_errors(error, FILTER_FIELDS))
    case_id = None
    if values["case"].strip():
        try:
            case_id = audit_log.case_id_for(ctx, user.actor, values["case"])
        except InvalidInput as error:
            errors.update(field_errors(error, FILTER_FIELDS))
    flt = audit_log.AuditFilter(
        username=values["user"].strip() or None,
        case_id=case_id,
        action=values["action"].strip() or None,
        date_from=parsed.get("date_from"),
        date_to=parsed.get("date_to"),
    )
    if not errors:
        try:
            flt.validate()
        except InvalidInput as error:
            errors.update(field_errors(error, FILTER_FIELDS))
    return flt, errors


Text = Annotated[str, Query(max_length=200)]


@router.get("/audit")
def audit_page(
    request: Request,
    ctx: CtxDep,
    user: AuditReader,
    user_filter: Annotated[str, Query(alias="user", max_length=200)] = "",
    case: Text = "",
    action: Text = "",
    date_from: Text = "",
    date_to: Text = "",
    page: Annotated[int, Query(ge=1, le=audit_log.MAX_PAGE)] = 1,
) -> Response:
    values = {
        "user": user_filter,
        "case": case,
        "action": action,
        "date_from": date_from,
        "date_to": date_to,
    }
    flt, errors = _filter(ctx, user, values)
    result = None if errors else audit_log.search(ctx, user.actor, flt, page)
    query = {k: v for k, v in values.items() if v}
    return render(
        request,
        "audit/log.html",
        {
            "values": values,
            "errors": errors,
            "result": result,
            "query": urlencode(query),
            "page_url": lambda n: "/audit?" + urlencode({**query, "page": n}),
            "verified": None,
        },
        user=user,
        active="audit",
        status_code=422 if errors else 200,
    )


@router.post("/audit/verify")
def audit_verify(request: Request, ctx: CtxDep, user: AuditReader) -> Response:
    result = audit_log.verify_chain(ctx, user.actor)
    empty = {k: "" for k in FILTER_FIELDS}
    return render(
        request,
        "audit/log.html",
        {
            "values": empty,
            "errors": {},
            "result": audit_log.search(ctx, user.actor, audit_log.AuditFilter(), 1),
            "query": "",
            "page_url": lambda n: f"/audit?page={n}",
            "verified": result,
        },
        user=user,
        active="audit",
    )


@router.get("/audit/export.csv")
def audit_export(
    request: Request,
    ctx: CtxDep,
    user: AuditReader,
    user_filter: Annotated[str, Query(alias="user", max_length=200)] = "",
    case: Text = "",
    action: Text = "",
    date_from: Text = "",
    date_to: Text = "",
) -> Response:
    values = {
        "user": user_filter,
        "case": case,
        "action": action,
        "date_from": date_from,
        "date_to": date_to,
    }
    flt, errors = _filter(ctx, user, values)
    if errors:
        raise InvalidInput("; ".join(f"{k}: {m[0]}" for k, m in errors.items()))
    return StreamingResponse(
        audit_log.export_csv(ctx, user.actor, flt),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="palermo-audit-log.csv"'},
    )
