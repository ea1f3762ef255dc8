"""The two outcomes of a parser besides a value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Invalid:
    """No reading of the text is possible; ``reason`` says why, in plain words."""

    raw: str
    reason: str

    def __str__(self) -> str:
        return f"{self.raw[:40]!r}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """Several readings fit the text and nothing in it decides between them.

    ``readings`` pairs each interpretation's name (e.g. "day first", "decimal comma")
    with the value it gives, as text to show the user.
    """

    raw: str
    reason: str
    readings: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        options = " or ".join(f"{value} ({name})" for name, value in self.readings)
        return f"{self.raw[:40]!r} is ambiguous: {self.reason}; it reads as {options}"
