"""Phone numbers: E.164 through Google's libphonenumber (the ``phonenumbers`` port).

``parse_phone`` is the one reader of phone numbers; the normalisation that structured
records and documents share (:mod:`palermo.ingest.normalize`) calls it.
"""

from __future__ import annotations

import phonenumbers

from palermo.values.result import Invalid


def parse_phone(raw: str, region: str = "US") -> str | Invalid:
    """E.164 form ('+447700900123'); Invalid if it is not a possible number.

    A number without a country code is read in ``region`` (the case's jurisdiction);
    an international prefix written as ``00`` is read as ``+``.
    """
    number = parse_phone_number(raw, region)
    if isinstance(number, Invalid):
        return number
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def parse_phone_number(raw: str, region: str = "US") -> phonenumbers.PhoneNumber | Invalid:
    """The number :func:`parse_phone` reads, for a caller that needs more than its E.164
    form (its national number) without reading it twice."""
    text = raw.strip()
    if not text:
        return Invalid(raw, "no phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        return Invalid(raw, f"not a phone number ({exc})")
    if not phonenumbers.is_possible_number(number):
        return Invalid(raw, "not a possible phone number (wrong length for its country)")
    return number


__all__ = ["parse_phone", "parse_phone_number"]
