"""Structured evidence in CSV: call detail records, messages, payments, trips.

Each kind is recognised by its header (columns in any order, common aliases,
case-insensitive). Rows are streamed with the csv module; nothing loads a whole
file into memory. The hot loop avoids per-row regexes and repeated work: phone
and account normalisation is cached (the same numbers repeat millions of times)
and attributes are written as JSON text directly.

Two ways to read:

* ``read()`` (the ``Reader`` interface) yields ``RecordRow`` objects;
* ``StructuredReader.rows()`` yields plain tuples in ``ROW_FIELDS`` order, the
  fast path the ingest service uses for bulk inserts.

Times without a zone are taken as UTC; every ``occurred_at`` is an aware UTC datetime.
Amounts, dates and currencies are read by the value types (:mod:`palermo.values`), one
reading per column for the whole file (:mod:`.columns`): a file whose numbers or dates
read two ways stops with a question (``AmbiguityError``) instead of a guess. A row with a
value that cannot be read is left out and listed (``RowStream.bad_rows``: line, column,
value, reason) unless the context asks for all or nothing. A header below a bank's
preamble is found in the first lines; a mapping profile (``ReadContext.profile``) names
the columns of a layout the aliases do not know.

Payments get more checks, because money totals are what a court adds up. Bad input is
refused with the file, line and column, or loaded with a warning that names the lines
(``RowStream.warnings``, listed in the ingest report), keeping evidence where that is safe:

* the same transaction id twice with different content: the file is refused;
* a row that repeats an earlier row exactly (same id, same cells, as exports sometimes
  do): skipped, with a warning naming both lines;
* a zero amount, or a negative amount (a refund or reversal in a bank statement): loaded
  as given, with a warning; money-flow analysis leaves them out and says so.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from charset_normalizer import from_bytes

from palermo.ingest.normalize import normalize_account, normalize_phone_with_forms
from palermo.ingest.readers.base import ReadContext, ReadError, ReadOutput, RecordRow
from palermo.ingest.readers.columns import (
    AmountColumn,
    CellProblem,
    DateColumn,
    Lookahead,
    file_lookahead,
    prior_of,
    utc_text,
)
from palermo.values import Ambiguous
from palermo.values.currency import parse_currency

# Order of the tuples yielded by ``StructuredReader.rows`` (and of RecordRow's fields).
ROW_FIELDS: tuple[str, ...] = (
    "row_number",
    "kind",
    "occurred_at",
    "source",
    "target",
    "amount",
    "currency",
    "duration_s",
    "channel",
    "body",
    "origin",
    "destination",
    "attrs",  # JSON text or None in the fast path
)
Row = tuple[Any, ...]

HEAD_BYTES = 65536
CSV_SUFFIXES = frozenset({".csv", ".tsv", ".psv"})
_DELIMITERS = (",", ";", "\t", "|")

# Canonical column -> accepted header names (after lower-casing; spaces, dashes
# and dots become underscores). The canonical name itself is always accepted.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "call": {
        "call_id": ("id", "cdr_id", "record_id", "callid"),
        "started_at": (
            "timestamp",
            "date",
            "datetime",
            "start_time",
            "started",
            "start",
            "call_time",
            "time",
            "date_time",
        ),
        "caller": (
            "from",
            "a_number",
            "anumber",
            "calling_number",
            "msisdn_a",
            "a_party",
            "originating_number",
            "source_number",
        ),
        "callee": (
            "to",
            "b_number",
            "bnumber",
            "called_number",
            "msisdn_b",
            "b_party",
            "destination_number",
            "dialled_number",
            "dialed_number",
        ),
        "duration_s": (
            "duration",
            "duration_sec",
            "duration_secs",
            "duration_seconds",
            "seconds",
            "call_duration",
        ),
        "cell_id": ("cell", "cell_tower", "tower", "cgi", "site_id"),
    },
    "message": {
        "message_id": ("id", "msg_id", "sms_id", "messageid"),
        "sent_at": ("timestamp", "date", "datetime", "time", "sent", "date_time", "sent_time"),
        "sender": ("from", "a_number", "sender_number", "from_number", "author"),
        "recipient": ("to", "b_number", "receiver", "recipient_number", "to_number"),
        "channel": ("app", "platform", "service", "type"),
        "body": ("text", "message", "content", "message_text", "msg"),
    },
    "payment": {
        "transaction_id": ("id", "txn_id", "tx_id", "transaction", "transfer_id", "txid"),
        "booked_at": (
            "timestamp",
            "date",
            "datetime",
            "booking_date",
            "value_date",
            "transaction_date",
            "time",
            "date_time",
        ),
        "payer_account": (
            "debit_account",
            "from_account",
            "sender_account",
            "source_account",
            "payer_iban",
            "originator_account",
            "from",
        ),
        "payer_name": (
            "debit_name",
            "sender_name",
            "from_name",
            "originator_name",
            "originator",
            "payer",
        ),
        "payee_account": (
            "credit_account",
            "to_account",
            "beneficiary_account",
            "receiver_account",
            "payee_iban",
            "destination_account",
            "to",
        ),
        "payee_name": (
            "credit_name",
            "beneficiary_name",
            "receiver_name",
            "to_name",
            "beneficiary",
            "payee",
        ),
        "amount": ("value", "sum", "transaction_amount"),
        "currency": ("ccy", "currency_code", "cur"),
        "channel": ("method", "payment_method", "type", "transfer_type"),
        "country_from": ("from_country", "origin_country", "sender_country", "payer_country"),
        "country_to": ("to_country", "destination_country", "beneficiary_country", "payee_country"),
        "reference": ("description", "memo", "narrative", "purpose", "remittance_info"),
    },
    "trip": {
        "booking_id": ("id", "reservation_id", "ticket_id", "pnr", "booking"),
        "departed_at": (
            "timestamp",
            "date",
            "datetime",
            "departure",
            "departure_time",
            "departs_at",
            "time",
            "date_time",
        ),
        "traveller": ("traveler", "passenger", "passenger_name", "traveller_name", "name"),
        "origin": ("from", "departure_place", "from_place", "departure_city"),
        "destination": ("to", "arrival_place", "to_place", "arrival_city"),
        "mode": ("transport", "transport_mode", "carrier_type"),
        "booked_by": ("booker", "booked_by_name"),
        "paid_by": ("payer", "paid_by_name"),
        "price": ("amount", "fare", "cost"),
        "currency": ("ccy", "currency_code"),
    },
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "call": ("started_at", "caller", "callee"),
    "message": ("sent_at", "sender", "recipient"),
    "payment": ("booked_at", "payer_account", "payee_account", "amount"),
    "trip": ("departed_at", "traveller", "origin", "destination"),
}

# A file name hint, used only when the header alone does not decide.
_NAME_HINTS: dict[str, tuple[str, ...]] = {
    "call": ("call", "cdr"),
    "message": ("message", "sms", "msg"),
    "payment": ("payment", "transaction", "transfer", "bank"),
    "trip": ("trip", "travel", "booking", "flight"),
}


def _header_key(name: str) -> str:
    key = name.strip().lstrip("\ufeff").strip().lower()
    for char in " -./":
        key = key.replace(char, "_")
    return key


def _build_lookup() -> tuple[dict[str, dict[str, str]], dict[str, frozenset[str]]]:
    lookup: dict[str, dict[str, str]] = {}
    for kind, columns in ALIASES.items():
        names: dict[str, str] = {}
        for canonical, aliases in columns.items():
            names[canonical] = canonical
            for alias in aliases:
                names.setdefault(alias, canonical)
        lookup[kind] = names
    # A header name is distinctive for a kind if no other kind accepts it.
    distinctive = {
        kind: frozenset(
            name
            for name in names
            if not any(name in lookup[other] for other in lookup if other != kind)
        )
        for kind, names in lookup.items()
    }
    return lookup, distinctive


_LOOKUP, _DISTINCTIVE = _build_lookup()


def detect_kind(header: list[str], file_name: str = "") -> str | None:
    """The record kind a header describes, or None. Distinctive columns decide first."""
    keys = [_header_key(h) for h in header]
    best: tuple[int, str] | None = None
    for kind, names in _LOOKUP.items():
        matched = {names[k] for k in keys if k in names}
        distinctive = sum(1 for k in keys if k in _DISTINCTIVE[kind])
        score = distinctive * 10 + len(matched)
        if distinctive and (best is None or score > best[0]):
            best = (score, kind)
    if best is not None:
        return best[1]
    stem = file_name.lower()
    for kind, hints in _NAME_HINTS.items():
        if any(hint in stem for hint in hints):
            return kind
    return None


# --- encoding -------------------------------------------------------------------------


def _looks_utf16(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' for BOM-less UTF-16 of mostly ASCII text, else None."""
    half = max(1, len(sample) // 2)
    if sample[1::2].count(0) / half > 0.6:
        return "utf-16-le"
    if sample[0::2].count(0) / half > 0.6:
        return "utf-16-be"
    return None


def detect_encoding(head: bytes, file: str) -> str:
    """Encoding of a text file from its first bytes; ReadError for binary data."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        utf16 = _looks_utf16(head[:4096])
        if utf16:
            return utf16
        raise ReadError(file, "not a text file: binary data", line=1)
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the head is still UTF-8.
        if exc.start >= len(head) - 3 and exc.reason.startswith("unexpected end"):
            return "utf-8"
    encoding = _legacy_encoding(head)
    if encoding is None:
        raise ReadError(file, "not a text file: no text encoding fits the content", line=1)
    return encoding


# Legacy single-byte encodings, most likely first. Short samples leave charset-normalizer
# undecided between close code pages, so a plausibility check picks among them.
_LEGACY = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "iso8859_15")


def _implausible_words(text: str) -> int:
    """Words a wrong code page produces: ASCII letters mixed with another script, or
    three or more letters that are all accented Latin."""
    bad = 0
    for word in text.split():
        letters = [ch for ch in word if ch.isalpha()]
        foreign = [ch for ch in letters if not ch.isascii()]
        if not foreign:
            continue
        latin = all(unicodedata.name(ch, "").startswith("LATIN") for ch in foreign)
        mixed = not latin and len(foreign) < len(letters)
        all_accented = latin and len(foreign) == len(letters) and len(letters) >= 3
        if mixed or all_accented:
            bad += 1
    return bad


def _legacy_encoding(head: bytes) -> str | None:
    scored: list[tuple[int, int, str]] = []
    for rank, name in enumerate(_LEGACY):
        try:
            text = head.decode(name)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ch < " " and ch not in "\t\r\n\f")
        if controls > len(text) // 100:
            return None  # control characters: binary data, whatever the code page
        scored.append((_implausible_words(text), rank, name))
    if scored:
        return min(scored)[2]
    best = from_bytes(head).best()
    return str(best.encoding) if best is not None else None


# Bytes that do not decode become lone surrogates; a counter tells the hot loop to look.
_DECODE_ERRORS = [0]
_SURROGATEESCAPE = codecs.lookup_error("surrogateescape")


def _count_and_escape(exc: UnicodeError) -> tuple[str | bytes, int]:
    _DECODE_ERRORS[0] += 1
    return _SURROGATEESCAPE(exc)


codecs.register_error("palermo-count", _count_and_escape)


def _has_surrogate(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


# --- values ---------------------------------------------------------------------------


def parse_duration(raw: str) -> int:
    """Seconds from '125', '125.0', 'MM:SS' or 'HH:MM:SS'; ValueError otherwise."""
    try:
        seconds = int(raw)
    except ValueError:
        pass
    else:
        if seconds < 0:
            raise ValueError(f"not a duration: {raw[:40]!r}")
        return seconds
    text = raw.strip()
    if ":" in text:
        parts = [int(p) for p in text.split(":")]
        if len(parts) > 3 or any(p < 0 for p in parts):
            raise ValueError(f"not a duration: {raw[:40]!r}")
        seconds = 0
        for part in parts:
            seconds = seconds * 60 + part
        return seconds
    value = float(text)
    if value < 0 or value != value:
        raise ValueError(f"not a duration: {raw[:40]!r}")
    return round(value)


_json_str: Callable[[str], str] = json.encoder.encode_basestring


# --- the reader -----------------------------------------------------------------------


MAX_LISTED = 20  # locations a warning lists before "and N more"


@dataclass(slots=True)
class ReadWarning:
    """Input loaded with a caveat rather than refused: what, how many rows, and where.

    ``str()`` gives e.g. "payments.csv, line 5: negative amount (1 row); loaded as given
    (a refund or reversal?), left out of money-flow analysis".
    """

    file: str
    what: str  # the problem, e.g. "zero amount"
    then: str  # what was done about it
    count: int = 0
    where: list[str] = field(default_factory=list)  # the first MAX_LISTED locations

    def add(self, location: str) -> None:
        self.count += 1
        if len(self.where) < MAX_LISTED:
            self.where.append(location)

    def __str__(self) -> str:
        more = self.count - len(self.where)
        shown = ", ".join(self.where) + (f" and {more:,} more" if more > 0 else "")
        rows = f"{self.count:,} row{'s' if self.count != 1 else ''}"
        return (
            f"{self.file}, line{'s' if self.count != 1 else ''} {shown}: "
            f"{self.what} ({rows}); {self.then}"
        )


@dataclass
class RowStream:
    """Tuples of one file and, once consumed, the identifiers seen as endpoints and the
    warnings about rows loaded with a caveat or skipped."""

    kind: str
    rows: Iterator[Row]
    encoding: str
    # Normalised endpoint values by identifier kind (phone/account), filled while streaming.
    identifiers: dict[str, set[str]] = field(default_factory=dict)
    # Search forms of some of them, known from reading them ((kind, value) -> forms):
    # what ``blind_index.identifier_forms`` would find again (see ``bulk.store_identifiers``).
    identifier_forms: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    # Filled when the rows have been consumed to the end.
    warnings: list[ReadWarning] = field(default_factory=list)
    # Rows left out because a value in them could not be read (not in all-or-nothing mode).
    bad_rows: BadRows = field(default_factory=lambda: BadRows())


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row left out of a file: where, the value as written, and why."""

    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column '{self.column}': {self.reason}"


@dataclass
class BadRows:
    """The bad rows of a file: all counted, the first ``keep`` kept to list and store."""

    keep: int = 100_000
    count: int = 0
    rows: list[BadRow] = field(default_factory=list)

    def add(self, row: BadRow) -> None:
        self.count += 1
        if len(self.rows) < self.keep:
            self.rows.append(row)

    def summary(self, file: str, shown: int = 5) -> str:
        """'3 rows not loaded: line 4, column 'amount': ...; ...' (the first few)."""
        listed = "; ".join(str(r) for r in self.rows[:shown])
        more = self.count - min(shown, len(self.rows))
        tail = f"; and {more:,} more" if more > 0 else ""
        rows = f"{self.count:,} row{'s' if self.count != 1 else ''}"
        return f"{file}: {rows} not loaded ({listed}{tail})"


class StructuredReader:
    """One structured kind (call, message, payment, trip) in CSV."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.name = f"csv-{kind}"

    # Reader protocol ------------------------------------------------------------------

    def sniff(self, path: Path, head: bytes) -> bool:
        header = _sniff_header(path, head)
        # The file name is only a hint for files that say they are CSV.
        hint = path.name if path.suffix.lower() in CSV_SUFFIXES else ""
        if header is not None and detect_kind(header, hint) == self.kind:
            return True
        if path.suffix.lower() not in CSV_SUFFIXES or header is None:
            return False
        # A bank's preamble above the header: a later line of the head that is a header.
        later = _preamble_header(head)
        return later is not None and detect_kind(later[1], "") == self.kind

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        stream = self.rows(path, context)
        return ReadOutput(source_kind=self.kind, records=_as_record_rows(stream.rows))

    # Fast path -----------------------------------------------------------------------

    def rows(self, path: Path, context: ReadContext, *, as_text: bool = False) -> RowStream:
        """Open and check the header now (ReadError), then stream tuples lazily.

        ``as_text`` gives timestamps as naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' and
        amounts as decimal text: what SQLite stores, so rows go to it unconverted.
        """
        name = context.display_name or path.name
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise ReadError(name, f"cannot read file: {exc.strerror or exc}") from exc
        profile = context.profile
        skipped: tuple[int, list[str]] | None = None
        try:
            head = handle.read(HEAD_BYTES)
            handle.seek(0)
            encoding = detect_encoding(head, name)
            text = io.TextIOWrapper(
                handle,
                encoding=encoding,
                errors="palermo-count",
                newline="",
            )
            first = _first_line(head, encoding)
            preamble = None
            if profile is None and detect_kind(_split_line(first), "") is None:
                preamble = _preamble_header(head)
            if preamble is not None:
                first = (
                    head.decode(encoding, errors="ignore").lstrip("\ufeff").split("\n")[preamble[0]]
                )
            delimiter = _delimiter(first)
            reader = csv.reader(text, delimiter=delimiter, strict=True)
            errors_at_open = _DECODE_ERRORS[0]
            try:
                if preamble is not None:
                    lines_before = [next(reader) for _ in range(preamble[0])]
                    skipped = (reader.line_num, [",".join(r)[:60] for r in lines_before])
                header = next(reader)
            except StopIteration:
                raise ReadError(name, "empty file: no header row", line=1) from None
            except csv.Error as exc:
                raise ReadError(name, f"malformed header: {exc}", line=1) from None
            if _DECODE_ERRORS[0] != errors_at_open:
                _check_decoded(name, encoding, header, 1, header)
            if profile is not None:
                columns = profile.columns_of(header, name)
            else:
                columns = _map_columns(self.kind, header, name)
        except BaseException:
            handle.close()
            raise
        stream = RowStream(kind=self.kind, rows=iter(()), encoding=encoding)
        if skipped is not None:
            note = ReadWarning(
                name,
                f"preamble above the header (the header is on line {skipped[0] + 1})",
                "skipped: " + "; ".join(repr(line) for line in skipped[1][:3]),
            )
            for line in range(1, skipped[0] + 1):
                note.add(str(line))
            stream.warnings.append(note)
        checks = (
            _PaymentChecks(name, header, columns.get("transaction_id"))
            if self.kind == "payment"
            else None
        )
        prior_decimal, prior_order = prior_of(context.default_region)
        header_lines = reader.line_num

        def open_text() -> io.TextIOBase:
            return path.open(encoding=encoding, errors="replace", newline="")

        locale = _FileLocale(
            name,
            context.decimal,
            context.date_order,
            prior_decimal,
            prior_order,
            file_lookahead(open_text, delimiter, header_lines),
        )
        build = _BUILDERS[self.kind](
            _BuildContext(
                columns,
                header,
                context.default_region,
                stream,
                as_text,
                checks,
                locale,
                profile.currency_map() if profile is not None else {},
                profile.channel_map() if profile is not None else {},
            )
        )
        stream.rows = self._generate(
            handle,
            reader,
            header,
            build,
            name,
            encoding,
            errors_at_open,
            stream,
            checks,
            context.all_or_nothing,
        )
        return stream

    def _generate(
        self,
        handle: Any,
        reader: Any,
        header: list[str],
        build: Builder,
        name: str,
        encoding: str,
        errors_at_open: int,
        stream: RowStream,
        checks: _PaymentChecks | None,
        strict: bool = False,
    ) -> Iterator[Row]:
        width = len(header)
        bad = stream.bad_rows
        last_line = reader.line_num
        errors_seen = _DECODE_ERRORS[0]
        # Set once undecodable bytes were met: from then on rows are scanned for them.
        suspicious = errors_seen != errors_at_open
        if checks is not None:
            held, batch, i_id = 0, checks.BATCH, checks.id_index
            hold_row, hold_line = checks.rows.append, checks.lines.append
            hold_key, hold_content = checks.keys.append, checks.content.append
            hold_earlier, first_with = checks.earlier.append, checks.first.setdefault
        try:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    raise ReadError(name, f"malformed CSV: {exc}", line=reader.line_num) from None
                line = last_line + 1
                last_line = reader.line_num
                if suspicious or _DECODE_ERRORS[0] != errors_seen:
                    suspicious = True
                    _check_decoded(name, encoding, row, line, header)
                if len(row) != width:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue  # blank line
                    if strict:
                        _raise_ragged(name, line, header, row)
                    bad.add(_ragged_row(line, header, row))
                    continue
                try:
                    built = build(row, line)
                except _CellError as exc:
                    column = header[exc.index]
                    if strict:
                        raise ReadError(name, exc.message, line=line, column=column) from None
                    bad.add(BadRow(line, column, row[exc.index][:200], exc.message))
                    continue
                if checks is None:
                    yield built
                    continue
                # Held back for the payment checks (inlined: this runs millions of times).
                held += 1
                hold_row(built)
                hold_line(line)
                if i_id is not None:
                    key = row[i_id].strip()
                    hold_key(key)
                    hold_content(hash(tuple(row)))  # ints and strings only: no cell lists
                    hold_earlier(first_with(key, held) if key else held)
                if held >= batch:
                    yield from checks.release()
                    held = 0
            if checks is not None:
                yield from checks.release()
                stream.warnings.extend(checks.warnings())
        except ReadError:
            if checks is not None:
                checks.release()  # a problem on an earlier, held-back row is reported first
            raise
        finally:
            handle.close()


class _CellError(Exception):
    def __init__(self, index: int, message: str) -> None:
        self.index = index
        self.message = message


I64 = npt.NDArray[np.int64]


class _SeenIds:
    """Transaction ids met so far in a file, as two independent 64-bit hashes with the
    line and a hash of the row's cells, in sorted numpy runs merged as they grow: about
    32 bytes an id (a dict of the strings takes four times that), so a file of millions
    of payments stays small. A bit set of the first hash (8 MB) answers "never seen" for
    most ids without a search."""

    BITS = 1 << 26

    def __init__(self) -> None:
        self.runs: list[tuple[I64, I64, I64, I64]] = []
        self.bits = np.zeros(self.BITS // 64, dtype=np.uint64)

    def _slots(self, k1: I64) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
        h = k1.view(np.uint64) & np.uint64(self.BITS - 1)
        return h >> np.uint64(6), np.uint64(1) << (h & np.uint64(63))

    def find(self, k1: I64, k2: I64) -> tuple[I64, I64]:
        """Line (-1 if unseen) and content hash of each id's first occurrence."""
        line = np.full(len(k1), -1, dtype=np.int64)
        content = np.zeros(len(k1), dtype=np.int64)
        word, bit = self._slots(k1)
        maybe = np.flatnonzero(self.bits[word] & bit)
        if not len(maybe) or not self.runs:
            return line, content
        maybe = maybe[np.argsort(k1[maybe])]  # sorted queries search several times faster
        q1, q2 = k1[maybe], k2[maybe]
        found = np.full(len(maybe), -1, dtype=np.int64)
        found_content = np.zeros(len(maybe), dtype=np.int64)
        for keys, keys2, lines, contents in self.runs:
            lo = np.minimum(np.searchsorted(keys, q1), len(keys) - 1)
            hit = (keys[lo] == q1) & (found < 0)
            same = hit & (keys2[lo] == q2)
            found[same] = lines[lo[same]]
            found_content[same] = contents[lo[same]]
            # Two ids with the same first hash (about one file in a million): look closer.
            for i in np.flatnonzero(hit & ~same).tolist():
                pos = int(lo[i]) + 1
                while pos < len(keys) and keys[pos] == q1[i]:
                    if keys2[pos] == q2[i]:
                        found[i], found_content[i] = lines[pos], contents[pos]
                        break
                    pos += 1
        line[maybe] = found
        content[maybe] = found_content
        return line, content

    def add(self, k1: I64, k2: I64, line: I64, content: I64) -> None:
        if not len(k1):
            return
        word, bit = self._slots(k1)
        np.bitwise_or.at(self.bits, word, bit)
        order = np.argsort(k1, kind="stable")
        self.runs.append((k1[order], k2[order], line[order], content[order]))
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            newer, older = self.runs.pop(), self.runs.pop()
            merged = [np.concatenate((a, b)) for a, b in zip(older, newer, strict=True)]
            order = np.argsort(merged[0], kind="stable")  # two sorted runs: a linear merge
            self.runs.append(
                (merged[0][order], merged[1][order], merged[2][order], merged[3][order])
            )


class _PaymentChecks:
    """Payment rows held back in batches and checked before they are yielded.

    Transaction ids: an exact repeat of an earlier row is skipped with a warning; the
    same id with different content refuses the file (ReadError naming both lines).
    Amounts: the builder notes zero and negative ones; they become warnings, except
    on rows skipped as duplicates.
    """

    BATCH = 8192

    def __init__(self, name: str, header: list[str], id_index: int | None) -> None:
        self.name = name
        self.header = header
        self.id_index = id_index
        self.zero_lines: list[int] = []  # filled by the builder, for the held-back rows
        self.negative_lines: list[int] = []
        # The held-back rows, filled by StructuredReader._generate: the row, its line, its
        # transaction id, the hash of all its cells, and the 1-based batch position of the
        # first row of the batch with the same id (``first``: id -> that position).
        self.rows: list[Row] = []
        self.lines: list[int] = []
        self.keys: list[str] = []
        self.content: list[int] = []
        self.earlier: list[int] = []
        self.first: dict[str, int] = {}
        self._seen = _SeenIds()
        self.zero = ReadWarning(
            name, "zero amount", "loaded as given, left out of money-flow analysis"
        )
        self.negative = ReadWarning(
            name,
            "negative amount",
            "loaded as given (a refund or reversal?), left out of money-flow analysis",
        )
        self.duplicate = ReadWarning(
            name,
            "exact duplicate of an earlier row",
            "skipped, the first copy is loaded",
        )

    def release(self) -> list[Row]:
        """The held-back rows that pass, in order; ReadError for a conflicting id."""
        rows, lines = self.rows[:], self.lines[:]
        keys, content, earlier = self.keys[:], self.content[:], self.earlier[:]
        zero, negative = self.zero_lines[:], self.negative_lines[:]
        for held in (self.rows, self.lines, self.keys, self.content, self.earlier):
            held.clear()
        self.first.clear()
        self.zero_lines.clear()
        self.negative_lines.clear()
        skipped = self._duplicates(keys, content, earlier, lines) if keys else {}
        for line in zero:
            if line not in skipped:
                self.zero.add(str(line))
        for line in negative:
            if line not in skipped:
                self.negative.add(str(line))
        if not skipped:
            return rows
        return [row for row, line in zip(rows, lines, strict=True) if line not in skipped]

    def warnings(self) -> list[ReadWarning]:
        return [w for w in (self.duplicate, self.zero, self.negative) if w.count]

    def _duplicates(
        self, keys: list[str], content_: list[int], earlier: list[int], lines: list[int]
    ) -> dict[int, int]:
        """Lines of exact repeats in this batch -> line of the first copy."""
        n = len(keys)
        content = np.asarray(content_, dtype=np.int64)
        line_no = np.asarray(lines, dtype=np.int64)
        ref = np.asarray(earlier, dtype=np.int64) - 1
        index = np.arange(n)
        again = np.flatnonzero(ref != index)  # a repeat of an earlier row of this batch
        fresh = np.flatnonzero((ref == index) & np.fromiter(map(bool, keys), bool, n))
        fresh_keys = [keys[i] for i in fresh.tolist()]
        k1 = np.fromiter(map(hash, fresh_keys), np.int64, len(fresh))
        k2 = np.fromiter(map(hash, map("\x1f".__add__, fresh_keys)), np.int64, len(fresh))
        old_line, old_content = self._seen.find(k1, k2)
        # Reference (line, content) per row: an earlier batch's first copy, else this one's.
        ref_line = np.full(n, -1, dtype=np.int64)
        ref_content = np.zeros(n, dtype=np.int64)
        seen_before = old_line >= 0
        ref_line[fresh[seen_before]] = old_line[seen_before]
        ref_content[fresh[seen_before]] = old_content[seen_before]
        first = ref[again]
        inherited = ref_line[first] >= 0
        ref_line[again] = np.where(inherited, ref_line[first], line_no[first])
        ref_content[again] = np.where(inherited, ref_content[first], content[first])
        new = fresh[~seen_before]
        self._seen.add(k1[~seen_before], k2[~seen_before], line_no[new], content[new])
        repeats = np.flatnonzero(ref_line >= 0)
        conflicts = repeats[content[repeats] != ref_content[repeats]]
        if len(conflicts):
            i = int(conflicts[0])
            raise ReadError(
                self.name,
                f"duplicate transaction id {keys[i][:60]} (first on line {int(ref_line[i])}) "
                "with different content; correct or remove one of the rows",
                line=lines[i],
                column=self.header[self.id_index or 0],
            )
        skipped = {int(line_no[i]): int(ref_line[i]) for i in repeats.tolist()}
        for line, first_line in skipped.items():
            self.duplicate.add(f"{line} (same as line {first_line})")
        return skipped


def _ragged_row(line: int, header: list[str], row: list[str]) -> BadRow:
    column = header[len(row)] if len(row) < len(header) else f"(extra field {len(header) + 1})"
    reason = f"ragged row: {len(row)} fields where the header has {len(header)}"
    return BadRow(line, column, ",".join(row)[:200], reason)


def _split_line(line: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=_delimiter(line)))
    except (csv.Error, StopIteration):
        return []


