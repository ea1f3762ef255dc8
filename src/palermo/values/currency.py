"""Currencies: every ISO 4217 code, the common crypto assets, and their names and symbols.

:func:`parse_currency` turns what an export writes in a currency column (``USD``,
``US Dollar``, ``euros``, ``€``, ``Bitcoin``, ``USDT``) into one code, or says why it
cannot. The ISO 4217 codes and their names come from the Unicode CLDR data shipped with
``babel`` (names in several languages, singular and plural), so nothing is typed by hand
but the crypto assets, which ISO 4217 does not list. A symbol several currencies share
(``$``, ``¥``, ``kr``) is read as the case's own currency when that currency uses it,
and is otherwise :class:`~palermo.values.Ambiguous`, naming the candidates.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from palermo.values.result import Ambiguous, Invalid

# Crypto assets treated as first-class currencies (ticker -> name). Codes up to 8 letters.
CRYPTO: dict[str, str] = {
    "BTC": "Bitcoin",
    "ETH": "Ether",
    "USDT": "Tether (USD₮)",
    "USDC": "USD Coin",
}
_CRYPTO_ALIASES: dict[str, str] = {
    "xbt": "BTC",
    "bitcoin": "BTC",
    "bitcoins": "BTC",
    "ether": "ETH",
    "ethereum": "ETH",
    "tether": "USDT",
    "usd₮": "USDT",
    "usd coin": "USDC",
    "₿": "BTC",
    "Ξ": "ETH",
}
MAX_CODE = 8  # the longest code stored (the records' currency column)
# Languages whose currency names are recognised (CLDR via babel).
NAME_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "ro", "pl", "ru", "ar", "tr")
# Codes that CLDR lists but that are not money (test, precious metals, no currency).
_NOT_MONEY = frozenset({"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XBA", "XBB", "XBC", "XBD"})

CurrencyResult = str | Ambiguous | Invalid


@lru_cache(maxsize=1)
def iso_codes() -> frozenset[str]:
    """Every ISO 4217 code CLDR knows (current and historic), money only."""
    from babel.numbers import list_currencies

    return frozenset(c for c in list_currencies() if len(c) == 3) - _NOT_MONEY


def all_codes() -> frozenset[str]:
    """ISO 4217 codes plus the crypto assets."""
    return iso_codes() | frozenset(CRYPTO)


def is_code(code: str) -> bool:
    return code in iso_codes() or code in CRYPTO


def name_of(code: str, locale: str = "en") -> str:
    """A currency's display name ('US Dollar'), the code itself if unknown."""
    if code in CRYPTO:
        return CRYPTO[code]
    from babel.numbers import get_currency_name

    return str(get_currency_name(code, locale=locale))


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.replace(".", " ").split())


@lru_cache(maxsize=1)
def _names() -> dict[str, frozenset[str]]:
    """Lower-cased name or symbol -> the codes it can mean."""
    from babel import Locale

    table: dict[str, set[str]] = {}
    codes = iso_codes()
    for language in NAME_LANGUAGES:
        locale = Locale.parse(language)
        for code, name in locale.currencies.items():
            if code in codes:
                table.setdefault(_key(name), set()).add(code)
        for key, pattern in locale._data.get("currency_names_plural", {}).items():
            if key in codes:
                for plural in pattern.values():
                    table.setdefault(_key(plural), set()).add(key)
        for code, symbol in locale.currency_symbols.items():
            if code in codes and symbol != code:
                table.setdefault(_key(symbol), set()).add(code)
    # Symbols that many currencies share, written bare.
    shared = {"$": "USD CAD AUD NZD MXN SGD HKD", "¥": "JPY CNY", "kr": "SEK NOK DKK ISK"}
    for symbol, listed in shared.items():
        table.setdefault(symbol, set()).update(listed.split())
    for alias, code in _CRYPTO_ALIASES.items():
        table[_key(alias)] = {code}
    return {k: frozenset(v) for k, v in table.items() if k}


@lru_cache(maxsize=64)
def _home_currency(region: str) -> str | None:
    from babel.core import get_global

    entries = get_global("territory_currencies").get(region.upper(), ())
    for code, _start, end, tender in entries:
        if end is None and tender:
            return str(code)
    return None


def parse_currency(raw: str, region: str | None = None) -> CurrencyResult:
    """The code for ``raw`` (a code, a name in a known language, or a symbol).

    ``region`` (ISO 3166 alpha-2, the case's jurisdiction) settles a shared symbol when
    its own currency is one of the candidates ('$' in a US case is USD).
    """
    text = raw.strip()
    if not text:
        return Invalid(raw, "no currency")
    upper = text.upper()
    if upper in CRYPTO or upper in iso_codes():
        return upper
    codes = _names().get(_key(text))
    if not codes:
        if len(text) == 3 and text.isalpha():
            return Invalid(raw, f"{upper} is not an ISO 4217 currency code")
        return Invalid(raw, "not a currency code, name or symbol known to ISO 4217 or CLDR")
    if len(codes) == 1:
        return next(iter(codes))
    home = _home_currency(region) if region else None
    if home in codes:
        return home
    ordered = sorted(codes)
    return Ambiguous(
        raw,
        "this symbol is used by several currencies",
        tuple((code, name_of(code)) for code in ordered),
    )


__all__ = [
    "CRYPTO",
    "MAX_CODE",
    "CurrencyResult",
    "all_codes",
    "is_code",
    "iso_codes",
    "name_of",
    "parse_currency",
]
