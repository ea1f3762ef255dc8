"""Evidence formats in the browser: map a file's columns (with a preview of its first
rows as they will be read) and save the mapping as a profile of the unit; download the
rows a file could not load; load the unit's own exchange rates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from palermo.ingest.options import LoadOptions, OptionError
from palermo.ingest.profiles import KINDS, ProfileError, from_document, source_names
from palermo.ingest.readers.structured import ALIASES, REQUIRED
from palermo.services import cases, profiles, rates, row_problems
from palermo.services.errors import InvalidInput
from palermo.services.ingest import ingest_stored
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import _case_page

router = APIRouter()

KIND_LABELS = {"call": "Calls", "message": "Messages", "payment": "Payments", "trip": "Trips"}
MAX_RATES_BYTES = 5 * 1024 * 1024


def _value_map(text: str, field: str) -> dict[str, str]:
    """'US Dollar = USD' lines -> {'US Dollar': 'USD'}; InvalidInput naming the line."""
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        source, sep, target = line.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise InvalidInput(f"{field}, line {number}: write it as 'value in the file = code'")
        out[source.strip()] = target.strip()
    return out


def _map_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{k} = {v}" for k, v in mapping.items())


def _document(
    source: profiles.MapSource, fields: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The profile document the form describes, and errors by field name."""
    errors: dict[str, str] = {}
    kind = fields.get("kind") or "payment"
    if kind not in KINDS:
        errors["kind"] = "choose a record kind"
        kind = "payment"
    columns = {
        canonical: fields.get(f"col_{canonical}", "")
        for canonical in ALIASES[kind]
        if fields.get(f"col_{canonical}")
    }
    for canonical in REQUIRED[kind]:
        if canonical not in columns:
            errors[f"col_{canonical}"] = "required: choose the column that holds it"
    values: dict[str, dict[str, str]] = {}
    for field in ("currency", "channel"):
        try:
            values[field] = _value_map(fields.get(f"values_{field}", ""), field)
        except InvalidInput as exc:
            errors[f"values_{field}"] = str(exc)
    doc: dict[str, Any] = {
        "name": (fields.get("name") or "").strip(),
        "kind": kind,
        "header": source.header,
        "columns": columns,
        "values": {k: v for k, v in values.items() if v},
        "locale": {
            "decimal": {"point": ".", "comma": ","}.get(fields.get("decimal", "")),
            "date_order": fields.get("date_order") or None,
        },
    }
    return doc, errors


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _render_map(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    source: profiles.MapSource,
    fields: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    kind = fields.get("kind") if fields.get("kind") in KINDS else "payment"
    assert kind is not None
    if not any(k.startswith("col_") for k in fields):
        guess = profiles.suggested_columns(kind, source.header)
        fields = {**fields, **{f"col_{k}": v for k, v in guess.items()}}
    doc, form_errors = _document(source, {**fields, "kind": kind})
    preview: profiles.Preview | None = None
    if not form_errors:
        try:
            profile = from_document({**doc, "name": doc["name"] or "preview"})
            options = LoadOptions(profile.decimal, profile.date_order)
            preview = profiles.preview_file(source, profile, options, source.region)
        except ProfileError as exc:
            form_errors["form"] = str(exc)
    shown_errors = {**form_errors, **errors} if errors or "form" in form_errors else errors
    response = _case_page(
        request,
        user,
        case,
        "evidence",
        "formats/map.html",
        {
            "source": source,
            "names": source_names(source.header),
            "kind": kind,
            "kinds": KIND_LABELS,
            "columns": list(ALIASES[kind]),
            "required": set(REQUIRED[kind]),
            "fields": fields,
            "errors": shown_errors,
            "missing": [k for k in form_errors if k.startswith("col_")],
            "preview": preview,
            "currency_text": fields.get("values_currency", ""),
            "channel_text": fields.get("values_channel", ""),
        },
    )
    response.status_code = status
    return response


@router.get("/cases/{reference}/evidence/{evidence_id}/map")
def map_form(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    evidence_id: int,
    kind: Annotated[str, Query(max_length=16)] = "",
    profile: Annotated[str, Query(max_length=120)] = "",
) -> Response:
    source = profiles.map_source(ctx, user.actor, reference, evidence_id)
    fields = {k: v for k, v in request.query_params.items() if len(v) <= 2000}
    if profile:
        # Start from a saved profile (to edit it against this file).
        fields = {**_fields_of(profiles.get_profile(ctx, user.actor, reference, profile)), **fields}
        fields.pop("profile", None)
    if kind:
        fields["kind"] = kind
    return _render_map(request, ctx, user, reference, source, fields, {})


def _fields_of(profile: Any) -> dict[str, str]:
    """A saved profile as the mapping form's fields."""
    fields = {"kind": profile.kind, "name": profile.name}
    fields.update({f"col_{k}": v for k, v in profile.columns.items()})
    fields["values_currency"] = _map_text(profile.values.get("currency", {}))
    fields["values_channel"] = _map_text(profile.values.get("channel", {}))
    fields["decimal"] = {".": "point", ",": "comma"}.get(profile.decimal or "", "")
    fields["date_order"] = profile.date_order or ""
    return fields


@router.get("/cases/{reference}/evidence/profiles")
def profiles_page(request: Request, ctx: CtxDep, user: PageUser, reference: str) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    found = profiles.list_profiles(ctx, user.actor, reference)
    return _case_page(request, user, case, "evidence", "formats/profiles.html", {"profiles": found})


@router.post("/cases/{reference}/evidence/{evidence_id}/map")
async def map_save(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, evidence_id: int
) -> Response:
    source = await run_in_threadpool(profiles.map_source, ctx, user.actor, reference, evidence_id)
    fields = await _fields(request)
    if fields.get("action") != "save":
        return _render_map(request, ctx, user, reference, source, fields, {})
    doc, errors = _document(source, fields)
    if not doc["name"]:
        errors["name"] = "give the profile a name (e.g. the bank and the export)"
    if errors:
        return _render_map(request, ctx, user, reference, source, fields, errors, 422)
    try:
        profile = await run_in_threadpool(profiles.save_profile, ctx, user.actor, reference, doc)
    except InvalidInput as exc:
        return _render_map(request, ctx, user, reference, source, fields, {"form": str(exc)}, 422)
    report = await run_in_threadpool(
        ingest_stored, ctx, user.actor, reference, evidence_id, LoadOptions(profile=profile)
    )
    case = await run_in_threadpool(cases.get_case, ctx, user.actor, reference)
    return _case_page(
        request,
        user,
        case,
        "evidence",
        "formats/mapped.html",
        {"profile": profile, "report": report},
    )


@router.get("/cases/{reference}/evidence/problems.csv")
def problems_csv(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    file: Annotated[int | None, Query()] = None,
) -> Response:
    text = row_problems.as_csv(ctx, user.actor, reference, file)
    name = f"{reference}-rows-not-loaded{'-' + str(file) if file else ''}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/cases/{reference}/money/rates")
