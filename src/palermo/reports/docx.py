"""The memo as an editable Word document, made from the memo's rendered HTML.

One source for every format: the DOCX has the HTML's headings (h1 to h4 become Word
headings), paragraphs (bold kept), list items and tables, in the same order and with
the same redactions. Pictures (SVG) are left out with a note; the style sheet, the
table of contents and scripts (there are none) are skipped.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from typing import Any

from docx import Document

_SKIP = {"style", "title", "nav", "svg", "script", "head"}
_BLOCKS = {"p", "div", "li", "figcaption", "header"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doc: Any = Document()
        self.skip = 0
        self.bold = 0
        self.runs: list[tuple[str, bool]] = []
        self.block: str | None = None
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None

    # -- text gathering ----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            if tag == "svg" and not self.skip:
                self._flush()
                self.doc.add_paragraph("[Picture: see the PDF or HTML memo]")
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "table":
            self._flush()
            self.rows = []
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows is not None:
            self.cell = []
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._flush()
            self.block = tag
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag == "br":
            self._text("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in ("td", "th") and self.rows is not None and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.rows is not None:
            self._table(self.rows)
            self.rows = None
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._flush()
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self._text(data)

    def _text(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        elif self.rows is None:
            self.runs.append((data, self.bold > 0))

    # -- output ------------------------------------------------------------------------
    def _flush(self) -> None:
        text = "".join(t for t, _ in self.runs)
        block, self.block = self.block, None
        runs, self.runs = self.runs, []
        if not " ".join(text.split()):
            return
        if block in _HEADINGS:
            self.doc.add_heading(" ".join(text.split()), level=_HEADINGS[block])
            return
        style = "List Bullet" if block == "li" else None
        paragraph = self.doc.add_paragraph(style=style)
        for i, (chunk, bold) in enumerate(runs):
            lines = chunk.split("\n")
            for j, line in enumerate(lines):
                squeezed = " ".join(line.split())
                if line[:1].isspace() and squeezed and i + j:
                    squeezed = " " + squeezed
                if line[-1:].isspace() and squeezed:
                    squeezed += " "
                run = paragraph.add_run(squeezed)
                run.bold = bold
                if j < len(lines) - 1:
                    run.add_break()

    def _table(self, rows: list[list[str]]) -> None:
        rows = [r for r in rows if r]
        if not rows:
            return
        width = max(len(r) for r in rows)
        table = self.doc.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value


def html_to_docx(html: str) -> bytes:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    builder._flush()
    out = io.BytesIO()
    builder.doc.save(out)
    return out.getvalue()
