"""The case story in order: plain descriptions of dated records and events.

Pure functions: the timeline service fetches rows, this module says what each
one means in words a supervisor can read ("V-01 paid $300 to Ion Popescu").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from palermo.words import lower


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where an entry comes from: the evidence file, its hash, and the row or page."""

    evidence_file_id: int | None
    file_name: str | None
    sha256: str | None
    locator: str | None
    url: str | None = None  # the page showing the passage or row, inside the case


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    entry_id: str
    at: datetime | None
    kind: str
    title: str
    detail: str | None
    people: tuple[str, ...]
    source: SourceRef
    quote: str | None = None  # the passage a fact is read from, verbatim
    first: bool = False  # the case's first of its kind (see FIRST_LABELS)

    @property
    def text(self) -> str:
        """What happened in one line, with the passage quoted."""
        return f"{self.title}: “{self.quote}”" if self.quote else self.title


# The facts of a case in the order a story is told, and the concepts that place an
# indicator in one of them (the first that matches wins: a threat is a threat first).
FACT_KINDS = ("recruitment", "travel", "exploitation", "payment", "threat", "event")
CONTACT_KINDS = ("call", "message")
KINDS_IN_ORDER = FACT_KINDS + CONTACT_KINDS
KIND_LABELS = {
    "recruitment": "Recruitment",
    "travel": "Travel",
    "exploitation": "Exploitation",
    "payment": "Payments",
    "threat": "Threats and violence",
    "event": "Arrests and other events",
    "call": "Calls",
    "message": "Messages",
}
# The milestones of the story: the first entry of these kinds is marked.
FIRST_LABELS = {
    "recruitment": "First recruitment",
    "travel": "First travel",
    "exploitation": "First sign of exploitation",
    "payment": "First payment",
    "threat": "First threat",
}
# One entry's kind, in the singular, for the Kind column.
KIND_NAMES = {
    "recruitment": "Recruitment",
    "travel": "Travel",
    "exploitation": "Exploitation",
    "payment": "Payment",
    "threat": "Threat or violence",
    "event": "Event",
    "call": "Call",
    "message": "Message",
}
_PHASE_OF_CONCEPT: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "threat",
        (
            "means.threat",
            "means.force",
            "means.abduction",
            "means.abuse_of_legal_process",
            "aggravating.serious_violence",
        ),
    ),
    ("recruitment", ("act.recruitment", "means.fraud", "means.deception")),
    ("travel", ("act.transportation", "act.transfer", "jurisdiction.travel")),
    (
        "exploitation",
        (
            "purpose.",
            "act.advertising",
            "act.patronizing",
            "act.providing_labour",
            "act.harbouring",
            "means.debt_bondage",
            "means.withholding_wages",
            "means.payments_to_controller",
            "means.document_retention",
            "means.coercion",
        ),
    ),
)
# What an endpoint nobody in the case holds is called, per record kind and side.
_UNIDENTIFIED = {
    "call": ("an unidentified number", "an unidentified number"),
    "message": ("an unidentified sender", "an unidentified recipient"),
    "payment": ("an unidentified payer", "an unidentified payee"),
    "trip": ("an unidentified traveller", "an unidentified payer"),
}


def fact_kind(concepts: Sequence[str]) -> str | None:
    """The part of the story an indicator tells, from the law concepts it supports."""
    for kind, prefixes in _PHASE_OF_CONCEPT:
        if any(c == p or (p.endswith(".") and c.startswith(p)) for c in concepts for p in prefixes):
            return kind
    return None


def _who(value: str | None, names: Mapping[str, str], unknown: str = "someone unidentified") -> str:
    """The person holding an identifier; never the raw value of one nobody holds."""
    if value and value in names:
        return names[value]
    return unknown


def _money(amount: Decimal | None, currency: str | None) -> str:
    if amount is None:
        return "an unknown amount"
    return f"{amount:,.2f} {currency or ''}".strip()


def describe_record(
    kind: str,
    *,
    source: str | None,
    target: str | None,
    names: Mapping[str, str],
    amount: Decimal | None = None,
    currency: str | None = None,
    duration_s: int | None = None,
    channel: str | None = None,
    origin: str | None = None,
    destination: str | None = None,
) -> str:
    """One line saying what a record shows, with identifiers replaced by people's names."""
    unknown_source, unknown_target = _UNIDENTIFIED.get(kind, ("someone", "someone"))
    who, whom = _who(source, names, unknown_source), _who(target, names, unknown_target)
    if kind == "call":
        minutes, seconds = divmod(duration_s or 0, 60)
        length = f" ({minutes} min {seconds} s)" if minutes else f" ({seconds} s)"
        length = length if duration_s else ""
        return f"{who} called {whom}{length}"
    if kind == "message":
        via = f" by {lower(channel)}" if channel else ""
        return f"{who} wrote to {whom}{via}"
    if kind == "payment":
        via = f" by {lower(channel)}" if channel else ""
        return f"{who} paid {_money(amount, currency)} to {whom}{via}"
    if kind == "trip":
        route = (f" from {origin}" if origin else "") + (
            f" to {destination}" if destination else ""
        )
        payer = f", paid from {whom}" if target else ""
        return f"{who} travelled{route}{payer}"
    return f"{who} and {whom}"


def people_in(values: tuple[str | None, ...], names: Mapping[str, str]) -> tuple[str, ...]:
    """Names of the people behind identifiers, in order, without repeats."""
    seen: list[str] = []
    for value in values:
        if value and value in names and names[value] not in seen:
            seen.append(names[value])
    return tuple(seen)