PREAMBLE_LINES = 30  # how far down a header may be, below a bank's preamble


def _preamble_header(head: bytes) -> tuple[int, list[str]] | None:
    """(0-based line index, header) of the first of the head's first lines that a
    structured kind recognises as its header, when it is not the first line."""
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
    lines = text.split("\n")[:PREAMBLE_LINES]
    for index, line in enumerate(lines[:-1]):
        cells = _split_line(line.rstrip("\r"))
        if index and len(cells) >= 3 and detect_kind(cells, "") is not None:
            kind = detect_kind(cells, "")
            names = _LOOKUP[kind or ""]
            mapped = {names.get(_header_key(c)) for c in cells}
            if all(r in mapped for r in REQUIRED[kind or ""]):
                return index, cells
    return None


def _raise_ragged(name: str, line: int, header: list[str], row: list[str]) -> None:
    if len(row) < len(header):
        column = header[len(row)]
        message = f"ragged row: {len(row)} fields where the header has {len(header)}"
    else:
        column = f"(extra field {len(header) + 1})"
        message = f"ragged row: {len(row)} fields where the header has {len(header)}"
    raise ReadError(name, message, line=line, column=column)


def _check_decoded(name: str, encoding: str, row: list[str], line: int, header: list[str]) -> None:
    for index, cell in enumerate(row):
        if _has_surrogate(cell):
            column = header[index] if index < len(header) else f"(field {index + 1})"
            raise ReadError(
                name,
                f"bytes that are not valid {encoding} (wrong encoding? save the file as UTF-8)",
                line=line,
                column=column,
            )


