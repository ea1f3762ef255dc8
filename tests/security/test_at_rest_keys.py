"""Key management: a missing or wrong key stops everything, rotation, sealed evidence files,
and the migration that encrypts the rows of an older database."""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from tests.helpers import scratch_postgres
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.security import audit, keys
from palermo.security.keys import KeyProblem
from palermo.security.permissions import SYSTEM, Actor
from palermo.security.sealing import FILE_CHUNK, FileCipher, SealError, person_context
from palermo.services import cases, users
from palermo.services.context import Context
from palermo.services.ingest import open_evidence, read_stored, store_content
from palermo.settings import Settings, get_settings
from palermo.store.db import Database, upgrade
from palermo.store.models import AuditEntry, Base, EvidenceFile, Person, Record, Role
from palermo.store.models.documents import Document, DocumentPage
from palermo.store.types import CipherMissing

from .test_at_rest import build_case


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the run's backend (not migrated)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'own.db'}"
        return
    with scratch_postgres("palermo_keys") as url:
        yield url


def _case(ctx: Context) -> tuple[Actor, str]:
    unit = users.ensure_unit(ctx, "keys", "Keys", "US")
    actor = users.create_user(
        ctx,
        SYSTEM,
        username="keys-prosecutor",
        password="a long password here",
        role=Role.PROSECUTOR,
        unit_id=unit,
    ).actor
    cases.create_case(
        ctx,
        actor,
        reference="KEYS-1",
        title="Keys",
        jurisdiction="US",
        unit_id=unit,
        statutes=["us-18-1591"],
    )
    return actor, "KEYS-1"


def _snapshot(ctx: Context) -> dict[str, object]:
    """What the product reads back: records, documents, identities, evidence bytes."""
    with ctx.db.session() as session:
        people = [
            ctx.sealer.unseal(p.sealed_identity, person_context(p.case_id, p.pseudonym))
            for p in session.scalars(select(Person).order_by(Person.id))
            if p.sealed_identity is not None
        ]
        files = list(session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))
        return {
            "records": [
                (r.source, r.target, r.body, r.origin, r.destination, r.attrs)
                for r in session.scalars(select(Record).order_by(Record.id))
            ],
            "titles": list(session.scalars(select(Document.title).order_by(Document.id))),
            "pages": list(session.scalars(select(DocumentPage.text).order_by(DocumentPage.id))),
            "people": people,
            "files": [(f.original_name, b"".join(open_evidence(ctx, session, f))) for f in files],
        }


