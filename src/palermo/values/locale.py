"""A territory's usual way of writing numbers and dates (CLDR data through babel)."""

from __future__ import annotations

from functools import lru_cache

from palermo.values import amount as amounts
from palermo.values import dates


@lru_cache(maxsize=256)
def region_locale(region: str) -> str | None:
    """The most likely locale of a territory ('US' -> 'en_US'), or None."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(f"und_{region.upper()}"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@lru_cache(maxsize=256)
def region_prior(region: str) -> tuple[str | None, str | None]:
    """(decimal separator, date order) a territory usually writes; Nones if unknown."""
    locale = region_locale(region)
    if locale is None:
        return None, None
    try:
        return amounts.decimal_of_locale(locale), dates.order_of_locale(locale)
    except ValueError:
        return None, None
