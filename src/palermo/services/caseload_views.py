"""Caseload views for the web and the API: the caseload service wrapped in ``(ctx, actor)``.

:mod:`palermo.services.caseload` takes an open session and a unit id; the web must never
choose the unit (it is the signed-in user's own) nor see what the role may not. This
module opens the transaction, finds the actor's unit, trims witness details for roles
without :attr:`Permission.SEE_WITNESS_DETAILS`, adds the per-case view of the
"Hearings & witnesses" tab, and turns validation messages into field errors.
"""

from __future__ import annotations

import io
import re
import time
import weakref
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from threading import Lock
from typing import Any

from sqlalchemy import select

from palermo import clock
from palermo.caseload import alerts, context, htcds, lifecycle
from palermo.caseload.context import Count, GlotipRow, TipYear
from palermo.caseload.records import CaseInfo, HearingInfo
from palermo.caseload.targets import targets_for
from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services import caseload as svc
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, PermissionDenied
from palermo.services.fields import FieldError, FieldErrors
from palermo.store.models import Case, Person, Unit, User
from palermo.store.models.caseload import (
    CaseDeadline,
    DeadlineKind,
    Hearing,
    HearingParty,
    StageTransition,
    SupportService,
    VictimContact,
    WitnessStatus,
)
from palermo.store.models.core import Stage

# --------------------------------------------------------------------------- errors


_ISSUE = re.compile(r"^(?:error|warning): (?P<record>.+?), (?P<field>[a-z_]+): (?P<message>.*)$")
# Names in the caseload service -> names of the form fields.
_FIELD_ALIASES = {"occurred_on": "on", "held_on": "held_on", "from_stage": "to_stage"}


def _field_errors(exc: InvalidInput) -> FieldErrors:
    """``InvalidInput("error: rec, field: msg; error: ...")`` as field errors."""
    errors = []
    for part in str(exc).split("; error: "):
        text = part if part.startswith(("error: ", "warning: ")) else "error: " + part
        m = _ISSUE.match(text)
        if m is None:
            errors.append(FieldError("form", part))
        else:
            name = m.group("field")
            errors.append(FieldError(_FIELD_ALIASES.get(name, name), m.group("message")))
    return FieldErrors(errors)


# --------------------------------------------------------------------------- unit


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    name: str
    country: str | None


def _actor_unit(session: Any, actor: Actor) -> Unit | None:
    """The signed-in user's own unit: the web never picks a unit from the request."""
    if actor.user_id is None:
        return None
    user = session.get(User, actor.user_id)
    if user is None or user.unit_id is None:
        return None
    return session.get(Unit, user.unit_id)


def _unit_info(unit: Unit) -> UnitInfo:
    return UnitInfo(unit.id, unit.name, unit.country)


# --------------------------------------------------------------------------- dashboard


@dataclass(frozen=True, slots=True)
class DashboardView:
    unit: UnitInfo | None
    dashboard: svc.Dashboard | None
    # False: witness rows carry the rating only (reasons removed by the service).
    witness_details: bool
    # When the figures were computed (they may come from the short-lived cache).
    computed_at: datetime | None = None


# The dashboard of a large unit costs about a second of CPU; a unit head's page is
# reloaded often. Results are kept per (database, unit, user, day) for a short time and
# dropped at once when a case of the unit changes through this module. Changes made
# elsewhere (CLI, another worker) show within DASHBOARD_MAX_AGE seconds. Entries hold
# (weak ref to the context, monotonic time computed, wall time computed, dashboard).
DASHBOARD_MAX_AGE = 30.0
_CacheKey = tuple[int, int, int | None, date]
_dash_cache: dict[_CacheKey, tuple[Any, float, datetime, svc.Dashboard]] = {}
_dash_locks: dict[_CacheKey, Lock] = {}
_dash_guard = Lock()
_user_units: dict[tuple[int, int | None], tuple[UnitInfo, float]] = {}


