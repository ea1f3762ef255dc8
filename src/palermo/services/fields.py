"""Validation errors that name form fields, shared by the casework services and pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from palermo.services.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class FieldErrors(InvalidInput):
    """Validation failed; ``errors`` name the form fields (``on``, ``to_stage``, ...).

    The message reads "record, field: message; ..." so the CLI and the API show
    which record and which field to fix.
    """

    def __init__(self, errors: Sequence[FieldError], record: str | None = None) -> None:
        self.errors = list(errors)
        prefix = f"{record}, " if record else ""
        super().__init__("; ".join(f"{prefix}{e.field}: {e.message}" for e in self.errors))

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.field, []).append(e.message)
        return out


def raise_if(errors: Sequence[FieldError], record: str | None = None) -> None:
    if errors:
        raise FieldErrors(errors, record)
