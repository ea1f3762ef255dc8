"""A file's locale, read per column: which decimal separator and which date order.

A column's reading is fixed once for the whole file, by (in this order) the user's
choice (``--locale``, ``--decimal``, ``--date-order`` or the upload form), or the first
value in the column that proves it (``1,234.50`` proves a decimal point, ``25/03/2024``
proves day-first). A value that cannot be read without it (``1,234``, ``03/04/2024``)
before anything proved a reading makes the column look ahead through the rest of the
file for a value that does; if none does, the file stops with an :class:`AmbiguityError`
naming the file, line, column and both readings, and the case's jurisdiction is offered
as the suggested answer, never taken silently. A later value that proves the other
reading stops the file too (mixed locales or date orders in one column).

The common case stays fast: plain ``1234.50`` and ISO 8601 dates are read by
``Decimal`` and ``datetime.fromisoformat`` and settle the column on the first row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from palermo.ingest.readers.base import ReadError
from palermo.values import Ambiguous, Invalid, dates
from palermo.values import amount as amounts
from palermo.values.locale import region_prior

# Where a column's reading came from.
BY_USER = "your choice"

# (line, raw) pairs of one column, from the row after ``line`` to the end of the file.
Lookahead = Callable[[int, int], Iterator[tuple[int, str]]]


class AmbiguityError(ReadError):
    """A file that cannot be read without an answer from the user.

    ``option`` is what answers it ("decimal" or "date_order"), ``answers`` the choices
    as (value, label) and ``suggested`` the one the case's jurisdiction points to.
    """

    def __init__(
        self,
        file: str,
        line: int,
        column: str,
        ambiguous: Ambiguous,
        option: str,
        answers: tuple[tuple[str, str], ...],
        suggested: str | None,
    ) -> None:
        self.value = ambiguous.raw
        self.readings = ambiguous.readings
        self.option = option
        self.answers = answers
        self.suggested = suggested
        hint = {
            "decimal": "--locale (e.g. en_US or de_DE) or --decimal point|comma",
            "date_order": "--locale or --date-order DMY|MDY",
        }[option]
        suggestion = ""
        if suggested is not None:
            label = dict(answers).get(suggested, suggested)
            suggestion = f" The case's jurisdiction suggests {label}."
        message = (
            f"{ambiguous}. No value in this column decides; say which reading is right "
            f"({hint}, or the choice on the upload form) and load the file again.{suggestion}"
        )
        super().__init__(file, message, line=line, column=column)


class MixedColumnError(ReadError):
    """Values in one column that prove two different readings."""


class CellProblem(Exception):
    """A value that cannot be read; the row is bad (``reason`` says why)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


DECIMAL_ANSWERS = (
    (amounts.DECIMAL_POINT, "decimal point: 1,234.50 (e.g. en_US, en_GB)"),
    (amounts.DECIMAL_COMMA, "decimal comma: 1.234,50 (e.g. de_DE, fr_FR, es_ES)"),
)
ORDER_ANSWERS = (
    (dates.DMY, "day first: 03/04/2024 is 3 April (e.g. en_GB, de_DE)"),
    (dates.MDY, "month first: 03/04/2024 is 4 March (e.g. en_US)"),
)


class _Column:
    def __init__(
        self,
        file: str,
        header: str,
        index: int,
        chosen: str | None,
        prior: str | None,
        lookahead: Lookahead,
    ) -> None:
        self.file = file
        self.header = header
        self.index = index
        self.setting = chosen
        self.settled_at: tuple[int, str] | None = None  # (line, raw) that proved it
        self.prior = prior
        self.lookahead = lookahead

    def _settle(self, proved: str, line: int, raw: str, names: dict[str, str]) -> None:
        if self.setting is None:
            self.setting = proved
            self.settled_at = (line, raw)
            return
        if self.settled_at is None:
            return  # the user's choice: a value against it is a bad row, not a mix
        first_line, first_raw = self.settled_at
        raise MixedColumnError(
            self.file,
            f"mixed formats in one column: {first_raw[:30]!r} on line {first_line} is "
            f"{names[self.setting]}, {raw[:30]!r} is {names[proved]}; "
            "split the file or correct the values, then load it again",
            line=line,
            column=self.header,
        )

    def _look_ahead(
        self, line: int, prove: Callable[[str], str | None], names: dict[str, str]
    ) -> str | None:
        for later_line, raw in self.lookahead(self.index, line):
            proved = prove(raw)
            if proved is not None:
                self._settle(proved, later_line, raw, names)
                return proved
        return None