def _map_columns(kind: str, header: list[str], name: str) -> dict[str, int]:
    names = _LOOKUP[kind]
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        canonical = names.get(_header_key(raw))
        if canonical is not None and canonical not in columns:
            columns[canonical] = index
    missing = [c for c in REQUIRED[kind] if c not in columns]
    if missing:
        described = ", ".join(f"'{c}' (or {'/'.join(ALIASES[kind][c][:3])})" for c in missing)
        raise ReadError(
            name,
            f"missing required column{'s' if len(missing) > 1 else ''} for {kind} records: "
            f"{described}",
            line=1,
            column=missing[0],
        )
    return columns


def _first_line(head: bytes, encoding: str) -> str:
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    return text.split("\n", 1)[0]


def _delimiter(first_line: str) -> str:
    counts = [(first_line.count(d), d) for d in _DELIMITERS]
    count, delimiter = max(counts)
    return delimiter if count else ","


def sniff_header(path: Path) -> list[str] | None:
    """The header of a delimited text file (below a preamble if it has one), or None."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None
    header = _sniff_header(path, head)
    if header is None:
        return None
    if detect_kind(header, "") is None and path.suffix.lower() in CSV_SUFFIXES:
        later = _preamble_header(head)
        if later is not None:
            return later[1]
    return header


def _sniff_header(path: Path, head: bytes) -> list[str] | None:
    """The header row of a CSV-like head, or None if this is not delimited text.

    Only the first line is decoded: sniffing runs on every file (PDFs, images...).
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        b"\x00" in head[:4096] and _looks_utf16(head[:4096])
    ):
        encoding = (
            "utf-16"
            if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
            else (_looks_utf16(head[:4096]) or "utf-16")
        )
        line = head.decode(encoding, errors="ignore").split("\n", 1)[0]
    else:
        raw = head.split(b"\n", 1)[0]
        if b"\x00" in raw:
            return None
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("cp1252", errors="replace")
    line = line.lstrip("\ufeff").rstrip("\r")
    if not line or len(line) > 4000 or any(ch < " " and ch != "\t" for ch in line):
        return None
    delimiter = _delimiter(line)
    if delimiter not in line and path.suffix.lower() not in CSV_SUFFIXES:
        return None
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None