def rates_page(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, loaded: int = 0
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    own = rates.list_unit_rates(ctx, user.actor, reference)
    return _case_page(
        request, user, case, "money", "formats/rates.html", {"rates": own, "loaded": loaded}
    )


@router.post("/cases/{reference}/money/rates")
async def rates_upload(request: Request, ctx: CtxDep, user: PageUser, reference: str) -> Response:
    form = await request.form(max_files=1)
    item = form.get("file")
    error = None
    count = 0
    if not isinstance(item, UploadFile) or not item.filename:
        error = "choose a CSV file of rates"
    else:
        data = await item.read(MAX_RATES_BYTES + 1)
        if len(data) > MAX_RATES_BYTES:
            error = "the file is larger than 5 MB"
        else:
            try:
                text = data.decode("utf-8-sig")
                count = await run_in_threadpool(
                    rates.load_rates, ctx, user.actor, reference, text, item.filename
                )
            except UnicodeDecodeError:
                error = "the file is not UTF-8 text"
            except InvalidInput as exc:
                error = str(exc)
    if error is None:
        return RedirectResponse(f"/cases/{reference}/money/rates?loaded={count}", status_code=303)
    case = await run_in_threadpool(cases.get_case, ctx, user.actor, reference)
    own = await run_in_threadpool(rates.list_unit_rates, ctx, user.actor, reference)
    response = _case_page(
        request, user, case, "money", "formats/rates.html", {"rates": own, "error": error}
    )
    response.status_code = 422
    return response


__all__ = ["OptionError", "router"]
