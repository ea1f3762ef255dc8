"""The keyed blind index that search looks things up in (the one owner of its tokens,
its key and its upkeep).

Names, identifiers and document text are encrypted at rest, so the database cannot
compare them with what a user types. Instead every normalised token is stored as a
keyed hash: HMAC-SHA256 under a subkey of the master key (:mod:`palermo.security.subkeys`),
cut to 64 bits, in the indexed table ``search_keys``. A search normalises and hashes its
words the same way, so finding someone is an indexed SQL lookup; nothing is decrypted
until a hit is shown. Without the master key the table says nothing about the tokens
(only how many each row has in common with another).

Tokens (all case-folded and transliterated to ASCII with ``unidecode``):

* ``name``: every word of a person's name and aliases, and every prefix of three letters
  or more of it ("popescu" also as "pop", "pope", …), so "ion pop" finds "Ion Popescu";
  a word of two letters only as itself.
* ``id``: an identifier normalised by its type (a phone through
  :func:`palermo.values.phone.parse_phone` as its international digits and its national
  number, an account through :func:`palermo.values.account.parse_account`, anything else
  without spaces and punctuation), and every prefix of four characters or more of each
  form, so "+40 721-555", "0721555666" and "40721555666" all find +40721555666.
* ``word``: the whole words of each page of extracted document text.

The index is written where people, aliases, identifiers and document pages are written
(:func:`index_person`, :func:`index_identifiers`, :func:`index_document`,
:func:`catch_up`) and rebuilt from the data by :func:`rebuild` (``palermo cases
reindex``, and inside ``palermo keys rotate`` under the new key).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.orm import Session
from unidecode import unidecode

from palermo.security import subkeys
from palermo.security.sealing import ColumnCipher, Sealer, SealError, person_context
from palermo.store.models import Identifier
from palermo.store.models.documents import Document, DocumentPage
from palermo.store.models.find import SearchKey
from palermo.values.account import parse_account
from palermo.values.phone import parse_phone_number
from palermo.values.result import Invalid

NAME, IDENTIFIER, WORD = "name", "id", "word"
MIN_NAME_PREFIX = 3
MIN_ID_PREFIX = 4
MAX_TOKEN = 40
_WORD = re.compile(r"[a-z0-9]+")
_NOT_ID = re.compile(r"[^0-9a-z@]")
_PHONE_CHARS = re.compile(r"^[\d\s+().\-/]+$")
_ACCOUNT_KINDS = frozenset({"iban", "account", "bank_account"})
_BATCH = 5_000


# --- tokens ------------------------------------------------------------------------------


def fold(text: str | None) -> str:
    return unidecode(text or "").casefold()


def words(text: str | None) -> list[str]:
    """ASCII lower-case words of two characters or more, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in _WORD.findall(fold(text)):
        if len(w) >= 2:
            seen.setdefault(w[:MAX_TOKEN], None)
    return list(seen)


def name_tokens(names: Iterable[str | None]) -> set[str]:
    """Every word of ``names`` and its prefixes of three letters or more."""
    out: set[str] = set()
    for name in names:
        for w in words(name):
            if len(w) < MIN_NAME_PREFIX:
                out.add(w)
            else:
                out.update(w[:n] for n in range(MIN_NAME_PREFIX, len(w) + 1))
    return out


def _compact(text: str) -> str:
    return _NOT_ID.sub("", fold(text))[:MAX_TOKEN]


def identifier_forms(kind: str, value: str, region: str | None = None) -> set[str]:
    """The normalised forms of an identifier (without prefixes)."""
    forms = {_compact(value)}
    kind = (kind or "").lower()
    if kind in _ACCOUNT_KINDS:
        # Before the phone test: an account number of digits only is no phone number.
        account = parse_account(value)
        if isinstance(account, str):
            forms.add(_compact(account))
    elif kind in ("phone", "mobile", "msisdn", "whatsapp") or (
        _PHONE_CHARS.match(value or "") and sum(c.isdigit() for c in value) >= 7
    ):
        number = parse_phone_number(value, (region or "US").upper())
        if not isinstance(number, Invalid):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            forms.add(e164.lstrip("+"))
            # The national number of the E.164 form; a value written in E.164 (as stored
            # identifiers are) was just read as that very text, so it is not read again.
            if e164 != value.strip():
                number = phonenumbers.parse(e164)
            forms.add(str(number.national_number))
    return {f for f in forms if f}


def identifier_tokens(kind: str, value: str, region: str | None = None) -> set[str]:
    """Each form of the identifier and its prefixes of four characters or more."""
    out: set[str] = set()
    for form in identifier_forms(kind, value, region):
        if len(form) < MIN_ID_PREFIX:
            out.add(form)
        else:
            out.update(form[:n] for n in range(MIN_ID_PREFIX, len(form) + 1))
    return out


