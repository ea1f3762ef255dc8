"""Word .docx files (python-docx): paragraphs and tables in document order."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from palermo.ingest.readers._common import suffix
from palermo.ingest.readers.base import DocumentText, Page, ReadContext, ReadError, ReadOutput

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocxReader:
    name = "docx"

    def sniff(self, path: Path, head: bytes) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        if suffix(path) == ".docx":
            return True
        try:
            with zipfile.ZipFile(path) as zf:
                return "word/document.xml" in zf.namelist()
        except (zipfile.BadZipFile, OSError):
            return False

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        file = str(path)
        try:
            document = docx.Document(str(path))
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise ReadError(file, f"corrupt or not a Word document: {exc}") from exc
        lines: list[str] = []
        tables = 0
        body = document.element.body
        for child in body.iterchildren():
            if child.tag == f"{_W}p":
                lines.append(Paragraph(child, document).text)
            elif child.tag == f"{_W}tbl":
                tables += 1
                lines.extend(_table_lines(Table(child, document)))
        props = document.core_properties
        metadata: dict[str, Any] = {"locator": "page", "tables": tables}
        for key in ("author", "title", "subject", "last_modified_by"):
            value = getattr(props, key, None)
            if value:
                metadata[key] = str(value)
        for key in ("created", "modified"):
            value = getattr(props, key, None)
            if value is not None:
                metadata[key] = value.isoformat()
        # A .docx has no stable pagination; the whole text is page 1.
        doc = DocumentText(
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            title=metadata.get("title") or path.name,
            pages=[Page(number=1, text="\n".join(lines))],
            metadata=metadata,
        )
        return ReadOutput(source_kind="document", document=doc)


def _table_lines(table: Table) -> list[str]:
    out: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = cell.text.strip()
            # Merged cells repeat; keep one copy.
            if not cells or cells[-1] != text:
                cells.append(text)
        out.append(" | ".join(cells))
    return out


reader = DocxReader()
