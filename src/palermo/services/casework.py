"""Running a case by hand: case details, members and their role on the case, people,
charges, outcomes with restitution payments, notes and tasks, victim-witness records.

Each function opens one transaction, checks the actor's permission, validates every
field first (raising :class:`~palermo.services.fields.FieldErrors` that name the record
and the field) and writes nothing when anything is wrong; every write is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo import clock
from palermo.law.statutes import StatuteBook, load_statutes
from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services import analysis_jobs
from palermo.services import caseload as svc
from palermo.services.access import open_case
from palermo.services.cases import (
    PSEUDONYM_PREFIX,
    _add_member,
)
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound, PermissionDenied
from palermo.services.fields import FieldError, FieldErrors, raise_if

# People live in palermo.services.people; their names stay importable from here.
from palermo.services.people import (
    SEALED_FIELDS,
    PersonForm,
    add_person,
    check_person,
    person_form,
    suggestion_name,
    update_person,
)
from palermo.services.viewcache import VIEWED_CASE_FIELDS
from palermo.store.models import (
    Case,
    CaseMember,
    Charge,
    Person,
    PersonKind,
    Stage,
    Unit,
    User,
)
from palermo.store.models.caseload import (
    CaseNote,
    IntimidationReport,
    NoteKind,
    Outcome,
    Plea,
    RestitutionPayment,
    SupportService,
    Verdict,
    VictimContact,
    WitnessStatus,
)

CASE_ROLES = ("owner", "prosecutor", "investigator", "analyst", "advocate", "member")
JURISDICTION = re.compile(r"^[A-Z]{2,4}$")
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
CHARGE_STATUSES = ("considered", "filed", "dismissed", "withdrawn")


@lru_cache(maxsize=1)
def statute_book() -> StatuteBook:
    return load_statutes()


# --------------------------------------------------------------------------- statutes


@dataclass(frozen=True, slots=True)
class StatuteOption:
    id: str
    citation: str
    title: str
    jurisdiction: str
    fits: bool


def statute_options(jurisdiction: str | None = None) -> list[StatuteOption]:
    """Offences of the law data, those fitting ``jurisdiction`` first."""
    book = statute_book()
    fitting = {s.id for s in book.for_case(jurisdiction)} if jurisdiction else set()
    out = [
        StatuteOption(s.id, s.citation, s.title, s.jurisdiction, s.id in fitting)
        for s in book
        if s.offence
    ]
    return sorted(out, key=lambda o: (not o.fits, o.jurisdiction, o.citation))


def citation(statute_id: str) -> str:
    """The statute's proper citation, or the id itself when unknown."""
    book = statute_book()
    return book.get(statute_id).citation if statute_id in book else statute_id


def check_statutes(
    ids: list[str], jurisdiction: str | None, name: str = "statutes"
) -> tuple[list[str], list[FieldError], list[str]]:
    """(known ids in order, errors, jurisdiction warnings)."""
    book = statute_book()
    kept: list[str] = []
    errors: list[FieldError] = []
    warnings: list[str] = []
    for sid in ids:
        sid = sid.strip()
        if not sid or sid in kept:
            continue
        if sid not in book:
            errors.append(FieldError(name, f"unknown statute '{sid}' (not in the law data)"))
            continue
        if not book.get(sid).offence:
            errors.append(FieldError(name, f"{book.get(sid).citation} is not an offence"))
            continue
        kept.append(sid)
        warning = book.jurisdiction_warning(sid, jurisdiction) if jurisdiction else None
        if warning:
            warnings.append(warning)
    return kept, errors, warnings


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True, slots=True)
class CheckedCase:
    jurisdiction: str
    statutes: list[str]
    warnings: list[str]


def _actor_user(session: Session, actor: Actor) -> User | None:
    return session.get(User, actor.user_id) if actor.user_id is not None else None


