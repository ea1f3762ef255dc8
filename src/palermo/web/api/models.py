"""Response and request models of the JSON API (they define the OpenAPI schema)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import HTTPException, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from palermo.services.fields import FieldErrors

# --- bounds and types shared by every API module ---------------------------------------

# Ids are PostgreSQL ``integer`` (int4); anything above cannot exist. Bounding them in the
# schema turns an out-of-range id into a documented 422 instead of a database overflow.
MAX_ID = 2**31 - 1
MAX_PAGE = 1_000_000

DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE)]


def _utc(value: datetime) -> datetime:
    """Stored times are UTC; SQLite returns them without a zone. Say so in the output."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


def with_utc(value: Any) -> Any:
    """``value`` (dicts, lists, dataclass dumps) with every naive datetime marked UTC."""
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, dict):
        return {k: with_utc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [with_utc(v) for v in value]
    return value


class ValidationIssue(BaseModel):
    model_config = ConfigDict(extra="allow")

    loc: list[str | int] = Field(description="Where: body, query or path, then the field.")
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every error response: a message, or for request validation the list of issues."""

    detail: str | list[ValidationIssue]


def error_responses(**descriptions: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: ``error_responses(e404="No such case")``."""
    return {
        int(key.removeprefix("e")): {"model": ErrorOut, "description": text}
        for key, text in descriptions.items()
    }


# Declared on every API router (the app adds them when it includes the routers).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = error_responses(
    e400="The request body could not be parsed.",
    e401="No valid API token or session.",
    e403="The caller's role may not do this (or the CSRF header is missing).",
    e404="No such object, or the caller is not a member of its case.",
    e422="A parameter or field is invalid; ``detail`` says which.",
)


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
    ingested_at: UtcDateTime


class RecordOut(_FromService):
    id: int
    kind: str
    occurred_at: UtcDateTime | None
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


def refused_responses(text: str) -> dict[int | str, dict[str, Any]]:
    """A 422 whose body is the field errors of :func:`refuse` (not ``ErrorOut``)."""
    return {422: {"description": text}}


def refuse(exc: FieldErrors) -> HTTPException:
    """A service's field errors as HTTP 422: ``errors`` names each field and what is wrong."""
    errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    return HTTPException(422, detail={"message": str(exc), "errors": errors})