def _as_record_rows(rows: Iterator[Row]) -> Iterator[RecordRow]:
    for t in rows:
        attrs = json.loads(t[12]) if t[12] else None
        yield RecordRow(
            t[1], t[0], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], attrs
        )


# --- per-kind row builders --------------------------------------------------------------
# Each returns a closure turning a CSV row into a tuple; errors carry the column index.
# Lookups are inlined on purpose: this code runs millions of times per file.

Builder = Callable[[list[str], int], Row]
_MISS: Any = object()


def _attr_writer(
    columns: dict[str, int], header: list[str], keys: tuple[str, ...]
) -> Callable[[list[str]], str | None]:
    """JSON text of the id/extra columns: known keys by canonical name, others by header."""
    used = set(columns.values())
    pairs = [(_json_str(k), columns[k]) for k in keys if k in columns]
    pairs += [
        (_json_str(_header_key(h) or f"column_{i + 1}"), i)
        for i, h in enumerate(header)
        if i not in used
    ]
    if not pairs:
        return lambda row: None
    template = "{" + ",".join(f"{key.replace('%', '%%')}:%s" for key, _ in pairs) + "}"
    enc = _json_str
    if len(pairs) == 1:
        ((_, only),) = pairs
        return lambda row: template % enc(row[only])
    # itemgetter, map and tuple all run in C: no Python loop per row.
    getter = itemgetter(*(i for _, i in pairs))
    return lambda row: template % tuple(map(enc, getter(row)))