class AmountColumn(_Column):
    """One amount column's decimal separator, and the parse of its values."""

    def value(self, raw: str, line: int) -> Decimal:
        if self.setting == amounts.DECIMAL_POINT:
            try:
                value = Decimal(raw)
            except InvalidOperation:
                return self._slow(raw, line)
            if value.is_finite():
                return value
            raise CellProblem(f"bad amount {raw[:40]!r}")
        if self.setting is None:
            try:
                value = Decimal(raw)
            except InvalidOperation:
                return self._slow(raw, line)
            if not value.is_finite():
                raise CellProblem(f"bad amount {raw[:40]!r}")
            if "." not in raw:
                return value  # a whole number reads the same everywhere
        return self._slow(raw, line)

    def text(self, raw: str, line: int) -> str:
        """The amount as decimal text (what SQLite stores): the raw text when it is
        already plain decimal text in this column's reading."""
        if self.setting == amounts.DECIMAL_POINT:
            try:
                if Decimal(raw).is_finite():
                    return raw
            except InvalidOperation:
                pass
        return str(self.value(raw, line))

    def _slow(self, raw: str, line: int) -> Decimal:
        if not raw.strip():
            raise CellProblem("missing amount")
        if self.setting is None:
            proved = amounts.evidence(raw)
            if proved is not None:
                self._settle(proved, line, raw, _DECIMAL_NAMES)
        result = amounts.parse_amount(raw, self.setting)
        if isinstance(result, Ambiguous):
            if self._look_ahead(line, amounts.evidence, _DECIMAL_NAMES) is None:
                raise AmbiguityError(
                    self.file, line, self.header, result, "decimal", DECIMAL_ANSWERS, self.prior
                )
            result = amounts.parse_amount(raw, self.setting)
        if isinstance(result, Invalid):
            if self.settled_at is not None and amounts.evidence(raw) not in (None, self.setting):
                self._settle(amounts.evidence(raw) or "", line, raw, _DECIMAL_NAMES)
            raise CellProblem(f"bad amount {raw[:40]!r}: {result.reason}")
        assert isinstance(result, Decimal)
        return result


class DateColumn(_Column):
    """One date/time column's day/month order, and the parse of its values."""

    def __init__(self, *args: Any, as_text: bool = False) -> None:
        super().__init__(*args)
        self.as_text = as_text

    def value(self, raw: str, line: int) -> datetime:
        if not raw.strip():
            raise CellProblem("missing date/time")
        if self.setting is None:
            proved = dates.evidence(raw)
            if proved is not None:
                self._settle(proved, line, raw, dates.ORDER_NAMES)
        result = dates.parse_datetime(raw, self.setting)
        if isinstance(result, Ambiguous):
            if self._look_ahead(line, dates.evidence, dates.ORDER_NAMES) is None:
                raise AmbiguityError(
                    self.file, line, self.header, result, "date_order", ORDER_ANSWERS, self.prior
                )
            result = dates.parse_datetime(raw, self.setting)
        if isinstance(result, Invalid):
            proved = dates.evidence(raw)
            if self.settled_at is not None and proved not in (None, self.setting):
                self._settle(proved or "", line, raw, dates.ORDER_NAMES)
            raise CellProblem(f"bad date/time {raw[:40]!r}: {result.reason}")
        assert isinstance(result, datetime)
        return result


_DECIMAL_NAMES = {
    amounts.DECIMAL_POINT: "written with a decimal point",
    amounts.DECIMAL_COMMA: "written with a decimal comma",
}


def prior_of(region: str) -> tuple[str | None, str | None]:
    """(decimal separator, date order) the case's jurisdiction suggests."""
    return region_prior(region)


def file_lookahead(open_text: Callable[[], io.TextIOBase], delimiter: str, skip: int) -> Lookahead:
    """A Lookahead over a CSV file opened afresh: the cells of one column after a line.

    ``skip`` is the number of physical lines before the first data row (the header and
    any preamble above it)."""

    def cells(index: int, after: int) -> Iterator[tuple[int, str]]:
        with open_text() as text:
            reader = csv.reader(text, delimiter=delimiter)
            for _ in range(skip):
                next(reader, None)
            last = reader.line_num
            for row in reader:
                line = last + 1
                last = reader.line_num
                if line > after and index < len(row):
                    yield line, row[index]

    return cells


def utc_text(value: datetime) -> str:
    """SQLite's stored form of a timestamp: naive UTC 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")
