"""What extraction returns: one item found in a page of a document, with its span."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Extraction:
    """An identifier, a mention or an indicator hit in ``page`` at ``span`` (start, end).

    ``span`` indexes into that page's text, so ``page_text[start:end] == raw``.
    ``value`` is the normalised form (E.164 phone, compact IBAN, ISO date, person key,
    indicator id); None when it cannot be resolved (a relative date without a reference).
    """

    kind: str
    raw: str
    value: str | None
    page: int
    span: tuple[int, int]
    confidence: float = 1.0
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def start(self) -> int:
        return self.span[0]

    @property
    def end(self) -> int:
        return self.span[1]
