"""The case file: units, users, cases, people, identifiers, evidence, records, facts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from palermo.store.models.base import Base, BigId, JsonDoc, Timestamp, utcnow
from palermo.store.models.formats import ExactAmount
from palermo.store.types import SealedExact, SealedJson, SealedText


class Role(enum.StrEnum):
    ADMIN = "admin"
    PROSECUTOR = "prosecutor"
    INVESTIGATOR = "investigator"
    ANALYST = "analyst"
    ADVOCATE = "advocate"
    AUDITOR = "auditor"


class PersonKind(enum.StrEnum):
    VICTIM = "victim"
    SUSPECT = "suspect"
    WITNESS = "witness"
    OFFICIAL = "official"
    OTHER = "other"


class RecordKind(enum.StrEnum):
    CALL = "call"
    MESSAGE = "message"
    PAYMENT = "payment"
    TRIP = "trip"


class AssertionStatus(enum.StrEnum):
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class EvidenceStatus(enum.StrEnum):
    LOADED = "loaded"
    SKIPPED = "skipped"
    FAILED = "failed"


class Stage(enum.StrEnum):
    INTAKE = "intake"
    INVESTIGATION = "investigation"
    CHARGED = "charged"
    PRE_TRIAL = "pre_trial"
    TRIAL = "trial"
    VERDICT = "verdict"
    SENTENCING = "sentencing"
    APPEAL = "appeal"
    CLOSED = "closed"
    DIVERTED = "diverted"


# Enums are stored as plain strings: portable, and new values need no ALTER TYPE.


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    settings: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # A one-time password set by an administrator must be replaced at first sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # TOTP second factor: the secret is encrypted with a subkey of the master key.
    totp_secret: Mapped[str | None] = mapped_column(String(300))


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # Only a SHA-256 of the token is kept; the token itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    jurisdiction: Mapped[str] = mapped_column(String(16))
    typology: Mapped[str | None] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32), default=Stage.INTAKE.value)
    statutes: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    default_region: Mapped[str] = mapped_column(String(2), default="US")
    opened_on: Mapped[date | None] = mapped_column(Date)
    charged_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    # The last edit in place of what the case's analysis reads (evidence, people, facts,
    # decisions); casework (tasks, notes, hearings, stages, outcomes) never moves it.
    # Kept views are filed under it (:mod:`palermo.store.change_stamp`).
    content_changed_at: Mapped[datetime | None] = mapped_column(Timestamp, default=utcnow)

    members: Mapped[list[CaseMember]] = relationship(back_populates="case")


class CaseKey(Base):
    """A case's random data key (it encrypts the case's evidence files), wrapped with
    AES-GCM under a key derived from the master secret (``palermo.security.keys``)."""

    __tablename__ = "case_keys"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class CaseMember(Base):
    __tablename__ = "case_members"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # "owner" (who may add and remove members), "prosecutor", "investigator", ...
    case_role: Mapped[str] = mapped_column(String(32), default="member", server_default="member")

    case: Mapped[Case] = relationship(back_populates="members")


class Person(Base):
    """A person in a case. Victims' identity fields live only in ``sealed_identity``."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    pseudonym: Mapped[str] = mapped_column(String(120))
    # Plain name for people whose identity is not sealed (suspects, officials...).
    name: Mapped[str | None] = mapped_column(String(300))
    aliases: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    # AES-GCM ciphertext of a JSON object (name, aliases, date_of_birth, ...).
    sealed_identity: Mapped[bytes | None] = mapped_column(LargeBinary)
    sex: Mapped[str | None] = mapped_column(String(16))
    nationality: Mapped[str | None] = mapped_column(String(64))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    is_minor: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    __table_args__ = (UniqueConstraint("case_id", "pseudonym"),)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    registration_number: Mapped[str | None] = mapped_column(String(64))
    # Encrypted at rest: a venue's address can be where victims were held or live.
    address: Mapped[str | None] = mapped_column(SealedText("organisations.address"))


