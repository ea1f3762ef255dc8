"""The one date parser: a numeric date is read in a known order or asked about."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from palermo.values import Ambiguous, Invalid
from palermo.values.dates import DMY, MDY, evidence, order_of_locale, parse_datetime


def test_ambiguous_date_names_both_readings() -> None:
    result = parse_datetime("03/04/2024")
    assert isinstance(result, Ambiguous)
    assert dict(result.readings) == {"day first": "03 April 2024", "month first": "04 March 2024"}


def test_order_decides() -> None:
    assert parse_datetime("03/04/2024", MDY) == datetime(2024, 3, 4, tzinfo=UTC)
    assert parse_datetime("03/04/2024", DMY) == datetime(2024, 4, 3, tzinfo=UTC)
    assert parse_datetime("04/04/2024") == datetime(2024, 4, 4, tzinfo=UTC)  # same either way


def test_a_day_above_twelve_proves_the_order() -> None:
    assert evidence("25/03/2024") == DMY
    assert evidence("03/25/2024") == MDY
    assert evidence("03/04/2024") is None
    assert parse_datetime("25/03/2024") == datetime(2024, 3, 25, tzinfo=UTC)
    wrong = parse_datetime("25/03/2024", MDY)
    assert isinstance(wrong, Invalid) and "day first" in wrong.reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-04T10:00:00Z", datetime(2024, 3, 4, 10, tzinfo=UTC)),
        ("2024-03-04 10:00:00+02:00", datetime(2024, 3, 4, 8, tzinfo=UTC)),
        ("2022/09/01 00:20", datetime(2022, 9, 1, 0, 20, tzinfo=UTC)),  # AMLworld
        ("20240304101500", datetime(2024, 3, 4, 10, 15, tzinfo=UTC)),
        ("3 Apr 2024", datetime(2024, 4, 3, tzinfo=UTC)),
        ("Apr 3, 2024", datetime(2024, 4, 3, tzinfo=UTC)),
    ],
)
def test_unambiguous_forms(raw: str, expected: datetime) -> None:
    assert parse_datetime(raw) == expected


def test_time_with_am_pm_in_month_first_order() -> None:
    assert parse_datetime("04/03/2024 2:30 PM", MDY) == datetime(2024, 4, 3, 14, 30, tzinfo=UTC)


def test_excel_serial_date_is_not_read_silently() -> None:
    result = parse_datetime("45352")
    assert isinstance(result, Invalid)
    assert "Excel serial date would be 2024-03-01" in result.reason


@pytest.mark.parametrize("raw", ["yesterday", "2024-02-30", "31/31/2024", "03/04/24", ""])
def test_invalid(raw: str) -> None:
    assert isinstance(parse_datetime(raw), Invalid)


def test_locale_orders() -> None:
    assert order_of_locale("en_US") == MDY
    assert order_of_locale("en_GB") == DMY
    assert order_of_locale("de_DE") == DMY
