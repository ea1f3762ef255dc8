"""Background jobs: one row per piece of long work (an ingest, an OCR run), the record
of truth for its state, progress and outcome, whichever process runs it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from palermo.store.models.base import Base, Timestamp, utcnow
from palermo.store.types import SealedJson, SealedText


class Job(Base):
    """A queued, running or finished job of a case.

    What can name someone (file names in the payload, the file being read, the outcome
    and the error, which quote file names) is encrypted at rest; the kind, status,
    counters and times are not, so the queue can be dispatched and shown without the key.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))  # ingest, ocr, analyse
    # queued, running, done, failed, cancelled
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress_done: Mapped[int] = mapped_column(BigInteger, default=0)
    progress_total: Mapped[int] = mapped_column(BigInteger, default=0)
    # What the job reads now, e.g. "3 of 12: statement.csv" (names a file: encrypted).
    current: Mapped[str | None] = mapped_column(SealedText("jobs.current"))
    # References the job needs: staged files (with their names), options, ids.
    payload: Mapped[dict[str, Any]] = mapped_column(SealedJson("jobs.payload"))
    # The outcome per file (names and messages with lines), once finished.
    result: Mapped[dict[str, Any] | None] = mapped_column(SealedJson("jobs.result"))
    error: Mapped[str | None] = mapped_column(SealedText("jobs.error"))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # host:pid of the process running it, and when it last said it was alive.
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(Timestamp)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A queued job is not taken before this time (None: at once). The analysis queued
    # after a decision waits for the reviewer's burst of decisions to end.
    not_before: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)

    __table_args__ = (
        Index("ix_jobs_status_id", "status", "id"),
        Index("ix_jobs_case_id_id", "case_id", "id"),
    )
