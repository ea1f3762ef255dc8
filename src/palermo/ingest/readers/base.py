"""The one interface every evidence reader implements.

A reader turns one file into structured records (streamed, each with its row or
message index) and/or one document text (pages kept), and nothing else: storing,
hashing, deduplication and transactions belong to the ingest service. Adding a
format means adding one reader module and listing it in ``readers/registry.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol


class ReadError(Exception):
    """Bad input. The message names the file, and the line and column where known."""

    def __init__(
        self, file: str, message: str, line: int | None = None, column: str | None = None
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.reason = message
        where = file
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One structured record (call, message, payment, trip) and where it came from.

    ``row_number`` is the 1-based line in a CSV (header is line 1) or the
    message index in a chat export. ``source``/``target`` are normalised
    identifier values (E.164 phones, compact IBANs, ...).
    """

    kind: str
    row_number: int
    occurred_at: datetime | None = None
    source: str | None = None
    target: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    duration_s: int | None = None
    channel: str | None = None
    body: str | None = None
    origin: str | None = None
    destination: str | None = None
    attrs: dict[str, Any] | None = None


@dataclass(slots=True)
class Page:
    """A page (PDF), a message (chat) or the whole text (plain files), 1-based."""

    number: int
    text: str


@dataclass(slots=True)
class DocumentText:
    """Text extracted from a document; source text is stored once and never edited."""

    media_type: str
    title: str | None = None
    pages: list[Page] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # Embedded files (e-mail attachments) to be ingested recursively: (name, content).
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    # A note shown to the user, e.g. "image: no OCR in this version".
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReadContext:
    """What a reader may need to know about the case it reads for."""

    default_region: str = "US"
    display_name: str = ""
    # The file's locale when the user gave it: "." or "," and "DMY" or "MDY" (None:
    # inferred from the file, asked when it cannot be).
    decimal: str | None = None
    date_order: str | None = None
    # Refuse the whole file for one bad row (default: load the good rows, list the bad).
    all_or_nothing: bool = False
    # A column mapping profile (palermo.ingest.profiles.Profile) chosen by the user.
    profile: Any = None


@dataclass(slots=True)
class ReadOutput:
    source_kind: str
    records: Iterator[RecordRow] | None = None
    document: DocumentText | None = None


class Reader(Protocol):
    """A format reader. ``sniff`` decides cheaply; ``read`` raises ReadError on bad input."""

    name: str

    def sniff(self, path: Path, head: bytes) -> bool: ...

    def read(self, path: Path, context: ReadContext) -> ReadOutput: ...
