"""Plain dataclasses the caseload logic works on (no database, no HTTP).

Services build these from the ORM rows; tests build them by hand. The high-volume
records (cases, hearings, outcomes, persons, witnesses) are not frozen: building
tens of thousands of frozen dataclasses costs twice as much. Treat them as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class CaseInfo:
    id: int
    reference: str
    stage: str
    opened_on: date | None = None
    charged_on: date | None = None
    closed_on: date | None = None
    typology: str | None = None
    statutes: tuple[str, ...] = ()
    jurisdiction: str | None = None
    # True: no user set the typology; ``typology`` is the form the evidence points to.
    typology_inferred: bool = False
    # First arraignment hearing; ``charged_on`` is used when unknown.
    arraigned_on: date | None = None
    # Date the case entered its current stage (from the last transition).
    stage_since: date | None = None


@dataclass(frozen=True, slots=True)
class TransitionInfo:
    case_id: int
    from_stage: str | None
    to_stage: str
    occurred_on: date
    reason: str | None = None
    diversion_kind: str | None = None
    id: int | None = None


@dataclass(slots=True)
class HearingInfo:
    case_id: int
    held_on: date
    kind: str
    adjourned: bool = False
    requested_by: str | None = None
    reason: str | None = None
    result: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class DeadlineInfo:
    case_id: int
    kind: str
    due_on: date
    done: bool = False
    description: str | None = None
    id: int | None = None


@dataclass(slots=True)
class WitnessInfo:
    """What the risk rating needs to know about one victim or witness."""

    person_id: int
    case_id: int
    pseudonym: str
    last_contact_on: date | None = None
    repatriated: bool = False
    intimidation_reports: int = 0
    consent_to_testify: bool | None = None
    consent_withdrawn_on: date | None = None
    # Services that ended, as (service, ended_on), and whether any is still running.
    support_ended: tuple[tuple[str, date], ...] = ()
    support_active: bool = False
    available: bool = True


@dataclass(slots=True)
class OutcomeInfo:
    case_id: int
    person_id: int
    verdict: str
    statute_id: str | None = None
    verdict_on: date | None = None
    sentenced_on: date | None = None
    custodial_months: int | None = None
    suspended_months: int | None = None
    probation_months: int | None = None
    fine_amount: Decimal | None = None
    fine_currency: str | None = None
    restitution_requested: Decimal | None = None
    restitution_ordered: Decimal | None = None
    restitution_paid: Decimal | None = None
    forfeiture_amount: Decimal | None = None
    appeal_result: str | None = None
    appeal_on: date | None = None
    id: int | None = None


@dataclass(slots=True)
class PersonInfo:
    """A victim or defendant for the TIP/GLOTIP tables (sex: female/male/other/unknown)."""

    person_id: int
    case_id: int
    kind: str
    sex: str | None = None
    is_minor: bool | None = None


@dataclass(frozen=True, slots=True)
class StatuteRange:
    """Penalty range of a statute in months; ``None`` means no minimum / no maximum (life)."""

    statute_id: str
    min_months: int | None = None
    max_months: int | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """A validation problem naming the record and the field."""

    record: str  # e.g. "outcome 12", "case HT-2021-004"
    field: str
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.severity}: {self.record}, {self.field}: {self.message}"


@dataclass(slots=True)
class IssueList:
    issues: list[Issue] = field(default_factory=list)

    def add(self, record: str, field_name: str, message: str, severity: str = "error") -> None:
        self.issues.append(Issue(record, field_name, message, severity))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]
