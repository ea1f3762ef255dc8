"""Finding things: the keyed blind index that search looks words up in, and each user's
saved caseload filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from palermo.store.models.base import Base, BigId, JsonDoc, Timestamp, utcnow

__all__ = ["SavedFilter", "SearchKey"]


OWNER_INDEXES = (("person_id", "key"), ("identifier_id",), ("document_id", "page", "key"))


class SearchKey(Base):
    """One keyed hash (HMAC under a subkey of the master key, 64 bits) of one normalised
    token: a name-word prefix of a person (``kind`` "name"), a normalised form or prefix of
    an identifier ("id"), or a word of a document page ("word"). The token itself is never
    stored; search hashes what is typed the same way and looks the hash up here.
    ``sealed`` marks the names of a person whose identity is sealed. Maintained by
    :mod:`palermo.security.blind_index` on every write, rebuilt when the key rotates."""

    __tablename__ = "search_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[int] = mapped_column(BigInteger)
    # On PostgreSQL the database does not check this key (migration 0012): the owner's
    # key implies it and deletes the row with its owner.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    identifier_id: Mapped[int | None] = mapped_column(
        ForeignKey("identifiers.id", ondelete="CASCADE")
    )
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    page: Mapped[int | None] = mapped_column(Integer)
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)

    # Each row belongs to one person, identifier or document: partial indexes, so a row
    # costs one entry in its owner's index and one in the key index. The owner indexes end
    # with the key, so "does this person also have that key" is one index probe.
    __table_args__ = (
        # Covering for the name lookup (no table row read per candidate).
        Index("ix_search_keys_key", "key", "case_id", "person_id", "sealed"),
        *(
            Index(
                f"ix_search_keys_{columns[0]}",
                *columns,
                sqlite_where=text(f"{columns[0]} IS NOT NULL"),
                postgresql_where=text(f"{columns[0]} IS NOT NULL"),
            )
            for columns in OWNER_INDEXES
        ),
    )


class SavedFilter(Base):
    """A named set of caseload filters and sort order, private to one user."""

    __tablename__ = "saved_filters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filters_user_id_name"),)
