"""What the user tells ingest about a file: its locale, and how strictly to load it.

From the CLI (``--locale``, ``--decimal``, ``--date-order``, ``--all-or-nothing``,
``--map``) and the upload form; validated here once, with a message naming the option.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palermo.values import amount as amounts
from palermo.values import dates

DECIMAL_WORDS = {
    "point": amounts.DECIMAL_POINT,
    ".": amounts.DECIMAL_POINT,
    "comma": amounts.DECIMAL_COMMA,
    ",": amounts.DECIMAL_COMMA,
}


class OptionError(ValueError):
    """An option the user gave that cannot be used; the message names it."""


@dataclass(frozen=True, slots=True)
class LoadOptions:
    decimal: str | None = None  # "." or ","
    date_order: str | None = None  # "DMY" or "MDY"
    all_or_nothing: bool = False
    profile: Any = None  # a palermo.ingest.profiles.Profile to read every file with

    @classmethod
    def parse(
        cls,
        locale: str | None = None,
        decimal: str | None = None,
        date_order: str | None = None,
        all_or_nothing: bool = False,
        profile: Any = None,
    ) -> LoadOptions:
        """Options from the user's words; OptionError naming the bad one.

        ``locale`` (e.g. en_US, de_DE) gives both the decimal separator and the date
        order; ``decimal`` and ``date_order`` given too take precedence."""
        chosen_decimal: str | None = None
        chosen_order: str | None = None
        if locale:
            try:
                chosen_decimal = amounts.decimal_of_locale(locale)
                chosen_order = dates.order_of_locale(locale)
            except ValueError as exc:
                raise OptionError(f"locale: {exc} (expected e.g. en_US, de_DE, fr_FR)") from exc
        if decimal:
            word = decimal.strip().lower()
            if word not in DECIMAL_WORDS:
                raise OptionError(f"decimal: {decimal!r} (expected 'point' or 'comma')")
            chosen_decimal = DECIMAL_WORDS[word]
        if date_order:
            order = date_order.strip().upper()
            if order not in dates.ORDERS:
                raise OptionError(f"date order: {date_order!r} (expected DMY or MDY)")
            chosen_order = order
        return cls(chosen_decimal, chosen_order, all_or_nothing, profile)
