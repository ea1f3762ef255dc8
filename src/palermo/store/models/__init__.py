"""All tables. Each capability keeps its models in its own module here."""

from palermo.store.models import caseload, documents, find, formats
from palermo.store.models import derived as derived
from palermo.store.models import jobs as jobs
from palermo.store.models import ocr as ocr
from palermo.store.models import people as people
from palermo.store.models.base import Base
from palermo.store.models.core import (
    ApiToken,
    Assertion,
    AssertionStatus,
    AuditEntry,
    Case,
    CaseMember,
    Charge,
    Event,
    EvidenceFile,
    EvidenceStatus,
    Identifier,
    Organisation,
    Person,
    PersonKind,
    Record,
    RecordKind,
    Role,
    Stage,
    Unit,
    User,
)
from palermo.store.models.signin import SigninAttempts, WebSession

__all__ = [
    "ApiToken",
    "Assertion",
    "AssertionStatus",
    "AuditEntry",
    "Base",
    "Case",
    "CaseMember",
    "Charge",
    "Event",
    "EvidenceFile",
    "EvidenceStatus",
    "Identifier",
    "Organisation",
    "Person",
    "PersonKind",
    "Record",
    "RecordKind",
    "Role",
    "SigninAttempts",
    "Stage",
    "Unit",
    "User",
    "WebSession",
    "caseload",
    "documents",
    "find",
    "formats",
]
from palermo.store import change_stamp as change_stamp  # registers the listener
