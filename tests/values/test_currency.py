"""Currencies: ISO 4217 from CLDR, crypto assets first-class, names and symbols read."""

from __future__ import annotations

import pytest

from palermo.values import Ambiguous, Invalid
from palermo.values.currency import CRYPTO, iso_codes, parse_currency


def test_every_active_iso_code_is_known() -> None:
    codes = iso_codes()
    for code in ("USD", "EUR", "SAR", "CAD", "AUD", "BRL", "ILS", "RUB", "XOF", "KWD"):
        assert code in codes
    assert "XXX" not in codes and "XAU" not in codes  # not money


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("usd", "USD"),
        ("US Dollar", "USD"),
        ("US dollars", "USD"),
        ("euros", "EUR"),
        ("Euro", "EUR"),
        ("€", "EUR"),
        ("£", "GBP"),
        ("Saudi Riyal", "SAR"),
        ("Canadian Dollar", "CAD"),
        ("US-Dollar", "USD"),  # German
        ("USDT", "USDT"),
        ("Tether", "USDT"),
        ("Bitcoin", "BTC"),
        ("XBT", "BTC"),
        ("ETH", "ETH"),
        ("usdc", "USDC"),
    ],
)
def test_codes_names_and_symbols(raw: str, code: str) -> None:
    assert parse_currency(raw) == code


def test_crypto_assets_are_first_class() -> None:
    assert set(CRYPTO) == {"BTC", "ETH", "USDT", "USDC"}


def test_a_shared_symbol_is_settled_by_the_case_region_or_asked() -> None:
    assert parse_currency("$", "US") == "USD"
    assert parse_currency("$", "CA") == "CAD"
    result = parse_currency("$", "DE")
    assert isinstance(result, Ambiguous)
    assert "USD" in {code for code, _ in result.readings}


def test_unknown_says_why() -> None:
    result = parse_currency("XYZ")
    assert isinstance(result, Invalid) and "not an ISO 4217" in result.reason
    assert isinstance(parse_currency("Dogecoin"), Invalid)