def _forget_unit(ctx: Context, unit_id: int) -> None:
    with _dash_guard:
        _user_units.clear()
        for key in [k for k in _dash_cache if k[0] == id(ctx) and k[1] == unit_id]:
            del _dash_cache[key]


def _cached(
    ctx: Context, key: _CacheKey, asked: float | None = None
) -> tuple[datetime, svc.Dashboard] | None:
    """The cached dashboard if still fresh, or (``asked``) computed after that moment."""
    entry = _dash_cache.get(key)
    if entry is None:
        return None
    ref, computed, at, dash = entry
    if ref() is not ctx:
        return None
    now = time.monotonic()
    if now - computed <= DASHBOARD_MAX_AGE or (asked is not None and computed >= asked):
        return at, dash
    return None


def _audit_cached(session: Any, actor: Actor, unit_id: int, at: datetime) -> None:
    # Every read is audited, cached or not, with the time the figures were computed.
    audit.record(
        session,
        actor=actor,
        action="caseload.dashboard",
        object_type="unit",
        object_id=unit_id,
        details={"computed_at": at.isoformat()},
    )


def dashboard(ctx: Context, actor: Actor, today: date | None = None) -> DashboardView:
    """The dashboard of the actor's unit; ``unit`` is None when the user has no unit."""
    if not (actor.can(Permission.READ_CASE) or actor.can(Permission.READ_STATISTICS)):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot see the caseload")
    details = actor.can(Permission.SEE_WITNESS_DETAILS)
    today = today or clock.today()
    asked = time.monotonic()
    with ctx.db.session() as session:
        # The user's unit, remembered as long as a dashboard is (two queries fewer).
        known = _user_units.get((id(ctx), actor.user_id))
        if known is not None and time.monotonic() - known[1] <= DASHBOARD_MAX_AGE:
            info = known[0]
        else:
            unit = _actor_unit(session, actor)
            if unit is None:
                return DashboardView(None, None, details)
            info = _unit_info(unit)
            with _dash_guard:
                if len(_user_units) >= 1024:
                    _user_units.clear()
                _user_units[(id(ctx), actor.user_id)] = (info, time.monotonic())
        key: _CacheKey = (id(ctx), info.id, actor.user_id, today)
        hit = _cached(ctx, key)
        if hit is not None:
            _audit_cached(session, actor, info.id, hit[0])
    if hit is None:
        with _dash_guard:
            key_lock = _dash_locks.setdefault(key, Lock())
        # One computation per key at a time; requests that waited for it use its result.
        with key_lock:
            hit = _cached(ctx, key, asked)
            if hit is None:
                with ctx.db.session() as session:
                    dash = svc.dashboard(session, actor, info.id, today)
                    # The service's audit entry is written again below, in a short
                    # transaction, so a second-long computation never holds the write lock.
                    session.rollback()
                hit = (datetime.now(UTC), dash)
                with _dash_guard:
                    now = time.monotonic()
                    for stale in [
                        k for k, v in _dash_cache.items() if now - v[1] > DASHBOARD_MAX_AGE
                    ]:
                        del _dash_cache[stale]
                    _dash_cache[key] = (weakref.ref(ctx), now, hit[0], dash)
            with ctx.db.session() as session:
                _audit_cached(session, actor, info.id, hit[0])
    at, dash = hit
    if not details:
        dash = replace(
            dash,
            at_risk_witnesses=[replace(w, reasons=[]) for w in dash.at_risk_witnesses],
        )
    return DashboardView(info, dash, details, at)


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True, slots=True)
class OutcomesView:
    unit: UnitInfo | None
    stats: svc.OutcomeStatistics | None


def _require_statistics(actor: Actor) -> None:
    if not actor.can(Permission.READ_STATISTICS):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot read statistics")