def _normaliser(
    normalise: Callable[[str], str | None], seen: set[str]
) -> tuple[Callable[[str, Any], Any], Callable[[str], str | None]]:
    """A cache's ``get`` and the function that fills it on a miss (collecting ``seen``)."""
    cache: dict[str, str | None] = {}

    def miss(raw: str) -> str | None:
        value = normalise(raw)
        if value is None:
            # Not a valid identifier (withheld, short code): keep the text as given.
            result = raw.strip() or None
        else:
            seen.add(value)
            result = value
        cache[raw] = result
        return result

    return cache.get, miss


def _phone_normaliser(
    region: str, forms: dict[tuple[str, str], tuple[str, ...]]
) -> Callable[[str], str | None]:
    """``normalize_phone`` in ``region``, keeping the search forms of each number written
    as its E.164 text (most of them in call records) in ``forms``."""

    def normalise(raw: str) -> str | None:
        value, found = normalize_phone_with_forms(raw, region)
        if value is not None and found is not None:
            forms[("phone", value)] = found
        return value

    return normalise


def _stamp_function(as_text: bool, column: DateColumn) -> Callable[[str, int], Any]:
    """Parse a timestamp to an aware UTC datetime, or to SQLite's naive UTC text.

    ISO 8601 is read at once; anything else goes to the column (its date order)."""
    fromiso = datetime.fromisoformat
    slow = column.value

    def stamp(raw: str, line: int) -> Any:
        try:
            value = fromiso(raw)
        except ValueError:
            return slow(raw, line)
        if value.tzinfo is not None and value.utcoffset():
            value = value.astimezone(UTC)
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

    def stamp_text(raw: str, line: int) -> Any:
        try:
            value = fromiso(raw)
        except ValueError:
            value = slow(raw, line)
        else:
            # Validated above; the usual whole-second UTC forms are re-cut, not re-formatted.
            n = len(raw)
            if (
                (n == 19 or (n == 20 and raw[19] == "Z") or (n == 25 and raw[19:] == "+00:00"))
                and raw[7] == "-"
                and raw[13] == ":"
            ):
                return raw[:10] + " " + raw[11:19] + ".000000"
        return utc_text(value)

    return stamp_text if as_text else stamp


