"""Derived views of a case kept between requests, restarts and workers.

Each row is one view (elements assessment, network, money, timeline facts, the memo's
analysis) as one kind of viewer may see it, filed under the case fingerprint it was
computed from. The view itself is encrypted with the case's data key (it names people);
the digests say nothing about its content.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from palermo.store.models.base import Base, BigId, Timestamp, utcnow

__all__ = ["DerivedView"]


class DerivedView(Base):
    __tablename__ = "derived_views"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))  # which view, with its format version
    variant: Mapped[str] = mapped_column(String(64))  # digest of what else it depends on
    fingerprint: Mapped[str] = mapped_column(String(64))  # digest of the case fingerprint
    computed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    compute_ms: Mapped[int] = mapped_column(Integer, default=0)  # how long it took
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (UniqueConstraint("case_id", "name", "variant"),)
