"""One settings object for the whole application, read from ``PALERMO_*`` variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret.key"


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``PALERMO_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="PALERMO_", extra="ignore")

    data_dir: Path = Field(default=Path("palermo-data"))
    database_url: str | None = None
    secret_key: str | None = None
    # Files larger than this are refused at ingest (bytes).
    max_file_bytes: int = 2 * 1024**3
    # Zip archives: refuse when the expanded total or the ratio is suspicious.
    max_archive_total_bytes: int = 20 * 1024**3
    max_archive_ratio: float = 200.0
    default_region: str = "US"
    session_https_only: bool = False
    # Who runs background jobs (ingest, OCR): None = the web process on SQLite, separate
    # ``palermo worker`` processes on PostgreSQL; True/False to choose.
    jobs_in_process: bool | None = None
    # Queue the case's analysis after each decision (a suggestion confirmed, a merge...).
    analyse_after_decisions: bool = True
    # ... once the case has had no decision for this long (each decision pushes it later),
    # and at the latest this long after the first decision that queued it (seconds).
    analyse_delay_seconds: float = 30.0
    analyse_max_delay_seconds: float = 300.0
    # Large structured files read and sealed by a second process while this one inserts:
    # None when a CPU is free for it (load average), True for every large file, False never.
    ingest_worker: bool | None = None
    # Resource limits, checked while streaming before a file reaches the evidence store.
    max_upload_bytes: int = 20 * 1024**3  # one upload (a folder or zip), expanded
    max_archive_entries: int = 10_000  # files in one zip (and parts in one DOCX/XLSX)
    max_document_expanded_bytes: int = 256 * 1024**2  # a DOCX/XLSX/ODT unpacked
    max_document_bytes: int = 64 * 1024**2  # text, HTML, e-mail, chats: read whole
    max_xml_depth: int = 256
    max_xml_elements: int = 5_000_000
    max_paragraphs: int = 200_000
    max_pdf_pages: int = 5_000
    max_image_pixels: int = 100_000_000
    # Server-side sessions end after this long without a request, and this long after sign-in.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # A signed audit checkpoint is written every this many entries (and on demand).
    audit_checkpoint_every: int = 100
    # Roles that must use a second factor (TOTP), comma-separated, e.g. "prosecutor,advocate".
    totp_required_roles: str = ""
    # OCR of scans: refuse a file with more pages to read than this; render pages at dpi.
    ocr_max_pages: int = 100
    ocr_dpi: int = 300

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'palermo.db').resolve()}"

    def ensure_dirs(self) -> None:
        """The data directory and evidence store, readable by their owner only (0700)."""
        for folder in (self.data_dir, self.evidence_dir, self.data_dir / "tmp"):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if folder.stat().st_mode & 0o077:  # made by an older version, or by hand
                os.chmod(folder, 0o700)

    def resolved_secret_key(self) -> bytes:
        """The master key: ``PALERMO_SECRET_KEY`` or ``<data dir>/secret.key`` (0600).

        It lives outside the database so that a copy of the database alone does not
        reveal sealed victim identities. It is never generated here: only
        ``palermo.security.keys.load_master`` creates one, and only for an empty database.
        """
        from palermo.security.keys import read_master

        return read_master(self.secret_key, self.data_dir)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
