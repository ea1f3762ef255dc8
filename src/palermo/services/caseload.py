"""Caseload service: stage changes, hearings, outcomes, the unit dashboard and statistics.

Every function takes an open SQLAlchemy ``Session`` (the caller owns the transaction,
e.g. ``with ctx.db.session() as s``) and the acting :class:`Actor`. Writes are validated
by the pure checks in :mod:`palermo.caseload.lifecycle` and raise
:class:`~palermo.services.errors.InvalidInput` whose message lists every problem as
"record, field: message"; each write adds an audit entry in the same transaction.

Reads return plain dataclasses, ready to render (see :class:`Dashboard` and
:class:`OutcomeStatistics`; ``dataclasses.asdict`` turns them into JSON-able dicts
except for dates and decimals).
"""

from __future__ import annotations

import importlib
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import func, insert, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from palermo.caseload import alerts, htcds, lifecycle, stats
from palermo.caseload.benchmarks import BenchmarkSet, load_benchmarks
from palermo.caseload.records import (
    CaseInfo,
    DeadlineInfo,
    HearingInfo,
    Issue,
    OutcomeInfo,
    PersonInfo,
    StatuteRange,
    TransitionInfo,
    WitnessInfo,
)
from palermo.caseload.targets import targets_for
from palermo.law import exploitation
from palermo.reports import csv_safe
from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services.access import is_member
from palermo.services.errors import InvalidInput, NotFound, PermissionDenied
from palermo.services.inferred_forms import inferred_forms
from palermo.store.models import Case, CaseMember, Charge, Event, Person, Unit
from palermo.store.models.caseload import (
    CaseDeadline,
    DeadlineKind,
    Hearing,
    HearingParty,
    Outcome,
    StageTransition,
    SupportService,
    VictimContact,
    WitnessStatus,
)
from palermo.store.models.core import Stage

# --------------------------------------------------------------------------- helpers


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    *,
    case_id: int | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """The one place this service writes to the audit chain."""
    audit.record(
        session,
        actor=actor,
        action=action,
        case_id=case_id,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )


def _raise_if_errors(issues: Sequence[Issue]) -> list[Issue]:
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise InvalidInput("; ".join(str(i) for i in errors))
    return [i for i in issues if i.severity != "error"]


def _may(actor: Actor, permission: Permission) -> bool:
    """The system actor (CLI, jobs, demo loader) may do everything here."""
    return actor.is_system or actor.can(permission)