def outcomes(ctx: Context, actor: Actor) -> OutcomesView:
    _require_statistics(actor)
    with ctx.db.session() as session:
        unit = _actor_unit(session, actor)
        if unit is None:
            return OutcomesView(None, None)
        return OutcomesView(_unit_info(unit), svc.outcome_statistics(session, actor, unit.id))


def export_table(ctx: Context, actor: Actor, table: str) -> str:
    """CSV of one of :data:`palermo.services.caseload.EXPORTABLE` for the actor's unit."""
    _require_statistics(actor)
    with ctx.db.session() as session:
        unit = _actor_unit(session, actor)
        if unit is None:
            raise InvalidInput("your account has no unit; ask an administrator to set one")
        return svc.export_csv(session, actor, unit.id, table)


EXPORT_TABLES = tuple(svc.EXPORTABLE)


def htcds_export(ctx: Context, actor: Actor) -> str:
    """The unit's victims and perpetrators as an HTCDS CSV. A victim's type of
    exploitation is the case's typology as set, or else the form the evidence points
    to; ``ext_TypeOfExploitationSource`` says which."""
    _require_statistics(actor)
    with ctx.db.session() as session:
        unit = _actor_unit(session, actor)
        if unit is None:
            raise InvalidInput("your account has no unit; ask an administrator to set one")
        people = svc.htcds_people(session, actor, unit.id)
    buffer = io.StringIO()
    htcds.write_csv(people, buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- context data

_ISO3 = {
    "US": "USA",
    "GB": "GBR",
    "PH": "PHL",
    "NG": "NGA",
    "RO": "ROU",
    "UA": "UKR",
    "TH": "THA",
    "VN": "VNM",
    "MX": "MEX",
    "HN": "HND",
    "AL": "ALB",
    "IN": "IND",
    "DE": "DEU",
    "FR": "FRA",
    "IT": "ITA",
    "ES": "ESP",
    "NL": "NLD",
    "BE": "BEL",
    "CH": "CHE",
    "AT": "AUT",
    "PL": "POL",
    "BG": "BGR",
    "MD": "MDA",
    "NP": "NPL",
    "LK": "LKA",
    "KZ": "KAZ",
    "GY": "GUY",
    "AU": "AUS",
    "CA": "CAN",
    "BR": "BRA",
    "AR": "ARG",
    "CO": "COL",
    "PE": "PER",
    "ZA": "ZAF",
    "KE": "KEN",
    "GH": "GHA",
    "EG": "EGY",
    "PT": "PRT",
    "SE": "SWE",
    "QA": "QAT",
    "ID": "IDN",
    "MY": "MYS",
    "KH": "KHM",
    "MM": "MMR",
    "CN": "CHN",
    "JP": "JPN",
    "KR": "KOR",
    "PK": "PAK",
    "BD": "BGD",
}
GLOTIP_INDICATORS = ("Detected trafficking victims", "Persons prosecuted", "Persons convicted")


@dataclass(frozen=True, slots=True)
class NationalYear:
    year: int
    counts: dict[str, Count | None]  # GLOTIP indicator -> total count (censored kept)


@dataclass(frozen=True, slots=True)
class ContextFigures:
    """National (GLOTIP) and global (TIP Report) figures, or why they are missing."""

    data_dir: str
    available: bool
    problem: str | None = None
    iso3: str | None = None
    country: str | None = None
    national: list[NationalYear] = field(default_factory=list)
    tip: list[TipYear] = field(default_factory=list)
    glotip_source: str = context.GLOTIP_SOURCE
    tip_source: str = context.TIP_SOURCE


_cache: dict[str, list[GlotipRow]] = {}
_cache_lock = Lock()


def _glotip(source: context.Source) -> list[GlotipRow]:
    # Parsing the 46,556 rows takes about a second: keep one copy per file.
    key = str(source)
    with _cache_lock:
        rows = _cache.get(key)
        if rows is None:
            _cache.clear()
            rows = _cache[key] = context.load_glotip(source)
    return rows


def iso3(country: str | None) -> str | None:
    if not country:
        return None
    code = country.strip().upper()
    if len(code) == 3:
        return code
    if code in _ISO3:
        return _ISO3[code]
    try:
        import pycountry  # optional: only for countries missing from the table above

        found = pycountry.countries.get(alpha_2=code)
        return str(found.alpha_3) if found else None
    except ImportError:
        return None


def context_figures(ctx: Context, actor: Actor) -> ContextFigures:
    """GLOTIP figures for the unit's country and the TIP Report's global table, read on
    demand from the tables shipped with the package (or ``$PALERMO_CONTEXT_DATA``)."""
    _require_statistics(actor)
    with ctx.db.session() as session:
        unit = _actor_unit(session, actor)
        country = unit.country if unit is not None else None
    data = context.data_root()
    glotip_path = data.joinpath(context.GLOTIP_FILE)
    tip_paths = [data.joinpath(name) for name in context.TIP_FILES]
    if not glotip_path.is_file() or not all(p.is_file() for p in tip_paths):
        names = ", ".join((context.GLOTIP_FILE, *context.TIP_FILES))
        return ContextFigures(
            str(data),
            False,
            problem=f"the context data folder {data} does not hold {names} "
            f"(unset {context.ENV_OVERRIDE} to use the tables shipped with Palermo)",
        )
    try:
        rows = _glotip(glotip_path)
        tip = context.load_tip(tip_paths)
    except (OSError, context.ContextDataError) as exc:
        return ContextFigures(str(data), False, problem=str(exc))
    code = iso3(country)
    national: list[NationalYear] = []
    name = None
    if code is not None:
        series = {ind: context.glotip_country_series(rows, code, ind) for ind in GLOTIP_INDICATORS}
        years = sorted({y for s in series.values() for y in s})
        national = [
            NationalYear(y, {ind: series[ind].get(y) for ind in GLOTIP_INDICATORS}) for y in years
        ]
        name = next((r.country for r in rows if r.iso3 == code), None)
    return ContextFigures(str(data), True, iso3=code, country=name, national=national, tip=tip)


# --------------------------------------------------------------------------- case tab


@dataclass(frozen=True, slots=True)
class TransitionRow:
    on: date
    from_stage: str | None
    to_stage: str
    reason: str | None
    diversion_kind: str | None


@dataclass(frozen=True, slots=True)
class HearingView:
    id: int
    held_on: date
    kind: str
    adjourned: bool
    requested_by: str | None
    reason: str | None
    result: str | None
    upcoming: bool


@dataclass(frozen=True, slots=True)
class DeadlineView:
    id: int
    kind: str
    due_on: date
    done: bool
    description: str | None
    days_left: int
    status: str  # overdue | due_soon | open | done


@dataclass(frozen=True, slots=True)
class ContactView:
    on: date
    kind: str
    notes: str | None


@dataclass(frozen=True, slots=True)
class SupportView:
    service: str
    started_on: date
    ended_on: date | None
    provider: str | None


@dataclass(frozen=True, slots=True)
class WitnessView:
    """A victim or witness by pseudonym. Without SEE_WITNESS_DETAILS only ``level`` is set:
    reasons, contacts, support, location and the status fields stay empty/None."""

    person_id: int
    kind: str
    pseudonym: str
    level: str
    score: int | None
    reasons: list[str]
    details: bool
    contacts: list[ContactView] = field(default_factory=list)
    support: list[SupportView] = field(default_factory=list)
    location: str | None = None
    available: bool | None = None
    repatriated: bool | None = None
    intimidation_reports: int | None = None
    consent_to_testify: bool | None = None
    consent_withdrawn_on: date | None = None


@dataclass(frozen=True, slots=True)
class CaseHearings:
    case_id: int
    reference: str
    stage: str
    opened_on: date | None
    today: date
    transitions: list[TransitionRow]
    next_stages: list[str]
    hearings: list[HearingView]
    adjournments_by_party: dict[str, int]
    adjournment_sentences: list[str]
    over_target_reasons: list[str]
    deadlines: list[DeadlineView]
    witnesses: list[WitnessView]
    witness_details: bool
    can_edit: bool
    targets: dict[str, Any]


def case_hearings(
    ctx: Context, actor: Actor, reference: str, today: date | None = None
) -> CaseHearings:
    """Stage history, hearings with adjournments, deadlines and victim-witnesses of a case."""
    today = today or clock.today()
    details = actor.can(Permission.SEE_WITNESS_DETAILS)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.READ_CASE)
        unit = session.get(Unit, case.unit_id)
        t = targets_for(unit.settings if unit else None)
        transitions = [
            TransitionRow(r.occurred_on, r.from_stage, r.to_stage, r.reason, r.diversion_kind)
            for r in session.scalars(
                select(StageTransition)
                .where(StageTransition.case_id == case.id)
                .order_by(StageTransition.occurred_on, StageTransition.id)
            )
        ]
        hearing_rows = list(
            session.scalars(
                select(Hearing)
                .where(Hearing.case_id == case.id)
                .order_by(Hearing.held_on, Hearing.id)
            )
        )
        hearings = [
            HearingView(
                h.id,
                h.held_on,
                h.kind,
                bool(h.adjourned),
                h.requested_by,
                h.reason,
                h.result,
                h.held_on >= today,
            )
            for h in hearing_rows
        ]
        infos = [
            HearingInfo(case.id, h.held_on, h.kind, bool(h.adjourned), h.requested_by)
            for h in hearing_rows
        ]
        adj = alerts.adjournments(infos)
        arraigned = min((h.held_on for h in hearing_rows if h.kind == "arraignment"), default=None)
        since = transitions[-1].on if transitions else case.opened_on
        info = CaseInfo(
            id=case.id,
            reference=case.reference,
            stage=case.stage,
            opened_on=case.opened_on,
            charged_on=case.charged_on,
            closed_on=case.closed_on,
            typology=case.typology,
            jurisdiction=case.jurisdiction,
            arraigned_on=arraigned,
            stage_since=since,
        )
        over = alerts.over_target([info], infos, t, today)
        deadlines = []
        for d in session.scalars(
            select(CaseDeadline)
            .where(CaseDeadline.case_id == case.id)
            .order_by(CaseDeadline.due_on)
        ):
            left = (d.due_on - today).days
            status = (
                "done"
                if d.done
                else "overdue"
                if left < 0
                else "due_soon"
                if left <= t.deadline_warning_days
                else "open"
            )
            deadlines.append(
                DeadlineView(d.id, d.kind, d.due_on, bool(d.done), d.description, left, status)
            )
        witnesses = _witnesses(session, case.id, today, t.witness_no_contact_weeks, details)
        try:
            next_stages = sorted(
                (s.value for s in lifecycle.ALLOWED[Stage(case.stage)]),
                key=lifecycle.STAGE_ORDER.index,
            )
        except ValueError:
            next_stages = []
        audit.record_read(
            session,
            actor=actor,
            action="caseload.case_hearings",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
            details={"witness_details": details, "witnesses": len(witnesses)},
        )
        return CaseHearings(
            case_id=case.id,
            reference=case.reference,
            stage=case.stage,
            opened_on=case.opened_on,
            today=today,
            transitions=transitions,
            next_stages=next_stages,
            hearings=hearings,
            adjournments_by_party=dict(sorted(adj.by_party.items(), key=lambda kv: -kv[1])),
            adjournment_sentences=adj.sentences(),
            over_target_reasons=list(over[0].reasons) if over else [],
            deadlines=deadlines,
            witnesses=witnesses,
            witness_details=details,
            can_edit=actor.can(Permission.EDIT_CASE),
            targets=t.model_dump(),
        )


