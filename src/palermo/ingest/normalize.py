"""One normalisation of identifiers, shared by structured records and documents.

A phone in a witness statement and in a call detail record must become the same
string, so every reader goes through these functions.
"""

from __future__ import annotations

import re

import phonenumbers
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_phone(raw: str, default_region: str = "US") -> str | None:
    """E.164 form of a phone number, or None if it is not a possible number."""
    text = raw.strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str | None:
    text = raw.strip().lower()
    return text if _EMAIL.match(text) else None


def normalize_iban(raw: str) -> str | None:
    """Compact upper-case IBAN if its checksum is valid, else None."""
    try:
        return str(IBAN(raw).compact)
    except (SchwiftyException, ValueError):
        return None


def normalize_account(raw: str) -> str | None:
    """An IBAN when it is one; otherwise the account number without spaces or dashes."""
    text = raw.strip()
    if not text:
        return None
    iban = normalize_iban(text)
    if iban:
        return iban
    compact = _NON_ALNUM.sub("", text).upper()
    return compact or None


def normalize_handle(raw: str) -> str | None:
    text = raw.strip().lstrip("@").lower()
    return f"@{text}" if text else None


def normalize_identifier(kind: str, raw: str, default_region: str = "US") -> str | None:
    """Normalise ``raw`` as an identifier of ``kind`` (phone, email, iban, account, handle...)."""
    if kind == "phone":
        return normalize_phone(raw, default_region)
    if kind == "email":
        return normalize_email(raw)
    if kind == "iban":
        return normalize_iban(raw)
    if kind == "account":
        return normalize_account(raw)
    if kind == "handle":
        return normalize_handle(raw)
    text = " ".join(raw.split())
    return text.upper() if kind in {"passport", "vehicle"} else (text or None)
