"""The document and chat readers, in the order they should be tried.

Specific formats come first (they sniff by content), plain text last (it claims any
``.txt`` so that junk with a text extension gets a clear "not text" error).
"""

from __future__ import annotations

from pathlib import Path

from palermo.ingest.readers import image, mail, pdf, sms, telegram, text, webpage, whatsapp, word
from palermo.ingest.readers.base import ReadContext, Reader, ReadError, ReadOutput

DOCUMENT_READERS: list[Reader] = [
    pdf.reader,
    word.reader,
    image.reader,
    telegram.reader,
    sms.reader,
    mail.mbox_reader,
    mail.eml_reader,
    webpage.reader,
    whatsapp.reader,
    text.reader,
]

HEAD_BYTES = 8192


def pick_reader(path: Path, head: bytes, readers: list[Reader] | None = None) -> Reader | None:
    for candidate in DOCUMENT_READERS if readers is None else readers:
        if candidate.sniff(path, head):
            return candidate
    return None


def read_document(path: Path, context: ReadContext | None = None) -> ReadOutput:
    """Read one file with the first reader that accepts it; ReadError if none does."""
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise ReadError(str(path), f"cannot read file: {exc.strerror or exc}") from exc
    chosen = pick_reader(path, head)
    if chosen is None:
        shown = path.suffix or "no extension"
        raise ReadError(str(path), f"unknown format ({shown}): no reader recognises this file")
    return chosen.read(path, context or ReadContext())