_ZERO = Decimal(0)


def _payment_amount_function(
    as_text: bool, column: AmountColumn, zero: list[int], negative: list[int]
) -> Callable[[str, int], Any]:
    """The column's parse, noting the lines of zero and negative amounts."""
    parse, parse_text = column.value, column.text

    def amount(raw: str, line: int) -> Any:
        value = parse(raw, line)
        if value <= _ZERO:
            (zero if value == 0 else negative).append(line)
        return value

    def amount_text(raw: str, line: int) -> Any:
        text = parse_text(raw, line)
        if text[0] == "-" or not text.strip("0.+ "):
            value = Decimal(text)
            if value <= _ZERO:
                (zero if value == 0 else negative).append(line)
        return text

    return amount_text if as_text else amount


def _currency_function(
    index: int | None, region: str, mapping: dict[str, str]
) -> Callable[[list[str]], str | None]:
    """The row's currency code, cached: a file holds a handful of currencies, millions of
    times. ``mapping`` (a profile's value mapping) is consulted before ISO 4217 and CLDR
    names; a symbol several currencies share that the case's jurisdiction does not settle
    is a bad row naming the candidates."""
    if index is None:
        return lambda row: None
    cache: dict[str, str | None] = {}

    def read(raw: str) -> str | None:
        text = raw.strip()
        if not text:
            return None
        mapped = mapping.get(text.casefold())
        if mapped is not None:
            return mapped
        result = parse_currency(text, region)
        if isinstance(result, str):
            return result
        if isinstance(result, Ambiguous):
            options = ", ".join(code for code, _ in result.readings)
            raise _CellError(
                index,
                f"currency {raw[:20]!r} is ambiguous (may be {options}); "
                "map it to one code in a column mapping profile",
            )
        raise _CellError(index, f"bad currency {raw[:20]!r}: {result.reason}")

    def currency(row: list[str]) -> str | None:
        raw = row[index]
        try:
            return cache[raw]
        except KeyError:
            code = cache[raw] = read(raw)
            return code

    return currency


