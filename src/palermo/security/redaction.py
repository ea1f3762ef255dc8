"""Redaction of sealed identities from anything that leaves the system.

Pseudonyms replace names in structured fields already; this is the second line
of defence for free text (statement quotes, message bodies) that may mention a
victim by name, alias or a part of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MIN_TOKEN = 3
_KEEP = "\x00keep"  # lookup value of a non-sealed full name: matched whole, left alone
# Tags, and whole <style>/<script> elements, are kept apart from the text between them.
_HTML_PARTS = re.compile(
    r"(<style\b.*?</style>|<script\b.*?</script>|<!--.*?-->|<[^>]*>)", re.IGNORECASE | re.DOTALL
)


class Redactor:
    """Replaces every known form of each sealed identity by its pseudonym.

    ``keep``: full names that are not sealed (suspects, buyers, officials). Matched whole,
    they are left as they are, so a buyer "Daniel Wilson" is not shown as "Daniel V-01"
    because a victim is also called Wilson; the name part on its own is still replaced.
    A kept name that is also a sealed identity is replaced."""

    def __init__(
        self, identities: Iterable[tuple[str, Iterable[str]]], keep: Iterable[str] = ()
    ) -> None:
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
        if replacements:
            for name in keep:
                clean = " ".join(name.split())
                if " " in clean:  # a lone word could be a victim's first name
                    replacements.setdefault(clean.lower(), _KEEP)
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

        def replace(match: re.Match[str]) -> str:
            found = self._lookup[match.group(0).lower()]
            return match.group(0) if found == _KEEP else found

        return self._pattern.sub(replace, text)

    def html(self, document: str) -> str:
        """Redact the text of an HTML document, leaving tags, styles and scripts intact."""
        if self._pattern is None:
            return document
        parts = _HTML_PARTS.split(document)
        return "".join(part if part.startswith("<") else self(part) for part in parts)

    @property
    def active(self) -> bool:
        return self._pattern is not None
