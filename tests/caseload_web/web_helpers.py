"""HTML helpers for the caseload web tests (plain regexes over server-rendered pages)."""

from __future__ import annotations

import re
from html import unescape


def section(html: str, section_id: str) -> str:
    """The ``<section id=...>`` element's HTML (sections are not nested on these pages)."""
    start = html.find(f'id="{section_id}"')
    assert start >= 0, f"no section {section_id}"
    start = html.rfind("<section", 0, start)
    end = html.find("</section>", start)
    return html[start:end]


def _text(cell: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", cell)).strip()


def table_rows(html: str, table_id: str, columns: int | None = None) -> list[list[str]]:
    """Body rows of a table as text cells (optionally the first ``columns`` only)."""
    start = html.find(f'id="{table_id}"')
    assert start >= 0, f"no table {table_id}"
    body = html[html.find("<tbody>", start) : html.find("</tbody>", start)]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = [_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        rows.append(cells[:columns] if columns else cells)
    return rows
