"""People and organisations of a case beyond the person row: links between people and
organisations, photos of a person (stored encrypted like evidence files), and the record
of each merge of two people (so that it can be undone)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from palermo.store.models.base import Base, Timestamp, utcnow
from palermo.store.types import SealedJson, SealedText

__all__ = ["PersonMerge", "PersonOrganisation", "PersonPhoto"]


class PersonOrganisation(Base):
    """A person's relation to an organisation of the case (owner, director, employee...)."""

    __tablename__ = "person_organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    relation: Mapped[str] = mapped_column(String(32))
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    __table_args__ = (UniqueConstraint("person_id", "organisation_id", "relation"),)


class PersonPhoto(Base):
    """A photo of a person: the image and its thumbnail are encrypted with the case's data
    key in the evidence store; the hash and size are those of the original bytes."""

    __tablename__ = "person_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    stored_path: Mapped[str] = mapped_column(String(1000))
    thumb_path: Mapped[str] = mapped_column(String(1000))
    # Encrypted at rest: a file name can name the person ("<name> passport.jpg").
    original_name: Mapped[str] = mapped_column(SealedText("person_photos.original_name"))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class PersonMerge(Base):
    """Two people found to be one: ``absorbed`` was merged into ``survivor``. ``record``
    (encrypted: it holds both identities as they were) lists every row moved, so the merge
    can be undone."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # Not foreign keys: the absorbed person's row is gone until the merge is undone, and
    # the survivor may later be merged into someone else.
    survivor_id: Mapped[int] = mapped_column(Integer, index=True)
    absorbed_id: Mapped[int] = mapped_column(Integer)
    absorbed_pseudonym: Mapped[str] = mapped_column(String(120))
    record: Mapped[dict[str, Any]] = mapped_column(SealedJson("person_merges.record"))
    merged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(Timestamp)
