"""Amounts of money as written by people, banks and spreadsheets, read exactly.

One parser, :func:`parse_amount`, for every place Palermo reads an amount. It takes the
decimal separator of the text's locale ("." or ",", see :func:`decimal_of_locale`) when
known, and otherwise decides from the text itself, or says it cannot:

* ``1,234.50`` / ``1.234,50``: both separators, the later one is the decimal one;
* ``1,500,000`` / ``1.500.000``: one separator used twice can only group thousands;
* ``12,5`` / ``12.50``: one separator not followed by exactly three digits is decimal;
* ``1,234`` / ``1.234``: one separator followed by exactly three digits is either
  (one thousand two hundred thirty-four, or one point two three four): without a known
  locale this is :class:`~palermo.values.Ambiguous`, never a guess;
* spaces, no-break spaces and apostrophes group thousands (``1 234,50``, ``1'234.50``);
* a currency symbol or code before or after (``€ 1 234,50``, ``1.234,50 EUR``) is split
  off by :func:`split_currency`; negatives are ``-12``, ``12-`` or ``(12.00)``.

Thousands groups are checked (three digits each), so ``1,23,4`` is invalid, not 1234.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from palermo.values.result import Ambiguous, Invalid

DECIMAL_POINT = "."
DECIMAL_COMMA = ","
SEPARATORS = (DECIMAL_POINT, DECIMAL_COMMA)
_NAMES = {DECIMAL_POINT: "decimal point", DECIMAL_COMMA: "decimal comma"}
# Characters that only ever group thousands.
_GROUPING = ("\u00a0", "\u202f", "\u2009", " ", "'", "\u2019")
_MINUS = ("-", "\u2212", "\u2013")
_DIGITS = frozenset("0123456789")

AmountResult = Decimal | Ambiguous | Invalid


def separator_name(decimal: str) -> str:
    """'decimal point' or 'decimal comma'."""
    return _NAMES[decimal]


def decimal_of_locale(locale: str) -> str:
    """The decimal separator of a locale name ('en_US' -> '.', 'de_DE' -> ',').

    ValueError for a name babel does not know. Separators other than '.' and ',' (the
    Arabic decimal sign) are given as '.', since such files are written with Latin digits.
    """
    from babel import Locale, UnknownLocaleError

    try:
        symbol = Locale.parse(locale.replace("-", "_")).number_symbols["latn"]["decimal"]
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown locale {locale!r}") from exc
    return DECIMAL_COMMA if symbol == DECIMAL_COMMA else DECIMAL_POINT


def evidence(raw: str) -> str | None:
    """The decimal separator the text proves ('.' or ','), or None if it proves none."""
    text = _core(raw)
    if text is None:
        return None
    _, digits = text
    return _proves(digits)


def _proves(digits: str) -> str | None:
    has_point, has_comma = DECIMAL_POINT in digits, DECIMAL_COMMA in digits
    if has_point and has_comma:
        return DECIMAL_POINT if digits.rfind(".") > digits.rfind(",") else DECIMAL_COMMA
    if not (has_point or has_comma):
        return None
    sep = DECIMAL_POINT if has_point else DECIMAL_COMMA
    other = DECIMAL_COMMA if has_point else DECIMAL_POINT
    if digits.count(sep) > 1:
        parts = digits.split(sep)
        grouped = 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])
        return other if grouped else None  # only thousands repeat, in groups of three
    head, tail = digits.split(sep)
    if len(tail) != 3 or not head or head.startswith("0") or len(head.lstrip("+-")) > 3:
        # "0,500" or "12345,678" cannot be thousands groups: the separator is decimal.
        return sep
    return None


def is_ambiguous(raw: str) -> bool:
    """Whether the text needs a known decimal separator to be read (``1,234``)."""
    text = _core(raw)
    return text is not None and _proves(text[1]) is None and any(s in text[1] for s in SEPARATORS)


def parse_amount(raw: str, decimal: str | None = None) -> AmountResult:
    """The amount in ``raw`` with ``decimal`` as the decimal separator ('.', ',' or None
    for "decide from the text"); Ambiguous or Invalid with the reason otherwise.
    A currency symbol or code in the text is ignored here (see :func:`split_currency`)."""
    core = _core(raw)
    if core is None:
        return Invalid(raw, "empty" if not raw.strip() else "not an amount")
    negative, digits = core
    if not digits or not any(ch in _DIGITS for ch in digits):
        return Invalid(raw, "not an amount")
    if any(ch not in _DIGITS and ch not in ".," for ch in digits):
        return Invalid(raw, "not an amount: unexpected characters")
    proved = _proves(digits)
    if decimal is None:
        decimal = proved
        if decimal is None:
            if DECIMAL_POINT not in digits and DECIMAL_COMMA not in digits:
                decimal = DECIMAL_POINT  # a whole number reads the same everywhere
            else:
                return _ambiguous(raw, digits, negative)
    elif proved is not None and proved != decimal:
        return Invalid(
            raw,
            f"written with a {separator_name(proved)}, but this file uses a "
            f"{separator_name(decimal)}",
        )
    return _read(raw, digits, decimal, negative)


def _ambiguous(raw: str, digits: str, negative: bool) -> Ambiguous | Invalid:
    readings: list[tuple[str, str]] = []
    for decimal in SEPARATORS:
        value = _read(raw, digits, decimal, negative)
        if isinstance(value, Decimal):
            readings.append((separator_name(decimal), _plain(value)))
    if len(readings) < 2:
        return Invalid(raw, "not an amount")
    sep = DECIMAL_POINT if DECIMAL_POINT in digits else DECIMAL_COMMA
    return Ambiguous(
        raw,
        f"'{sep}' followed by exactly three digits may group thousands or mark decimals",
        tuple(readings),
    )


def _read(raw: str, digits: str, decimal: str, negative: bool) -> Decimal | Invalid:
    thousands = DECIMAL_COMMA if decimal == DECIMAL_POINT else DECIMAL_POINT
    if digits.count(decimal) > 1:
        return Invalid(raw, f"more than one {separator_name(decimal)}")
    whole, _, fraction = digits.partition(decimal)
    if thousands in fraction:
        return Invalid(raw, "thousands separator after the decimal separator")
    if thousands in whole:
        groups = whole.split(thousands)
        if not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
            return Invalid(raw, "thousands separators not in groups of three digits")
        whole = "".join(groups)
    if not whole and not fraction:
        return Invalid(raw, "not an amount")
    try:
        value = Decimal(f"{whole or '0'}.{fraction}" if fraction else whole)
    except InvalidOperation:
        return Invalid(raw, "not an amount")
    return -value if negative else value


def _core(raw: str) -> tuple[bool, str] | None:
    """(negative, the digits with their separators) with signs, parentheses, thousands
    spaces and any currency symbol or code removed; None for empty text."""
    text = raw.strip()
    if not text:
        return None
    _, text = split_currency(text)
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text.startswith("+"):
        text = text[1:].lstrip()
    elif text.startswith(_MINUS):
        negative, text = not negative, text[1:].lstrip()
    elif text.endswith(_MINUS):
        negative, text = not negative, text[:-1].rstrip()
    for char in _GROUPING:
        if char in text:
            ungrouped = _ungroup(text, char)
            if ungrouped is None:
                return (negative, "\x00")  # bad grouping: an invalid character
            text = ungrouped
    return negative, text


def _ungroup(text: str, char: str) -> str | None:
    """Remove a thousands character, checking it separates groups of three digits."""
    parts = text.split(char)
    for part in parts[1:]:
        digits = part.split(".")[0].split(",")[0]
        if len(digits) != 3:
            return None
    return "".join(parts)


def split_currency(text: str) -> tuple[str | None, str]:
    """(the currency symbol or code written before or after the number, the rest).

    ``'€ 1 234,50'`` -> ``('€', '1 234,50')``; ``'1.234,50 EUR'`` -> ``('EUR', '1.234,50')``;
    ``'12'`` -> ``(None, '12')``. The token is returned as written (see
    :mod:`palermo.values.currency` to read it).
    """
    text = text.strip()
    if len(text) > 1 and text[0] in "-\u2212" and not (text[1].isdigit() or text[1] in ".,("):
        token, rest = split_currency(text[1:])  # "-$12": the sign belongs to the number
        return (token, "-" + rest) if token else (None, text)
    start = 0
    while start < len(text) and not (text[start].isdigit() or text[start] in "-+(.,\u2212"):
        start += 1
    end = len(text)
    while end > start and not (text[end - 1].isdigit() or text[end - 1] in ")-\u2212"):
        end -= 1
    before, after = text[:start].strip(), text[end:].strip()
    if before and after:
        return None, text  # "USD 12 EUR": not one amount
    token = before or after
    if token:
        return token, text[start:end]
    return None, text


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text


def format_amount(value: Decimal) -> str:
    """Plain decimal text ('1234.5'), never scientific notation."""
    return _plain(value)


__all__ = [
    "DECIMAL_COMMA",
    "DECIMAL_POINT",
    "AmountResult",
    "decimal_of_locale",
    "evidence",
    "format_amount",
    "is_ambiguous",
    "parse_amount",
    "separator_name",
    "split_currency",
]
