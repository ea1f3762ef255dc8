"""Bank accounts: IBANs checked with ``schwifty`` (ISO 13616 checksum and national
format), other account numbers compacted (spaces and dashes removed, upper case)."""

from __future__ import annotations

import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from palermo.values.result import Invalid

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def parse_iban(raw: str) -> str | Invalid:
    """The compact IBAN ('DE89370400440532013000'), or Invalid with schwifty's reason."""
    try:
        return str(IBAN(raw).compact)
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