def check_case_fields(
    session: Session,
    actor: Actor,
    *,
    reference: str | None,
    title: str,
    jurisdiction: str,
    unit_id: int | None,
    typology: str | None,
    stage: str,
    statutes: list[str],
    opened_on: date | None,
    members: list[str],
    case_id: int | None = None,
) -> CheckedCase:
    """Every rule for a case's fields (``reference`` None: not being changed)."""
    errors: list[FieldError] = []
    if reference is not None:
        if not reference:
            errors.append(FieldError("reference", "a case needs a reference"))
        elif not REFERENCE.match(reference):
            errors.append(
                FieldError(
                    "reference",
                    "use letters, digits and . _ / - (up to 64 characters), no spaces",
                )
            )
        else:
            other = session.scalar(select(Case.id).where(Case.reference == reference))
            if other is not None and other != case_id:
                errors.append(FieldError("reference", f"case '{reference}' already exists"))
    if not title.strip():
        errors.append(FieldError("title", "a case needs a title"))
    elif len(title) > 300:
        errors.append(FieldError("title", "at most 300 characters"))
    code = jurisdiction.strip().upper()
    if not JURISDICTION.match(code):
        errors.append(
            FieldError("jurisdiction", "a country code (e.g. US, GB, RO) or EU, UK, INTL")
        )
    if unit_id is not None:
        if session.get(Unit, unit_id) is None:
            errors.append(FieldError("unit", f"no unit with id {unit_id}"))
        elif not actor.is_system:
            user = _actor_user(session, actor)
            if user is None or user.unit_id != unit_id:
                errors.append(FieldError("unit", "you can only open cases in your own unit"))
    try:
        Stage(stage)
    except ValueError:
        errors.append(FieldError("stage", f"unknown stage '{stage}'"))
    if opened_on is not None and opened_on > clock.today():
        errors.append(FieldError("opened_on", f"{opened_on} is in the future"))
    if typology is not None and len(typology) > 64:
        errors.append(FieldError("typology", "at most 64 characters"))
    kept, statute_errors, warnings = check_statutes(statutes, code)
    errors += statute_errors
    for username in members:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            errors.append(FieldError("members", f"no user named '{username}'"))
        elif unit_id is not None and user.unit_id != unit_id:
            errors.append(FieldError("members", f"{username} is not in the case's unit"))
    raise_if(errors, f"case {reference or ''}".strip())
    return CheckedCase(code, kept, warnings)


def units_for(ctx: Context, actor: Actor) -> list[tuple[int, str, str]]:
    """Units a case may be opened in by this actor: (id, code, name)."""
    with ctx.db.session() as session:
        query = select(Unit).order_by(Unit.name)
        if not actor.is_system:
            user = _actor_user(session, actor)
            if user is None or user.unit_id is None:
                return []
            query = query.where(Unit.id == user.unit_id)
        return [(u.id, u.code, u.name) for u in session.scalars(query)]


def unit_id_for_code(ctx: Context, code: str) -> int:
    """The id of an existing unit; never creates one."""
    with ctx.db.session() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == code))
    if unit_id is None:
        raise FieldErrors([FieldError("unit", f"no unit with code '{code}'")])
    return int(unit_id)


@dataclass(frozen=True, slots=True)
class CaseDetails:
    id: int
    reference: str
    title: str
    jurisdiction: str
    typology: str | None
    stage: str
    statutes: list[str]
    citations: list[str]
    opened_on: date | None
    closed_on: date | None
    summary: str | None
    unit: str
    members: list[MemberView]
    may_manage_members: bool
    may_edit: bool


@dataclass(frozen=True, slots=True)
class MemberView:
    user_id: int
    username: str
    display_name: str
    role: str
    case_role: str


def _is_owner(session: Session, actor: Actor, case_id: int) -> bool:
    row = session.get(CaseMember, (case_id, actor.user_id)) if actor.user_id else None
    return row is not None and row.case_role == "owner"


def _may_manage_members(session: Session, actor: Actor, case_id: int) -> bool:
    return (
        actor.is_system
        or actor.can(Permission.MANAGE_USERS)
        or (_is_owner(session, actor, case_id) and actor.can(Permission.EDIT_CASE))
    )


