"""Registry of evidence readers, tried in order; the first whose ``sniff`` accepts wins.

Structured CSV readers come first (they recognise a file by its header), then bank
statements (camt.053, MT940), then the document readers, then a catch-all for CSV files
whose header nobody recognised. Another reader is added by listing it here, before the
document reader that would otherwise take its files.

OCR of scans is not a reader: the PDF and image readers store a scan's pages (empty where
there is no text layer) at ingest, and ``palermo.services.ocr`` then reads those pages
with ``palermo.ingest.readers.ocr`` (Tesseract) in a background run with progress, so a
300-page scan never holds the ingest transaction open.
"""

from __future__ import annotations

from pathlib import Path

from palermo.ingest.readers.bank import BANK_READERS
from palermo.ingest.readers.base import Reader
from palermo.ingest.readers.structured import STRUCTURED_READERS, unknown_csv_reader

HEAD_BYTES = 8192


def _document_readers() -> list[Reader]:
    try:
        from palermo.ingest.readers.documents import DOCUMENT_READERS
    except ImportError:  # document readers not installed in this build
        return []
    return list(DOCUMENT_READERS)


READERS: list[Reader] = [
    *STRUCTURED_READERS,
    *BANK_READERS,
    *_document_readers(),
    unknown_csv_reader,
]


def find_reader(path: Path, readers: list[Reader] | None = None) -> Reader | None:
    """The first reader whose sniff accepts the file's first few KB, or None."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None
    for reader in READERS if readers is None else readers:
        if reader.sniff(path, head):
            return reader
    return None
