"""The one amount parser: every reading decided by the text or the locale, never guessed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from palermo.values import Ambiguous, Invalid
from palermo.values.amount import decimal_of_locale, parse_amount, split_currency


@pytest.mark.parametrize(
    ("raw", "decimal", "expected"),
    [
        ("1,234", ".", "1234"),  # a US file
        ("1,234", ",", "1.234"),  # a German file
        ("1.234", ",", "1234"),
        ("1,500,000", None, "1500000"),  # a separator used twice groups thousands
        ("1.500.000", None, "1500000"),
        ("1,234.50", None, "1234.50"),
        ("1.234,50", None, "1234.50"),
        ("€ 1 234,50", None, "1234.50"),
        ("1 234,50 EUR", None, "1234.50"),
        ("(123.45)", None, "-123.45"),
        ("123.45-", None, "-123.45"),
        ("-$12.00", None, "-12.00"),
        ("1'234.50", None, "1234.50"),
        ("12,5", None, "12.5"),
        ("0,500", None, "0.500"),  # a leading zero cannot start a thousands group
        ("7", None, "7"),
    ],
)
def test_reads(raw: str, decimal: str | None, expected: str) -> None:
    assert parse_amount(raw, decimal) == Decimal(expected)


@pytest.mark.parametrize("raw", ["1,234", "1.234", "-2,500", "€ 999.000"])
def test_three_digits_after_one_separator_is_asked(raw: str) -> None:
    result = parse_amount(raw)
    assert isinstance(result, Ambiguous)
    assert len(result.readings) == 2
    assert {name for name, _ in result.readings} == {"decimal point", "decimal comma"}


@pytest.mark.parametrize(
    ("raw", "decimal", "words"),
    [
        ("1,23,4", ".", "groups of three"),
        ("abc", None, "not an amount"),
        ("", None, "empty"),
        ("1.234,50", ".", "decimal comma"),  # contradicts the file's locale
        ("1.2.3", ".", "more than one"),
        ("NaN", None, "not an amount"),
    ],
)
def test_invalid_says_why(raw: str, decimal: str | None, words: str) -> None:
    result = parse_amount(raw, decimal)
    assert isinstance(result, Invalid)
    assert words in result.reason


def test_locales() -> None:
    assert decimal_of_locale("en_US") == "."
    assert decimal_of_locale("de-DE") == ","
    assert decimal_of_locale("fr_FR") == ","
    with pytest.raises(ValueError):
        decimal_of_locale("xx_YY_ZZ")


def test_split_currency() -> None:
    assert split_currency("€ 1 234,50") == ("€", "1 234,50")
    assert split_currency("1.234,50 EUR") == ("EUR", "1.234,50")
    assert split_currency("12") == (None, "12")