def _case_for_members(ctx: Context, session: Session, actor: Actor, reference: str) -> Case:
    case = session.scalar(select(Case).where(Case.reference == reference))
    # Administrators manage membership without being members or reading case data.
    if case is None or not (actor.is_system or actor.can(Permission.MANAGE_USERS)):
        case = open_case(ctx, session, actor, reference)
    if not _may_manage_members(session, actor, case.id):
        raise PermissionDenied("only the case owner or an administrator adds or removes members")
    return case


def case_details(ctx: Context, actor: Actor, reference: str) -> CaseDetails:
    with ctx.db.session() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        if case is None or not (actor.can(Permission.MANAGE_USERS) or actor.is_system):
            case = open_case(ctx, session, actor, reference)
        unit = session.get(Unit, case.unit_id)
        rows = session.execute(
            select(CaseMember, User)
            .join(User, CaseMember.user_id == User.id)
            .where(CaseMember.case_id == case.id)
            .order_by(User.username)
        ).all()
        audit.record(
            session, actor=actor, action="case.details", case_id=case.id, object_type="case"
        )
        return CaseDetails(
            id=case.id,
            reference=case.reference,
            title=case.title,
            jurisdiction=case.jurisdiction,
            typology=case.typology,
            stage=case.stage,
            statutes=list(case.statutes or []),
            citations=[citation(s) for s in case.statutes or []],
            opened_on=case.opened_on,
            closed_on=case.closed_on,
            summary=case.summary,
            unit=unit.name if unit else "",
            members=[
                MemberView(u.id, u.username, u.display_name, u.role, m.case_role) for m, u in rows
            ],
            may_manage_members=_may_manage_members(session, actor, case.id),
            may_edit=actor.is_system or actor.can(Permission.EDIT_CASE),
        )


