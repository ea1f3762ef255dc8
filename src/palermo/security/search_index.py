"""The blind index's rows in the database (``search_keys``): written where people,
aliases, identifiers and document pages are written (:func:`index_person`,
:func:`index_identifiers`, :func:`index_document`, :func:`catch_up`) and rebuilt from
the data by :func:`rebuild` (``palermo cases reindex``, and inside ``palermo keys
rotate`` under the new key). The tokens and their key are
:mod:`palermo.security.blind_index`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palermo.security.blind_index import (
    IDENTIFIER,
    NAME,
    WORD,
    identifier_tokens,
    key_for,
    name_tokens,
    words,
)
from palermo.security.sealing import ColumnCipher, Sealer, SealError, person_context
from palermo.store.models import Identifier
from palermo.store.models.documents import Document, DocumentPage
from palermo.store.models.find import SearchKey

_BATCH = 5_000


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
    key = key_for(master)
    rows = [
        {"key": k, "case_id": case_id, "kind": NAME, "person_id": person_id, "sealed": sealed}
        for k in key.many(NAME, name_tokens(names))
    ]
    _replace(session, (SearchKey.person_id == person_id, SearchKey.kind == NAME), rows)


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
    key = key_for(master)
    rows = [
        {"key": k, "case_id": case_id, "kind": WORD, "document_id": document_id, "page": n}
        for n, text in pages
        for k in key.many(WORD, words(text))
    ]
    _replace(session, (SearchKey.document_id == document_id, SearchKey.kind == WORD), rows)


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


def _replace(
    session: Session, stale: tuple[sa.ColumnElement[bool], ...], rows: list[dict[str, Any]]
) -> None:
    """Delete the keys matching ``stale``, then insert ``rows``."""
    session.execute(sa.delete(SearchKey).where(*stale))
    _insert(session, rows)


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
