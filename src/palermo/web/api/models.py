"""Response and request models of the JSON API (they define the OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _FromService(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CaseOut(_FromService):
    reference: str
    title: str
    jurisdiction: str
    typology: str | None
    stage: str
    statutes: list[str]
    opened_on: date | None
    record_count: int


class PersonOut(_FromService):
    id: int
    kind: str
    pseudonym: str
    display_name: str = Field(
        description="The real name only when the caller's role allows it and reveal was "
        "requested; otherwise the pseudonym."
    )
    identity_visible: bool
    aliases: list[str]
    is_minor: bool
    nationality: str | None


class IdentifierOut(_FromService):
    id: int
    kind: str
    value: str
    person: str | None = Field(description="The person's name, or pseudonym for a victim.")


class EvidenceOut(_FromService):
    id: int
    original_name: str
    sha256: str
    size: int
    media_type: str
    source_kind: str | None
    status: str
    problem: str | None
    record_count: int
    ingested_at: datetime


class RecordOut(_FromService):
    id: int
    kind: str
    occurred_at: datetime | None
    source: str | None
    target: str | None
    amount: Decimal | None = Field(description="Exact decimal, serialised as a string.")
    currency: str | None
    duration_s: int | None
    channel: str | None
    body: str | None
    origin: str | None
    destination: str | None
    evidence_file: str = Field(description="Provenance: the evidence file's original name.")
    row_number: int = Field(description="Provenance: the row in that file.")


class RecordPage(BaseModel):
    items: list[RecordOut]
    total: int
    page: int
    per_page: int
    pages: int
    sort: str
    desc: bool


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=120, description="What will use the token.")


class TokenOut(BaseModel):
    name: str
    token: str = Field(description="The secret. Shown once: store it now.")