def update_case(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    title: str,
    jurisdiction: str,
    typology: str | None,
    statutes: list[str],
    opened_on: date | None,
    summary: str | None = None,
) -> list[str]:
    """Change a case's details; returns jurisdiction warnings."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        checked = check_case_fields(
            session,
            actor,
            reference=None,
            title=title,
            jurisdiction=jurisdiction,
            unit_id=None,
            typology=typology,
            stage=case.stage,
            statutes=statutes,
            opened_on=opened_on,
            members=[],
            case_id=case.id,
        )
        before = {
            "title": case.title,
            "jurisdiction": case.jurisdiction,
            "typology": case.typology,
            "statutes": list(case.statutes or []),
            "opened_on": case.opened_on,
        }
        case.title = title.strip()
        case.jurisdiction = checked.jurisdiction
        case.typology = (typology or "").strip() or None
        case.statutes = checked.statutes
        case.opened_on = opened_on
        case.summary = (summary or "").strip() or None
        after = {
            "title": case.title,
            "jurisdiction": case.jurisdiction,
            "typology": case.typology,
            "statutes": case.statutes,
            "opened_on": case.opened_on,
        }
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed.keys() & set(VIEWED_CASE_FIELDS):
            analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="case.update",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
            details={"changed": changed},
        )
        return checked.warnings


def close_case(ctx: Context, actor: Actor, reference: str, on: date, reason: str) -> list[str]:
    return _move(ctx, actor, reference, Stage.CLOSED.value, on, reason)


def reopen_case(ctx: Context, actor: Actor, reference: str, on: date, reason: str) -> list[str]:
    return _move(ctx, actor, reference, Stage.INVESTIGATION.value, on, reason)


def _move(
    ctx: Context, actor: Actor, reference: str, to_stage: str, on: date, reason: str
) -> list[str]:
    from palermo.services import caseload_views

    return caseload_views.move_case(ctx, actor, reference, to_stage=to_stage, on=on, reason=reason)


def add_member(
    ctx: Context, actor: Actor, reference: str, username: str, case_role: str = "member"
) -> None:
    if case_role not in CASE_ROLES:
        raise FieldErrors([FieldError("case_role", f"choose one of {', '.join(CASE_ROLES)}")])
    with ctx.db.session() as session:
        case = _case_for_members(ctx, session, actor, reference)
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is not None and session.get(CaseMember, (case.id, user.id)) is not None:
            raise FieldErrors(
                [FieldError("username", f"{user.username} is already a member")],
                f"case {reference}",
            )
        _add_member(session, case, username.strip(), skip_user_id=None, case_role=case_role)
        audit.record(
            session,
            actor=actor,
            action="case.member_add",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
            details={"username": username, "case_role": case_role},
        )


def remove_member(ctx: Context, actor: Actor, reference: str, username: str) -> None:
    with ctx.db.session() as session:
        case = _case_for_members(ctx, session, actor, reference)
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        row = session.get(CaseMember, (case.id, user.id)) if user is not None else None
        if row is None:
            raise FieldErrors([FieldError("username", f"{username} is not a member")])
        if row.case_role == "owner":
            owners = session.scalar(
                select(func.count())
                .select_from(CaseMember)
                .where(CaseMember.case_id == case.id, CaseMember.case_role == "owner")
            )
            if (owners or 0) <= 1:
                raise FieldErrors(
                    [FieldError("username", "the case's only owner cannot be removed")]
                )
        session.delete(row)
        audit.record(
            session,
            actor=actor,
            action="case.member_remove",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
            details={"username": username},
        )


# --------------------------------------------------------------------------- charges


@dataclass(frozen=True, slots=True)
class ChargeView:
    id: int
    person_id: int
    person: str
    statute_id: str
    citation: str
    counts: int
    status: str
    filed_on: date | None


@dataclass(frozen=True, slots=True)
class PaymentView:
    paid_on: date
    amount: Decimal
    note: str | None


@dataclass(frozen=True, slots=True)
class OutcomeView:
    id: int
    person: str
    charge: str
    verdict: str
    verdict_on: date | None
    plea: str | None
    sentenced_on: date | None
    custodial_months: int | None
    suspended_months: int | None
    probation_months: int | None
    supervised_release_months: int | None
    fine_amount: Decimal | None
    restitution_requested: Decimal | None
    restitution_ordered: Decimal | None
    restitution_paid: Decimal | None
    restitution_currency: str | None
    forfeiture_amount: Decimal | None
    appeal_filed_on: date | None
    appeal_result: str | None
    payments: list[PaymentView]


@dataclass(frozen=True, slots=True)
class ChargesView:
    defendants: list[tuple[int, str]]
    charges: list[ChargeView]
    outcomes: list[OutcomeView]
    statutes: list[StatuteOption]
    may_edit: bool


def _label(person: Person) -> str:
    # Defendants are named; anyone sealed appears by pseudonym only.
    return person.name if person.name and person.sealed_identity is None else person.pseudonym


def charges_view(ctx: Context, actor: Actor, reference: str) -> ChargesView:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        people = {p.id: p for p in session.scalars(select(Person).where(Person.case_id == case.id))}
        charges = list(
            session.scalars(select(Charge).where(Charge.case_id == case.id).order_by(Charge.id))
        )
        outcomes = list(
            session.scalars(select(Outcome).where(Outcome.case_id == case.id).order_by(Outcome.id))
        )
        payments: dict[int, list[PaymentView]] = {}
        if outcomes:
            for pay in session.scalars(
                select(RestitutionPayment)
                .where(RestitutionPayment.outcome_id.in_([o.id for o in outcomes]))
                .order_by(RestitutionPayment.paid_on)
            ):
                payments.setdefault(pay.outcome_id, []).append(
                    PaymentView(pay.paid_on, pay.amount, pay.note)
                )
        audit.record(session, actor=actor, action="charge.list", case_id=case.id)
        by_id = {c.id: c for c in charges}
        return ChargesView(
            defendants=[
                (p.id, _label(p))
                for p in sorted(people.values(), key=lambda p: p.id)
                if p.kind == PersonKind.SUSPECT.value
            ],
            charges=[
                ChargeView(
                    c.id,
                    c.person_id,
                    _label(people[c.person_id]),
                    c.statute_id,
                    citation(c.statute_id),
                    c.counts,
                    c.status,
                    c.filed_on,
                )
                for c in charges
            ],
            outcomes=[
                OutcomeView(
                    o.id,
                    _label(people[o.person_id]),
                    citation(by_id[o.charge_id].statute_id)
                    if o.charge_id in by_id
                    else (citation(o.statute_id) if o.statute_id else "whole case"),
                    o.verdict,
                    o.verdict_on,
                    o.plea,
                    o.sentenced_on,
                    o.custodial_months,
                    o.suspended_months,
                    o.probation_months,
                    o.supervised_release_months,
                    o.fine_amount,
                    o.restitution_requested,
                    o.restitution_ordered,
                    o.restitution_paid,
                    o.restitution_currency,
                    o.forfeiture_amount,
                    o.appeal_filed_on,
                    o.appeal_result,
                    payments.get(o.id, []),
                )
                for o in outcomes
            ],
            statutes=statute_options(case.jurisdiction),
            may_edit=actor.can(Permission.EDIT_CASE),
        )


def add_charge(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    person_id: int | None,
    statute_id: str,
    counts: int | None,
    status: str = "filed",
    filed_on: date | None = None,
) -> int:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        errors: list[FieldError] = []
        person = session.get(Person, person_id) if person_id is not None else None
        if person is None or person.case_id != case.id:
            errors.append(FieldError("person_id", "choose a defendant of this case"))
        elif person.kind != PersonKind.SUSPECT.value:
            errors.append(FieldError("person_id", f"{person.pseudonym} is not a suspect"))
        _, statute_errors, _ = check_statutes([statute_id], case.jurisdiction, "statute_id")
        errors += statute_errors
        if not statute_id.strip():
            errors.append(FieldError("statute_id", "choose a statute"))
        if counts is None or counts < 1 or counts > 1000:
            errors.append(FieldError("counts", "a whole number of counts from 1 to 1000"))
        if status not in CHARGE_STATUSES:
            errors.append(FieldError("status", f"choose one of {', '.join(CHARGE_STATUSES)}"))
        if filed_on is not None and case.opened_on and filed_on < case.opened_on:
            errors.append(
                FieldError("filed_on", f"{filed_on} is before the case opened ({case.opened_on})")
            )
        raise_if(errors, f"charge in case {reference}")
        assert person is not None and counts is not None
        charge = Charge(
            case_id=case.id,
            person_id=person.id,
            statute_id=statute_id.strip(),
            counts=counts,
            status=status,
            filed_on=filed_on,
        )
        session.add(charge)
        if filed_on is not None and (case.charged_on is None or filed_on < case.charged_on):
            case.charged_on = filed_on
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="charge.create",
            case_id=case.id,
            object_type="charge",
            object_id=charge.id,
            details={"person_id": person.id, "statute_id": statute_id, "counts": counts},
        )
        return charge.id


# --------------------------------------------------------------------------- outcomes

OUTCOME_VALUE_FIELDS = (*svc.OUTCOME_FIELDS, "plea", "plea_on", "supervised_release_months")


def add_outcome(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    charge_id: int | None,
    verdict: str,
    restitution_currency: str | None = None,
    appeal_filed_on: date | None = None,
    **values: Any,
) -> list[str]:
    """Record the outcome of one charge; returns warnings (e.g. below the statute minimum).

    Refused, naming the field: a verdict before the charge was filed, a sentence above
    the statute's maximum, restitution paid above ordered, an unknown plea."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        charge = session.get(Charge, charge_id) if charge_id is not None else None
        rec = f"outcome in case {reference}"
        errors: list[FieldError] = []
        if charge is None or charge.case_id != case.id:
            raise FieldErrors([FieldError("charge_id", "choose a charge of this case")], rec)
        person = session.get(Person, charge.person_id)
        assert person is not None
        rec = f"outcome for {_label(person)} on {citation(charge.statute_id)}"
        plea = values.pop("plea", None)
        if plea is not None and plea not in {p.value for p in Plea}:
            errors.append(FieldError("plea", f"choose one of {', '.join(p.value for p in Plea)}"))
        verdict_on = values.get("verdict_on")
        if charge.filed_on and verdict_on and verdict_on < charge.filed_on:
            errors.append(
                FieldError(
                    "verdict_on",
                    f"verdict on {verdict_on} is before the charge on {charge.filed_on}",
                )
            )
        paid, ordered = values.get("restitution_paid"), values.get("restitution_ordered")
        if paid and paid > (ordered or 0):
            errors.append(
                FieldError("restitution_paid", f"paid {paid} is more than ordered ({ordered or 0})")
            )
        existing = session.scalar(select(Outcome.id).where(Outcome.charge_id == charge.id))
        if existing is not None:
            errors.append(FieldError("charge_id", "this charge already has an outcome"))
        raise_if(errors, rec)
        extra = {k: values.pop(k) for k in ("plea_on", "supervised_release_months") if k in values}
        try:
            saved = svc.add_outcome(
                session,
                actor,
                case_id=case.id,
                person_id=person.id,
                verdict=verdict,
                charge_id=charge.id,
                restitution_currency=restitution_currency,
                **values,
            )
        except FieldErrors:
            raise
        except InvalidInput as exc:
            from palermo.services.caseload_views import _field_errors

            raise _field_errors(exc) from None
        row = session.get(Outcome, saved.id)
        assert row is not None
        row.plea = plea
        row.appeal_filed_on = appeal_filed_on
        for k, v in extra.items():
            setattr(row, k, v)
        if row.restitution_paid:
            session.add(
                RestitutionPayment(
                    outcome_id=row.id,
                    paid_on=row.sentenced_on or row.verdict_on or clock.today(),
                    amount=row.restitution_paid,
                    note="paid when the outcome was recorded",
                    by_user_id=actor.user_id,
                )
            )
        if verdict != Verdict.PENDING.value and charge.status == "considered":
            charge.status = "filed"
        session.flush()
        unit_id = case.unit_id
    from palermo.services.caseload_views import _forget_unit

    _forget_unit(ctx, unit_id)
    return saved.warnings