def query_identifier_forms(text: str) -> set[str]:
    """What a typed identifier (or its beginning) is looked up as."""
    forms = {_compact(text)}
    if _PHONE_CHARS.match(text.strip() or "x"):
        digits = re.sub(r"\D", "", text)
        forms.add(digits)
        if digits.startswith("00"):
            forms.add(digits[2:])
        elif digits.startswith("0"):
            forms.add(digits.lstrip("0"))
    return {f[:MAX_TOKEN] for f in forms if len(f) >= MIN_ID_PREFIX}


# --- the key -----------------------------------------------------------------------------


class IndexKey:
    """The keyed hash of tokens under the search subkey of one master key: HMAC-SHA256 of
    ``kind NUL token`` (the standard ``hmac`` object, keyed once and copied per token),
    its first 8 bytes as a signed integer."""

    def __init__(self, master: bytes) -> None:
        self._base = hmac.new(subkeys.derive(master, subkeys.SEARCH_INDEX), b"", hashlib.sha256)

    def __call__(self, kind: str, token: str) -> int:
        return self.each(kind, (token,))[0]

    def each(self, kind: str, tokens: Iterable[str]) -> list[int]:
        """The key of each token, in order, in one loop (a load hashes hundreds of thousands
        of tokens, and per-call lookups add up)."""
        prefix = kind.encode() + b"\x00"
        copy, from_bytes = self._base.copy, int.from_bytes
        out = []
        for token in tokens:
            h = copy()
            h.update(prefix + token.encode())
            out.append(from_bytes(h.digest()[:8], "big", signed=True))
        return out

    def many(self, kind: str, tokens: Iterable[str]) -> list[int]:
        return sorted(set(self.each(kind, tokens)))


@lru_cache(maxsize=4)
def key_for(master: bytes) -> IndexKey:
    return IndexKey(master)


# --- upkeep on each write ----------------------------------------------------------------


def index_person(
    session: Session,
    master: bytes,
    *,
    person_id: int,
    case_id: int,
    names: Iterable[str | None],
    sealed: bool,
) -> None:
    """Replace the person's name keys with those of ``names`` (name and aliases)."""
    session.execute(
        sa.delete(SearchKey).where(SearchKey.person_id == person_id, SearchKey.kind == NAME)
    )
    key = key_for(master)
    rows = [
        {"key": k, "case_id": case_id, "kind": NAME, "person_id": person_id, "sealed": sealed}
        for k in key.many(NAME, name_tokens(names))
    ]
    _insert(session, rows)


def index_identifiers(
    session: Session, master: bytes, case_id: int, items: Iterable[tuple[int, str, str]]
) -> int:
    """Index identifiers ``(id, kind, value)`` of one case (replacing their keys)."""
    items = list(items)
    if not items:
        return 0
    ids = [i for i, _, _ in items]
    for start in range(0, len(ids), _BATCH):
        session.execute(
            sa.delete(SearchKey).where(SearchKey.identifier_id.in_(ids[start : start + _BATCH]))
        )
    region = _region(session, case_id)
    key = key_for(master)
    rows = [
        {"key": k, "case_id": case_id, "kind": IDENTIFIER, "identifier_id": i}
        for i, kind, value in items
        for k in key.many(IDENTIFIER, identifier_tokens(kind, value, region))
    ]
    _insert(session, rows)
    return len(items)


def index_document(
    session: Session,
    master: bytes,
    case_id: int,
    document_id: int,
    pages: Iterable[tuple[int, str | None]],
) -> None:
    """Replace the word keys of a document with those of ``pages`` ``(number, text)``."""
    session.execute(
        sa.delete(SearchKey).where(SearchKey.document_id == document_id, SearchKey.kind == WORD)
    )
    key = key_for(master)
    rows = [
        {"key": k, "case_id": case_id, "kind": WORD, "document_id": document_id, "page": n}
        for n, text in pages
        for k in key.many(WORD, words(text))
    ]
    _insert(session, rows)


def reindex_document(session: Session, master: bytes, document_id: int) -> None:
    """Index a document's pages as they now stand (after OCR filled some in)."""
    session.flush()
    case_id = session.scalar(sa.select(Document.case_id).where(Document.id == document_id))
    if case_id is None:
        return
    pages = session.execute(
        sa.select(DocumentPage.number, DocumentPage.text).where(
            DocumentPage.document_id == document_id
        )
    ).all()
    index_document(session, master, case_id, document_id, [(n, t) for n, t in pages])


def catch_up(session: Session, master: bytes, case_id: int) -> int:
    """Index the case's identifiers and documents that have no keys yet (after a bulk
    load of records or pages); returns how many were indexed."""
    session.flush()
    items = session.execute(
        sa.select(Identifier.id, Identifier.kind, Identifier.value).where(
            Identifier.case_id == case_id,
            ~sa.exists().where(SearchKey.identifier_id == Identifier.id),
        )
    ).all()
    done = index_identifiers(session, master, case_id, [(i, k, v) for i, k, v in items])
    for document_id in session.scalars(
        sa.select(Document.id).where(
            Document.case_id == case_id,
            ~sa.exists().where(SearchKey.document_id == Document.id),
        )
    ).all():
        reindex_document(session, master, document_id)
        done += 1
    return done


