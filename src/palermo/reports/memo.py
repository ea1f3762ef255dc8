"""Rendering of the prosecution memo: Jinja2 to HTML, WeasyPrint to PDF.

The memo is a list of sections, each a title, a template and its data, so a
capability adds its section without touching the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _thousands(value: int | float | None) -> str:
    return "" if value is None else f"{value:,}"


def _money(value: Any) -> str:
    return "" if value is None else f"{float(value):,.2f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


_environment.filters["thousands"] = _thousands
_environment.filters["money"] = _money
_environment.filters["percent"] = _percent


VARIANTS = ("full", "brief")


@dataclass
class MemoSection:
    key: str
    title: str
    template: str
    data: dict[str, Any]
    appendix: bool = False  # long matrices: after the body, lettered A, B, ...


@dataclass
class Memo:
    reference: str
    title: str
    generated_at: datetime
    generated_by: str
    redacted: bool
    variant: str = "full"
    sections: list[MemoSection] = field(default_factory=list)

    @property
    def body(self) -> list[MemoSection]:
        return [s for s in self.sections if not s.appendix]

    @property
    def appendices(self) -> list[MemoSection]:
        return [s for s in self.sections if s.appendix]


def render_html(memo: Memo) -> str:
    return _environment.get_template("memo.html").render(memo=memo)


def render_pdf(html: str) -> bytes:
    """PDF from the memo HTML. WeasyPrint needs no browser and no network."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf


def render_docx(html: str) -> bytes:
    """An editable Word document with the memo's headings and text (see :mod:`.docx`)."""
    from palermo.reports.docx import html_to_docx

    return html_to_docx(html)