def _channel_function(
    index: int | None, mapping: dict[str, str]
) -> Callable[[list[str]], str | None]:
    """The row's channel, through a profile's channel names when it has them."""
    if index is None:
        return lambda row: None
    if not mapping:
        return lambda row: row[index] or None
    return lambda row: mapping.get(row[index].strip().casefold(), row[index]) or None


def _optional(row: list[str], index: int | None) -> str | None:
    return (row[index] or None) if index is not None else None


@dataclass(frozen=True)
class _BuildContext:
    columns: dict[str, int]
    header: list[str]
    region: str
    stream: RowStream
    as_text: bool
    checks: _PaymentChecks | None = None
    locale: _FileLocale | None = None
    # Lower-cased currency text -> ISO code, and channel names, from a mapping profile.
    currency_map: dict[str, str] = field(default_factory=dict)
    channel_map: dict[str, str] = field(default_factory=dict)

    def dates(self, canonical: str) -> DateColumn:
        loc = self.locale or _FileLocale("", None, None, None, None, _no_lookahead)
        index = self.columns[canonical]
        return DateColumn(
            loc.file, self.header[index], index, loc.date_order, loc.prior_order, loc.lookahead
        )

    def amounts(self, canonical: str) -> AmountColumn:
        loc = self.locale or _FileLocale("", None, None, None, None, _no_lookahead)
        index = self.columns[canonical]
        return AmountColumn(
            loc.file, self.header[index], index, loc.decimal, loc.prior_decimal, loc.lookahead
        )


@dataclass(frozen=True)
class _FileLocale:
    file: str
    decimal: str | None
    date_order: str | None
    prior_decimal: str | None
    prior_order: str | None
    lookahead: Lookahead


def _no_lookahead(index: int, after: int) -> Iterator[tuple[int, str]]:
    return iter(())


def _call_builder(b: _BuildContext) -> Builder:
    region = b.region
    get, miss = _normaliser(
        _phone_normaliser(region, b.stream.identifier_forms),
        b.stream.identifiers.setdefault("phone", set()),
    )
    stamp = _stamp_function(b.as_text, b.dates(_TIME_COLUMN[b.stream.kind]))
    i_time, i_from, i_to = b.columns["started_at"], b.columns["caller"], b.columns["callee"]
    i_dur = b.columns.get("duration_s")
    attrs = _attr_writer(b.columns, b.header, ("call_id", "cell_id"))

    def build(row: list[str], line: int) -> Row:
        try:
            when = stamp(row[i_time], line)
        except CellProblem as exc:
            raise _CellError(i_time, exc.reason) from None
        duration = None
        if i_dur is not None and row[i_dur]:
            try:
                duration = int(row[i_dur])
                if duration < 0:
                    raise ValueError
            except ValueError:
                try:
                    duration = parse_duration(row[i_dur])
                except ValueError:
                    raise _CellError(i_dur, f"bad duration {row[i_dur][:40]!r}") from None
        source = get(row[i_from], _MISS)
        if source is _MISS:
            source = miss(row[i_from])
        target = get(row[i_to], _MISS)
        if target is _MISS:
            target = miss(row[i_to])
        return (
            line,
            "call",
            when,
            source,
            target,
            None,
            None,
            duration,
            None,
            None,
            None,
            None,
            attrs(row),
        )

    return build


