"""Input records for entity resolution and their normalisation.

A :class:`PersonRecord` is one mention of a person or organisation in one source
("person:12", "statement:7:mention:3", "payment:88:payer_name", ...). Normalisation turns
it into plain comparison features (ASCII lower-case name parts, a sorted name key, the
name forms of all aliases, a date of birth as ``YYYYMMDD``, tagged identifiers, a single
address string). Records themselves are never modified.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

import pandas as pd
from unidecode import unidecode

Kind = Literal["person", "organisation"]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGITS = re.compile(r"\D+")
_PHONE = re.compile(r"\+?[\d\s().\-]{7,20}")
_ACCOUNT_SEPARATORS = re.compile(r"[\s\-./]")
_ORG_SUFFIXES = frozenset(
    {
        "srl",
        "sa",
        "ltd",
        "limited",
        "llc",
        "inc",
        "gmbh",
        "ag",
        "bv",
        "nv",
        "plc",
        "sarl",
        "spa",
        "sas",
        "oy",
        "ab",
        "as",
        "doo",
        "ooo",
        "co",
        "company",
        "corp",
        "corporation",
    }
)
_IDENTIFIER_KINDS = ("phone", "account", "email", "id")


@dataclass(frozen=True)
class PersonRecord:
    """One mention of a person (or organisation) in one source.

    ``key`` must be unique within one call (e.g. ``"person:12"``). Give either
    ``full_name`` or ``first_name``/``last_name`` (or both). ``identifiers`` are phones in
    E.164 form, account numbers, e-mail addresses or other ids; a ``"kind:value"`` prefix
    (``"phone:+40721234567"``, ``"account:RO49AAAA..."``) is honoured, otherwise the kind
    is guessed. ``date_of_birth`` may be a :class:`datetime.date` or a string
    (``YYYY-MM-DD``, ``YYYYMMDD``, ``DD.MM.YYYY`` or ``DD/MM/YYYY``).
    """

    key: str
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    aliases: tuple[str, ...] = ()
    date_of_birth: date | str | None = None
    identifiers: tuple[str, ...] = ()
    address: str | None = None
    nationality: str | None = None
    kind: Kind = "person"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        if self.full_name:
            return self.full_name
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.key


# --------------------------------------------------------------------------- text


def clean_text(value: object) -> str:
    """ASCII, lower case, punctuation to single spaces ("Ștefan-Ioan" -> "stefan ioan")."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return _clean_str(str(value))


@lru_cache(maxsize=200_000)
def _clean_str(value: str) -> str:
    return _NON_ALNUM.sub(" ", unidecode(value).lower()).strip()


def _tokens(value: object) -> list[str]:
    text = clean_text(value)
    return text.split() if text else []


def _join_letters(tokens: list[str]) -> list[str]:
    """Runs of single letters become one token ("s r l" -> "srl", from "S.R.L.")."""
    out: list[str] = []
    run = ""
    for t in tokens:
        if len(t) == 1:
            run += t
            continue
        if run:
            out.append(run)
            run = ""
        out.append(t)
    if run:
        out.append(run)
    return out


@dataclass(frozen=True)
class NameParts:
    first: str | None
    last: str | None
    tokens: tuple[str, ...]

    @property
    def key(self) -> str | None:
        """Sorted tokens: the same for "Ion Popescu" and "Popescu Ion"."""
        return " ".join(sorted(self.tokens)) or None


@lru_cache(maxsize=200_000)
def _split_cached(full: str | None, first: str | None, last: str | None, kind: Kind) -> NameParts:
    return split_name(full, first, last, kind)


def split_name(
    full_name: object = None,
    first_name: object = None,
    last_name: object = None,
    kind: Kind = "person",
) -> NameParts:
    """Split a name into a first given name and a surname, normalised.

    With only a full name, the first token is the given name and the last token the
    surname, except that a trailing initial ("Popescu I.") is read as the given name.
    Organisations keep the whole name (without legal-form suffixes) as the surname.
    """
    if kind == "organisation":
        toks = [
            t
            for t in _join_letters(_tokens(full_name or last_name or first_name))
            if t not in _ORG_SUFFIXES
        ]
        name = "".join(toks)
        return NameParts(None, name or None, tuple(toks))
    first_toks = _tokens(first_name)
    last_toks = _tokens(last_name)
    if first_toks or last_toks:
        first = first_toks[0] if first_toks else None
        last = "".join(last_toks) if last_toks else None
        return NameParts(first, last, tuple(first_toks + last_toks))
    toks = _tokens(full_name)
    if not toks:
        return NameParts(None, None, ())
    if len(toks) == 1:
        return NameParts(None, toks[0], tuple(toks))
    if len(toks[-1]) == 1 and len(toks[0]) > 1:
        return NameParts(toks[-1], toks[0], tuple(toks))
    return NameParts(toks[0], toks[-1], tuple(toks))


# --------------------------------------------------------------------------- dates