def _region(session: Session | sa.Connection, case_id: int) -> str | None:
    from palermo.store.models import Case

    return session.execute(
        sa.select(Case.default_region).where(Case.id == case_id)
    ).scalar_one_or_none()


_COLUMNS = {"person_id": None, "identifier_id": None, "document_id": None, "page": None}


def _insert(session: Session | sa.Connection, rows: list[dict[str, Any]]) -> None:
    # Every row with every column: one executemany needs the same keys in each row.
    full = [{**_COLUMNS, "sealed": False, **row} for row in rows]
    for start in range(0, len(full), _BATCH):
        session.execute(sa.insert(SearchKey), full[start : start + _BATCH])


# --- rebuilding from the data ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rebuilt:
    people: int
    identifiers: int
    pages: int
    keys: int


class IndexProblem(Exception):
    """A sealed identity or an encrypted value did not open: the index is not rebuilt."""


def rebuild(connection: sa.Connection, master: bytes, case_id: int | None = None) -> Rebuilt:
    """Rebuild the whole index (or one case's) from the data, reading sealed identities
    and encrypted columns directly with ``master`` (so it also runs inside a key rotation,
    on data already re-encrypted under the new key, and in a migration). Fails closed:
    an identity or value that does not open raises :class:`IndexProblem` and the caller's
    transaction is rolled back."""
    where = "" if case_id is None else " WHERE case_id = :case"
    params = {} if case_id is None else {"case": case_id}
    connection.execute(sa.text("DELETE FROM search_keys" + where), params)
    key = key_for(master)
    sealer, cipher = Sealer(master), ColumnCipher(master)
    regions = {
        int(i): r
        for i, r in connection.execute(sa.text("SELECT id, default_region FROM cases")).all()
    }
    rows: list[dict[str, Any]] = []
    counts = {"people": 0, "identifiers": 0, "pages": 0, "keys": 0}

    def flush(force: bool = False) -> None:
        if rows and (force or len(rows) >= _BATCH):
            _insert(connection, rows)
            counts["keys"] += len(rows)
            rows.clear()

    for pid, cid, pseudonym, name, aliases, blob in _rows(
        connection,
        "SELECT id, case_id, pseudonym, name, aliases, sealed_identity FROM persons" + where,
        params,
    ):
        sealed = blob is not None
        if sealed:
            try:
                fields = sealer.unseal(bytes(blob), person_context(int(cid), str(pseudonym)))
            except SealError as error:
                raise IndexProblem(
                    f"the sealed identity of person {pid} ({pseudonym}) does not open: "
                    "the search index is not rebuilt"
                ) from error
            names = [str(fields.get("name") or ""), *_strings(fields.get("aliases"))]
        else:
            names = [name or "", *_strings(_json(aliases))]
        rows.extend(
            {"key": k, "case_id": cid, "kind": NAME, "person_id": pid, "sealed": sealed}
            for k in key.many(NAME, name_tokens(names))
        )
        counts["people"] += 1
        flush()
    for iid, cid, kind, blob in _rows(
        connection, "SELECT id, case_id, kind, value FROM identifiers" + where, params
    ):
        value = _open(cipher, blob, "records.endpoint", f"identifier {iid}")
        rows.extend(
            {"key": k, "case_id": cid, "kind": IDENTIFIER, "identifier_id": iid}
            for k in key.many(IDENTIFIER, identifier_tokens(kind, value, regions.get(int(cid))))
        )
        counts["identifiers"] += 1
        flush()
    pages_sql = (
        "SELECT d.case_id, p.document_id, p.number, p.text FROM document_pages p "
        "JOIN documents d ON d.id = p.document_id"
        + ("" if case_id is None else " WHERE d.case_id = :case")
    )
    for cid, did, number, blob in _rows(connection, pages_sql, params):
        text = _open(cipher, blob, "document_pages.text", f"page {number} of document {did}")
        rows.extend(
            {"key": k, "case_id": cid, "kind": WORD, "document_id": did, "page": number}
            for k in key.many(WORD, words(text))
        )
        counts["pages"] += 1
        flush()
    flush(force=True)
    return Rebuilt(**counts)


def _rows(connection: sa.Connection, sql: str, params: dict[str, Any]) -> Iterator[Any]:
    # All rows first: the inserts below go through the same connection.
    yield from connection.execute(sa.text(sql), params).all()


def _open(cipher: ColumnCipher, blob: Any, label: str, what: str) -> str:
    if blob is None:
        return ""
    try:
        return cipher.open(bytes(blob), label)
    except SealError as error:
        raise IndexProblem(f"{what} does not open: the search index is not rebuilt") from error


def _json(value: Any) -> Any:
    if isinstance(value, str):
        import json

        try:
            return json.loads(value)
        except ValueError:
            return [value]
    return value


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return [str(value)]