def add_payment(
    ctx: Context,
    actor: Actor,
    reference: str,
    outcome_id: int,
    *,
    paid_on: date | None,
    amount: Decimal | None,
    note: str | None = None,
) -> None:
    """A restitution payment; the total paid may not exceed the amount ordered."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        outcome = session.get(Outcome, outcome_id)
        if outcome is None or outcome.case_id != case.id:
            raise NotFound(f"outcome {outcome_id} not found in case '{reference}'")
        rec = f"restitution payment on outcome {outcome_id}"
        errors: list[FieldError] = []
        if paid_on is None:
            errors.append(FieldError("paid_on", "enter the date paid"))
        elif outcome.sentenced_on and paid_on < outcome.sentenced_on:
            errors.append(
                FieldError("paid_on", f"{paid_on} is before the sentence ({outcome.sentenced_on})")
            )
        if amount is None or amount <= 0:
            errors.append(FieldError("amount", "enter an amount above zero"))
        ordered = outcome.restitution_ordered or Decimal(0)
        paid = outcome.restitution_paid or Decimal(0)
        if amount is not None and amount > 0 and paid + amount > ordered:
            errors.append(
                FieldError(
                    "amount",
                    f"paid would be {paid + amount}, above the {ordered} ordered",
                )
            )
        raise_if(errors, rec)
        assert paid_on is not None and amount is not None
        session.add(
            RestitutionPayment(
                outcome_id=outcome.id,
                paid_on=paid_on,
                amount=amount,
                note=(note or "").strip() or None,
                by_user_id=actor.user_id,
            )
        )
        outcome.restitution_paid = paid + amount
        audit.record(
            session,
            actor=actor,
            action="caseload.restitution_payment",
            case_id=case.id,
            object_type="outcome",
            object_id=outcome.id,
            details={"amount": str(amount), "paid_on": paid_on},
        )
        unit_id = case.unit_id
    from palermo.services.caseload_views import _forget_unit

    _forget_unit(ctx, unit_id)


# --------------------------------------------------------------------------- notes, tasks


@dataclass(frozen=True, slots=True)
class NoteView:
    id: int
    kind: str
    text: str
    due_on: date | None
    done: bool
    assigned_to: str | None
    by: str | None


def list_notes(ctx: Context, actor: Actor, reference: str) -> list[NoteView]:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        users = {u.id: u.username for u in session.scalars(select(User))}
        rows = session.scalars(
            select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id.desc())
        )
        return [
            NoteView(
                n.id,
                n.kind,
                n.text,
                n.due_on,
                n.done,
                users.get(n.assigned_to or 0),
                users.get(n.by_user_id or 0),
            )
            for n in rows
        ]


def add_note(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    kind: str,
    text: str,
    due_on: date | None = None,
    assigned_to: str | None = None,
) -> int:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        errors: list[FieldError] = []
        if kind not in {k.value for k in NoteKind}:
            errors.append(FieldError("kind", "a note or a task"))
        if not text.strip():
            errors.append(FieldError("text", "write the note or the task"))
        assignee: int | None = None
        if assigned_to:
            row = session.execute(
                select(User.id)
                .join(CaseMember, CaseMember.user_id == User.id)
                .where(User.username == assigned_to.lower(), CaseMember.case_id == case.id)
            ).first()
            if row is None:
                errors.append(FieldError("assigned_to", f"{assigned_to} is not a case member"))
            else:
                assignee = int(row[0])
        raise_if(errors, f"{kind} in case {reference}")
        note = CaseNote(
            case_id=case.id,
            kind=kind,
            text=text.strip(),
            due_on=due_on,
            assigned_to=assignee,
            by_user_id=actor.user_id,
        )
        session.add(note)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="case.note",
            case_id=case.id,
            object_type="case_note",
            object_id=note.id,
            details={"kind": kind},
        )
        return note.id


def add_deadline(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    kind: str,
    due_on: date | None,
    description: str | None = None,
) -> int:
    if due_on is None:
        raise FieldErrors([FieldError("due_on", "enter the due date")], "deadline")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        try:
            saved = svc.add_deadline(
                session,
                actor,
                case_id=case.id,
                kind=kind,
                due_on=due_on,
                description=(description or "").strip() or None,
            )
        except InvalidInput as exc:
            raise FieldErrors([FieldError("kind", str(exc).split(": ", 1)[-1])]) from None
        unit_id = case.unit_id
    from palermo.services.caseload_views import _forget_unit

    _forget_unit(ctx, unit_id)
    return saved.id


def complete_task(ctx: Context, actor: Actor, reference: str, note_id: int) -> None:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        note = session.get(CaseNote, note_id)
        if note is None or note.case_id != case.id:
            raise NotFound(f"task {note_id} not found")
        note.done = True  # casework: the kept views stay (no analysis to queue)
        audit.record(
            session, actor=actor, action="case.task_done", case_id=case.id, object_id=note_id
        )


# --------------------------------------------------------------------------- witnesses


def _witness_for_care(
    ctx: Context, session: Session, actor: Actor, reference: str, pid: int
) -> Person:
    """Advocates record victim-witness care without editing the rest of the case."""
    case = open_case(ctx, session, actor, reference)
    if not (actor.can(Permission.EDIT_CASE) or actor.can(Permission.SEE_WITNESS_DETAILS)):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot record witness care")
    person = session.get(Person, pid)
    if person is None or person.case_id != case.id:
        raise NotFound(f"person {pid} not found in case '{reference}'")
    if person.kind not in (PersonKind.VICTIM.value, PersonKind.WITNESS.value):
        raise FieldErrors([FieldError("person_id", f"{person.pseudonym} is not a victim-witness")])
    return person


def _status(session: Session, person_id: int) -> WitnessStatus:
    row = session.get(WitnessStatus, person_id)
    if row is None:
        row = WitnessStatus(person_id=person_id, intimidation_reports=0, available=True)
        session.add(row)
    return row


def record_witness(
    ctx: Context,
    actor: Actor,
    reference: str,
    person_id: int,
    *,
    what: str,
    on: date | None,
    kind: str = "",
    notes: str = "",
    consent: str = "",
    available: str = "",
    location: str = "",
    service: str = "",
    provider: str = "",
) -> None:
    """One victim-witness record: ``what`` is contact, consent, support, availability or
    intimidation. Intimidation reports and consent feed the risk rating."""
    errors: list[FieldError] = []
    if on is None:
        errors.append(FieldError("on", "enter a date"))
    elif on > clock.today():
        errors.append(FieldError("on", f"{on} is in the future"))
    if what == "contact" and not kind.strip():
        errors.append(FieldError("kind", "how (visit, phone, message, court…)"))
    if what == "consent" and consent not in ("yes", "no", "withdrawn"):
        errors.append(FieldError("consent", "yes, no or withdrawn"))
    if what == "support" and not service.strip():
        errors.append(FieldError("service", "which service (shelter, legal aid, medical…)"))
    if what == "availability" and available not in ("yes", "no"):
        errors.append(FieldError("available", "yes or no"))
    if what not in ("contact", "consent", "support", "availability", "intimidation"):
        errors.append(FieldError("form", f"unknown record '{what}'"))
    raise_if(errors, f"victim-witness {what}")
    assert on is not None
    with ctx.db.session() as session:
        person = _witness_for_care(ctx, session, actor, reference, person_id)
        details: dict[str, Any] = {"what": what}
        if what == "contact":
            session.add(
                VictimContact(
                    person_id=person.id,
                    contacted_on=on,
                    kind=kind.strip(),
                    notes=notes.strip() or None,
                    by_user_id=actor.user_id,
                )
            )
            details["kind"] = kind.strip()
        elif what == "consent":
            st = _status(session, person.id)
            st.consent_to_testify = consent == "yes"
            st.consent_withdrawn_on = on if consent == "withdrawn" else None
            details["consent"] = consent
        elif what == "support":
            session.add(
                SupportService(
                    person_id=person.id,
                    service=service.strip(),
                    started_on=on,
                    provider=provider.strip() or None,
                )
            )
            details["service"] = service
        elif what == "availability":
            st = _status(session, person.id)
            st.available = available == "yes"
            if location.strip():
                st.location = location.strip()
            details["available"] = available
        elif what == "intimidation":
            session.add(
                IntimidationReport(
                    person_id=person.id,
                    reported_on=on,
                    description=notes.strip() or None,
                    by_user_id=actor.user_id,
                )
            )
            st = _status(session, person.id)
            st.intimidation_reports = (st.intimidation_reports or 0) + 1
        session.flush()
        # Location and notes stay out of the log: they may reveal where a witness is safe.
        audit.record(
            session,
            actor=actor,
            action="caseload.witness_record",
            case_id=person.case_id,
            object_type="person",
            object_id=person.id,
            details=details,
        )
        unit_id = session.get(Case, person.case_id).unit_id  # type: ignore[union-attr]
    from palermo.services.caseload_views import _forget_unit

    _forget_unit(ctx, unit_id)


__all__ = [
    "CASE_ROLES",
    "PSEUDONYM_PREFIX",
    "SEALED_FIELDS",
    "PersonForm",
    "add_charge",
    "add_member",
    "add_note",
    "add_outcome",
    "add_payment",
    "add_person",
    "case_details",
    "charges_view",
    "check_person",
    "close_case",
    "person_form",
    "record_witness",
    "remove_member",
    "reopen_case",
    "statute_options",
    "suggestion_name",
    "update_case",
    "update_person",
]
