"""The case story in order: plain descriptions of dated records and events.

Pure functions: the timeline service fetches rows, this module says what each
one means in words a supervisor can read ("V-01 paid $300 to Ion Popescu").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where an entry comes from: the evidence file, its hash, and the row or page."""

    evidence_file_id: int | None
    file_name: str | None
    sha256: str | None
    locator: str | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    entry_id: str
    at: datetime | None
    kind: str
    title: str
    detail: str | None
    people: tuple[str, ...]
    source: SourceRef


def _who(value: str | None, names: Mapping[str, str]) -> str:
    if not value:
        return "unknown"
    return names.get(value, value)


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
    who, whom = _who(source, names), _who(target, names)
    if kind == "call":
        length = f" ({duration_s // 60} min {duration_s % 60} s)" if duration_s else ""
        return f"{who} called {whom}{length}"
    if kind == "message":
        via = f" by {channel}" if channel else ""
        return f"{who} wrote to {whom}{via}"
    if kind == "payment":
        via = f" by {channel}" if channel else ""
        return f"{who} paid {_money(amount, currency)} to {whom}{via}"
    if kind == "trip":
        route = f" from {origin or '?'} to {destination or '?'}"
        payer = f", paid from {whom}" if target else ""
        return f"{who} travelled{route}{payer}"
    return f"{kind}: {who} → {whom}"


def people_in(values: tuple[str | None, ...], names: Mapping[str, str]) -> tuple[str, ...]:
    """Names of the people behind identifiers, in order, without repeats."""
    seen: list[str] = []
    for value in values:
        if value and value in names and names[value] not in seen:
            seen.append(names[value])
    return tuple(seen)
