"""Running a case in the browser: open a case, edit it, close and reopen it, manage
members; add and edit people; charges and outcomes with restitution payments; notes and
tasks; victim-witness records.

Every form posts back; a refused form comes back (HTTP 422) with the values entered and
each message next to its field; a saved form redirects (303) with a note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from palermo import clock, words
from palermo.security.permissions import Permission
from palermo.services import cases, casework, search
from palermo.services.caseload_views import FieldError, FieldErrors
from palermo.services.cases import CaseSummary
from palermo.services.errors import InvalidInput
from palermo.services.users import UserInfo
from palermo.store.models.caseload import Plea, Verdict
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import _case_page, case_path
from palermo.web.templating import render

router = APIRouter()

LABELS = {
    "reference": "Reference",
    "title": "Title",
    "jurisdiction": "Jurisdiction",
    "typology": "Typology",
    "statutes": "Statutes",
    "opened_on": "Date opened",
    "unit": "Unit",
    "username": "User",
    "case_role": "Role on the case",
    "on": "Date",
    "reason": "Reason",
    "kind": "Kind",
    "name": "Name",
    "aliases": "Aliases",
    "birth_year": "Birth year",
    "identifiers": "Identifiers",
    "person_id": "Defendant",
    "statute_id": "Statute",
    "counts": "Counts",
    "filed_on": "Date filed",
    "charge_id": "Charge",
    "verdict": "Verdict",
    "verdict_on": "Verdict date",
    "sentenced_on": "Sentence date",
    "custodial_months": "Custodial months",
    "restitution_paid": "Restitution paid",
    "restitution_ordered": "Restitution ordered",
    "paid_on": "Date paid",
    "amount": "Amount",
    "text": "Text",
}
TYPOLOGIES = (
    "escort_ads",
    "domestic_servitude",
    "labour_agriculture",
    "labour_construction",
    "forced_begging",
    "forced_criminality",
    "organ_removal",
    "other",
)


# --------------------------------------------------------------------------- parsing


class Parsed:
    """Collects parse errors so one refused form names every bad field at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def date(self, value: str, name: str, required: bool = False) -> date | None:
        text = value.strip()
        if not text:
            if required:
                self.errors.append(FieldError(name, "enter a date"))
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors.append(FieldError(name, f"{text!r} is not a date; use YYYY-MM-DD"))
            return None

    def int(self, value: str, name: str) -> int | None:
        text = value.strip()
        if not text:
            return None
        try:
            number = int(text)
        except ValueError:
            self.errors.append(FieldError(name, f"{text!r} is not a whole number"))
            return None
        if number < 0:
            self.errors.append(FieldError(name, "cannot be negative"))
        return number

    def money(self, value: str, name: str) -> Decimal | None:
        text = value.strip().replace(",", "")
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            self.errors.append(FieldError(name, f"{value!r} is not an amount"))
            return None
        if amount < 0:
            self.errors.append(FieldError(name, "cannot be negative"))
        return amount.quantize(Decimal("0.01"))


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", "\n").splitlines() if part.strip()]


def _identifier_lines(text: str) -> list[tuple[str, str]]:
    """``phone: +40 721 000 111`` per line."""
    out = []
    for line in _lines(text):
        kind, _, value = line.partition(":")
        out.append((kind, value) if value else ("", kind))
    return out


def _refused(
    page: Callable[..., Response],
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    form: str,
    values: dict[str, Any],
    errors: dict[str, list[str]],
) -> Response:
    """The case tab ``page`` again (HTTP 422) with ``form``'s values and messages."""
    return page(
        request, ctx, user, reference, form=form, values=values, errors=errors, status_code=422
    )


def _back(reference: str, tab: str, saved: str) -> Response:
    """After a saved form: back to the case tab ``tab`` with the note ``saved`` (HTTP 303)."""
    return RedirectResponse(case_path(reference, f"/{tab}?saved={saved}"), status_code=303)


