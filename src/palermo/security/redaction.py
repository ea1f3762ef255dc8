"""Redaction of sealed identities from anything that leaves the system.

Pseudonyms replace names in structured fields already; this is the second line
of defence for free text (statement quotes, message bodies) that may mention a
victim by name, alias or a part of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MIN_TOKEN = 3
# Tags, and whole <style>/<script> elements, are kept apart from the text between them.
_HTML_PARTS = re.compile(
    r"(<style\b.*?</style>|<script\b.*?</script>|<!--.*?-->|<[^>]*>)", re.IGNORECASE | re.DOTALL
)


class Redactor:
    """Replaces every known form of each sealed identity by its pseudonym."""

    def __init__(self, identities: Iterable[tuple[str, Iterable[str]]]) -> None:
        replacements: dict[str, str] = {}
        for pseudonym, names in identities:
            for name in names:
                clean = " ".join(name.split())
                if not clean:
                    continue
                replacements.setdefault(clean.lower(), pseudonym)
                for token in re.split(r"[\s.,'-]+", clean):
                    if len(token) >= _MIN_TOKEN:
                        replacements.setdefault(token.lower(), pseudonym)
        self._lookup = replacements
        # Longest forms first, so "Maria Ionescu" is replaced whole before "Maria".
        forms = sorted(replacements, key=len, reverse=True)
        self._pattern = (
            re.compile(r"\b(" + "|".join(re.escape(f) for f in forms) + r")\b", re.IGNORECASE)
            if forms
            else None
        )

    def __call__(self, text: str | None) -> str:
        if not text or self._pattern is None:
            return text or ""
        return self._pattern.sub(lambda m: self._lookup[m.group(0).lower()], text)

    def html(self, document: str) -> str:
        """Redact the text of an HTML document, leaving tags, styles and scripts intact."""
        if self._pattern is None:
            return document
        parts = _HTML_PARTS.split(document)
        return "".join(part if part.startswith("<") else self(part) for part in parts)

    @property
    def active(self) -> bool:
        return self._pattern is not None
