"""PDF files with a text layer (pypdf); page numbers are kept."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

from palermo.ingest.readers._common import suffix
from palermo.ingest.readers.base import DocumentText, Page, ReadContext, ReadError, ReadOutput

NO_TEXT_NOTE = "no text layer (scanned?); OCR is not available in this version"


class PdfTextReader:
    name = "pdf"

    def sniff(self, path: Path, head: bytes) -> bool:
        return head.lstrip()[:5] == b"%PDF-" or suffix(path) == ".pdf"

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        file = str(path)
        try:
            with path.open("rb") as fh:
                if not fh.read(1024).lstrip().startswith(b"%PDF-"):
                    raise ReadError(file, "corrupt PDF: no %PDF header")
            pdf = PdfReader(path)
            if pdf.is_encrypted:
                # Many PDFs are "encrypted" with an empty user password and open freely.
                try:
                    opened = pdf.decrypt("")
                except (PyPdfError, NotImplementedError) as exc:
                    raise ReadError(file, f"encrypted PDF: cannot decrypt ({exc})") from exc
                if not opened:
                    raise ReadError(file, "encrypted PDF: a password is required to read it")
            pages = [
                Page(number=i, text=_page_text(page)) for i, page in enumerate(pdf.pages, start=1)
            ]
            metadata = _metadata(pdf)
        except ReadError:
            raise
        except FileNotDecryptedError as exc:
            raise ReadError(file, "encrypted PDF: a password is required to read it") from exc
        except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
            raise ReadError(file, f"corrupt PDF: {exc}") from exc
        if not pages:
            raise ReadError(file, "corrupt PDF: no pages")
        note = None if any(p.text.strip() for p in pages) else NO_TEXT_NOTE
        metadata["locator"] = "page"
        metadata["page_count"] = len(pages)
        doc = DocumentText(
            media_type="application/pdf",
            title=metadata.get("title") or path.name,
            pages=pages,
            metadata=metadata,
            note=note,
        )
        return ReadOutput(source_kind="document", document=doc)


def _page_text(page: Any) -> str:
    text = page.extract_text() or ""
    return str(text)


def _metadata(pdf: PdfReader) -> dict[str, Any]:
    out: dict[str, Any] = {}
    info = pdf.metadata
    if info is None:
        return out
    for key, attr in (
        ("title", "title"),
        ("author", "author"),
        ("producer", "producer"),
        ("creator", "creator"),
        ("subject", "subject"),
    ):
        value = getattr(info, attr, None)
        if value:
            out[key] = str(value)
    for key, attr in (("created", "creation_date"), ("modified", "modification_date")):
        try:
            value = getattr(info, attr, None)
        except (ValueError, TypeError):
            value = None
        if isinstance(value, datetime):
            out[key] = value.isoformat()
    return out


reader = PdfTextReader()