def _witnesses(
    session: Any, case_id: int, today: date, no_contact_weeks: int, details: bool
) -> list[WitnessView]:
    ids = select(Case.id).where(Case.id == case_id).scalar_subquery()
    infos = svc.load_witnesses(session, ids, today)
    kinds = dict(
        session.execute(select(Person.id, Person.kind).where(Person.case_id == case_id)).all()
    )
    contacts: dict[int, list[ContactView]] = {}
    support: dict[int, list[SupportView]] = {}
    status: dict[int, WitnessStatus] = {}
    if details:
        pids = [w.person_id for w in infos]
        for c in session.scalars(
            select(VictimContact)
            .where(VictimContact.person_id.in_(pids))
            .order_by(VictimContact.contacted_on.desc(), VictimContact.id.desc())
        ):
            contacts.setdefault(c.person_id, []).append(
                ContactView(c.contacted_on, c.kind, c.notes)
            )
        for s in session.scalars(
            select(SupportService)
            .where(SupportService.person_id.in_(pids))
            .order_by(SupportService.started_on)
        ):
            support.setdefault(s.person_id, []).append(
                SupportView(s.service, s.started_on, s.ended_on, s.provider)
            )
        status = {
            s.person_id: s
            for s in session.scalars(select(WitnessStatus).where(WitnessStatus.person_id.in_(pids)))
        }
    out = []
    for w in sorted(infos, key=lambda w: w.pseudonym):
        risk = alerts.witness_risk(w, today, no_contact_weeks)
        kind = kinds.get(w.person_id, "victim")
        if not details:
            out.append(WitnessView(w.person_id, kind, w.pseudonym, risk.level, None, [], False))
            continue
        st = status.get(w.person_id)
        out.append(
            WitnessView(
                w.person_id,
                kind,
                w.pseudonym,
                risk.level,
                risk.score,
                list(risk.reasons),
                True,
                contacts=contacts.get(w.person_id, [])[:10],
                support=support.get(w.person_id, []),
                location=st.location if st else None,
                available=bool(st.available) if st and st.available is not None else True,
                repatriated=bool(st.repatriated) if st else False,
                intimidation_reports=(st.intimidation_reports or 0) if st else 0,
                consent_to_testify=st.consent_to_testify if st else None,
                consent_withdrawn_on=st.consent_withdrawn_on if st else None,
            )
        )
    return out