def _case_tab(
    request: Request,
    user: UserInfo,
    case: CaseSummary,
    tab: str,
    template: str,
    context: dict[str, Any],
    status_code: int,
) -> Response:
    """A case tab's page with ``status_code`` (422 when a form there was refused)."""
    response = _case_page(request, user, case, tab, template, context)
    response.status_code = status_code
    return response


def _attempt(parsed: Parsed, action: Callable[[], Any]) -> tuple[Any, dict[str, list[str]]]:
    """Run ``action`` when the form parsed; (result, errors by field)."""
    if parsed.errors:
        return None, FieldErrors(parsed.errors).by_field()
    try:
        return action(), {}
    except FieldErrors as exc:
        return None, exc.by_field()


# --------------------------------------------------------------------------- new case


@dataclass(frozen=True)
class CaseForm:
    """The fields the new case form and the case details form share, as posted."""

    title: str
    jurisdiction: str
    typology: str
    statutes: list[str]
    opened_on: str
    summary: str

    def values(self) -> dict[str, Any]:
        """The fields as entered, shown again when refused."""
        return {
            "title": self.title,
            "jurisdiction": self.jurisdiction,
            "typology": self.typology,
            "statutes": self.statutes,
            "opened_on": self.opened_on,
            "summary": self.summary,
        }

    def details(self, opened_on: date | None) -> dict[str, Any]:
        """The fields as the service takes them."""
        return {
            "title": self.title,
            "jurisdiction": self.jurisdiction,
            "typology": self.typology or None,
            "statutes": self.statutes,
            "opened_on": opened_on,
            "summary": self.summary,
        }


def _case_fields(
    title: Annotated[str, Form()] = "",
    jurisdiction: Annotated[str, Form()] = "",
    typology: Annotated[str, Form()] = "",
    statutes: Annotated[list[str] | None, Form()] = None,
    opened_on: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
) -> CaseForm:
    return CaseForm(
        title=title,
        jurisdiction=jurisdiction,
        typology=typology,
        statutes=statutes or [],
        opened_on=opened_on,
        summary=summary,
    )


CaseFormDep = Annotated[CaseForm, Depends(_case_fields)]


