"""The one CSV writer for every file Palermo hands to a person (exports, tables, worksheets).

Spreadsheet programs treat a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (CSV injection: ``=cmd|' /C calc'!A0``). Every such text cell
is neutralised by prefixing an apostrophe, which spreadsheets display as text and do not
evaluate.

The rule for numbers: a value that *is* a number (``int``, ``float``, ``Decimal``; not
``bool``) is written as is, because Python formats it as digits, a sign, a point and an
exponent only, which no spreadsheet evaluates as a formula. A string is left alone only when
it matches :data:`NUMBER` in full (an optional sign, digits, an optional fraction and
exponent: ``-12.50``, ``+3``, ``-1e5``); anything else that starts with a trigger character,
``-1+2`` or ``-A1`` included, is prefixed. :func:`restore` undoes the prefix for a reader of
a file this module wrote.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def safe_cell(value: object) -> str | int | float | Decimal:
    """A value made safe for a spreadsheet: ``None`` as empty, numbers as numbers,
    text with a leading formula trigger prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return value
    text = str(value)
    if text.startswith(TRIGGERS) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The original text of a cell :func:`safe_cell` prefixed (for re-import)."""
    if text.startswith("'") and text[1:].startswith(TRIGGERS):
        return text[1:]
    return text


def write_rows(
    out: _Writable, header: Sequence[str] | None, rows: Iterable[Sequence[object]]
) -> int:
    """Write a header line (if given) and rows, every cell through :func:`safe_cell`;
    returns the number of data rows."""
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow([safe_cell(h) for h in header])
    n = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        n += 1
    return n


def to_text(header: Sequence[str] | None, rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    write_rows(buf, header, rows)
    return buf.getvalue()
