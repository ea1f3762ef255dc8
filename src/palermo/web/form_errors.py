"""Field-level messages from a service's ``InvalidInput("field: message")``."""

from __future__ import annotations

from collections.abc import Iterable

from palermo.services.errors import InvalidInput

FORM = "form"  # messages that belong to no single field


def field_errors(error: InvalidInput, fields: Iterable[str]) -> dict[str, list[str]]:
    text = str(error)
    name, sep, message = text.partition(": ")
    if sep and name in set(fields):
        return {name: [message]}
    return {FORM: [text]}
