"""Documents read from evidence files (text, PDF, Word, e-mail, chats) and their pages.

The source text is stored once, as read, and never edited: extractions point into
it by page number and character span.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from palermo.store.models.base import Base, Timestamp, utcnow
from palermo.store.types import SealedJson, SealedText


class Document(Base):
    """One document per evidence file that holds text (a chat export is one document)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    evidence_file_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.id"), unique=True)
    media_type: Mapped[str] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(SealedText("documents.title"))
    # What the reader found (author, dates, encoding, e-mail headers, the parent
    # evidence file of an attachment, the attachments of this one...).
    # Encrypted at rest: e-mail headers and chat participants name people.
    doc_metadata: Mapped[dict[str, Any]] = mapped_column(
        "metadata", SealedJson("documents.metadata"), default=dict
    )
    # A note for the user, e.g. "image: no OCR in this version".
    note: Mapped[str | None] = mapped_column(Text)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class DocumentPage(Base):
    """A page (PDF), a message (chat) or the whole text of a plain file; 1-based."""

    __tablename__ = "document_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(SealedText("document_pages.text"))

    __table_args__ = (UniqueConstraint("document_id", "number"),)
