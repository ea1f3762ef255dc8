"""Rendering of the prosecution memo: Jinja2 to HTML, WeasyPrint to PDF.

The memo is a list of sections, each a title, a template and its data, so a
capability adds its section without touching the others.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

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
    # The section's content already rendered (see render_html_kept), shown as it is.
    html: str | None = None


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
    # Set by render_memo_pdf when the body runs longer than BODY_PAGES: stated at the top
    # (the number itself is printed from the layout, see render_memo_pdf).
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


def render_section(memo: Memo, section: MemoSection) -> str:
    """One section's content as ``memo.html`` includes it (the same template and names)."""
    return _environment.get_template(section.template).render(
        memo=memo, section=section, data=section.data
    )


def render_html_kept(
    memo: Memo,
    kept: dict[str, str],
    redact: Callable[[str], str] | None = None,
) -> str:
    """The memo as :func:`render_html` then ``redact`` would write it, with the content of
    the sections ``kept`` holds (key -> already redacted content) not rendered again.

    Those sections are written as markers (comments: tags, which redaction leaves as they
    are and escaped text cannot forge), the rest is rendered and redacted, and the markers
    are replaced last. Redaction reads each text between two tags on its own, so redacting
    the content apart gives what redacting the whole document gives."""
    token = secrets.token_hex(8)
    markers = {key: f"<!--memo-section {token} {key}-->" for key in kept}
    marked = replace(
        memo,
        sections=[
            replace(s, html=Markup(markers[s.key])) if s.key in markers else s
            for s in memo.sections
        ],
    )
    html = render_html(marked)
    if redact is not None:
        html = redact(html)
    for key, marker in markers.items():
        html = html.replace(marker, kept[key], 1)
    return html


def render_pdf(html: str) -> bytes:
    """PDF from the memo HTML. WeasyPrint needs no browser and no network."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf


# About how much memo HTML fills a page (its tables and paragraphs, measured on large
# memos): only to guess, before laying it out, whether the body runs past BODY_PAGES.
_HTML_PER_PAGE = 5_000


def render_memo_pdf(memo: Memo, redact: Any = None) -> bytes:
    """The memo as a PDF. A full memo whose body runs past :data:`BODY_PAGES` says so at
    the top, so a reader knows before reading on.

    The document is laid out once when the guess of its body's length holds: the note
    prints the body's last page with CSS (``target-counter``), and the layout itself says
    where the body ends (the ``body-end`` anchor), so a long memo needs no layout of its
    body alone. Only a wrong guess lays the memo out a second time."""
    from weasyprint import HTML

    def layout(m: Memo) -> Any:
        html = render_html(m)
        if redact is not None:
            html = redact(html)
        return HTML(string=html, base_url=str(TEMPLATES)).render()

    if memo.variant != "full" or not memo.appendices:
        memo.body_pages = None
        return bytes(layout(memo).write_pdf())
    body_html = len(render_html(replace(memo, sections=memo.body, body_pages=None)))
    noted = body_html > BODY_PAGES * _HTML_PER_PAGE
    memo.body_pages = BODY_PAGES + 1 if noted else None  # shown; its number comes from CSS
    document = layout(memo)
    pages = _body_pages(document)
    if (pages > BODY_PAGES) != noted:  # the guess was wrong: the note goes or comes
        memo.body_pages = BODY_PAGES + 1 if not noted else None
        document = layout(memo)
        pages = _body_pages(document)
    memo.body_pages = pages if memo.body_pages is not None else None
    return bytes(document.write_pdf())


def _body_pages(document: Any) -> int:
    """The page (counted from 1) the body ends on, from the laid-out document."""
    for number, page in enumerate(document.pages, start=1):
        if "body-end" in page.anchors:
            return number
    return len(document.pages)


def render_docx(html: str) -> bytes:
    """An editable Word document with the memo's headings and text (see :mod:`.docx`)."""
    from palermo.reports.docx import html_to_docx

    return html_to_docx(html)