class Identifier(Base):
    """A phone, email, account, passport, handle... in normalised form (phones in E.164)."""

    __tablename__ = "identifiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))
    # Encrypted at rest (an e-mail or handle can carry a name), deterministically and
    # under the records' endpoint label: it still matches ``Record.source``/``target``.
    value: Mapped[str] = mapped_column(SealedExact("records.endpoint"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    label: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    __table_args__ = (
        UniqueConstraint("case_id", "kind", "value"),
        Index("ix_identifiers_value", "value"),
        # The case fingerprint's counts and sums, read from the index alone on every page.
        Index("ix_identifiers_case_holders", "case_id", "person_id", "organisation_id"),
    )


class EvidenceFile(Base):
    """One file of evidence, stored content-addressed and never modified."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigId)
    media_type: Mapped[str] = mapped_column(String(120))
    # Encrypted at rest: a file name can name a person ("statement of <name>.docx").
    original_name: Mapped[str] = mapped_column(SealedExact("evidence_files.original_name"))
    stored_path: Mapped[str] = mapped_column(String(1000))
    source_kind: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=EvidenceStatus.LOADED.value)
    # Encrypted at rest: the message quotes the file name.
    problem: Mapped[str | None] = mapped_column(SealedText("evidence_files.problem"))
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    ingested_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    ingested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (UniqueConstraint("case_id", "sha256"),)


class Record(Base):
    """A structured record (call, message, payment, trip) with its provenance row.

    Endpoints are stored as normalised identifier values, not foreign keys, so
    that millions of rows load in bulk without lookups.
    """

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # On PostgreSQL the database does not check this key (migration 0012): the evidence
    # file's own key implies it, and a per-row check was a large share of a bulk load.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    evidence_file_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # Encrypted at rest (palermo.store.types); endpoints deterministically, for SQL equality.
    source: Mapped[str | None] = mapped_column(SealedExact("records.endpoint"))
    target: Mapped[str | None] = mapped_column(SealedExact("records.endpoint"))
    # Exact, any number of decimal places: crypto amounts (0.00051 BTC) too.
    amount: Mapped[Decimal | None] = mapped_column(ExactAmount())
    currency: Mapped[str | None] = mapped_column(String(8))  # ISO 4217 or a crypto ticker
    duration_s: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str | None] = mapped_column(SealedText("records.body"))
    # Places deterministically too (equal places compare equal; bulk loads cache them).
    origin: Mapped[str | None] = mapped_column(SealedExact("records.origin"))
    destination: Mapped[str | None] = mapped_column(SealedExact("records.destination"))
    attrs: Mapped[dict[str, Any] | None] = mapped_column(SealedJson("records.attrs"))

    __table_args__ = (
        Index("ix_records_case_kind_time", "case_id", "kind", "occurred_at"),
        # The Records tab's default order (time, then id) and a case's first and last record.
        Index("ix_records_case_time", "case_id", "occurred_at", "id"),
        Index("ix_records_case_source", "case_id", "source"),
        Index("ix_records_case_target", "case_id", "target"),
    )


class Assertion(Base):
    """A fact about an entity, with its source span and a human decision.

    Machines create ``suggested`` assertions; a person confirms or rejects them.
    """

    __tablename__ = "assertions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    predicate: Mapped[str] = mapped_column(String(64))
    # Encrypted at rest, deterministically (SQL still compares and groups it): a found
    # identifier (an e-mail made of a name) or a candidate name can name a person.
    value: Mapped[str | None] = mapped_column(SealedExact("assertions.value"))
    # Encrypted at rest: details quote the evidence (an indicator's sentence).
    details: Mapped[dict[str, Any] | None] = mapped_column(SealedJson("assertions.details"))
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_files.id"))
    record_id: Mapped[int | None] = mapped_column(BigId)
    locator: Mapped[str | None] = mapped_column(String(64))
    span_start: Mapped[int | None] = mapped_column(Integer)
    span_end: Mapped[int | None] = mapped_column(Integer)
    quote: Mapped[str | None] = mapped_column(SealedText("assertions.quote"))
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[str] = mapped_column(String(16), default=AssertionStatus.SUGGESTED.value)
    origin: Mapped[str] = mapped_column(String(16), default="machine")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    __table_args__ = (
        Index("ix_assertions_case_predicate", "case_id", "predicate", "status"),
        Index("ix_assertions_subject", "case_id", "subject_type", "subject_id"),
    )


class Charge(Base):
    __tablename__ = "charges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    statute_id: Mapped[str] = mapped_column(String(64))
    counts: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(32), default="considered")
    filed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Event(Base):
    """Something that happened in the case's story (arrest, search, border crossing...)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime | None] = mapped_column(Timestamp)
    title: Mapped[str] = mapped_column(String(300))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_files.id"))
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class AuditEntry(Base):
    """An append-only, hash-chained log of every read and change of case data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigId, unique=True)
    at: Mapped[datetime] = mapped_column(Timestamp)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # How ``hash`` is computed: NULL for entries written before keyed chaining
    # (unkeyed SHA-256), "hmac1" for HMAC-SHA256 under the audit subkey.
    alg: Mapped[str | None] = mapped_column(String(16))
