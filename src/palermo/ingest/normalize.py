"""One normalisation of identifiers, shared by structured records and documents.

A phone in a witness statement and in a call detail record must become the same
string, so every reader goes through these functions.
"""

from __future__ import annotations

import re

import phonenumbers

from palermo.values.account import parse_account, parse_iban
from palermo.values.phone import parse_phone, parse_phone_number
from palermo.values.result import Invalid

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_phone(raw: str, default_region: str = "US") -> str | None:
    """E.164 form of a phone number, or None if it is not a possible number."""
    value = parse_phone(raw, default_region)
    return value if isinstance(value, str) else None


def normalize_phone_with_forms(
    raw: str, default_region: str = "US"
) -> tuple[str | None, tuple[str, ...] | None]:
    """:func:`normalize_phone` of ``raw`` and, when ``raw`` is already that E.164 text,
    the search forms :func:`palermo.security.blind_index.identifier_forms` gives the
    stored value (its international digits and its national number): that function
    would read the very same text in the same region again, so a bulk load that keeps
    them indexes each phone without a second parse."""
    number = parse_phone_number(raw, default_region)
    if isinstance(number, Invalid):
        return None, None
    e164 = str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if raw.strip() != e164:
        return e164, None
    return e164, (e164.lstrip("+"), str(number.national_number))


def normalize_email(raw: str) -> str | None:
    text = raw.strip().lower()
    return text if _EMAIL.match(text) else None


def normalize_iban(raw: str) -> str | None:
    """Compact upper-case IBAN if its checksum is valid, else None."""
    value = parse_iban(raw)
    return value if isinstance(value, str) else None


def normalize_account(raw: str) -> str | None:
    """An IBAN when it is one; otherwise the account number without spaces or dashes."""
    value = parse_account(raw)
    return value if isinstance(value, str) else None


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
