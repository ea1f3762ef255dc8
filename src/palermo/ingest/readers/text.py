"""Plain text files in any common encoding (detected with charset-normalizer)."""

from __future__ import annotations

from pathlib import Path

from palermo.ingest.readers._common import (
    TEXT_SUFFIXES,
    decode_text,
    looks_like_text,
    read_bytes,
    suffix,
)
from palermo.ingest.readers.base import DocumentText, Page, ReadContext, ReadOutput


class PlainTextReader:
    """A whole text file as one page; form feeds (``\\f``) split pages when present."""

    name = "text"

    def sniff(self, path: Path, head: bytes) -> bool:
        # A .txt is claimed even when it holds junk, so the user gets "not text", not "unknown".
        if suffix(path) in TEXT_SUFFIXES:
            return True
        return suffix(path) == "" and looks_like_text(head)

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        text, encoding = decode_text(read_bytes(path), str(path))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        chunks = text.split("\f") if "\f" in text else [text]
        pages = [Page(number=i, text=chunk) for i, chunk in enumerate(chunks, start=1)]
        doc = DocumentText(
            media_type="text/plain",
            title=path.name,
            pages=pages,
            metadata={"encoding": encoding, "locator": "page"},
        )
        return ReadOutput(source_kind="document", document=doc)


reader = PlainTextReader()