def _case_for_edit(session: Session, actor: Actor, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None or not is_member(session, actor, case_id):
        raise NotFound(f"case {case_id} not found")
    if not _may(actor, Permission.EDIT_CASE):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot edit cases")
    return case


def _case_info(
    case: Case, arraigned_on: date | None = None, stage_since: date | None = None
) -> CaseInfo:
    return CaseInfo(
        id=case.id,
        reference=case.reference,
        stage=case.stage,
        opened_on=case.opened_on,
        charged_on=case.charged_on,
        closed_on=case.closed_on,
        typology=case.typology,
        statutes=tuple(case.statutes or ()),
        jurisdiction=case.jurisdiction,
        arraigned_on=arraigned_on,
        stage_since=stage_since,
    )


def statute_ranges() -> dict[str, StatuteRange]:
    """Overall penalty range per statute from ``palermo.law`` (empty if unavailable).

    The minimum is the lowest floor among the statute's penalties (which one applies
    depends on the facts); the maximum is ``None`` when any penalty allows life or only
    sets a floor for the maximum (EU directives).
    """
    load = None
    for name in ("palermo.law", "palermo.law.statutes"):
        try:
            load = getattr(importlib.import_module(name), "load_statutes", None)
        except ImportError:
            continue
        if load is not None:
            break
    if load is None:
        return {}
    out: dict[str, StatuteRange] = {}
    for st in load():
        pens = [p for p in st.penalties if not p.same_as_offence]
        if not st.offence or not pens:
            continue
        unbounded = any(p.life or p.max_at_least or p.max_months is None for p in pens)
        maxes = [p.max_months for p in pens if p.max_months is not None]
        out[st.id] = StatuteRange(
            st.id,
            min_months=min(p.min_months for p in pens),
            max_months=None if unbounded or not maxes else max(maxes),
        )
    return out


# --------------------------------------------------------------------------- writes


@dataclass(frozen=True, slots=True)
class Saved:
    id: int
    warnings: list[str] = field(default_factory=list)


def record_transition(
    session: Session,
    actor: Actor,
    *,
    case_id: int,
    to_stage: str,
    on: date,
    reason: str | None = None,
    diversion_kind: str | None = None,
) -> Saved:
    """Move a case to ``to_stage`` on ``on``; sets charged_on / closed_on when they apply."""
    case = _case_for_edit(session, actor, case_id)
    last = session.scalar(
        select(func.max(StageTransition.occurred_on)).where(StageTransition.case_id == case_id)
    )
    t = TransitionInfo(case_id, case.stage, to_stage, on, reason, diversion_kind)
    warnings = _raise_if_errors(
        lifecycle.check_transition(
            case.stage,
            t,
            previous_on=last,
            opened_on=case.opened_on,
            record=f"case {case.reference} transition on {on}",
        )
    )
    row = StageTransition(
        case_id=case_id,
        from_stage=case.stage,
        to_stage=to_stage,
        occurred_on=on,
        reason=reason,
        diversion_kind=diversion_kind,
        by_user_id=actor.user_id,
    )
    session.add(row)
    if to_stage == Stage.CHARGED.value and case.charged_on is None:
        case.charged_on = on
    if to_stage in (Stage.CLOSED.value, Stage.DIVERTED.value):
        case.closed_on = on
    if case.stage == Stage.CLOSED.value and to_stage != Stage.CLOSED.value:
        case.closed_on = None
    case.stage = to_stage
    session.flush()
    _audit(
        session,
        actor,
        "caseload.transition",
        case_id=case_id,
        object_type="stage_transition",
        object_id=row.id,
        details={"from": t.from_stage, "to": to_stage, "on": on, "reason": reason},
    )
    return Saved(row.id, [str(w) for w in warnings])


def add_hearing(
    session: Session,
    actor: Actor,
    *,
    case_id: int,
    held_on: date,
    kind: str,
    adjourned: bool = False,
    requested_by: str | None = None,
    reason: str | None = None,
    result: str | None = None,
) -> Saved:
    """A hearing (past or scheduled). An adjourned hearing must say who asked for it."""
    case = _case_for_edit(session, actor, case_id)
    rec = f"hearing of case {case.reference} on {held_on}"
    problems = []
    parties = [p.value for p in HearingParty]
    if requested_by is not None and requested_by not in parties:
        problems.append(Issue(rec, "requested_by", f"{requested_by!r} is not one of {parties}"))
    if adjourned and requested_by is None:
        problems.append(Issue(rec, "requested_by", "an adjournment must say who asked for it"))
    if not kind.strip():
        problems.append(Issue(rec, "kind", "missing"))
    if case.opened_on and held_on < case.opened_on:
        problems.append(Issue(rec, "held_on", f"before the case opened on {case.opened_on}"))
    _raise_if_errors(problems)
    row = Hearing(
        case_id=case_id,
        held_on=held_on,
        kind=kind,
        adjourned=adjourned,
        requested_by=requested_by,
        reason=reason,
        result=result,
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        actor,
        "caseload.hearing",
        case_id=case_id,
        object_type="hearing",
        object_id=row.id,
        details={"on": held_on, "kind": kind, "adjourned": adjourned, "requested_by": requested_by},
    )
    return Saved(row.id)


OUTCOME_FIELDS = (
    "verdict_on",
    "sentenced_on",
    "custodial_months",
    "suspended_months",
    "probation_months",
    "fine_amount",
    "fine_currency",
    "restitution_requested",
    "restitution_ordered",
    "restitution_paid",
    "forfeiture_amount",
    "appeal_result",
    "appeal_on",
)


def add_outcome(
    session: Session,
    actor: Actor,
    *,
    case_id: int,
    person_id: int,
    verdict: str,
    charge_id: int | None = None,
    statute_id: str | None = None,
    ranges: Mapping[str, StatuteRange] | None = None,
    restitution_currency: str | None = None,
    forfeiture_details: str | None = None,
    **values: Any,
) -> Saved:
    """Record the outcome for one defendant (and charge). ``values`` are the fields in
    :data:`OUTCOME_FIELDS`. Checked against the case dates and the statute range
    (``ranges`` defaults to :func:`statute_ranges`): above the maximum is refused,
    below the minimum comes back as a warning."""
    unknown = set(values) - set(OUTCOME_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown outcome fields {sorted(unknown)}")
    case = _case_for_edit(session, actor, case_id)
    person = session.get(Person, person_id)
    if person is None or person.case_id != case_id:
        raise InvalidInput(
            f"outcome, person_id: person {person_id} is not in case {case.reference}"
        )
    if charge_id is not None:
        charge = session.get(Charge, charge_id)
        if charge is None or charge.case_id != case_id or charge.person_id != person_id:
            raise InvalidInput(
                f"outcome, charge_id: charge {charge_id} is not this "
                f"person's charge in case {case.reference}"
            )
        statute_id = statute_id or charge.statute_id
    info = OutcomeInfo(
        case_id=case_id, person_id=person_id, verdict=verdict, statute_id=statute_id, **values
    )
    warnings = _raise_if_errors(
        lifecycle.check_outcome(
            info,
            _case_info(case),
            statute_ranges() if ranges is None else ranges,
            record=f"outcome for person {person.pseudonym} in case {case.reference}",
        )
    )
    row = Outcome(
        case_id=case_id,
        person_id=person_id,
        charge_id=charge_id,
        statute_id=statute_id,
        verdict=verdict,
        restitution_currency=restitution_currency,
        forfeiture_details=forfeiture_details,
        **values,
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        actor,
        "caseload.outcome",
        case_id=case_id,
        object_type="outcome",
        object_id=row.id,
        details={"person_id": person_id, "verdict": verdict, "statute_id": statute_id},
    )
    return Saved(row.id, [str(w) for w in warnings])


def add_deadline(
    session: Session,
    actor: Actor,
    *,
    case_id: int,
    kind: str,
    due_on: date,
    description: str | None = None,
) -> Saved:
    _case_for_edit(session, actor, case_id)
    kinds = [k.value for k in DeadlineKind]
    if kind not in kinds:
        raise InvalidInput(f"deadline, kind: {kind!r} is not one of {kinds}")
    row = CaseDeadline(case_id=case_id, kind=kind, due_on=due_on, description=description)
    session.add(row)
    session.flush()
    _audit(
        session,
        actor,
        "caseload.deadline",
        case_id=case_id,
        object_type="deadline",
        object_id=row.id,
        details={"kind": kind, "due_on": due_on},
    )
    return Saved(row.id)


def _witness(session: Session, actor: Actor, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} not found")
    _case_for_edit(session, actor, person.case_id)
    return person


def add_contact(
    session: Session, actor: Actor, *, person_id: int, on: date, kind: str, notes: str | None = None
) -> Saved:
    person = _witness(session, actor, person_id)
    row = VictimContact(
        person_id=person_id, contacted_on=on, kind=kind, notes=notes, by_user_id=actor.user_id
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        actor,
        "caseload.contact",
        case_id=person.case_id,
        object_type="victim_contact",
        object_id=row.id,
        details={"kind": kind},
    )
    return Saved(row.id)


def set_witness_status(session: Session, actor: Actor, *, person_id: int, **values: Any) -> None:
    """Update the one status row of a victim-witness (created on first use)."""
    person = _witness(session, actor, person_id)
    allowed = {
        "location",
        "available",
        "repatriated",
        "intimidation_reports",
        "consent_to_testify",
        "consent_withdrawn_on",
    }
    unknown = set(values) - allowed
    if unknown:
        raise InvalidInput(f"witness status: unknown fields {sorted(unknown)}")
    row = session.get(WitnessStatus, person_id)
    if row is None:
        row = WitnessStatus(person_id=person_id)
        session.add(row)
    for k, v in values.items():
        setattr(row, k, v)
    session.flush()
    # Location is not written to the log: it may reveal where a witness is kept safe.
    _audit(
        session,
        actor,
        "caseload.witness_status",
        case_id=person.case_id,
        object_type="witness_status",
        object_id=person_id,
        details={k: v for k, v in values.items() if k != "location"},
    )


# --------------------------------------------------------------------------- loading

# Dates and amounts are read raw and converted here: SQLAlchemy's per-row result
# processors (regex date parsing on SQLite, Decimal conversion) dominate the time
# on large units. PostgreSQL hands back date and Decimal objects, which pass through.
_RAW = NullType()


class _Rows(list[Any]):
    def all(self) -> _Rows:
        return self


class _Reader:
    """Reads through the session's connection: Core results skip the ORM's per-row work,
    and every result is fetched at once (``fetchall``) rather than row by row."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()

    def execute(self, query: Any) -> _Rows:
        return _Rows(self.connection.execute(query).all())

    def scalar(self, query: Any) -> Any:
        return self.connection.scalar(query)


def _core(session: Session) -> _Reader:
    return _Reader(session)


def _raw(col: Any) -> Any:
    return type_coerce(col, _RAW).label(col.key)


_iso_date = lru_cache(maxsize=65536)(date.fromisoformat)


def _d(value: Any) -> date | None:
    if value.__class__ is str:
        return _iso_date(value[:10])
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


CLOSED_STAGES = (Stage.CLOSED.value, Stage.DIVERTED.value)


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    return unit


def _case_ids(unit_id: int, open_only: bool = False, stages: Iterable[str] | None = None) -> Any:
    q = select(Case.id).where(Case.unit_id == unit_id)
    if open_only:
        q = q.where(Case.stage.not_in(CLOSED_STAGES))
    if stages is not None:
        q = q.where(Case.stage.in_(list(stages)))
    return q.scalar_subquery()


def load_cases(
    session: Session, unit_id: int, *, open_only: bool = False, with_dates: bool = True
) -> list[CaseInfo]:
    """The unit's cases with (``with_dates``) their arraignment date and the date they
    entered their stage (``statutes`` is left empty: nothing here needs it)."""
    arraigned: dict[int, date | None] = {}
    since: dict[int, date | None] = {}
    if with_dates:
        ids = _case_ids(unit_id, open_only)
        arraigned = {
            cid: _d(v)
            for cid, v in _core(session).execute(
                select(Hearing.case_id, _raw(func.min(Hearing.held_on)))
                .where(Hearing.case_id.in_(ids), Hearing.kind == "arraignment")
                .group_by(Hearing.case_id)
            )
        }
        since = {
            cid: _d(v)
            for cid, v in _core(session).execute(
                select(StageTransition.case_id, _raw(func.max(StageTransition.occurred_on)))
                .where(StageTransition.case_id.in_(ids))
                .group_by(StageTransition.case_id)
            )
        }
    q = select(
        Case.id,
        Case.reference,
        Case.stage,
        _raw(Case.opened_on),
        _raw(Case.charged_on),
        _raw(Case.closed_on),
        Case.typology,
        Case.jurisdiction,
    ).where(Case.unit_id == unit_id)
    if open_only:
        q = q.where(Case.stage.not_in(CLOSED_STAGES))
    out = []
    for cid, ref, stage, opened, charged, closed, typology, jur in _core(session).execute(q):
        opened_on = _d(opened)
        out.append(
            CaseInfo(
                id=cid,
                reference=ref,
                stage=stage,
                opened_on=opened_on,
                charged_on=_d(charged),
                closed_on=_d(closed),
                typology=typology,
                jurisdiction=jur,
                arraigned_on=arraigned.get(cid),
                stage_since=since.get(cid) or opened_on,
            )
        )
    return out


def infer_typologies(session: Session, cases: Sequence[CaseInfo]) -> None:
    """Give each case without a typology set by a user the form its stored evidence
    points to (:mod:`palermo.services.inferred_forms`), marked ``typology_inferred``.
    A typology a user set always wins; a case with no evidence either way keeps none."""
    bare = {c.id: c for c in cases if not (c.typology or "").strip()}
    for cid, inferred in inferred_forms(session, bare).items():
        typology = exploitation.typology_of(inferred.form)
        if typology is not None:
            bare[cid].typology = typology
            bare[cid].typology_inferred = True


def _inferred_breakdown(cases: Sequence[CaseInfo], persons: Sequence[PersonInfo]) -> dict[str, int]:
    """Victims per form of exploitation, of the cases whose typology is inferred."""
    inferred = [c for c in cases if c.typology_inferred]
    ids = {c.id for c in inferred}
    return stats.glotip_breakdown(inferred, [p for p in persons if p.case_id in ids]).by_form


def load_outcomes(session: Session, unit_id: int) -> list[OutcomeInfo]:
    q = select(
        Outcome.case_id,
        Outcome.person_id,
        Outcome.verdict,
        Outcome.statute_id,
        _raw(Outcome.verdict_on),
        _raw(Outcome.sentenced_on),
        Outcome.custodial_months,
        Outcome.suspended_months,
        Outcome.probation_months,
        _raw(Outcome.fine_amount),
        Outcome.fine_currency,
        _raw(Outcome.restitution_requested),
        _raw(Outcome.restitution_ordered),
        _raw(Outcome.restitution_paid),
        _raw(Outcome.forfeiture_amount),
        Outcome.appeal_result,
        _raw(Outcome.appeal_on),
        Outcome.id,
    ).where(Outcome.case_id.in_(_case_ids(unit_id)))
    return [
        OutcomeInfo(
            case_id=r[0],
            person_id=r[1],
            verdict=r[2],
            statute_id=r[3],
            verdict_on=_d(r[4]),
            sentenced_on=_d(r[5]),
            custodial_months=r[6],
            suspended_months=r[7],
            probation_months=r[8],
            fine_amount=_dec(r[9]),
            fine_currency=r[10],
            restitution_requested=_dec(r[11]),
            restitution_ordered=_dec(r[12]),
            restitution_paid=_dec(r[13]),
            forfeiture_amount=_dec(r[14]),
            appeal_result=r[15],
            appeal_on=_d(r[16]),
            id=r[17],
        )
        for r in _core(session).execute(q)
    ]


def load_persons(session: Session, unit_id: int) -> list[PersonInfo]:
    q = select(Person.id, Person.case_id, Person.kind, Person.sex, Person.is_minor).where(
        Person.case_id.in_(_case_ids(unit_id))
    )
    return [PersonInfo(r[0], r[1], r[2], r[3], r[4]) for r in _core(session).execute(q)]


def load_witnesses(session: Session, case_ids: Any, today: date) -> list[WitnessInfo]:
    """Victims and witnesses of the given cases (a subquery of case ids)."""
    people = (
        select(Person.id)
        .where(Person.case_id.in_(case_ids), Person.kind.in_(("victim", "witness")))
        .scalar_subquery()
    )
    last = {
        pid: _d(v)
        for pid, v in _core(session).execute(
            select(VictimContact.person_id, _raw(func.max(VictimContact.contacted_on)))
            .where(VictimContact.person_id.in_(people))
            .group_by(VictimContact.person_id)
        )
    }
    ended: dict[int, list[tuple[str, date]]] = defaultdict(list)
    active: set[int] = set()
    for pid, service, end_raw in _core(session).execute(
        select(
            SupportService.person_id, SupportService.service, _raw(SupportService.ended_on)
        ).where(SupportService.person_id.in_(people))
    ):
        end = _d(end_raw)
        if end is None or end > today:
            active.add(pid)
        else:
            ended[pid].append((service, end))
    status = {
        r[0]: r
        for r in _core(session).execute(
            select(
                WitnessStatus.person_id,
                WitnessStatus.repatriated,
                WitnessStatus.intimidation_reports,
                WitnessStatus.consent_to_testify,
                _raw(WitnessStatus.consent_withdrawn_on),
                WitnessStatus.available,
            ).where(WitnessStatus.person_id.in_(people))
        )
    }
    out = []
    for pid, case_id, pseudonym in _core(session).execute(
        select(Person.id, Person.case_id, Person.pseudonym).where(Person.id.in_(people))
    ):
        st = status.get(pid)
        out.append(
            WitnessInfo(
                person_id=pid,
                case_id=case_id,
                pseudonym=pseudonym,
                last_contact_on=last.get(pid),
                repatriated=bool(st and st[1]),
                intimidation_reports=(st[2] or 0) if st else 0,
                consent_to_testify=st[3] if st else None,
                consent_withdrawn_on=_d(st[4]) if st else None,
                support_ended=tuple(ended.get(pid, ())),
                support_active=pid in active,
                available=bool(st[5]) if st and st[5] is not None else True,
            )
        )
    return out


# --------------------------------------------------------------------------- dashboard


AGE_BUCKETS = (
    (90, "under 3 months"),
    (180, "3-6 months"),
    (365, "6-12 months"),
    (730, "1-2 years"),
    (10**9, "over 2 years"),
)


def age_bucket(days: int) -> str:
    for limit, label in AGE_BUCKETS:
        if days < limit:
            return label
    return AGE_BUCKETS[-1][1]


@dataclass(frozen=True, slots=True)
class HearingRow:
    case_id: int
    reference: str
    held_on: date
    kind: str
    days_away: int


@dataclass(frozen=True, slots=True)
class OverTargetRow:
    case_id: int
    reference: str
    stage: str
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class WitnessRow:
    case_id: int
    reference: str
    person_id: int
    pseudonym: str
    level: str
    score: int
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    case_id: int
    reference: str
    kind: str
    due_on: date
    days_left: int
    status: str
    description: str | None


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The unit head's page. Tables are lists of rows; ``cases_by_stage_and_age`` is
    stage -> age bucket (:data:`AGE_BUCKETS`, age since opening) -> count, for a stacked
    bar chart; ``adjournments_by_party`` is party -> count for a bar chart."""

    unit_id: int
    today: date
    open_cases: int
    cases_by_stage: dict[str, int]
    cases_by_stage_and_age: dict[str, dict[str, int]]
    hearings_next_two_weeks: list[HearingRow]
    over_target: list[OverTargetRow]
    adjournments_by_party: dict[str, int]
    adjournments_total: int
    adjournment_sentences: list[str]
    at_risk_witnesses: list[WitnessRow]
    deadlines: list[DeadlineRow]
    targets: dict[str, Any]
    # Only cases the viewer is a member of are listed row by row; counts cover the unit.
    rows_limited_to_member_cases: bool


def _visible(session: Session, actor: Actor, case_ids: Iterable[int]) -> set[int] | None:
    if actor.is_system:
        return None
    from palermo.store.models import CaseMember

    ids = set(case_ids)
    member = set(
        session.scalars(select(CaseMember.case_id).where(CaseMember.user_id == actor.user_id))
    )
    return ids & member


def dashboard(session: Session, actor: Actor, unit_id: int, today: date) -> Dashboard:
    """Cases by stage and age, hearings in the next two weeks, cases over target,
    adjournments by party, at-risk witnesses and deadlines, for one unit."""
    if not (_may(actor, Permission.READ_CASE) or _may(actor, Permission.READ_STATISTICS)):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot see the caseload")
    unit = _unit(session, unit_id)
    t = targets_for(unit.settings)
    in_unit = _case_ids(unit_id)
    by_stage = dict(
        _core(session)
        .execute(
            select(Case.stage, func.count()).where(Case.unit_id == unit_id).group_by(Case.stage)
        )
        .all()
    )
    open_cases = load_cases(session, unit_id, open_only=True)
    refs = {c.id: c.reference for c in open_cases}
    visible = _visible(session, actor, refs)

    def shown(case_id: int) -> bool:
        return visible is None or case_id in visible

    by_age: dict[str, Counter[str]] = defaultdict(Counter)
    for c in open_cases:
        if c.opened_on is not None:
            by_age[c.stage][age_bucket((today - c.opened_on).days)] += 1
    end = today + timedelta(days=t.upcoming_days)
    soon = [
        HearingInfo(case_id=cid, held_on=_d(on) or today, kind=kind, id=hid)
        for cid, on, kind, hid in _core(session).execute(
            select(Hearing.case_id, _raw(Hearing.held_on), Hearing.kind, Hearing.id).where(
                Hearing.case_id.in_(_case_ids(unit_id, open_only=True)),
                Hearing.held_on >= today,
                Hearing.held_on <= end,
            )
        )
    ]
    upcoming = [
        HearingRow(h.case_id, refs[h.case_id], h.held_on, h.kind, (h.held_on - today).days)
        for h in alerts.upcoming_hearings(soon, today, t.upcoming_days)
        if shown(h.case_id)
    ]
    in_court = [
        HearingInfo(case_id=cid, held_on=_d(on) or today, kind="")
        for cid, on in _core(session).execute(
            select(Hearing.case_id, _raw(Hearing.held_on)).where(
                Hearing.case_id.in_(_case_ids(unit_id, stages=alerts.IN_COURT))
            )
        )
    ]
    over = [
        OverTargetRow(o.case_id, o.reference, o.stage, list(o.reasons))
        for o in alerts.over_target(open_cases, in_court, t, today)
        if shown(o.case_id)
    ]
    total_hearings = (
        _core(session).scalar(
            select(func.count()).select_from(Hearing).where(Hearing.case_id.in_(in_unit))
        )
        or 0
    )
    adj = alerts.summarise_adjournments(
        dict(
            _core(session)
            .execute(
                select(Hearing.requested_by, func.count())
                .where(Hearing.case_id.in_(in_unit), Hearing.adjourned.is_(True))
                .group_by(Hearing.requested_by)
            )
            .all()
        ),
        total_hearings,
    )
    witnesses = load_witnesses(session, _case_ids(unit_id, open_only=True), today)
    risk = [
        WitnessRow(
            r.case_id, refs[r.case_id], r.person_id, r.pseudonym, r.level, r.score, list(r.reasons)
        )
        for r in alerts.at_risk_witnesses(witnesses, today, t.witness_no_contact_weeks)
        if shown(r.case_id)
    ]
    due = [
        DeadlineInfo(
            case_id=r[0], kind=r[1], due_on=_d(r[2]) or today, done=False, description=r[3], id=r[4]
        )
        for r in _core(session).execute(
            select(
                CaseDeadline.case_id,
                CaseDeadline.kind,
                _raw(CaseDeadline.due_on),
                CaseDeadline.description,
                CaseDeadline.id,
            ).where(
                CaseDeadline.case_id.in_(_case_ids(unit_id, open_only=True)),
                CaseDeadline.done.is_(False),
                CaseDeadline.due_on <= today + timedelta(days=t.deadline_warning_days),
            )
        )
    ]
    dls = [
        DeadlineRow(
            a.deadline.case_id,
            refs[a.deadline.case_id],
            a.deadline.kind,
            a.deadline.due_on,
            a.days_left,
            a.status,
            a.deadline.description,
        )
        for a in alerts.deadline_alerts(due, today, t.deadline_warning_days)
        if shown(a.deadline.case_id)
    ]
    _audit(session, actor, "caseload.dashboard", object_type="unit", object_id=unit_id)
    stage_order = [s.value for s in Stage]
    return Dashboard(
        unit_id=unit_id,
        today=today,
        open_cases=len(open_cases),
        cases_by_stage={s: by_stage[s] for s in stage_order if by_stage.get(s)},
        cases_by_stage_and_age={
            s: {label: by_age[s][label] for _, label in AGE_BUCKETS}
            for s in stage_order
            if s in by_age
        },
        hearings_next_two_weeks=upcoming,
        over_target=over,
        adjournments_by_party=dict(sorted(adj.by_party.items(), key=lambda kv: -kv[1])),
        adjournments_total=adj.total,
        adjournment_sentences=adj.sentences(),
        at_risk_witnesses=risk,
        deadlines=dls,
        targets=t.model_dump(),
        rows_limited_to_member_cases=visible is not None,
    )


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True, slots=True)
class OutcomeStatistics:
    """The unit's outcomes. Rates are fractions (0..1) or ``None`` without data."""

    unit_id: int
    defendants_by_result: dict[str, int]
    conviction_rate: float | None
    convicted: int
    decided: int
    disposition_cases: int
    disposition_median_days: float | None
    disposition_p90_days: float | None
    sentence_mix_by_statute: list[stats.SentenceMix]
    sentence_mix_by_typology: list[stats.SentenceMix]
    sentence_mix_all: stats.SentenceMix | None
    # Cases without a typology set by a user, counted under the form the evidence shows.
    inferred_typology_cases: int
    # Victims per form of exploitation, and those of them whose case's form is inferred.
    victims_by_form_inferred: dict[str, int]
    non_custodial_share: float | None
    restitution: stats.Restitution
    statute_ranges: list[stats.RangeComparison]
    range_errors: list[str]
    benchmarks: list[stats.BenchmarkComparison]
    benchmark_sources: dict[str, str]
    tip_table: list[stats.TipRow]
    victims_breakdown: stats.Breakdown
    convicted_breakdown: stats.Breakdown


def outcome_statistics(
    session: Session,
    actor: Actor,
    unit_id: int,
    *,
    ranges: Mapping[str, StatuteRange] | None = None,
    benchmarks: Mapping[str, BenchmarkSet] | None = None,
) -> OutcomeStatistics:
    if not _may(actor, Permission.READ_STATISTICS):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot read statistics")
    _unit(session, unit_id)
    data_cases = load_cases(session, unit_id, with_dates=False)
    infer_typologies(session, data_cases)
    data_outcomes = load_outcomes(session, unit_id)
    data_persons = load_persons(session, unit_id)
    ranges = statute_ranges() if ranges is None else ranges
    benchmarks = load_benchmarks() if benchmarks is None else benchmarks
    case_map = {c.id: c for c in data_cases}
    results = stats.defendant_results(data_outcomes)
    rate = stats.conviction_rate(data_outcomes, results)
    ttd = stats.time_to_disposition(data_cases, data_outcomes)
    mix_all = stats.sentence_mix(data_outcomes, by="all")
    table, issues = stats.compare_with_statutes(data_outcomes, ranges)
    _audit(session, actor, "caseload.statistics", object_type="unit", object_id=unit_id)
    return OutcomeStatistics(
        unit_id=unit_id,
        defendants_by_result=stats.verdict_counts(data_outcomes, results),
        conviction_rate=rate.value,
        convicted=rate.numerator,
        decided=rate.denominator,
        disposition_cases=ttd.n,
        disposition_median_days=ttd.median_days,
        disposition_p90_days=ttd.p90_days,
        sentence_mix_by_statute=stats.sentence_mix(data_outcomes, by="statute"),
        sentence_mix_by_typology=stats.sentence_mix(data_outcomes, by="typology", cases=case_map),
        sentence_mix_all=mix_all[0] if mix_all else None,
        inferred_typology_cases=sum(c.typology_inferred for c in data_cases),
        victims_by_form_inferred=_inferred_breakdown(data_cases, data_persons),
        non_custodial_share=mix_all[0].non_custodial_share if mix_all else None,
        restitution=stats.restitution(data_outcomes, results),
        statute_ranges=table,
        range_errors=[str(i) for i in issues],
        benchmarks=stats.compare_with_benchmarks(data_outcomes, benchmarks),
        benchmark_sources={k: v.source for k, v in benchmarks.items()},
        tip_table=stats.tip_table(data_cases, data_outcomes, data_persons),
        victims_breakdown=stats.glotip_breakdown(data_cases, data_persons),
        convicted_breakdown=stats.glotip_breakdown(
            data_cases,
            data_persons,
            data_outcomes,
            indicator="Persons convicted",
            results=results,
        ),
    )


# --------------------------------------------------------------------------- CSV export

EXPORTABLE = {
    "cases": (
        Case,
        [
            "id",
            "reference",
            "title",
            "jurisdiction",
            "typology",
            "stage",
            "opened_on",
            "charged_on",
            "closed_on",
        ],
    ),
    "stage_transitions": (
        StageTransition,
        ["id", "case_id", "from_stage", "to_stage", "occurred_on", "reason", "diversion_kind"],
    ),
    "hearings": (
        Hearing,
        ["id", "case_id", "held_on", "kind", "adjourned", "requested_by", "reason", "result"],
    ),
    "deadlines": (CaseDeadline, ["id", "case_id", "kind", "due_on", "done", "description"]),
    "outcomes": (
        Outcome,
        [
            "id",
            "case_id",
            "person_id",
            "charge_id",
            "statute_id",
            "verdict",
            "verdict_on",
            "sentenced_on",
            "custodial_months",
            "suspended_months",
            "probation_months",
            "fine_amount",
            "fine_currency",
            "restitution_requested",
            "restitution_ordered",
            "restitution_paid",
            "restitution_currency",
            "forfeiture_amount",
            "appeal_result",
            "appeal_on",
        ],
    ),
}


def export_csv(
    session: Session,
    actor: Actor,
    unit_id: int,
    table: str,
    out: io.TextIOBase | io.StringIO | None = None,
) -> str:
    """CSV of one table for a unit (victim-witness tables are deliberately not exportable).

    Writes to ``out`` if given and returns the text written."""
    if not _may(actor, Permission.READ_STATISTICS):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot export tables")
    if table not in EXPORTABLE:
        raise InvalidInput(f"table: {table!r} is not one of {sorted(EXPORTABLE)}")
    _unit(session, unit_id)
    model, columns = EXPORTABLE[table]
    cols = [getattr(model, c) for c in columns]
    # Row by row, only the cases the actor is a member of (as on every case page);
    # the unit's counts stay on the statistics pages.
    shown = select(Case.id).where(Case.unit_id == unit_id)
    if not actor.is_system:
        shown = shown.where(
            Case.id.in_(select(CaseMember.case_id).where(CaseMember.user_id == actor.user_id))
        )
    query = select(*cols)
    if model is Case:
        query = query.where(Case.id.in_(shown.scalar_subquery())).order_by(Case.id)
    else:
        in_unit = shown.scalar_subquery()
        query = query.where(model.case_id.in_(in_unit)).order_by(model.id)  # type: ignore[attr-defined]
    buf = io.StringIO()
    n = csv_safe.write_rows(buf, columns, session.execute(query))
    _audit(
        session,
        actor,
        "caseload.export_csv",
        object_type="unit",
        object_id=unit_id,
        details={"table": table, "rows": n},
    )
    text = buf.getvalue()
    if out is not None:
        out.write(text)
    return text


# --------------------------------------------------------------------------- demo history


@dataclass(frozen=True, slots=True)
class WrittenHistory:
    cases: int
    persons: int
    transitions: int
    hearings: int
    outcomes: int
    deadlines: int
    contacts: int


def write_history(
    session: Session, actor: Actor, unit_id: int, history: Any, *, reference_prefix: str = ""
) -> WrittenHistory:
    """Write a :class:`palermo.simulate.history.HistoryData` into a unit (bulk inserts)."""
    if not _may(actor, Permission.EDIT_CASE):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot create cases")
    _unit(session, unit_id)
    case_rows = [
        dict(
            unit_id=unit_id,
            reference=reference_prefix + c.reference,
            title=c.title,
            jurisdiction=c.jurisdiction,
            typology=c.typology,
            stage=c.stage,
            statutes=list(c.statutes),
            opened_on=c.opened_on,
            charged_on=c.charged_on,
            closed_on=c.closed_on,
        )
        for c in history.cases
    ]
    case_ids = _insert_ids(session, Case, case_rows)
    cid = {c.key: i for c, i in zip(history.cases, case_ids, strict=True)}
    person_rows = [
        dict(
            case_id=cid[p.case_key],
            kind=p.kind,
            pseudonym=p.pseudonym,
            sex=p.sex,
            is_minor=p.is_minor,
            nationality=p.nationality,
            birth_year=p.birth_year,
            aliases=[],
        )
        for p in history.persons
    ]
    pid = dict(
        zip(
            [p.key for p in history.persons], _insert_ids(session, Person, person_rows), strict=True
        )
    )
    charge_rows = [
        dict(
            case_id=cid[c.case_key],
            person_id=pid[c.person_key],
            statute_id=c.statute_id,
            status="filed",
            filed_on=c.filed_on,
        )
        for c in history.charges
    ]
    chid = dict(
        zip(
            [c.key for c in history.charges], _insert_ids(session, Charge, charge_rows), strict=True
        )
    )
    _bulk(
        session,
        StageTransition,
        [
            dict(
                case_id=cid[t.case_key],
                from_stage=t.from_stage,
                to_stage=t.to_stage,
                occurred_on=t.on,
                reason=t.reason,
                diversion_kind=t.diversion_kind,
            )
            for t in history.transitions
        ],
    )
    _bulk(
        session,
        Hearing,
        [
            dict(
                case_id=cid[h.case_key],
                held_on=h.on,
                kind=h.kind,
                adjourned=h.adjourned,
                requested_by=h.requested_by,
                reason=h.reason,
                result=h.result,
            )
            for h in history.hearings
        ],
    )
    _bulk(
        session,
        CaseDeadline,
        [
            dict(
                case_id=cid[d.case_key],
                kind=d.kind,
                due_on=d.due_on,
                done=d.done,
                description=d.description,
            )
            for d in history.deadlines
        ],
    )
    _bulk(
        session,
        VictimContact,
        [
            dict(person_id=pid[c.person_key], contacted_on=c.on, kind=c.kind, notes=None)
            for c in history.contacts
        ],
    )
    _bulk(
        session,
        SupportService,
        [
            dict(person_id=pid[s.person_key], service=s.service, started_on=s.start, ended_on=s.end)
            for s in history.support
        ],
    )
    _bulk(
        session,
        WitnessStatus,
        [
            dict(
                person_id=pid[w.person_key],
                location=w.location,
                available=w.available,
                repatriated=w.repatriated,
                intimidation_reports=w.intimidation_reports,
                consent_to_testify=w.consent_to_testify,
                consent_withdrawn_on=w.consent_withdrawn_on,
            )
            for w in history.witness_status
        ],
    )
    money = (
        "fine_amount",
        "restitution_requested",
        "restitution_ordered",
        "restitution_paid",
        "forfeiture_amount",
    )
    _bulk(
        session,
        Outcome,
        [
            dict(
                case_id=cid[o.case_key],
                person_id=pid[o.person_key],
                charge_id=chid.get(o.charge_key) if o.charge_key is not None else None,
                statute_id=o.statute_id,
                verdict=o.verdict,
                verdict_on=o.verdict_on,
                sentenced_on=o.sentenced_on,
                custodial_months=o.custodial_months,
                suspended_months=o.suspended_months,
                probation_months=o.probation_months,
                fine_currency=o.currency if o.fine_amount else None,
                restitution_currency=o.currency if o.restitution_requested else None,
                appeal_result=o.appeal_result,
                appeal_on=o.appeal_on,
                **{
                    m: (Decimal(str(getattr(o, m))) if getattr(o, m) is not None else None)
                    for m in money
                },
            )
            for o in history.outcomes
        ],
    )
    written = WrittenHistory(
        len(case_rows),
        len(person_rows),
        len(history.transitions),
        len(history.hearings),
        len(history.outcomes),
        len(history.deadlines),
        len(history.contacts),
    )
    _audit(
        session,
        actor,
        "caseload.write_history",
        object_type="unit",
        object_id=unit_id,
        details={"cases": written.cases, "hearings": written.hearings},
    )
    return written


def _insert_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


def _bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(model), rows)


