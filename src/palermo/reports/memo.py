"""Rendering of the prosecution memo: Jinja2 to HTML, WeasyPrint to PDF.

The memo is a list of sections, each a title, a template and its data, so a
capability adds its section without touching the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from palermo import words

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
# Words, not codes: the same labels as the pages (palermo.words).
_environment.filters["words"] = words.human
_environment.filters["words_lower"] = words.lower
_environment.filters["keys"] = words.keys_in
_environment.filters["media_type"] = words.media_type
_environment.filters["plural"] = lambda noun, n=2: words.plural(noun, n)


VARIANTS = ("full", "brief")
BODY_PAGES = 6  # "a few pages": a longer body says so at the top


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
    # The jurisdiction's conventions (palermo.law.restitution): paper size, date style.
    paper: str = "A4"
    date_style: str = "day-month-year"
    # Set by render_pdf when the body runs longer than BODY_PAGES: stated at the top.
    body_pages: int | None = None

    def day(self, value: date | datetime | None) -> str:
        """A date as the jurisdiction writes it (``2 March 2024``, ``March 2, 2024``)."""
        from palermo.law.restitution import format_day

        if isinstance(value, datetime):
            value = value.date()
        return format_day(value, self.date_style) if value is not None else ""

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


def render_memo_pdf(memo: Memo, redact: Any = None) -> bytes:
    """The memo as a PDF. A full memo's body is laid out alone first: when it runs past
    :data:`BODY_PAGES`, the memo says so at the top, so a reader knows before reading on."""
    from dataclasses import replace

    from weasyprint import HTML

    def layout(m: Memo) -> Any:
        html = render_html(m)
        if redact is not None:
            html = redact(html)
        return HTML(string=html, base_url=str(TEMPLATES)).render()

    if memo.variant == "full" and memo.appendices:
        pages = len(layout(replace(memo, sections=memo.body)).pages)
        memo.body_pages = pages if pages > BODY_PAGES else None
    pdf: bytes = layout(memo).write_pdf()
    return pdf


def render_docx(html: str) -> bytes:
    """An editable Word document with the memo's headings and text (see :mod:`.docx`)."""
    from palermo.reports.docx import html_to_docx

    return html_to_docx(html)
