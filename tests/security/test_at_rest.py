"""Encryption at rest: no victim's name in the database file, its WAL or the evidence store.

A case is built through the product's own path (people added by the service, evidence
loaded by ``ingest_path``) with victims whose names appear in a trip file's traveller
column, a payment's payer name, a chat's sender display names and a statement's title
and text. Then the raw bytes are searched for every token of every victim's name and
aliases, taken from the sealed identities themselves (not from a hand list).

SQLite: the database file, its ``-wal`` and ``-shm`` and every stored evidence file are
read as bytes. PostgreSQL: every column of every table is read with plain SQL cast to
text (bypassing the column types that decrypt), plus the evidence store.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from palermo.security.permissions import Actor
from palermo.security.sealing import person_context
from palermo.services import cases, ingest, users
from palermo.services.context import Context
from palermo.settings import Settings
from palermo.store.models import Base, Person, PersonKind, Record, Role
from palermo.store.models.documents import Document, DocumentPage

VICTIMS = (
    ("Ioana Petrescu", ["Ionela"], "1999-04-12"),
    ("Marisol Quintero", ["Marisolita"], "2001-09-30"),
    ("Svetlana Moraru", [], "1997-01-05"),
)
SUSPECT = "Dorin Balan"
MIN_TOKEN = 5  # shorter tokens could occur by chance in ciphertext


def _trips() -> str:
    return (
        "booking_id,departed_at,traveller,origin,destination,mode,booked_by,paid_by,"
        "price,currency\n"
        "B1,2024-02-28T06:00:00Z,Ioana Petrescu,Bucharest,London,bus,Dorin Balan,"
        "Dorin Balan,120.00,EUR\n"
        "B2,2024-03-02T06:00:00Z,Svetlana Moraru,Chisinau,London,bus,Dorin Balan,"
        "Marisol Quintero,140.00,EUR\n"
    )


def _payments() -> str:
    return (
        "transaction_id,booked_at,payer_account,payer_name,payee_account,payee_name,amount,"
        "currency,channel,country_from,country_to,reference\n"
        "T1,2024-03-01T09:00:00Z,DE89 3704 0044 0532 0130 00,Marisol Quintero,"
        "GB82WEST12345698765432,Dorin Balan,1250.50,EUR,wire,DE,GB,debt Ioana Petrescu\n"
    )


def _chat() -> str:
    return (
        "12/03/2024, 14:05 - Ioana Petrescu: Hello, when do I start?\n"
        "13/03/2024, 09:10 - Dorin Balan: Tomorrow. Bring your passport, Ionela.\n"
        "13/03/2024, 09:12 - Ioana Petrescu: ok, Marisolita comes too\n"
    )


def _statement() -> bytes:
    message = EmailMessage()
    message["From"] = "Officer Grant <grant@police.example>"
    message["To"] = "Prosecutor <desk@justice.example>"
    message["Subject"] = "Statement of Ioana Petrescu"
    message["Date"] = "Fri, 15 Mar 2024 10:00:00 +0000"
    message.set_content(
        "I, Ioana Petrescu, born 12 April 1999, state that Dorin Balan took my passport. "
        "Svetlana Moraru and Marisol Quintero lived in the same flat.\n"
    )
    return bytes(message)


def build_case(ctx: Context, actor: Actor, reference: str, folder: Path) -> ingest.IngestReport:
    for name, aliases, birth in VICTIMS:
        cases.add_person(
            ctx,
            actor,
            reference,
            kind=PersonKind.VICTIM,
            name=name,
            aliases=aliases,
            sealed_fields={"date_of_birth": birth},
        )
    cases.add_person(ctx, actor, reference, kind=PersonKind.SUSPECT, name=SUSPECT)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trips.csv").write_text(_trips())
    (folder / "payments.csv").write_text(_payments())
    (folder / "WhatsApp Chat with Ioana.txt").write_text(_chat())
    (folder / "statement.eml").write_bytes(_statement())
    report = ingest.ingest_path(ctx, actor, reference, folder)
    assert report.ok and report.loaded == 4, report.summary()
    return report


def victim_tokens(ctx: Context) -> set[str]:
    """Every word (5+ letters) of every victim's sealed name and aliases, lower case."""
    tokens: set[str] = set()
    with ctx.db.session() as session:
        for person in session.scalars(select(Person).where(Person.sealed_identity.is_not(None))):
            identity = ctx.sealer.unseal(
                person.sealed_identity or b"", person_context(person.case_id, person.pseudonym)
            )
            for text in [identity["name"], *identity.get("aliases", [])]:
                tokens |= {w.lower() for w in re.findall(r"\w+", text) if len(w) >= MIN_TOKEN}
    assert len(tokens) == 8, tokens  # the test must know what it looks for
    return tokens