# --------------------------------------------------------------------------- HTCDS export


def htcds_people(
    session: Session, actor: Actor, unit_id: int, *, case_ids: Iterable[int] | None = None
) -> list[htcds.HtcdsPerson]:
    """Victims and perpetrators (suspects) of a unit's cases as HTCDS records.

    Trafficking status: ``Actual victim of trafficking`` when someone in the case was
    convicted, otherwise ``Possible victim of trafficking``. Perpetrator ``charged`` is
    true when the person has a charge. Names and sealed identities are never exported.
    Write the result with :func:`palermo.caseload.htcds.write_csv` or ``write_xlsx``.
    """
    if not _may(actor, Permission.READ_STATISTICS):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot export HTCDS data")
    unit = _unit(session, unit_id)
    q = select(Case.id, Case.reference, Case.stage, Case.typology).where(Case.unit_id == unit_id)
    if case_ids is not None:
        q = q.where(Case.id.in_(list(case_ids)))
    cases = {r[0]: r for r in _core(session).execute(q)}
    ids = list(cases)
    # No typology set by a user: the form the evidence points to, per victim where a
    # passage names them (a typology a user set always wins).
    inferred = inferred_forms(
        session, [cid for cid, r in cases.items() if not (r[3] or "").strip()], per_victim=True
    )
    convicted = {
        r[0]
        for r in _core(session).execute(
            select(Outcome.case_id)
            .where(Outcome.case_id.in_(ids), Outcome.verdict == "convicted")
            .distinct()
        )
    }
    charged = {
        r[0]
        for r in _core(session).execute(
            select(Charge.person_id).where(Charge.case_id.in_(ids)).distinct()
        )
    }
    out: list[htcds.HtcdsPerson] = []
    for pid, case_id, kind, pseudonym, sex, nationality, birth_year, minor in _core(
        session
    ).execute(
        select(
            Person.id,
            Person.case_id,
            Person.kind,
            Person.pseudonym,
            Person.sex,
            Person.nationality,
            Person.birth_year,
            Person.is_minor,
        )
        .where(Person.case_id.in_(ids), Person.kind.in_(("victim", "suspect")))
        .order_by(Person.case_id, Person.id)
    ):
        _, reference, stage, typology = cases[case_id]
        common = dict(
            case_reference=reference,
            person_ref=pseudonym,
            case_status=htcds.status_from_stage(stage),
            case_owner=unit.name,
            gender=htcds.gender_from_sex(sex),
            citizenship=nationality,
            birth_year=birth_year,
            is_minor=minor,
        )
        if kind == "victim":
            types = htcds.exploitation_from_typology(typology)
            source = "set" if types else None
            guess = inferred.get(case_id)
            if not types and guess is not None:
                types = exploitation.htcds_types(guess.victims.get(pid, guess.form))
                named = pid in guess.victims
                source = ("inferred for the victim" if named else "inferred") if types else None
            out.append(
                htcds.HtcdsPerson(
                    role="victim",
                    trafficking_status=(
                        "Actual victim of trafficking"
                        if case_id in convicted
                        else "Possible victim of trafficking"
                    ),
                    types_of_exploitation=types,
                    type_of_exploitation_source=source,
                    **common,
                )
            )
        else:
            out.append(
                htcds.HtcdsPerson(
                    role="perpetrator",
                    perpetrator_charged=pid in charged,
                    **common,
                )
            )
    _audit(
        session,
        actor,
        "caseload.htcds_export",
        object_type="unit",
        object_id=unit_id,
        details={"people": len(out)},
    )
    return out


