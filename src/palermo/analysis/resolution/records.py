"""Input records for entity resolution and their normalisation.

A :class:`PersonRecord` is one mention of a person or organisation in one source
("person:12", "statement:7:mention:3", "payment:88:payer_name", ...). Normalisation turns
it into plain comparison features (ASCII lower-case name parts, a sorted name key, the
name forms of all aliases, a date of birth as ``YYYYMMDD``, tagged identifiers, a single
address string with its words, its distinctive words and its numbers) and blocking keys.
Records themselves are never modified.
"""

from __future__ import annotations

import gc
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
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
COMMON_WORD_SHARE = 0.01
COMMON_WORD_MIN = 10
_TEXT_FIELDS = ("full_name", "first_name", "last_name", "address", "nationality", "dataset")


@dataclass(frozen=True)
class PersonRecord:
    """One mention of a person (or organisation) in one source.

    ``key`` must be unique within one call (e.g. ``"person:12"``). Give either
    ``full_name`` or ``first_name``/``last_name`` (or both). ``identifiers`` are phones in
    E.164 form, account numbers, e-mail addresses or other ids; a ``"kind:value"`` prefix
    (``"phone:+40721234567"``, ``"account:RO49AAAA..."``) is honoured, otherwise the kind
    is guessed. ``date_of_birth`` may be a :class:`datetime.date` or a string
    (``YYYY-MM-DD``, ``YYYYMMDD``, ``DD.MM.YYYY`` or ``DD/MM/YYYY``). ``dataset`` names
    the list the record comes from; it only matters when linking lists to each other
    (``resolve(..., link_type="link_only")``), where records of one list are never paired.
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
    dataset: str | None = None

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
    """Date of birth as ``YYYYMMDD`` (kept as digits even if not a valid date; None if
    it does not fit eight digits)."""
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
        out = f"{int(y):04d}{int(m):02d}{int(d):02d}"
        # always 8 digits: the comparisons count differing positions
        return out if len(out) == 8 else None
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
        for text_field in _TEXT_FIELDS:
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


def token_bits(tokens: Iterable[str]) -> int | None:
    """Words as a 63-bit set (one bit per word, by CRC32): a cheap overlap in SQL."""
    bits = 0
    for tok in tokens:
        bits |= 1 << (zlib.crc32(tok.encode()) % 63)
    return bits or None


FEATURE_COLUMNS = (
    "unique_id",
    "kind",
    "dataset",
    "first",
    "last",
    "first_initial",
    "initials",
    "name_key",
    "name_forms",
    "name_year_keys",
    "dob",
    "dob_year",
    "dob_days",
    "dob_letters",
    "dob_initials",
    "ids",
    "id_kinds",
    "address",
    "address_words",
    "address_rare",
    "address_rare_words",
    "address_numbers",
    "address_key",
    "address_number_words",
    "name_address_words",
    "postcode",
    "nationality",
)


def features_frame(records: Sequence[PersonRecord]) -> pd.DataFrame:
    """One row of comparison features per record (``unique_id`` is the record key)."""
    return frame_from_columns(feature_columns(records))


INTEGER_COLUMNS = frozenset({"address_words", "address_rare", "dob_days"})
LIST_COLUMNS = frozenset(
    {
        "name_forms",
        "name_year_keys",
        "dob_letters",
        "dob_initials",
        "ids",
        "id_kinds",
        "address_rare_words",
        "address_number_words",
        "name_address_words",
    }
)


def frame_from_columns(cols: Mapping[str, list[Any]]) -> pd.DataFrame:
    """The features as a DataFrame, with types DuckDB reads exactly: integers as Int64
    built directly (through floats, a 63-bit word set would lose its low bits) and a
    text column with no value at all as text (not DuckDB's NULL type)."""
    data: dict[str, Any] = {}
    for name, values in cols.items():
        if name in INTEGER_COLUMNS:
            data[name] = pd.array(values, dtype="Int64")
        elif name not in LIST_COLUMNS and all(v is None for v in values):
            data[name] = pd.array(values, dtype="string")
        else:
            data[name] = values
    return pd.DataFrame(data)


def feature_rows(cols: Mapping[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """Per record key, its features as a plain dict (for the Python comparison levels)."""
    names = list(cols)
    return {
        values[0]: dict(zip(names, values, strict=True))
        for values in zip(*(cols[n] for n in names), strict=True)
    }


@lru_cache(maxsize=200_000)
def dob_days(dob: str | None) -> int | None:
    """A ``YYYYMMDD`` date of birth as a day number (None if it is not a real date)."""
    if dob is None:
        return None
    try:
        return date(int(dob[:4]), int(dob[4:6]), int(dob[6:8])).toordinal()
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressParts:
    """An address split into its words and its numbers (house number, postcode, flat)."""

    words: tuple[str, ...]
    numbers: tuple[str, ...]

    @property
    def key(self) -> str | None:
        """All numbers in order, when there are at least two (a house number and a
        postcode, say): as good as the address for finding candidates, and immune to
        misspelt words."""
        return " ".join(self.numbers) if len(self.numbers) >= 2 else None

    @property
    def postcode(self) -> str | None:
        """The longest number of four or more digits (usually the postcode)."""
        long = [n for n in self.numbers if len(n) >= 4 and n.isdigit()]
        return max(reversed(long), key=len) if long else None


@lru_cache(maxsize=200_000)
def split_address(address: str) -> AddressParts:
    """Words (no digits) and numbers (any token with a digit: "12", "12a", "700123")."""
    words: list[str] = []
    numbers: list[str] = []
    for tok in address.split():
        if any(ch.isdigit() for ch in tok):
            numbers.append(tok)
        elif tok not in words:
            words.append(tok)
    return AddressParts(tuple(sorted(words)), tuple(numbers))


def _name_year_keys(first: str | None, last: str | None, year: str | None) -> list[str] | None:
    """Blocking keys "surname|first initial|year" and "first name|surname initial|year":
    a pair shares one when either name part is spelt the same, in either order."""
    if not first or not last or not year:
        return None
    keys = []
    if len(last) > 1:
        keys.append(f"{last}|{first[0]}|{year}")
    if len(first) > 1:
        keys.append(f"{first}|{last[0]}|{year}")
    return sorted(keys) or None


def _dob_initial_keys(initials: str | None, dob: str) -> list[str] | None:
    """Blocking keys "initials|year|month", "initials|year|day" and "initials|year|the
    month and day in either order": a pair shares one when both name parts are
    misspelt (their initials kept) and the date of birth has a typo in the day or the
    month, or its day and month swapped."""
    if not initials:
        return None
    y, m, d = dob[:4], dob[4:6], dob[6:8]
    return [
        f"{initials}|{y}|m{m}",
        f"{initials}|{y}|d{d}",
        f"{initials}|{y}|{min(m, d)}{max(m, d)}",
    ]


def _name_place_keys(
    first: str | None, last: str | None, rare: list[str] | None
) -> list[str] | None:
    """Blocking keys "name part|distinctive address word": a pair shares one when a
    name part is spelt the same and the address shares a word that few addresses have
    (the street, the suburb), whatever its numbers (a house number left out, a postcode
    mistyped)."""
    if not rare:
        return None
    parts = [p for p in (first, last) if p and len(p) > 1]
    return sorted({f"{p}|{w}" for p in parts for w in rare}) or None


def common_words(addresses: Iterable[AddressParts | None]) -> frozenset[str]:
    """Words in many of the addresses ("street", a state, the city of the case): at
    least :data:`COMMON_WORD_SHARE` of them and at least :data:`COMMON_WORD_MIN` times."""
    counts: dict[str, int] = {}
    n = 0
    for parts in addresses:
        if parts is None:
            continue
        n += 1
        for w in parts.words:
            counts[w] = counts.get(w, 0) + 1
    floor = max(COMMON_WORD_MIN, COMMON_WORD_SHARE * n)
    return frozenset(w for w, c in counts.items() if c >= floor)


@lru_cache(maxsize=200_000)
def _name_features(
    full: str | None, first: str | None, last: str | None, kind: Kind, aliases: tuple[str, ...]
) -> tuple[str | None, str | None, str | None, str | None, str | None, list[str] | None]:
    """first, last, first initial, initials (sorted), name key and name forms."""
    parts = _split_cached(full, first, last, kind)
    name_key = parts.key
    forms = {name_key} if name_key else set()
    for alias in aliases:
        k = _split_cached(alias, None, None, kind).key
        if k:
            forms.add(k)
    f, la = parts.first, parts.last
    initials = "".join(sorted(f[0] + la[0])) if f and la else None
    return f, la, f[0] if f else None, initials, name_key, sorted(forms) or None


@lru_cache(maxsize=200_000)
def _dob_features(value: object) -> tuple[str | None, str | None, int | None]:
    dob = normalise_dob(value)
    return dob, dob[:4] if dob else None, dob_days(dob)


@lru_cache(maxsize=200_000)
def _id_features(identifiers: tuple[str, ...]) -> tuple[list[str] | None, list[str] | None]:
    ids = sorted({i for i in map(normalise_identifier, identifiers) if i})
    if not ids:
        return None, None
    return ids, sorted({i.split(":", 1)[0] for i in ids})


def tagged_identifiers(record: PersonRecord) -> list[str]:
    """A record's identifiers, normalised and tagged with their kind (``"phone:+40..."``),
    as the comparisons see them."""
    if not record.identifiers:
        return []
    return _id_features(tuple(record.identifiers))[0] or []


@lru_cache(maxsize=200_000)
def _address_parts(address: str | None) -> tuple[str | None, AddressParts | None]:
    text = clean_text(address) or None
    return text, split_address(text) if text else None


def _address_features(
    parts: AddressParts, common: frozenset[str]
) -> tuple[int | None, int | None, list[str] | None, list[str] | None, str | None]:
    """Word bits, rare-word bits and list, number-and-word keys, numbers."""
    rare = [w for w in parts.words if w not in common]
    return (
        token_bits(parts.words),
        token_bits(rare),
        rare or None,
        sorted({f"{n}|{w}" for n in parts.numbers for w in rare}) or None,
        " ".join(parts.numbers) or None,
    )


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: making hundreds of thousands of small
    objects (that form no cycles) otherwise triggers it over and over, which more than
    doubles the time. Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def feature_columns(records: Sequence[PersonRecord]) -> dict[str, list[Any]]:
    """The comparison features of each record, column by column.

    Which address words are common is learnt from the records given (so the features
    of a record depend on the others in the same call).
    """
    with paused_gc():
        return _feature_columns(records)


def _feature_columns(records: Sequence[PersonRecord]) -> dict[str, list[Any]]:
    addresses = [_address_parts(r.address) for r in records]
    common = common_words(parts for _, parts in addresses)
    by_address: dict[AddressParts, tuple[Any, ...]] = {}
    empty_address = (None,) * 5
    rows = []
    for r, (address, addr) in zip(records, addresses, strict=True):
        first, last, first_initial, initials, name_key, forms = _name_features(
            r.full_name, r.first_name, r.last_name, r.kind, tuple(r.aliases)
        )
        try:
            dob, year, days = _dob_features(r.date_of_birth)
        except TypeError:  # not hashable: not a date either
            dob, year, days = None, None, None
        ids, id_kinds = _id_features(tuple(r.identifiers)) if r.identifiers else (None, None)
        if addr is None:
            afeat = empty_address
        else:
            afeat = by_address.get(addr)  # type: ignore[assignment]
            if afeat is None:
                afeat = by_address[addr] = _address_features(addr, common)
        words, rare_bits, rare, number_words, numbers = afeat
        name_place = _name_place_keys(first, last, rare)
        if dob:
            name_year = _name_year_keys(first, last, year)
            letters = sorted({f"{dob}|{x[0]}" for x in (first, last) if x}) or None
            dob_initials = _dob_initial_keys(initials, dob)
        else:
            name_year = letters = dob_initials = None
        rows.append(
            (
                r.key,
                r.kind,
                r.dataset,
                first,
                last,
                first_initial,
                initials,
                name_key,
                forms,
                name_year,
                dob,
                year,
                days,
                letters,
                dob_initials,
                ids,
                id_kinds,
                address,
                words,
                rare_bits,
                rare,
                numbers,
                addr.key if addr else None,
                number_words,
                name_place,
                addr.postcode if addr else None,
                clean_text(r.nationality) or None,
            )
        )
    # the tuples above are in the order of FEATURE_COLUMNS
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(FEATURE_COLUMNS)
    return {n: list(c) for n, c in zip(FEATURE_COLUMNS, columns, strict=True)}
