"""Dates and times as exports write them, read in one known order or not at all.

:func:`parse_datetime` reads ISO 8601 first (unambiguous). A numeric date such as
``03/04/2024`` is read in the file's date order (:data:`DMY` or :data:`MDY`, from the
user, or settled by the whole column: a first number above 12 proves day-first, a second
one above 12 proves month-first); without one it is :class:`~palermo.values.Ambiguous`
with both readings. ``2024/03/04`` is year-month-day. Dates with month names
(``3 Apr 2024``, ``Apr 3, 2024``) are read by ``dateutil`` and are unambiguous. A bare
number such as ``45352`` is an Excel serial date: never read as one silently, it is
Invalid with the date it would be, so the user can export dates as text.

Times without a zone are UTC; every datetime returned is aware and in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from palermo.values.result import Ambiguous, Invalid

DMY = "DMY"
MDY = "MDY"
ORDERS = (DMY, MDY)
ORDER_NAMES = {DMY: "day first", MDY: "month first"}

DateResult = datetime | Ambiguous | Invalid

_NUMERIC = re.compile(
    r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*([AaPp][Mm])?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_YMD = re.compile(
    r"^\s*(\d{4})([./])(\d{1,2})\2(\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\s*$")
_SERIAL = re.compile(r"^\s*(\d{5})(?:\.(\d+))?\s*$")
_EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=UTC)
_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_HAS_LETTERS = re.compile(r"[A-Za-z]{3,}")


def order_of_locale(locale: str) -> str | None:
    """DMY or MDY from a locale's short date pattern ('en_US' -> MDY), None for YMD ones."""
    from babel import Locale, UnknownLocaleError

    try:
        pattern = Locale.parse(locale.replace("-", "_")).date_formats["short"].pattern
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown locale {locale!r}") from exc
    positions = {c: pattern.find(c) for c in "dMy"}
    if positions["y"] < positions["M"] and positions["y"] < positions["d"]:
        return None
    return DMY if positions["d"] < positions["M"] else MDY


def evidence(raw: str) -> str | None:
    """The date order the text proves (DMY or MDY), or None if it proves none."""
    match = _NUMERIC.match(raw)
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(3))
    if first > 12 >= second:
        return DMY
    if second > 12 >= first:
        return MDY
    return None


def is_ambiguous(raw: str) -> bool:
    """Whether the text needs a known date order to be read (``03/04/2024``)."""
    match = _NUMERIC.match(raw)
    if match is None:
        return False
    first, second = int(match.group(1)), int(match.group(3))
    return first <= 12 and second <= 12 and first != second


def parse_datetime(raw: str, order: str | None = None) -> DateResult:
    """An aware UTC datetime, or Ambiguous / Invalid with the reason."""
    text = raw.strip()
    if not text:
        return Invalid(raw, "missing date/time")
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError as exc:
        if _ISO_LIKE.match(text):
            return Invalid(raw, f"not a date: {exc}")
    match = _NUMERIC.match(text)
    if match is not None:
        return _numeric(raw, match, order)
    match = _YMD.match(text)
    if match is not None:
        y, _, m, d, hh, mm, ss, frac, zone = match.groups()
        return _build(raw, int(y), int(m), int(d), hh, mm, ss, frac, None, zone)
    match = _COMPACT.match(text)
    if match is not None:
        y, m, d, hh, mm, ss = (int(g) for g in match.groups())
        try:
            return datetime(y, m, d, hh, mm, ss, tzinfo=UTC)
        except ValueError as exc:
            return Invalid(raw, f"not a date: {exc}")
    match = _SERIAL.match(text)
    if match is not None:
        days = float(text)
        when = _EXCEL_EPOCH + timedelta(days=days)
        return Invalid(
            raw,
            f"a number, not a date: an Excel serial date would be {when:%Y-%m-%d}; "
            "export the dates as text (e.g. 2024-03-01) and load the file again",
        )
    if _HAS_LETTERS.search(text):
        return _named_month(raw, text)
    return Invalid(raw, "not a date/time (expected e.g. 2024-03-01 14:30)")


def _numeric(raw: str, match: re.Match[str], order: str | None) -> DateResult:
    first, _, second, year, hh, mm, ss, frac, ampm, zone = match.groups()
    a, b = int(first), int(second)
    y = int(year)
    if len(year) == 2:
        return Invalid(raw, "two-digit year: write the year in full (e.g. 2024)")
    proved = evidence(raw)
    if order is None:
        if a == b:
            order = DMY
        elif proved is None:
            readings = []
            for name in ORDERS:
                day, month = (a, b) if name == DMY else (b, a)
                value = _build(raw, y, month, day, hh, mm, ss, frac, ampm, zone)
                if isinstance(value, datetime):
                    readings.append((ORDER_NAMES[name], value.strftime("%d %B %Y")))
            if len(readings) < 2:
                return Invalid(raw, "not a date")
            return Ambiguous(raw, "day and month are both 12 or less", tuple(readings))
        else:
            order = proved
    elif proved is not None and proved != order:
        return Invalid(raw, f"cannot be {ORDER_NAMES[order]}: this date is {ORDER_NAMES[proved]}")
    day, month = (a, b) if order == DMY else (b, a)
    return _build(raw, y, month, day, hh, mm, ss, frac, ampm, zone)


def _build(
    raw: str,
    y: int,
    m: int,
    d: int,
    hh: str | None,
    mm: str | None,
    ss: str | None,
    frac: str | None,
    ampm: str | None,
    zone: str | None,
) -> datetime | Invalid:
    hour = int(hh) if hh else 0
    if ampm:
        if not 1 <= hour <= 12:
            return Invalid(raw, "hour must be 1 to 12 with AM/PM")
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    micro = int((frac or "0").ljust(6, "0")[:6])
    try:
        value = datetime(y, m, d, hour, int(mm or 0), int(ss or 0), micro)
    except ValueError as exc:
        return Invalid(raw, f"not a date: {exc}")
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return (value - sign * offset).replace(tzinfo=UTC)
    return value.replace(tzinfo=UTC)


def _named_month(raw: str, text: str) -> DateResult:
    from dateutil import parser

    try:
        value = parser.parse(text, dayfirst=False, yearfirst=False)
    except (ValueError, OverflowError):
        return Invalid(raw, "not a date/time (expected e.g. 2024-03-01 14:30)")
    return _utc(value)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


__all__ = [
    "DMY",
    "MDY",
    "ORDERS",
    "ORDER_NAMES",
    "DateResult",
    "evidence",
    "is_ambiguous",
    "order_of_locale",
    "parse_datetime",
]