# --------------------------------------------------------------------------- HTCDS import


@dataclass(slots=True)
class HtcdsImportReport:
    """What an HTCDS import wrote; ``skipped`` people were already in their case."""

    cases_created: list[str] = field(default_factory=list)
    cases_updated: list[str] = field(default_factory=list)
    people_added: int = 0
    skipped: int = 0
    charges_added: int = 0
    without_case: int = 0  # rows with no case reference: reported by the reader, not placed


def _typology_from_exploitation(types: Sequence[str]) -> str | None:
    """``Sexual exploitation`` → ``sexual_exploitation``: free text that exports back to
    the same picklist value through ``typology_to_exploitation``."""
    return types[0].strip().lower().replace(" ", "_") if types else None


def htcds_import(
    session: Session,
    actor: Actor,
    unit_id: int,
    people: Sequence[htcds.HtcdsPerson],
    *,
    jurisdiction: str,
    statute_id: str | None = None,
) -> HtcdsImportReport:
    """Create the cases and people of an HTCDS file in a unit, in the caller's transaction.

    HTCDS records are de-identified: ``ext_PersonRef`` becomes the pseudonym and no name
    is stored. Each person's full HTCDS record (victim profile, perpetrator role) is kept
    as an ``htcds_record`` event, so nothing the standard carries is lost. A charged
    perpetrator gets a charge under ``statute_id``. Importing the same file again adds
    nothing. A case reference that belongs to another unit is refused, naming it.
    """
    from palermo.law.statutes import load_statutes

    if not _may(actor, Permission.EDIT_CASE):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot create cases")
    _unit(session, unit_id)
    charged = [p for p in people if p.role == "perpetrator" and p.perpetrator_charged]
    if charged and statute_id is None:
        raise InvalidInput(
            f"{len(charged)} perpetrators are marked charged: give the statute they were "
            "charged under (for example --statute us-18-1591)"
        )
    if statute_id is not None and statute_id not in load_statutes():
        raise InvalidInput(f"unknown statute id '{statute_id}'")
    m = htcds.mapping().palermo_to_htcds
    sex_of = {v: k for k, v in m.sex.items()}
    report = HtcdsImportReport()
    by_case: dict[str, list[htcds.HtcdsPerson]] = defaultdict(list)
    for p in people:
        if p.case_reference:
            by_case[p.case_reference].append(p)
        else:
            report.without_case += 1
    for reference, members in by_case.items():
        case = session.scalar(select(Case).where(Case.reference == reference))
        if case is not None and case.unit_id != unit_id:
            raise InvalidInput(f"case '{reference}' already exists in another unit")
        if case is None:
            first = members[0]
            victim_types = next(
                (p.types_of_exploitation for p in members if p.role == "victim"), ()
            )
            case = Case(
                unit_id=unit_id,
                reference=reference,
                title=f"{reference} (imported from HTCDS)",
                jurisdiction=jurisdiction,
                typology=_typology_from_exploitation(victim_types),
                stage=(
                    Stage.CLOSED if first.case_status == "Closed" else Stage.INVESTIGATION
                ).value,
                statutes=[statute_id] if statute_id else [],
            )
            session.add(case)
            session.flush()
            if actor.user_id is not None:
                session.add(CaseMember(case_id=case.id, user_id=actor.user_id))
            report.cases_created.append(reference)
        existing = set(session.scalars(select(Person.pseudonym).where(Person.case_id == case.id)))
        added = 0
        for p in members:
            if p.person_ref in existing:
                report.skipped += 1
                continue
            existing.add(p.person_ref)
            person = Person(
                case_id=case.id,
                kind="victim" if p.role == "victim" else "suspect",
                pseudonym=p.person_ref,
                sex=sex_of.get(p.gender or ""),
                nationality=p.citizenship,
                birth_year=p.birth_year,
                is_minor=bool(p.is_minor),
            )
            session.add(person)
            session.flush()
            session.add(
                Event(
                    case_id=case.id,
                    kind="htcds_record",
                    title=f"HTCDS record of {p.person_ref}",
                    person_id=person.id,
                    details=htcds.to_row(p),
                )
            )
            if p.role == "perpetrator" and p.perpetrator_charged and statute_id is not None:
                session.add(
                    Charge(
                        case_id=case.id, person_id=person.id, statute_id=statute_id,
                        status="charged",
                    )
                )  # fmt: skip
                report.charges_added += 1
            added += 1
        report.people_added += added
        if added and reference not in report.cases_created:
            report.cases_updated.append(reference)
        if added:
            _audit(
                session,
                actor,
                "caseload.htcds_import",
                case_id=case.id,
                object_type="case",
                object_id=case.id,
                details={"people": added},
            )
    return report
