"""Reading a generated case back, for the simulator tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from docx import Document
from pypdf import PdfReader


class Generated:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.truth: dict[str, Any] = json.loads((out / "ground_truth.json").read_text("utf-8"))
        self._rows: dict[str, list[dict[str, str]]] = {}
        self._texts: dict[tuple[str, int], str] = {}

    def rows(self, kind: str) -> list[dict[str, str]]:
        if kind not in self._rows:
            with (self.out / f"{kind}.csv").open(newline="", encoding="utf-8") as fh:
                self._rows[kind] = list(csv.DictReader(fh))
        return self._rows[kind]

    def page_text(self, rel: str, page: int) -> str:
        """Text of a PDF page (1-based) or a DOCX paragraph (0-based), parsed once."""
        key = (rel, page)
        if key not in self._texts:
            path = self.out / rel
            if rel.endswith(".pdf"):
                for i, p in enumerate(PdfReader(path).pages, start=1):
                    self._texts[(rel, i)] = p.extract_text()
            else:
                for i, para in enumerate(Document(str(path)).paragraphs):
                    self._texts[(rel, i)] = para.text
        return self._texts[key]