def _message_builder(b: _BuildContext) -> Builder:
    region = b.region
    get, miss = _normaliser(
        _phone_normaliser(region, b.stream.identifier_forms),
        b.stream.identifiers.setdefault("phone", set()),
    )
    stamp = _stamp_function(b.as_text, b.dates(_TIME_COLUMN[b.stream.kind]))
    i_time, i_from, i_to = b.columns["sent_at"], b.columns["sender"], b.columns["recipient"]
    i_channel, i_body = b.columns.get("channel"), b.columns.get("body")
    attrs = _attr_writer(b.columns, b.header, ("message_id",))

    def build(row: list[str], line: int) -> Row:
        try:
            when = stamp(row[i_time], line)
        except CellProblem as exc:
            raise _CellError(i_time, exc.reason) from None
        source = get(row[i_from], _MISS)
        if source is _MISS:
            source = miss(row[i_from])
        target = get(row[i_to], _MISS)
        if target is _MISS:
            target = miss(row[i_to])
        body = row[i_body] if i_body is not None else None
        return (
            line,
            "message",
            when,
            source,
            target,
            None,
            None,
            None,
            _optional(row, i_channel),
            body,
            None,
            None,
            attrs(row),
        )

    return build


def _payment_builder(b: _BuildContext) -> Builder:
    get, miss = _normaliser(normalize_account, b.stream.identifiers.setdefault("account", set()))
    stamp = _stamp_function(b.as_text, b.dates(_TIME_COLUMN[b.stream.kind]))
    checks = b.checks if b.checks is not None else _PaymentChecks("", b.header, None)
    amount = _payment_amount_function(
        b.as_text, b.amounts("amount"), checks.zero_lines, checks.negative_lines
    )
    c = b.columns
    i_time, i_amount = c["booked_at"], c["amount"]
    i_from, i_to = c["payer_account"], c["payee_account"]
    currency = _currency_function(c.get("currency"), b.region, b.currency_map)
    # Countries go to origin/destination, the columns cross-border flow analysis reads.
    i_channel, i_cfrom, i_cto = c.get("channel"), c.get("country_from"), c.get("country_to")
    channel = _channel_function(i_channel, b.channel_map)
    attrs = _attr_writer(c, b.header, ("transaction_id", "payer_name", "payee_name", "reference"))

    def build(row: list[str], line: int) -> Row:
        try:
            when = stamp(row[i_time], line)
        except CellProblem as exc:
            raise _CellError(i_time, exc.reason) from None
        try:
            value = amount(row[i_amount], line)
        except CellProblem as exc:
            raise _CellError(i_amount, exc.reason) from None
        source = get(row[i_from], _MISS)
        if source is _MISS:
            source = miss(row[i_from])
        target = get(row[i_to], _MISS)
        if target is _MISS:
            target = miss(row[i_to])
        return (
            line,
            "payment",
            when,
            source,
            target,
            value,
            currency(row),
            None,
            channel(row),
            None,
            _optional(row, i_cfrom),
            _optional(row, i_cto),
            attrs(row),
        )

    return build


def _trip_builder(b: _BuildContext) -> Builder:
    stamp = _stamp_function(b.as_text, b.dates(_TIME_COLUMN[b.stream.kind]))
    price_column = b.amounts("price") if "price" in b.columns else None
    c = b.columns
    i_time, i_who = c["departed_at"], c["traveller"]
    i_from, i_to = c["origin"], c["destination"]
    i_price, i_mode = c.get("price"), c.get("mode")
    currency = _currency_function(c.get("currency"), b.region, b.currency_map)
    attrs = _attr_writer(c, b.header, ("booking_id", "booked_by", "paid_by"))

    def build(row: list[str], line: int) -> Row:
        try:
            when = stamp(row[i_time], line)
        except CellProblem as exc:
            raise _CellError(i_time, exc.reason) from None
        price = None
        if i_price is not None and row[i_price]:
            assert price_column is not None
            try:
                price = (price_column.text if b.as_text else price_column.value)(row[i_price], line)
            except CellProblem as exc:
                raise _CellError(i_price, exc.reason) from None
        return (
            line,
            "trip",
            when,
            row[i_who].strip() or None,
            None,
            price,
            currency(row),
            None,
            _optional(row, i_mode),
            None,
            row[i_from].strip() or None,
            row[i_to].strip() or None,
            attrs(row),
        )

    return build


_TIME_COLUMN = {
    "call": "started_at",
    "message": "sent_at",
    "payment": "booked_at",
    "trip": "departed_at",
}

_BUILDERS: dict[str, Callable[[_BuildContext], Builder]] = {
    "call": _call_builder,
    "message": _message_builder,
    "payment": _payment_builder,
    "trip": _trip_builder,
}


class UnknownCsvReader:
    """Claims delimited files no structured reader recognised, to say what was expected."""

    name = "csv-unknown"

    def sniff(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() in CSV_SUFFIXES

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        name = context.display_name or path.name
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        header = _sniff_header(path, head)  # raises nothing; binary gives None
        detect_encoding(head, name)  # ReadError for binary junk
        if not header:
            raise ReadError(name, "empty file: no header row", line=1)
        expected = "; ".join(f"{kind}: {', '.join(cols)}" for kind, cols in REQUIRED.items())
        raise ReadError(
            name,
            f"unrecognised CSV header ({', '.join(h[:30] for h in header[:8])}); "
            f"expected one of {expected}; or map its columns once in a mapping profile "
            "(the case's Evidence > Map columns page, or palermo ingest --map profile.yaml)",
            line=1,
        )


call_reader = StructuredReader("call")
message_reader = StructuredReader("message")
payment_reader = StructuredReader("payment")
trip_reader = StructuredReader("trip")
unknown_csv_reader = UnknownCsvReader()

STRUCTURED_READERS: list[StructuredReader] = [
    call_reader,
    message_reader,
    payment_reader,
    trip_reader,
]