def _case_form(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    *,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    units = casework.units_for(ctx, user.actor)
    return render(
        request,
        "casework/case_new.html",
        {
            "values": values,
            "errors": errors or {},
            "labels": LABELS,
            "units": [(str(uid), name) for uid, _code, name in units],
            "statutes": casework.statute_options(values.get("jurisdiction") or "US"),
            "typologies": TYPOLOGIES,
            "may_create": user.actor.can(Permission.EDIT_CASE) and bool(units),
        },
        user=user,
        active="caseload",
        status_code=status_code,
    )


def new_case_form(request: Request, ctx: CtxDep, user: PageUser) -> Response:
    """GET /cases/new (routed from :mod:`palermo.web.pages.cases`, before /cases/{ref})."""
    units = casework.units_for(ctx, user.actor)
    values = {
        "unit": str(units[0][0]) if units else "",
        "jurisdiction": "US",
        "opened_on": clock.today().isoformat(),
        "statutes": [],
    }
    return _case_form(request, ctx, user, values=values)


@router.post("/cases/new")
def create_case(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    case: CaseFormDep,
    reference: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
) -> Response:
    values = {"reference": reference, "unit": unit, **case.values()}
    parsed = Parsed()
    opened = parsed.date(case.opened_on, "opened_on")
    unit_id = parsed.int(unit, "unit")
    if unit_id is None:
        parsed.errors.append(FieldError("unit", "choose the unit"))
    made, errors = _attempt(
        parsed,
        lambda: cases.create_case(
            ctx,
            user.actor,
            reference=reference,
            unit_id=int(unit_id or 0),
            **case.details(opened),
        ),
    )
    if errors:
        return _case_form(request, ctx, user, values=values, errors=errors, status_code=422)
    return RedirectResponse(case_path(made.reference, "/details?saved=created"), status_code=303)


# --------------------------------------------------------------------------- details

SAVED = {
    "created": "Case created. Add members, people and evidence next.",
    "case": "Case details saved.",
    "member": "Member added.",
    "removed": "Member removed.",
    "closed": "Case closed.",
    "reopened": "Case reopened.",
    "person": "Person saved.",
    "charge": "Charge saved.",
    "outcome": "Outcome saved; it now counts in the Outcomes statistics.",
    "payment": "Payment recorded.",
    "note": "Saved.",
    "witness": "Victim-witness record saved.",
}


def _details(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    *,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    saved: str | None = None,
    warnings: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    details = casework.case_details(ctx, user.actor, reference)
    case = cases.get_case(ctx, user.actor, reference)
    defaults = {
        "case": {
            "title": details.title,
            "jurisdiction": details.jurisdiction,
            "typology": details.typology or "",
            "statutes": details.statutes,
            "opened_on": details.opened_on.isoformat() if details.opened_on else "",
            "summary": details.summary or "",
        },
        "stage": {"on": clock.today().isoformat()},
        "member": {"case_role": "member"},
    }
    return _case_tab(
        request,
        user,
        case,
        "details",
        "casework/details.html",
        {
            "d": details,
            "form": form,
            "values": values or {},
            "defaults": defaults,
            "role_options": [(r, r.capitalize()) for r in casework.CASE_ROLES],
            "errors": errors or {},
            "labels": LABELS,
            "saved": SAVED.get(saved or ""),
            "warnings": warnings or [],
            "statutes": casework.statute_options(details.jurisdiction),
            "typologies": TYPOLOGIES,
            "case_roles": casework.CASE_ROLES,
        },
        status_code,
    )


@router.get("/cases/{reference}/details")
def details_page(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, saved: str | None = None
) -> Response:
    return _details(request, ctx, user, reference, saved=saved)


@router.post("/cases/{reference}/details")
def update_case(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, case: CaseFormDep
) -> Response:
    parsed = Parsed()
    opened = parsed.date(case.opened_on, "opened_on")
    warnings, errors = _attempt(
        parsed,
        lambda: casework.update_case(ctx, user.actor, reference, **case.details(opened)),
    )
    if errors:
        return _refused(_details, request, ctx, user, reference, "case", case.values(), errors)
    if warnings:
        return _details(request, ctx, user, reference, saved="case", warnings=warnings)
    return _back(reference, "details", "case")


@router.post("/cases/{reference}/details/stage")
def close_or_reopen(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    action: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    parsed = Parsed()
    when = parsed.date(on, "on", required=True)
    move = casework.reopen_case if action == "reopen" else casework.close_case
    _, errors = _attempt(
        parsed, lambda: move(ctx, user.actor, reference, when or clock.today(), reason)
    )
    if errors:
        values = {"on": on, "reason": reason}
        return _refused(_details, request, ctx, user, reference, "stage", values, errors)
    done = "reopened" if action == "reopen" else "closed"
    return _back(reference, "details", done)


@router.post("/cases/{reference}/members/add")
def add_member(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    username: Annotated[str, Form()] = "",
    case_role: Annotated[str, Form()] = "member",
) -> Response:
    parsed = Parsed()
    if not username.strip():
        parsed.errors.append(FieldError("username", "enter a username of your unit"))
    _, errors = _attempt(
        parsed, lambda: casework.add_member(ctx, user.actor, reference, username, case_role)
    )
    if errors:
        values = {"username": username, "case_role": case_role}
        return _refused(_details, request, ctx, user, reference, "member", values, errors)
    return _back(reference, "details", "member")


@router.post("/cases/{reference}/members/remove")
def remove_member(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    username: Annotated[str, Form()] = "",
) -> Response:
    _, errors = _attempt(
        Parsed(), lambda: casework.remove_member(ctx, user.actor, reference, username)
    )
    if errors:
        return _refused(_details, request, ctx, user, reference, "member", {}, errors)
    return _back(reference, "details", "removed")


# --------------------------------------------------------------------------- charges

VERDICTS = [(v.value, v.value.capitalize()) for v in Verdict]
PLEAS = [(p.value, p.value.replace("_", " ").capitalize()) for p in Plea]


def _charges(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    *,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    saved: str | None = None,
    warnings: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    view = casework.charges_view(ctx, user.actor, reference)
    return _case_tab(
        request,
        user,
        case,
        "charges",
        "casework/charges.html",
        {
            "v": view,
            "form": form,
            "values": values or {},
            "defaults": {"charge": {"counts": "1", "status": "filed"}},
            "errors": errors or {},
            "labels": LABELS,
            "saved": SAVED.get(saved or ""),
            "warnings": warnings or [],
            "verdicts": VERDICTS,
            "pleas": PLEAS,
            "statuses": [(s, s.capitalize()) for s in casework.CHARGE_STATUSES],
            # A charge under the case's own law; every statute only when none fits.
            "statute_options": [
                (s.id, s.citation + ("" if s.fits else f" ({words.country(s.jurisdiction)})"))
                for s in view.statutes
                if s.fits or not any(o.fits for o in view.statutes)
            ],
            "charge_options": [
                (
                    c.id,
                    f"{c.person} — {c.citation} ({c.counts} count{'s' if c.counts != 1 else ''})",
                )
                for c in view.charges
            ],
        },
        status_code,
    )


@router.get("/cases/{reference}/charges")
def charges_page(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, saved: str | None = None
) -> Response:
    return _charges(request, ctx, user, reference, saved=saved)


@router.post("/cases/{reference}/charges/add")
def add_charge(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    person_id: Annotated[str, Form()] = "",
    statute_id: Annotated[str, Form()] = "",
    counts: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "filed",
    filed_on: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "person_id": person_id,
        "statute_id": statute_id,
        "counts": counts,
        "status": status,
        "filed_on": filed_on,
    }
    parsed = Parsed()
    pid = parsed.int(person_id, "person_id")
    n = parsed.int(counts, "counts")
    filed = parsed.date(filed_on, "filed_on")
    _, errors = _attempt(
        parsed,
        lambda: casework.add_charge(
            ctx,
            user.actor,
            reference,
            person_id=pid,
            statute_id=statute_id,
            counts=n,
            status=status,
            filed_on=filed,
        ),
    )
    if errors:
        return _refused(_charges, request, ctx, user, reference, "charge", values, errors)
    return _back(reference, "charges", "charge")


OUTCOME_INTS = ("custodial_months", "suspended_months", "probation_months")
OUTCOME_MONEY = (
    "fine_amount",
    "restitution_requested",
    "restitution_ordered",
    "restitution_paid",
    "forfeiture_amount",
)
OUTCOME_DATES = ("verdict_on", "sentenced_on", "appeal_on", "plea_on")


@router.post("/cases/{reference}/outcomes/add")
async def add_outcome(request: Request, ctx: CtxDep, user: PageUser, reference: str) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    parsed = Parsed()
    fields: dict[str, Any] = {}
    for name in (*OUTCOME_INTS, "supervised_release_months"):
        fields[name] = parsed.int(values.get(name, ""), name)
    for name in OUTCOME_MONEY:
        fields[name] = parsed.money(values.get(name, ""), name)
    for name in OUTCOME_DATES:
        fields[name] = parsed.date(values.get(name, ""), name)
    appeal_filed_on = parsed.date(values.get("appeal_filed_on", ""), "appeal_filed_on")
    charge_id = parsed.int(values.get("charge_id", ""), "charge_id")
    verdict = values.get("verdict", "")
    if not verdict:
        parsed.errors.append(FieldError("verdict", "choose the verdict"))
    currency = values.get("currency", "").strip().upper() or None
    if currency is not None and len(currency) != 3:
        parsed.errors.append(FieldError("currency", "a three-letter code such as USD"))
    if fields["fine_amount"]:
        fields["fine_currency"] = currency
    fields["appeal_result"] = values.get("appeal_result", "").strip() or None
    fields["plea"] = values.get("plea") or None
    clean = {k: v for k, v in fields.items() if v is not None}
    warnings, errors = _attempt(
        parsed,
        lambda: casework.add_outcome(
            ctx,
            user.actor,
            reference,
            charge_id=charge_id,
            verdict=verdict,
            restitution_currency=currency,
            appeal_filed_on=appeal_filed_on,
            **clean,
        ),
    )
    if errors:
        return _refused(_charges, request, ctx, user, reference, "outcome", values, errors)
    if warnings:
        return _charges(request, ctx, user, reference, saved="outcome", warnings=warnings)
    return _back(reference, "charges", "outcome")


@router.post("/cases/{reference}/outcomes/{outcome_id}/payment")
def add_payment(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    outcome_id: int,
    paid_on: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    parsed = Parsed()
    when = parsed.date(paid_on, "paid_on", required=True)
    money = parsed.money(amount, "amount")
    _, errors = _attempt(
        parsed,
        lambda: casework.add_payment(
            ctx, user.actor, reference, outcome_id, paid_on=when, amount=money, note=note
        ),
    )
    if errors:
        values = {"paid_on": paid_on, "amount": amount, "note": note, "outcome": outcome_id}
        return _refused(
            _charges, request, ctx, user, reference, f"payment-{outcome_id}", values, errors
        )
    return _back(reference, "charges", "payment")


# --------------------------------------------------------------------------- notes, witnesses


def _hearings_refused(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    reference: str,
    form: str,
    values: dict[str, Any],
    errors: dict[str, list[str]],
) -> Response:
    from palermo.web.pages.hearings import _tab

    return _refused(_tab, request, ctx, user, reference, form, values, errors)


@router.post("/cases/{reference}/notes/add")
def add_note(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    kind: Annotated[str, Form()] = "note",
    text: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
    assigned_to: Annotated[str, Form()] = "",
) -> Response:
    parsed = Parsed()
    due = parsed.date(due_on, "due_on")
    _, errors = _attempt(
        parsed,
        lambda: casework.add_note(
            ctx,
            user.actor,
            reference,
            kind=kind,
            text=text,
            due_on=due,
            assigned_to=assigned_to.strip() or None,
        ),
    )
    if errors:
        values = {"kind": kind, "text": text, "due_on": due_on, "assigned_to": assigned_to}
        return _hearings_refused(request, ctx, user, reference, "note", values, errors)
    return _back(reference, "hearings", "note")


@router.post("/cases/{reference}/deadlines/add")
def add_deadline(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    kind: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    parsed = Parsed()
    due = parsed.date(due_on, "due_on", required=True)
    _, errors = _attempt(
        parsed,
        lambda: casework.add_deadline(
            ctx, user.actor, reference, kind=kind, due_on=due, description=description
        ),
    )
    if errors:
        values = {"kind": kind, "due_on": due_on, "description": description}
        return _hearings_refused(request, ctx, user, reference, "deadline", values, errors)
    return _back(reference, "hearings", "deadline")


@router.post("/cases/{reference}/notes/{note_id}/done")
def complete_task(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, note_id: int
) -> Response:
    casework.complete_task(ctx, user.actor, reference, note_id)
    return _back(reference, "hearings", "note")


@router.post("/cases/{reference}/witnesses/{person_id}/record")
def record_witness(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    person_id: int,
    what: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
    available: Annotated[str, Form()] = "",
    location: Annotated[str, Form()] = "",
    service: Annotated[str, Form()] = "",
    provider: Annotated[str, Form()] = "",
) -> Response:
    parsed = Parsed()
    when = parsed.date(on, "on", required=True)
    _, errors = _attempt(
        parsed,
        lambda: casework.record_witness(
            ctx,
            user.actor,
            reference,
            person_id,
            what=what,
            on=when,
            kind=kind,
            notes=notes,
            consent=consent,
            available=available,
            location=location,
            service=service,
            provider=provider,
        ),
    )
    if errors:
        values = {"what": what, "on": on, "kind": kind, "person_id": person_id}
        return _hearings_refused(
            request, ctx, user, reference, f"witness-{person_id}", values, errors
        )
    return _back(reference, "hearings", "witness")


# --------------------------------------------------------------------------- search


@router.get("/search")
def search_page(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=16)] = "",
    case: Annotated[str, Query(max_length=64)] = "",
    role: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    results = None
    error = None
    kinds = (kind,) if kind in search.KINDS else search.KINDS
    role = role if role in search.ROLES else ""
    if q.strip():
        try:
            results = search.search(
                ctx, user.actor, q, kinds=kinds, case=case or None, role=role or None
            )
        except InvalidInput as exc:
            error = str(exc).split(": ", 1)[-1]
    return render(
        request,
        "casework/search.html",
        {
            "q": q,
            "kind": kind,
            "case": case,
            "role": role,
            "r": results,
            "error": error,
            "kinds": search.KINDS,
            "roles": search.ROLES,
        },
        user=user,
        active="caseload",
    )


# --------------------------------------------------------------------------- import

IMPORT_LIMIT = 20 * 1024 * 1024


def _import_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    *,
    report: Any = None,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    from palermo.caseload.outcome_import import profile_names

    return render(
        request,
        "casework/import.html",
        {
            "report": report,
            "errors": errors or {},
            "values": values or {"profile": "htd"},
            "labels": {"file": "Table (CSV)", "profile": "Column mapping", "unit": "Unit"},
            "profiles": [(p, p.upper()) for p in profile_names()],
            "may_import": user.actor.can(Permission.EDIT_CASE),
        },
        user=user,
        active="outcomes",
        status_code=status_code,
    )


@router.get("/outcomes/import")
def import_form(request: Request, ctx: CtxDep, user: PageUser) -> Response:
    return _import_page(request, ctx, user)


@router.post("/outcomes/import")
async def import_table(request: Request, ctx: CtxDep, user: PageUser) -> Response:
    from starlette.datastructures import UploadFile

    from palermo.services import outcome_import

    form = await request.form()
    upload = form.get("file")
    profile = str(form.get("profile") or "htd")
    values = {"profile": profile}
    errors: list[FieldError] = []
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.append(FieldError("file", "choose the CSV file"))
        return _import_page(
            request,
            ctx,
            user,
            errors=FieldErrors(errors).by_field(),
            values=values,
            status_code=422,
        )
    data = await upload.read(IMPORT_LIMIT + 1)
    name = upload.filename
    if len(data) > IMPORT_LIMIT:
        errors.append(FieldError("file", f"{name} is larger than 20 MB"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(FieldError("file", f"{name} is not UTF-8 text"))
        text = ""
    units = casework.units_for(ctx, user.actor)
    if not units:
        errors.append(FieldError("unit", "your account has no unit"))
    report, refused = _attempt(
        Parsed() if not errors else _with(errors),
        lambda: outcome_import.import_outcomes(
            ctx, user.actor, text, unit_id=units[0][0], profile=profile, file_name=name
        ),
    )
    if refused:
        return _import_page(request, ctx, user, errors=refused, values=values, status_code=422)
    return _import_page(request, ctx, user, report=report, values=values)


def _with(errors: list[FieldError]) -> Parsed:
    parsed = Parsed()
    parsed.errors = errors
    return parsed
