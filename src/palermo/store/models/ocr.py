"""OCR of scanned pages: the case's OCR languages, one progress row per OCR run, and the
word boxes and confidence of every page read by OCR (its provenance)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from palermo.store.models.base import Base, JsonDoc, Timestamp, utcnow
from palermo.store.types import SealedText


class CaseOcrSetting(Base):
    """A case's OCR languages (Tesseract codes joined by '+', e.g. 'spa+eng')."""

    __tablename__ = "case_ocr_settings"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    languages: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class OcrJob(Base):
    """One OCR run over one evidence file: the progress row the pages and CLI show."""

    __tablename__ = "ocr_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    evidence_file_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    # queued, running, done, no_text, failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    languages: Mapped[str] = mapped_column(String(120))
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    # Encrypted at rest: the outcome names the file, and a file name can name a person.
    message: Mapped[str | None] = mapped_column(SealedText("ocr_jobs.message"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)


class OcrPage(Base):
    """A page's OCR provenance: image size and resolution, languages, mean confidence and
    every word as [start, end, left, top, width, height, confidence], where start/end
    are character offsets into the page text and the box is in image pixels."""

    __tablename__ = "ocr_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    languages: Mapped[str] = mapped_column(String(120))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    dpi: Mapped[int | None] = mapped_column(Integer)
    mean_confidence: Mapped[float | None] = mapped_column(Float)
    words: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)

    __table_args__ = (UniqueConstraint("document_id", "number"),)
