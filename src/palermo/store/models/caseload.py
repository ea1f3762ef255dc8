"""Caseload tables: stage transitions, hearings, deadlines, victim-witness care, outcomes.

Enumerated values are stored as plain strings (see ``core``); the allowed values are
the ``StrEnum`` classes below, which the pure logic in ``palermo.caseload`` checks.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from palermo.store.models.base import Base, BigId, JsonDoc, Timestamp, utcnow

__all__ = [
    "CaseDeadline",
    "CaseNote",
    "DeadlineKind",
    "Hearing",
    "HearingParty",
    "IntimidationReport",
    "NoteKind",
    "Outcome",
    "Plea",
    "RestitutionPayment",
    "StageTransition",
    "SupportService",
    "Verdict",
    "VictimContact",
    "WitnessStatus",
]


class HearingParty(enum.StrEnum):
    """Who asked for an adjournment."""

    DEFENCE = "defence"
    PROSECUTION = "prosecution"
    COURT = "court"
    INVESTIGATOR = "investigator"
    OTHER = "other"


class DeadlineKind(enum.StrEnum):
    CUSTODY_LIMIT = "custody_limit"
    FOREIGN_REQUEST = "foreign_request"
    EVIDENCE = "evidence"
    OTHER = "other"


class Verdict(enum.StrEnum):
    CONVICTED = "convicted"
    ACQUITTED = "acquitted"
    DISMISSED = "dismissed"
    DIVERTED = "diverted"
    PENDING = "pending"


class StageTransition(Base):
    """A case moved from one stage to another (diversion carries its reason)."""

    __tablename__ = "stage_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[date] = mapped_column(Date)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    # For diversion: "mediation", "settlement", "administrative", ...
    diversion_kind: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    __table_args__ = (Index("ix_stage_transitions_case_on", "case_id", "occurred_on"),)


class Hearing(Base):
    __tablename__ = "hearings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))  # arraignment, pre_trial, trial, ...
    result: Mapped[str | None] = mapped_column(String(200))
    adjourned: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by: Mapped[str | None] = mapped_column(String(16))  # HearingParty
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    __table_args__ = (Index("ix_hearings_case_on", "case_id", "held_on"),)


class CaseDeadline(Base):
    __tablename__ = "case_deadlines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # DeadlineKind
    due_on: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class VictimContact(Base):
    """A contact between the team (advocate, prosecutor...) and a victim-witness."""

    __tablename__ = "victim_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    contacted_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))  # visit, phone, message, court, ...
    notes: Mapped[str | None] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class SupportService(Base):
    __tablename__ = "support_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    service: Mapped[str] = mapped_column(String(64))  # shelter, legal_aid, medical, ...
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    provider: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class WitnessStatus(Base):
    """Current status of a victim or witness: one row per person, updated in place."""

    __tablename__ = "witness_status"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    location: Mapped[str | None] = mapped_column(String(200))
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    repatriated: Mapped[bool] = mapped_column(Boolean, default=False)
    intimidation_reports: Mapped[int] = mapped_column(Integer, default=0)
    consent_to_testify: Mapped[bool | None] = mapped_column(Boolean)
    consent_withdrawn_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class Outcome(Base):
    """The outcome for one defendant on one charge (or on the case if ``charge_id`` is null)."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id"))
    statute_id: Mapped[str | None] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16), default=Verdict.PENDING.value)
    verdict_on: Mapped[date | None] = mapped_column(Date)
    sentenced_on: Mapped[date | None] = mapped_column(Date)
    custodial_months: Mapped[int | None] = mapped_column(Integer)
    suspended_months: Mapped[int | None] = mapped_column(Integer)
    probation_months: Mapped[int | None] = mapped_column(Integer)
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    fine_currency: Mapped[str | None] = mapped_column(String(3))
    restitution_requested: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    restitution_ordered: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    restitution_paid: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    restitution_currency: Mapped[str | None] = mapped_column(String(3))
    forfeiture_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    forfeiture_details: Mapped[str | None] = mapped_column(Text)
    appeal_result: Mapped[str | None] = mapped_column(String(32))  # upheld, reversed, ...
    appeal_on: Mapped[date | None] = mapped_column(Date)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    plea: Mapped[str | None] = mapped_column(String(32))  # Plea
    plea_on: Mapped[date | None] = mapped_column(Date)
    supervised_release_months: Mapped[int | None] = mapped_column(Integer)
    appeal_filed_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_outcomes_case", "case_id", "verdict"),)


class Plea(enum.StrEnum):
    GUILTY = "guilty"
    NOT_GUILTY = "not_guilty"
    NOLO_CONTENDERE = "nolo_contendere"
    NONE = "none"


class NoteKind(enum.StrEnum):
    NOTE = "note"
    TASK = "task"


class CaseNote(Base):
    """A note or a task on a case (a task has a due date, an assignee and a done flag)."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # NoteKind
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class RestitutionPayment(Base):
    """One payment of ordered restitution; the outcome's ``restitution_paid`` is their sum."""

    __tablename__ = "restitution_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome_id: Mapped[int] = mapped_column(BigId, ForeignKey("outcomes.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    note: Mapped[str | None] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class IntimidationReport(Base):
    """A report of intimidation of a victim-witness; ``WitnessStatus.intimidation_reports``
    counts them and feeds the risk rating."""

    __tablename__ = "intimidation_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
