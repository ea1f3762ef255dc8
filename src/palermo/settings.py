"""One settings object for the whole application, read from ``PALERMO_*`` variables."""

from __future__ import annotations

import os
import secrets
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
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.evidence_dir.mkdir(parents=True, exist_ok=True)

    def resolved_secret_key(self) -> bytes:
        """The master key: given, or generated once into the data directory (mode 0600).

        It lives outside the database so that a copy of the database alone
        does not reveal sealed victim identities.
        """
        if self.secret_key:
            return _decode_key(self.secret_key)
        self.ensure_dirs()
        path = self.data_dir / SECRET_KEY_FILE
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        return _decode_key(path.read_text().strip())


def _decode_key(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = text.encode()
    if len(raw) < 32:
        raise ValueError("PALERMO_SECRET_KEY must be at least 32 bytes (64 hex characters)")
    return raw[:32]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