def normalise_dob(value: object) -> str | None:
    """Date of birth as ``YYYYMMDD`` (kept as digits even if not a valid date)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, datetime | date):
        return f"{value.year:04d}{value.month:02d}{value.day:02d}"
    text = str(value).strip()
    if not text:
        return None
    parts = [p for p in re.split(r"[^0-9]+", text) if p]
    if len(parts) == 3:
        if len(parts[0]) == 4:
            y, m, d = parts
        elif len(parts[2]) == 4:
            d, m, y = parts
        else:
            return None
        return f"{int(y):04d}{int(m):02d}{int(d):02d}"
    digits = "".join(parts)
    if len(digits) == 8:
        return digits
    return None


# --------------------------------------------------------------------------- identifiers


@lru_cache(maxsize=200_000)
def normalise_identifier(value: str) -> str | None:
    """``"kind:value"`` with a normalised value, or None for an empty identifier."""
    raw = str(value).strip()
    if not raw:
        return None
    if raw[0] == "+" and raw[1:].isdigit() and 6 <= len(raw) <= 21:
        return "phone:" + raw  # already E.164: the usual case, kept fast
    kind: str | None = None
    if ":" in raw:
        prefix, rest = raw.split(":", 1)
        if prefix.lower() in _IDENTIFIER_KINDS:
            kind, raw = prefix.lower(), rest.strip()
    if kind is None:
        if "@" in raw:
            kind = "email"
        elif raw.startswith(("+", "00")) and _PHONE.fullmatch(raw):
            kind = "phone"
        else:
            kind = "account"
    if kind == "email":
        norm = raw.lower()
    elif kind == "phone":
        digits = _DIGITS.sub("", raw)
        if raw.startswith("00"):
            digits = digits[2:]
        norm = "+" + digits if (raw.startswith(("+", "00"))) else digits
    else:
        norm = _ACCOUNT_SEPARATORS.sub("", raw).upper()
    return f"{kind}:{norm}" if norm.strip("+") else None


def describe_identifier(tagged: str) -> str:
    kind, _, value = tagged.partition(":")
    return f"{kind} {value}"


# --------------------------------------------------------------------------- records


def coerce_records(
    records: Iterable[PersonRecord | Mapping[str, Any]] | pd.DataFrame,
) -> list[PersonRecord]:
    """Accept PersonRecords, mappings with the same field names, or a DataFrame."""
    if isinstance(records, pd.DataFrame):
        rows: Iterable[PersonRecord | Mapping[str, Any]] = records.to_dict("records")
    else:
        rows = records
    out: list[PersonRecord] = []
    for row in rows:
        if isinstance(row, PersonRecord):
            out.append(row)
            continue
        data = {k: v for k, v in row.items() if k in PersonRecord.__dataclass_fields__}
        for seq_field in ("aliases", "identifiers"):
            value = data.get(seq_field)
            if value is None or (isinstance(value, float) and value != value):
                data[seq_field] = ()
            elif isinstance(value, str):
                data[seq_field] = (value,)
            else:
                data[seq_field] = tuple(str(v) for v in value if v is not None)
        for text_field in ("full_name", "first_name", "last_name", "address", "nationality"):
            value = data.get(text_field)
            if isinstance(value, float) and value != value:
                data[text_field] = None
            elif value is not None:
                data[text_field] = str(value)
        data["key"] = str(data["key"])
        out.append(PersonRecord(**data))
    keys = [r.key for r in out]
    if len(set(keys)) != len(keys):
        raise ValueError("record keys must be unique")
    return out


def token_bits(text: str) -> int | None:
    """The words of a text as a 63-bit set (one bit per word, by CRC32): cheap overlap."""
    bits = 0
    for tok in set(text.split()):
        bits |= 1 << (zlib.crc32(tok.encode()) % 63)
    return bits or None


FEATURE_COLUMNS = (
    "unique_id",
    "kind",
    "first",
    "last",
    "first_initial",
    "name_key",
    "name_forms",
    "dob",
    "dob_year",
    "ids",
    "id_kinds",
    "address",
    "address_bits",
    "address_numbers",
    "nationality",
)


def features_frame(records: Sequence[PersonRecord]) -> pd.DataFrame:
    """One row of comparison features per record (``unique_id`` is the record key)."""
    return frame_from_columns(feature_columns(records))


def frame_from_columns(cols: Mapping[str, list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(dict(cols))
    frame["address_bits"] = frame["address_bits"].astype("Int64")
    return frame


def feature_rows(cols: Mapping[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """Per record key, its features as a plain dict (for the Python comparison levels)."""
    names = list(cols)
    return {
        values[0]: dict(zip(names, values, strict=True))
        for values in zip(*(cols[n] for n in names), strict=True)
    }


def feature_columns(records: Sequence[PersonRecord]) -> dict[str, list[Any]]:
    """The comparison features of each record, column by column."""
    cols: dict[str, list[Any]] = {c: [] for c in FEATURE_COLUMNS}
    for r in records:
        parts = _split_cached(r.full_name, r.first_name, r.last_name, r.kind)
        name_key = parts.key
        forms = {name_key} if name_key else set()
        for alias in r.aliases:
            k = _split_cached(alias, None, None, r.kind).key
            if k:
                forms.add(k)
        ids = (
            sorted({i for i in map(normalise_identifier, r.identifiers) if i})
            if r.identifiers
            else []
        )
        dob = normalise_dob(r.date_of_birth)
        address = clean_text(r.address) or None
        nationality = clean_text(r.nationality) or None
        cols["unique_id"].append(r.key)
        cols["kind"].append(r.kind)
        cols["first"].append(parts.first)
        cols["last"].append(parts.last)
        cols["first_initial"].append(parts.first[0] if parts.first else None)
        cols["name_key"].append(name_key)
        cols["name_forms"].append(sorted(forms) if forms else None)
        cols["dob"].append(dob)
        cols["dob_year"].append(dob[:4] if dob else None)
        cols["ids"].append(ids or None)
        cols["id_kinds"].append(sorted({i.split(":", 1)[0] for i in ids}) or None)
        cols["address"].append(address)
        cols["address_bits"].append(address)  # replaced below by the rare words' bits
        nums = " ".join(t for t in address.split() if t.isdigit()) if address else ""
        cols["address_numbers"].append(nums or None)
        cols["nationality"].append(nationality)
    cols["address_bits"] = [token_bits(a) if a else None for a in cols["address_bits"]]
    return cols
