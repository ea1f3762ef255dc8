"""Column mapping profiles: a source layout (its header) read as one record kind.

A profile names, for one record kind (call, message, payment, trip), which source
column holds each of Palermo's columns, and how source values map to Palermo's
(currency names to ISO 4217 codes, channel names). A profile is recognised by its
header fingerprint: the header's column names, normalised, in order. Profiles ship
with Palermo for layouts documented in public (``*.yaml`` beside this file) and are
saved per unit by users (``palermo profiles save``, or the mapping page).

A source column is named by its header text; when a header repeats a name (AMLworld's
two ``Account`` columns) the second is ``Account#2``.

The document form (YAML or JSON)::

    name: IBM AMLworld transactions
    kind: payment
    header: [Timestamp, From Bank, Account, To Bank, Account, ...]
    columns: {booked_at: Timestamp, payer_account: Account, payee_account: Account#2, ...}
    values: {currency: {US Dollar: USD, ...}, channel: {ACH: bank, ...}}
    locale: {decimal: ".", date_order: null}
    source: where the layout is documented
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from palermo.ingest.readers.base import ReadError
from palermo.values import amount as amounts
from palermo.values import dates
from palermo.values.currency import is_code

HERE = Path(__file__).parent
KINDS = ("call", "message", "payment", "trip")
VALUE_FIELDS = ("currency", "channel")


class ProfileError(ValueError):
    """A profile document that cannot be used; the message names the field."""


def header_key(name: str) -> str:
    key = name.strip().lstrip("\ufeff").strip().lower()
    for char in " -./":
        key = key.replace(char, "_")
    return key


def source_names(header: list[str]) -> list[str]:
    """Each header cell's name as a profile refers to it ('Account', 'Account#2')."""
    seen: dict[str, int] = {}
    names = []
    for cell in header:
        text = cell.strip().lstrip("\ufeff").strip()
        seen[text] = seen.get(text, 0) + 1
        names.append(text if seen[text] == 1 else f"{text}#{seen[text]}")
    return names


def fingerprint(header: list[str]) -> str:
    """The layout's identity: SHA-256 of its normalised column names, in order."""
    return hashlib.sha256("\x1f".join(header_key(h) for h in header).encode()).hexdigest()


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str
    header: tuple[str, ...]
    columns: dict[str, str]  # Palermo column -> source column name
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    decimal: str | None = None
    date_order: str | None = None
    source: str = ""
    builtin: bool = False

    @property
    def fingerprint(self) -> str:
        return fingerprint(list(self.header))

    def columns_of(self, header: list[str], file: str) -> dict[str, int]:
        """Palermo column -> index in ``header``; ReadError naming a missing column."""
        from palermo.ingest.readers.structured import REQUIRED

        names = {n.casefold(): i for i, n in enumerate(source_names(header))}
        result: dict[str, int] = {}
        for target, source in self.columns.items():
            index = names.get(source.casefold())
            if index is None:
                raise ReadError(
                    file,
                    f"column {source!r} of mapping profile {self.name!r} is not in this file",
                    line=1,
                    column=source,
                )
            result[target] = index
        missing = [c for c in REQUIRED[self.kind] if c not in result]
        if missing:
            raise ReadError(
                file, f"mapping profile {self.name!r} maps no column to {', '.join(missing)}"
            )
        return result

    def currency_map(self) -> dict[str, str]:
        return {k.casefold(): v for k, v in self.values.get("currency", {}).items()}

    def channel_map(self) -> dict[str, str]:
        return {k.casefold(): v for k, v in self.values.get("channel", {}).items()}

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "header": list(self.header),
            "columns": dict(self.columns),
            "values": {k: dict(v) for k, v in self.values.items() if v},
        }
        if self.decimal or self.date_order:
            doc["locale"] = {"decimal": self.decimal, "date_order": self.date_order}
        if self.source:
            doc["source"] = self.source
        return doc


def from_document(doc: Any, builtin: bool = False) -> Profile:
    """A Profile from its document; ProfileError naming the bad field."""
    from palermo.ingest.readers.structured import ALIASES, REQUIRED

    if not isinstance(doc, dict):
        raise ProfileError("a profile is a mapping with name, kind, header and columns")
    name = str(doc.get("name") or "").strip()
    if not name or len(name) > 120:
        raise ProfileError("name: required, at most 120 characters")
    kind = doc.get("kind")
    if kind not in KINDS:
        raise ProfileError(f"kind: {kind!r} (expected one of {', '.join(KINDS)})")
    header = doc.get("header")
    if not isinstance(header, list) or not header or not all(isinstance(h, str) for h in header):
        raise ProfileError("header: the source file's column names, in order")
    columns = doc.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise ProfileError("columns: Palermo column -> source column")
    known = set(ALIASES[kind])
    available = {n.casefold() for n in source_names(header)}
    clean: dict[str, str] = {}
    for target, source in columns.items():
        if target not in known:
            raise ProfileError(
                f"columns: {target!r} is not a {kind} column ({', '.join(sorted(known))})"
            )
        if source in (None, ""):
            continue
        if str(source).casefold() not in available:
            raise ProfileError(f"columns.{target}: {source!r} is not in the header")
        clean[target] = str(source)
    missing = [c for c in REQUIRED[kind] if c not in clean]
    if missing:
        raise ProfileError(f"columns: {', '.join(missing)} must be mapped for {kind} records")
    values: dict[str, dict[str, str]] = {}
    for field_name, mapping in (doc.get("values") or {}).items():
        if field_name not in VALUE_FIELDS or not isinstance(mapping, dict):
            raise ProfileError(f"values: {field_name!r} (expected currency or channel maps)")
        values[field_name] = {str(k): str(v).strip() for k, v in mapping.items()}
    for raw, code in values.get("currency", {}).items():
        if not is_code(code.upper()):
            raise ProfileError(f"values.currency.{raw}: {code!r} is not a currency code")
        values["currency"][raw] = code.upper()
    locale = doc.get("locale") or {}
    decimal = locale.get("decimal")
    if decimal not in (None, amounts.DECIMAL_POINT, amounts.DECIMAL_COMMA):
        raise ProfileError("locale.decimal: '.' or ','")
    order = locale.get("date_order")
    if order not in (None, *dates.ORDERS):
        raise ProfileError("locale.date_order: DMY or MDY")
    return Profile(
        name=name,
        kind=kind,
        header=tuple(header),
        columns=clean,
        values=values,
        decimal=decimal,
        date_order=order,
        source=str(doc.get("source") or ""),
        builtin=builtin,
    )


def load_file(path: Path) -> Profile:
    """A profile from a YAML or JSON file (ProfileError naming the file)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path.name}: cannot read ({exc})") from exc
    try:
        return from_document(doc)
    except ProfileError as exc:
        raise ProfileError(f"{path.name}: {exc}") from exc


@lru_cache(maxsize=1)
def builtin_profiles() -> tuple[Profile, ...]:
    """The profiles shipped with Palermo, for layouts documented in public."""
    return tuple(
        from_document(yaml.safe_load(p.read_text(encoding="utf-8")), builtin=True)
        for p in sorted(HERE.glob("*.yaml"))
    )


def match(header: list[str], profiles: list[Profile] | tuple[Profile, ...]) -> Profile | None:
    """The first profile whose header fingerprint is this header's."""
    wanted = fingerprint(header)
    for profile in profiles:
        if profile.fingerprint == wanted:
            return profile
    return None


__all__ = [
    "KINDS",
    "Profile",
    "ProfileError",
    "builtin_profiles",
    "fingerprint",
    "from_document",
    "load_file",
    "match",
    "source_names",
]
