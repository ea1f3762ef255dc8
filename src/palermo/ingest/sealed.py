"""Rows sealed into column batches, and identifiers' search keys: the CPU work of a bulk
load that needs no database, done by the caller or by the reading process of
:mod:`palermo.ingest.pipeline` (which imports this and the reader only, so that it
starts fast). :mod:`palermo.ingest.bulk` writes what this makes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from operator import itemgetter
from typing import Any

from palermo.ingest.readers.structured import ROW_FIELDS
from palermo.security import blind_index
from palermo.security.sealing import ColumnCipher

BATCH_ROWS = 20_000
# Identifier values are sealed under the records' endpoint label (they match endpoints).
IDENTIFIER_LABEL = "records.endpoint"
Row = tuple[Any, ...]

# A batch of rows as columns, in ROW_FIELDS order; None for a column empty in every row.
Columns = list[list[Any] | None]
# Columns (indexes into ROW_FIELDS) that can name a person, and their sealing labels.
# Deterministic (AES-SIV, comparable in SQL): endpoints and places; randomised: the rest.
_FIXED_COLUMNS = ((3, IDENTIFIER_LABEL), (4, IDENTIFIER_LABEL))
_FIXED_PLACES = ((10, "records.origin"), (11, "records.destination"))
_RANDOM_COLUMNS = ((9, "records.body"), (12, "records.attrs"))


def sealed_batches(
    rows: Iterable[Row],
    cipher: ColumnCipher,
    size: int | None = None,
    blob: Callable[[bytes], Any] | None = bytearray,
    *,
    random: bool = True,
) -> Iterator[tuple[int, Columns]]:
    """``rows`` in batches of ``size`` (default ``BATCH_ROWS``), each as (row count,
    columns), with the fields that can name a person encrypted as the record columns'
    types (``palermo.store.types``) would store them: the raw bulk paths bypass them.
    Endpoints and places are sealed deterministically, so each distinct value is sealed
    once (the same phones, accounts and places recur on thousands of rows).

    ``random=False`` leaves the randomly sealed columns (body, attrs) as text, for
    :func:`random_column_sealer` to seal elsewhere: the reading process then hands that
    share of the work to the writer when the writer would otherwise wait for it.

    Columnar on purpose: one pass in C per column (``map`` of an ``itemgetter``) replaces
    a tuple per row, a column that is empty throughout is left out of the INSERT (binding
    NULLs costs the SQLite driver more than any other value), and sealed values are made
    ``blob``: ``bytearray`` for SQLite, whose driver binds it without the adaptation
    lookup ``bytes`` go through; None keeps ``bytes`` (PostgreSQL's COPY takes either)."""
    fixed = cipher.seal_fixed
    caches: dict[str, dict[str, Any]] = {}
    rows, size = iter(rows), size or BATCH_ROWS
    width = len(ROW_FIELDS)
    getters = [itemgetter(i) for i in range(width)]
    seal_randoms = random_column_sealer(cipher, blob) if random else None

    def seal_fixed(column: list[Any], label: str) -> list[Any]:
        cache = caches.setdefault(label, {})
        if len(cache) >= _CACHE_ENTRIES:
            cache.clear()
        for value in set(column).difference(cache):
            if value is not None:
                sealed = fixed(value, label)
                cache[value] = sealed if blob is None else blob(sealed)
        return list(map(cache.get, column))  # cache.get(None) is None

    while batch := list(islice(rows, size)):
        n = len(batch)
        if set(map(len, batch)) != {width}:
            raise ValueError(f"a record row has other than {width} fields")
        columns: Columns = [list(map(get, batch)) for get in getters]
        del batch
        for i, column in enumerate(columns):
            # Counted only when it starts empty: counting compares each value with None,
            # which a Decimal answers slowly (an abstract-class check).
            if column is not None and column[0] is None and column.count(None) == n:
                columns[i] = None
        for i, label in (*_FIXED_COLUMNS, *_FIXED_PLACES):
            column = columns[i]
            if column is not None:
                columns[i] = seal_fixed(column, label)
        if seal_randoms is not None:
            seal_randoms(columns)
        yield n, columns


def random_column_sealer(
    cipher: ColumnCipher, blob: Callable[[bytes], Any] | None = bytearray
) -> Callable[[Columns], None]:
    """A function that seals, in place, the randomly sealed columns (body, attrs) of a
    batch from :func:`sealed_batches` made with ``random=False``."""
    sealers = {label: cipher.random_sealer(label) for _, label in _RANDOM_COLUMNS}

    def seal_column(column: list[Any], label: str) -> list[Any]:
        seal = sealers[label]
        if None in column:
            if blob is None:
                return [None if v is None else seal(v) for v in column]
            return [None if v is None else blob(seal(v)) for v in column]
        return list(map(seal, column) if blob is None else map(blob, map(seal, column)))

    def seal_columns(columns: Columns) -> None:
        for i, label in _RANDOM_COLUMNS:
            column = columns[i]
            if column is not None:
                columns[i] = seal_column(column, label)

    return seal_columns


_CACHE_ENTRIES = 200_000


def identifier_keys(
    master: bytes,
    region: str | None,
    items: Iterable[tuple[str, str]],
    forms: Mapping[tuple[str, str], Iterable[str]] | None = None,
) -> dict[tuple[str, str], list[int]]:
    """The search keys of each (kind, value) identifier as :func:`store_identifiers`
    writes them (values cut to what is stored), to make them ahead of the write."""
    make = KeyMaker(master, region, forms or {})
    return {(kind, value[:300]): make(kind, value[:300]) for kind, value in items}


class KeyMaker:
    """An identifier's search keys: ``blind_index.identifier_tokens`` (or the prefixes of
    its forms already known) hashed by ``blind_index``'s key, sorted."""

    def __init__(
        self, master: bytes, region: str | None, forms: Mapping[tuple[str, str], Iterable[str]]
    ) -> None:
        self.key = blind_index.key_for(master)
        self.region = region
        self.forms = forms

    def __call__(self, kind: str, value: str) -> list[int]:
        known = self.forms.get((kind, value))
        if known is None:
            words = blind_index.identifier_tokens(kind, value, self.region)
        else:
            words = prefix_tokens(known)
        return self.key.many(blind_index.IDENTIFIER, words)


def prefix_tokens(forms: Iterable[str]) -> set[str]:
    """``blind_index.identifier_tokens`` of an identifier whose forms are known: each
    form and its prefixes of ``MIN_ID_PREFIX`` characters or more."""
    least = blind_index.MIN_ID_PREFIX
    out: set[str] = set()
    for form in forms:
        if not form:
            continue
        if len(form) < least:
            out.add(form)
        else:
            out.update(form[:n] for n in range(least, len(form) + 1))
    return out
