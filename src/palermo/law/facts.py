"""Plain inputs of the elements engine: facts, victims and suspects.

These are deliberately small frozen dataclasses with string keys so that the
store, the simulator and tests can build them without importing anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

FactStatus = Literal["confirmed", "suggested", "rejected"]
FACT_STATUSES: Final = ("confirmed", "suggested", "rejected")

# The kinds of independent source a fact can rest on (free strings; unknown = "other").
SOURCE_KINDS: Final = (
    "victim_statement",
    "witness_statement",
    "bank_record",
    "phone_record",
    "chat",
    "travel_record",
    "search_inventory",
    "defendant_statement",
    "expert",
    "other",
)


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact that a concept holds, about a suspect and/or a victim, from one source.

    - ``concept``: an id from ``concepts.yaml`` (e.g. ``means.coercion``).
    - ``suspect`` / ``victim``: person keys, or None. A fact with ``suspect=None``
      is case-wide: it counts for every suspect only for jurisdiction and
      victim-attribute concepts (kinds ``jurisdiction`` and ``other``).
    - ``status``: ``confirmed`` | ``suggested`` | ``rejected``; rejected facts never count.
    - ``source_id``: the independent source. Two statements of the same victim
      share one (``statement:P05``); a bank file is ``bank:<sha>``, a phone
      record ``cdr:<sha>``. Corroboration counts distinct ``source_id`` values.
    - ``source_kind``: one of :data:`SOURCE_KINDS`.
    - ``quote`` / ``locator`` / ``evidence_file``: for drill-down to the passage or row.
    - ``origin``: ``machine`` (extracted or rule-derived) or ``human``.
    """

    id: str
    concept: str
    suspect: str | None
    victim: str | None
    status: str
    source_id: str
    source_kind: str = "other"
    quote: str | None = None
    locator: str | None = None
    evidence_file: str | None = None
    origin: str = "machine"


@dataclass(frozen=True, slots=True)
class Victim:
    """A victim in the case; ``is_minor`` is the case file's own record of age (under 18)."""

    key: str
    is_minor: bool = False


@dataclass(frozen=True, slots=True)
class Suspect:
    """A suspect and the statute ids charged or considered against them."""

    key: str
    statutes: tuple[str, ...] = ()