# --------------------------------------------------------------------------- case writes

HEARING_PARTIES = tuple(p.value for p in HearingParty)
DEADLINE_KINDS = tuple(k.value for k in DeadlineKind)
DIVERSION_KINDS = tuple(sorted(lifecycle.DIVERSION_KINDS))


def move_case(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    to_stage: str,
    on: date,
    reason: str | None = None,
    diversion_kind: str | None = None,
) -> list[str]:
    """Move the case to a new stage; returns warnings, raises :class:`FieldErrors`."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        try:
            saved = svc.record_transition(
                session,
                actor,
                case_id=case.id,
                to_stage=to_stage,
                on=on,
                reason=(reason or "").strip() or None,
                diversion_kind=diversion_kind or None,
            )
        except FieldErrors:
            raise
        except InvalidInput as exc:
            raise _field_errors(exc) from None
        unit_id = case.unit_id
    _forget_unit(ctx, unit_id)
    return saved.warnings


def add_hearing(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    held_on: date,
    kind: str,
    adjourned: bool = False,
    requested_by: str | None = None,
    reason: str | None = None,
    result: str | None = None,
) -> int:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        try:
            saved = svc.add_hearing(
                session,
                actor,
                case_id=case.id,
                held_on=held_on,
                kind=kind.strip(),
                adjourned=adjourned,
                requested_by=requested_by or None,
                reason=(reason or "").strip() or None,
                result=(result or "").strip() or None,
            )
        except InvalidInput as exc:
            raise _field_errors(exc) from None
        unit_id = case.unit_id
    _forget_unit(ctx, unit_id)
    return saved.id