def hits(data: bytes, tokens: set[str]) -> set[str]:
    lowered = data.lower()
    found = {t for t in tokens if t.encode() in lowered}
    found |= {t for t in tokens if t.encode("utf-16-le") in lowered}
    return found


def evidence_files(ctx: Context) -> Iterator[Path]:
    yield from (p for p in ctx.settings.evidence_dir.rglob("*") if p.is_file())


def _assert_round_trip(ctx: Context) -> None:
    """The product still reads back what it stored (the names are there, decrypted)."""
    with ctx.db.session() as session:
        travellers = set(session.scalars(select(Record.source).where(Record.kind == "trip")))
        assert "Ioana Petrescu" in travellers
        titles = set(session.scalars(select(Document.title)))
        assert "Statement of Ioana Petrescu" in titles
        texts = " ".join(session.scalars(select(DocumentPage.text)))
        assert "Svetlana Moraru" in texts


@pytest.fixture
def own_sqlite(tmp_path: Path) -> Iterator[Context]:
    """A fresh data directory with the default SQLite database and a generated key."""
    context = Context.create(Settings(data_dir=tmp_path / "data"))
    yield context
    context.db.dispose()


def _actor(ctx: Context) -> tuple[Actor, str]:
    unit = users.ensure_unit(ctx, "rest", "At rest", "US")
    actor = users.create_user(
        ctx,
        _system(),
        username="rest-prosecutor",
        password="a long password here",
        role=Role.PROSECUTOR,
        unit_id=unit,
    ).actor
    cases.create_case(
        ctx,
        actor,
        reference="REST-1",
        title="At rest",
        jurisdiction="US",
        unit_id=unit,
        typology="escort_ads",
        statutes=["us-18-1591"],
    )
    return actor, "REST-1"


def _system() -> Actor:
    from palermo.security.permissions import SYSTEM

    return SYSTEM


def test_no_victim_name_in_the_sqlite_file_wal_or_evidence_store(
    own_sqlite: Context, tmp_path: Path
) -> None:
    ctx = own_sqlite
    actor, reference = _actor(ctx)
    build_case(ctx, actor, reference, tmp_path / "in")
    _assert_round_trip(ctx)
    tokens = victim_tokens(ctx)
    database = Path(ctx.db.engine.url.database or "")
    raw = {p.name: p.read_bytes() for p in database.parent.glob(database.name + "*")}
    assert database.name in raw and database.name + "-wal" in raw
    assert len(raw[database.name + "-wal"]) > 0  # the ingest's pages are in the WAL
    found = {name: hits(data, tokens) for name, data in raw.items()}
    stored = list(evidence_files(ctx))
    assert len(stored) == 4
    found |= {
        str(p.relative_to(ctx.settings.data_dir)): hits(p.read_bytes(), tokens) for p in stored
    }
    assert {k: v for k, v in found.items() if v} == {}
    # The source files, by contrast, do contain them (the search works).
    assert hits((tmp_path / "in" / "trips.csv").read_bytes(), tokens)


def test_no_victim_name_in_any_column_read_with_plain_sql(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    """Both backends: every column of every table, read without the decrypting types."""
    build_case(ctx, prosecutor, case_ref, tmp_path / "in")
    _assert_round_trip(ctx)
    tokens = victim_tokens(ctx)
    leaks: dict[str, set[str]] = {}
    with ctx.db.engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                expr = f'"{column.name}"::text' if postgres else f'CAST("{column.name}" AS BLOB)'
                for (value,) in connection.execute(
                    sa.text(f'SELECT {expr} FROM "{table.name}" WHERE "{column.name}" IS NOT NULL')
                ):
                    data = value.encode() if isinstance(value, str) else bytes(value)
                    found = hits(data, tokens)
                    if found:
                        leaks.setdefault(f"{table.name}.{column.name}", set()).update(found)
    for path in evidence_files(ctx):
        found = hits(path.read_bytes(), tokens)
        if found:
            leaks[str(path)] = found
    assert leaks == {}


def test_files_are_readable_by_their_owner_only(own_sqlite: Context, tmp_path: Path) -> None:
    ctx = own_sqlite
    actor, reference = _actor(ctx)
    build_case(ctx, actor, reference, tmp_path / "in")
    data_dir = ctx.settings.data_dir
    database = Path(ctx.db.engine.url.database or "")

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(data_dir) == 0o700 and mode(ctx.settings.evidence_dir) == 0o700
    for path in [database, Path(f"{database}-wal"), Path(f"{database}-shm")]:
        assert path.exists() and mode(path) & 0o077 == 0, (path, oct(mode(path)))
    assert mode(data_dir / "secret.key") == 0o600
    for path in data_dir.rglob("*"):
        assert mode(path) & 0o077 == 0, (path, oct(mode(path)))
