"""What ingest keeps about evidence formats: rows a file could not load, column mapping
profiles per unit, and a unit's own exchange rates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Dialect, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from palermo.store.models.base import Base, BigId, JsonDoc, Timestamp, utcnow
from palermo.store.types import SealedText


class RowProblem(Base):
    """A row of an evidence file left out at ingest: its line, column, value and why."""

    __tablename__ = "row_problems"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    evidence_file_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(300))
    # Encrypted at rest: a refused cell can hold a person's name, and the reason quotes it.
    value: Mapped[str] = mapped_column(SealedText("row_problems.value"))
    reason: Mapped[str] = mapped_column(SealedText("row_problems.reason"))


class MappingProfile(Base):
    """A unit's column mapping from a source layout (its header) to a record kind.

    ``mapping`` holds the profile document (see palermo.ingest.profiles.Profile):
    columns, value mappings and the file's locale where known.
    """

    __tablename__ = "mapping_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    mapping: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (UniqueConstraint("unit_id", "name"),)


class UserRate(Base):
    """A unit's own exchange rate: units of ``currency`` per 1 ``base`` on a day or for a
    year (``day`` None), with the source the user named."""

    __tablename__ = "user_rates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    currency: Mapped[str] = mapped_column(String(8))
    base: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    day: Mapped[date | None] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Numeric(30, 12))
    source: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ExactAmount(TypeDecorator[Decimal]):
    """An amount stored exactly as read: unconstrained NUMERIC (PostgreSQL keeps every
    digit, so 0.00051 BTC stays 0.00051) and read back with at least two decimal places
    (1250.5 -> 1250.50), never rounded to two."""

    impl = Numeric
    cache_ok = True

    def __init__(self) -> None:
        # SQLite hands back a float: twelve places keep every digit a payment has.
        super().__init__(asdecimal=True, decimal_return_scale=12)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        amount = (value if isinstance(value, Decimal) else Decimal(repr(value))).normalize()
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent > -2:
            return amount.quantize(_CENT)
        return amount


_CENT = Decimal("0.01")
