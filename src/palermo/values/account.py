"""Bank accounts: IBANs checked with ``schwifty`` (ISO 13616 checksum and national
format), other account numbers compacted (spaces and dashes removed, upper case)."""

from __future__ import annotations

import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from palermo.values.result import Invalid

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
# An IBAN's shape once its white space is removed and it is upper-cased: a country code,
# two check digits, letters and digits. Checked before schwifty, whose answer for
# anything else (most account numbers, in a bank export of domestic accounts) is an
# exception, and raising it costs more than the rest of reading the row.
_WHITE_SPACE = re.compile(r"\s+")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]+")


def parse_iban(raw: str) -> str | Invalid:
    """The compact IBAN ('DE89370400440532013000'), or Invalid with schwifty's reason."""
    compact = _WHITE_SPACE.sub("", raw).upper()
    if not _IBAN_SHAPE.fullmatch(compact):
        # The words schwifty gives for the same value, so the reason does not depend on
        # which of the two checks said no.
        return Invalid(raw, f"not a valid IBAN: Invalid characters in IBAN {compact}")
    try:
        return str(IBAN(compact).compact)  # cleaned already: schwifty cleans it the same way
    except (SchwiftyException, ValueError) as exc:
        return Invalid(raw, f"not a valid IBAN: {exc}")


def parse_account(raw: str) -> str | Invalid:
    """An IBAN when it is one; otherwise the account number without spaces or dashes."""
    text = raw.strip()
    if not text:
        return Invalid(raw, "no account number")
    iban = parse_iban(text)
    if isinstance(iban, str):
        return iban
    compact = _NON_ALNUM.sub("", text).upper()
    return compact or Invalid(raw, "no letters or digits")


__all__ = ["parse_account", "parse_iban"]