def test_a_new_key_is_made_only_for_an_empty_database(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    ctx = Context.create(settings)
    key_file = settings.data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_text()
    actor, reference = _case(ctx)
    build_case(ctx, actor, reference, tmp_path / "in")
    ctx.db.dispose()
    assert Context.create(settings).keyring.master.hex() == first  # reused, not replaced

    key_file.unlink()  # the database is restored without its key
    with pytest.raises(KeyProblem, match="Restore the key file"):
        Context.create(settings)
    assert not key_file.exists()  # and no new key was made silently


def test_missing_key_stops_the_cli_and_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    ctx = Context.create(settings)
    _case(ctx)
    ctx.db.dispose()
    (settings.data_dir / "secret.key").unlink()
    monkeypatch.setenv("PALERMO_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("PALERMO_SECRET_KEY", raising=False)
    monkeypatch.delenv("PALERMO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["cases", "list"])
        assert result.exit_code == 3
        assert "master key is missing" in " ".join(result.output.split())
        from palermo.web.app import create_app_from_environment

        with pytest.raises(KeyProblem):
            create_app_from_environment()
    finally:
        get_settings.cache_clear()


def test_a_wrong_key_is_refused(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    cases.add_person(ctx, prosecutor, case_ref, kind="victim", name="Ioana Petrescu")
    with ctx.db.session() as session:  # a case data key exists once evidence is stored
        ctx.keyring.case_key(session, session.scalars(select(Person.case_id)).one())
    wrong = ctx.settings.model_copy(update={"secret_key": "cd" * 32})
    with pytest.raises(KeyProblem, match="not the key"):
        Context.create(wrong, migrate=False)


def test_sealed_columns_refuse_an_engine_without_the_key(ctx: Context, case_ref: str) -> None:
    bare = Database(ctx.db.url)  # no cipher bound
    try:
        with pytest.raises(sa.exc.StatementError) as raised, bare.session() as session:
            session.add(Document(case_id=1, evidence_file_id=1, media_type="x", title="t"))
            session.flush()
        assert isinstance(raised.value.orig, CipherMissing)
    finally:
        bare.dispose()


def test_rotation_re_encrypts_everything_under_a_new_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    ctx = Context.create(settings)
    actor, reference = _case(ctx)
    build_case(ctx, actor, reference, tmp_path / "in")
    before = _snapshot(ctx)
    old_key = (settings.data_dir / "secret.key").read_text()
    database = Path(ctx.db.engine.url.database or "")
    ctx.db.dispose()

    monkeypatch.setenv("PALERMO_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("PALERMO_SECRET_KEY", raising=False)
    monkeypatch.delenv("PALERMO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["keys", "rotate"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert str(settings.data_dir / "secret.key") in said and "Back it up" in said
    new_key = (settings.data_dir / "secret.key").read_text()
    assert new_key != old_key and not (settings.data_dir / "secret.key.new").exists()
    assert stat.S_IMODE((settings.data_dir / "secret.key").stat().st_mode) == 0o600

    with pytest.raises(KeyProblem):  # the old key opens nothing any more
        Context.create(settings.model_copy(update={"secret_key": old_key}))
    rotated = Context.create(settings)
    assert _snapshot(rotated) == before
    with rotated.db.session() as session:
        assert session.scalar(select(AuditEntry.action).order_by(AuditEntry.seq.desc())) == (
            "keys.rotate"
        )
        # The audit chain was re-MACed under the new key and a new checkpoint signs it.
        verified = audit.verify(session)
        assert verified.ok, verified.problem
        assert verified.checkpoints == 1
    assert list(settings.data_dir.glob("audit-checkpoints.before-rotation-*.jsonl"))
    # Ciphertexts changed (no value still under the old key).
    with sa.create_engine(f"sqlite:///{database}").connect() as connection:
        blob = connection.execute(sa.text("SELECT title FROM documents LIMIT 1")).scalar()
    old_columns = keys.Keyring(bytes.fromhex(old_key)).columns
    with pytest.raises(SealError):
        old_columns.open(blob, "documents.title")
    rotated.db.dispose()


def test_a_failed_rotation_changes_nothing(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_case(ctx, prosecutor, case_ref, tmp_path / "in")
    before = _snapshot(ctx)
    calls = {"n": 0}
    real = keys._reencrypt

    def failing(*args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(keys, "_reencrypt", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        keys.rotate(ctx.db.engine, ctx.settings.secret_key, ctx.settings.data_dir)
    assert not (ctx.settings.data_dir / "secret.key.new").exists()
    assert _snapshot(ctx) == before
    # With the key in the environment, the new key is left for the user to install.
    monkeypatch.setattr(keys, "_reencrypt", real)
    done = keys.rotate(ctx.db.engine, ctx.settings.secret_key, ctx.settings.data_dir)
    try:
        assert done.in_environment and done.key_file.name == "secret.key.new"
        assert done.case_keys == 1 and done.identities == 3 and done.values > 20
        moved = ctx.settings.model_copy(update={"secret_key": done.key_file.read_text()})
        other = Context.create(moved, migrate=False)
        assert _snapshot(other) == before
        other.db.dispose()
    finally:
        # Leave the shared test database as the other tests expect it (under TEST_SECRET).
        # Every table, children first: rows sealed under the new key must not stay.
        with ctx.db.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(sa.text(f'DELETE FROM "{table.name}"'))


def test_evidence_files_are_authenticated_chunk_by_chunk(tmp_path: Path) -> None:
    cipher = FileCipher(os.urandom(32))
    first, second = tmp_path / "a.bin", tmp_path / "b.bin"
    first.write_bytes(os.urandom(FILE_CHUNK * 2 + 100))
    second.write_bytes(os.urandom(FILE_CHUNK * 2 + 100))
    a = store_content(first, tmp_path / "store", cipher, 1)
    b = store_content(second, tmp_path / "store", cipher, 1)
    assert b"".join(read_stored(cipher, a.path)) == first.read_bytes()

    def tampered(data: bytes) -> Path:
        path = tmp_path / f"t{uuid.uuid4().hex}"
        path.write_bytes(data)
        return path

    sealed_a, sealed_b = a.path.read_bytes(), b.path.read_bytes()
    header, block = 24, 12 + FILE_CHUNK + 16
    flipped = bytearray(sealed_a)
    flipped[header + 100] ^= 1
    reordered = sealed_a[:header] + sealed_a[header + block : header + 2 * block]
    reordered += sealed_a[header : header + block] + sealed_a[header + 2 * block :]
    moved = sealed_a[: header + block] + sealed_b[header + block :]  # b's chunks into a
    truncated = sealed_a[: header + 2 * block]  # the last chunk cut off
    for data in (bytes(flipped), reordered, moved, truncated, b"not sealed"):
        with pytest.raises(SealError):
            b"".join(read_stored(cipher, tampered(data)))
    with pytest.raises(SealError):  # another case's key
        b"".join(read_stored(FileCipher(os.urandom(32)), a.path))


def test_migration_encrypts_the_rows_of_an_older_database(fresh_url: str, tmp_path: Path) -> None:
    upgrade(fresh_url, "0001")
    engine = sa.create_engine(fresh_url)
    with engine.begin() as connection:
        now = {"now": datetime.now(UTC)}
        connection.execute(
            sa.text(
                "INSERT INTO units (id, code, name, settings, created_at) "
                "VALUES (1, 'u', 'U', '{}', :now)"
            ),
            now,
        )
        connection.execute(
            sa.text(
                "INSERT INTO cases (id, unit_id, reference, title, jurisdiction, stage, "
                "statutes, default_region, created_at, updated_at) VALUES (1, 1, 'OLD-1', "
                "'Old', 'US', 'intake', '[]', 'US', :now, :now)"
            ),
            now,
        )
        connection.execute(
            sa.text(
                "INSERT INTO evidence_files (id, case_id, sha256, size, media_type, "
                "original_name, stored_path, status, record_count, ingested_at) VALUES (1, 1, "
                "'ab', 1, 'text/csv', 'trips of Ioana Petrescu.csv', 'evidence/ab/ab', "
                "'loaded', 1, :now)"
            ),
            now,
        )
        connection.execute(
            sa.text(
                "INSERT INTO records (id, case_id, evidence_file_id, row_number, kind, source, "
                "attrs) VALUES (1, 1, 1, 2, 'trip', 'Ioana Petrescu', :attrs)"
            ),
            {"attrs": '{"booked_by": "Ioana Petrescu"}'},
        )
    engine.dispose()
    settings = Settings(data_dir=tmp_path / "data", database_url=fresh_url, secret_key="ef" * 32)
    ctx = Context.create(settings)  # migrates to head with the key
    with ctx.db.session() as session:
        record = session.scalars(select(Record)).one()
        assert record.source == "Ioana Petrescu"
        assert record.attrs == {"booked_by": "Ioana Petrescu"}
        assert session.scalars(select(EvidenceFile.original_name)).one() == (
            "trips of Ioana Petrescu.csv"
        )
        # Equality on the sealed endpoint still works in SQL.
        assert (
            session.scalar(select(Record.id).where(Record.source == "Ioana Petrescu")) == record.id
        )
    with ctx.db.engine.connect() as connection:
        for column in ("source", "attrs"):
            raw = connection.execute(sa.text(f"SELECT {column} FROM records")).scalar()
            assert b"Petrescu" not in bytes(raw)
    ctx.db.dispose()


def test_two_processes_creating_a_case_key_agree_on_one(
    ctx: Context, prosecutor: Actor, case_ref: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first ingest into a case in two processes at once: the slower one uses the key
    the faster one stored, instead of failing or keeping a key no file is sealed with."""
    with ctx.db.session() as session:
        case_id = session.scalar(select(sa.column("id")).select_from(sa.table("cases")))
    assert case_id is not None
    theirs = os.urandom(32)
    real_wrap = keys.Keyring.wrap

    def wrap_after_the_other_process(self: keys.Keyring, key: bytes, cid: int) -> bytes:
        with ctx.db.engine.begin() as other:  # the other process commits its key first
            other.execute(
                sa.insert(keys.CaseKey).values(case_id=cid, wrapped=real_wrap(self, theirs, cid))
            )
        return real_wrap(self, key, cid)

    monkeypatch.setattr(keys.Keyring, "wrap", wrap_after_the_other_process)
    with ctx.db.session() as session:
        assert ctx.keyring.case_key(session, int(case_id)) == theirs
    monkeypatch.setattr(keys.Keyring, "wrap", real_wrap)
    with ctx.db.session() as session:
        assert ctx.keyring.case_key(session, int(case_id)) == theirs
