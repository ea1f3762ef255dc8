"""Value types, one module each: the single parser of each kind of value Palermo reads.

Structured ingest, document extraction and API input all read amounts, currencies,
dates, phone numbers and accounts through these modules, so the same text always
becomes the same value. A parser returns the value, or :class:`Ambiguous` (two or more
readings are possible and nothing in the text decides: ask the user) or
:class:`Invalid` (no reading: the reason says why). Nothing is guessed.
"""

from __future__ import annotations

from palermo.values.result import Ambiguous, Invalid

__all__ = ["Ambiguous", "Invalid"]
