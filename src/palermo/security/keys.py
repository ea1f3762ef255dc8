"""Key management: the master secret, per-purpose subkeys, per-case data keys, rotation.

* The **master secret** lives outside the database: ``PALERMO_SECRET_KEY`` or
  ``<data dir>/secret.key`` (mode 0600). A new one is generated only for a database
  that holds no case data; if it is missing while sealed or encrypted data exists,
  nothing starts (:class:`KeyProblem` says how to restore it).
* **Subkeys** for each purpose (sealed identities, database columns, key wrapping,
  sessions) are derived from it with HKDF (:func:`palermo.security.sealing.subkey`).
* Each case has a random **data key** that encrypts its evidence files, stored in
  ``case_keys`` wrapped (AES-GCM) under a key derived from the master secret.
* :func:`rotate` re-wraps the case keys, re-encrypts every sealed value and rebuilds the
  keyed search index under a new master secret in one transaction.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from palermo.security import audit
from palermo.security.sealing import ColumnCipher, FileCipher, Sealer, SealError, subkey
from palermo.store.models.core import CaseKey

SECRET_KEY_FILE = "secret.key"
KEY_BYTES = 32
_WRAP_NONCE = 12


class KeyProblem(Exception):
    """The master key is missing or does not open this database: nothing may start."""


def missing_key_message(path: Path) -> str:
    return (
        f"the master key is missing ({path} does not exist and PALERMO_SECRET_KEY is not "
        "set) but this database is not empty: its data was written with that key. Restore "
        "the key file "
        "from the backup made with the database (it must be the same key), or set "
        "PALERMO_SECRET_KEY to it, and start again. A new key would not open the data, "
        "so none is generated."
    )


@dataclass
class Keyring:
    """Everything derived from one master secret."""

    master: bytes
    _columns: ColumnCipher | None = field(default=None, repr=False)

    @property
    def sealer(self) -> Sealer:
        return Sealer(self.master)

    @property
    def columns(self) -> ColumnCipher:
        if self._columns is None:
            self._columns = ColumnCipher(self.master)
        return self._columns

    def _wrapper(self) -> AESGCM:
        return AESGCM(subkey(self.master, "case-key-wrap/v1"))

    def wrap(self, data_key: bytes, case_id: int) -> bytes:
        nonce = os.urandom(_WRAP_NONCE)
        return nonce + self._wrapper().encrypt(nonce, data_key, _wrap_aad(case_id))

    def unwrap(self, blob: bytes, case_id: int) -> bytes:
        blob = bytes(blob)
        try:
            return self._wrapper().decrypt(
                blob[:_WRAP_NONCE], blob[_WRAP_NONCE:], _wrap_aad(case_id)
            )
        except InvalidTag as error:
            raise KeyProblem(
                f"the master key does not open case {case_id}'s data key: this is not the "
                "key this database was written with (restore the right secret.key or "
                "PALERMO_SECRET_KEY)"
            ) from error

    def case_key(self, session: Session, case_id: int) -> bytes:
        """The case's data key; created (and stored wrapped) on first use."""
        blob = session.execute(
            sa.select(CaseKey.wrapped).where(CaseKey.case_id == case_id)
        ).scalar()
        if blob is not None:
            return self.unwrap(blob, case_id)
        key = secrets.token_bytes(KEY_BYTES)
        try:
            with session.begin_nested():
                session.execute(
                    sa.insert(CaseKey).values(case_id=case_id, wrapped=self.wrap(key, case_id))
                )
        except sa.exc.IntegrityError:
            # Another process created it first (two ingests into a new case): use theirs.
            blob = session.execute(
                sa.select(CaseKey.wrapped).where(CaseKey.case_id == case_id)
            ).scalar_one()
            return self.unwrap(blob, case_id)
        return key

    def case_file_cipher(self, session: Session, case_id: int) -> FileCipher:
        return FileCipher(self.case_key(session, case_id))


def _wrap_aad(case_id: int) -> bytes:
    return f"case-key:{case_id}".encode()


# --- loading the master secret ------------------------------------------------------------


def decode_key(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = text.encode()
    if len(raw) < KEY_BYTES:
        raise KeyProblem("PALERMO_SECRET_KEY must be at least 32 bytes (64 hex characters)")
    return raw[:KEY_BYTES]


def key_path(data_dir: Path) -> Path:
    return data_dir / SECRET_KEY_FILE


def read_master(secret_key: str | None, data_dir: Path) -> bytes:
    """The master secret from the environment or the key file; never generated here."""
    if secret_key:
        return decode_key(secret_key)
    path = key_path(data_dir)
    if not path.exists():
        raise KeyProblem(missing_key_message(path))
    return decode_key(path.read_text().strip())


# A database with a row in any of these is not empty: its key must not be replaced (sealed
# and encrypted data, and users and an audit log whose sessions and checks use the key).
_PROTECTED_TABLES = (
    "case_keys",
    "persons",
    "evidence_files",
    "records",
    "documents",
    "cases",
    "users",
    "audit_log",
)


def holds_protected_data(connection: sa.Connection) -> bool:
    """Whether the database holds anything that only the existing key opens."""
    inspector = sa.inspect(connection)
    for table in _PROTECTED_TABLES:
        if not inspector.has_table(table):
            continue
        if connection.execute(sa.text(f'SELECT 1 FROM "{table}" LIMIT 1')).first():
            return True
    return False


def load_master(secret_key: str | None, data_dir: Path, engine: sa.Engine) -> bytes:
    """The master secret; generated (0600) only when there is none and the database is
    empty. Refuses (:class:`KeyProblem`) when the key is missing or does not fit."""
    path = key_path(data_dir)
    if not secret_key and not path.exists():
        with engine.connect() as connection:
            if holds_protected_data(connection):
                raise KeyProblem(missing_key_message(path))
        write_key_file(path, secrets.token_bytes(KEY_BYTES))
    master = read_master(secret_key, data_dir)
    with engine.connect() as connection:
        check_master(connection, master)
    return master


def write_key_file(path: Path, key: bytes) -> None:
    """Write a key as hex to a new file readable by its owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
        handle.flush()
        os.fsync(handle.fileno())


def check_master(connection: sa.Connection, master: bytes) -> None:
    """Fail (KeyProblem) if ``master`` does not open the sealed data already stored."""
    keyring = Keyring(master)
    if sa.inspect(connection).has_table("case_keys"):
        row = connection.execute(sa.select(CaseKey.case_id, CaseKey.wrapped).limit(1)).first()
        if row is not None:
            keyring.unwrap(row.wrapped, int(row.case_id))
            return
    if not sa.inspect(connection).has_table("persons"):
        return
    person = connection.execute(
        sa.text(
            "SELECT case_id, pseudonym, sealed_identity FROM persons "
            "WHERE sealed_identity IS NOT NULL LIMIT 1"
        )
    ).first()
    if person is not None:
        from palermo.security.sealing import person_context

        try:
            keyring.sealer.unseal(person[2], person_context(int(person[0]), str(person[1])))
        except SealError as error:
            raise KeyProblem(
                "the master key does not open the sealed identities in this database: it is "
                "not the key the data was written with (restore the right secret.key or "
                "PALERMO_SECRET_KEY)"
            ) from error


# --- rotation -----------------------------------------------------------------------------

# Every encrypted column: (table, key column, column, label, deterministic).
SEALED_COLUMNS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("records", "id", "source", "records.endpoint", True),
    ("records", "id", "target", "records.endpoint", True),
    ("records", "id", "body", "records.body", False),
    ("records", "id", "origin", "records.origin", True),
    ("records", "id", "destination", "records.destination", True),
    ("records", "id", "attrs", "records.attrs", False),
    ("documents", "id", "title", "documents.title", False),
    ("documents", "id", "metadata", "documents.metadata", False),
    ("document_pages", "id", "text", "document_pages.text", False),
    ("assertions", "id", "quote", "assertions.quote", False),
    ("assertions", "id", "value", "assertions.value", True),
    ("assertions", "id", "details", "assertions.details", False),
    ("identifiers", "id", "value", "records.endpoint", True),
    ("evidence_files", "id", "original_name", "evidence_files.original_name", True),
    ("evidence_files", "id", "problem", "evidence_files.problem", False),
    ("row_problems", "id", "value", "row_problems.value", False),
    ("row_problems", "id", "reason", "row_problems.reason", False),
    ("ocr_jobs", "id", "message", "ocr_jobs.message", False),
    ("organisations", "id", "address", "organisations.address", False),
    ("person_photos", "id", "original_name", "person_photos.original_name", False),
    ("person_merges", "id", "record", "person_merges.record", False),
)
_ROTATE_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class Rotation:
    key_file: Path  # where the new master key is now
    in_environment: bool  # the old key came from PALERMO_SECRET_KEY: the user must update it
    case_keys: int
    identities: int
    values: int
    search_keys: int = 0  # the blind index, rebuilt under the new key


NEW_KEY_SUFFIX = ".new"


def rotate(
    engine: sa.Engine,
    secret_key: str | None,
    data_dir: Path,
    before_commit: Callable[[Session, Rotation], None] | None = None,
) -> Rotation:
    """Replace the master key: re-wrap every case key, re-seal every identity and
    re-encrypt every sealed column under a new random master key, in one transaction.

    The new key is first written to ``<data dir>/secret.key.new`` (0600); if anything
    fails, the database is unchanged and that file is removed. After the commit it
    replaces ``secret.key`` (unless the old key came from ``PALERMO_SECRET_KEY``: then
    the user must put the new file's content there). Evidence files need no rewriting:
    they are encrypted with the case keys, which only get re-wrapped.
    """
    old_master = read_master(secret_key, data_dir)
    pending = key_path(data_dir).with_name(SECRET_KEY_FILE + NEW_KEY_SUFFIX)
    if pending.exists():
        raise KeyProblem(
            f"{pending} exists: a rotation was interrupted. If the database opens with it "
            f"(PALERMO_SECRET_KEY=<its content> palermo cases list), move it to "
            f"{key_path(data_dir)}; otherwise delete it. Then run the rotation again."
        )
    new_master = secrets.token_bytes(KEY_BYTES)
    old, new = Keyring(old_master), Keyring(new_master)
    write_key_file(pending, new_master)
    try:
        with Session(engine) as session, session.begin():
            check_master(session.connection(), old_master)
            wrapped = 0
            for case_id, blob in session.execute(sa.select(CaseKey.case_id, CaseKey.wrapped)).all():
                key = old.unwrap(blob, int(case_id))
                session.execute(
                    sa.update(CaseKey)
                    .where(CaseKey.case_id == case_id)
                    .values(wrapped=new.wrap(key, int(case_id)))
                )
                wrapped += 1
            connection = session.connection()
            identities = _reseal_people(connection, old, new)
            values = sum(
                _reencrypt(connection, table, pk, column, label, fixed, old, new)
                for table, pk, column, label, fixed in SEALED_COLUMNS
            )
            values += _reseal_second_factors(connection, old_master, new_master)
            # The search index is keyed too: rebuilt here, from the data now under the new
            # key, in the same transaction (a failure leaves everything as it was).
            from palermo.security import search_index

            indexed = search_index.rebuild(connection, new_master)
            final = pending if secret_key else key_path(data_dir)
            result = Rotation(final, bool(secret_key), wrapped, identities, values, indexed.keys)
            if before_commit is not None:
                before_commit(session, result)
            # Last, so the rotation's own audit entry is re-MACed under the new key too.
            rechained = audit.rechain(session, new_master)
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    if not secret_key:
        os.replace(pending, key_path(data_dir))
    audit.adopt(engine, rechained)
    return result


def _reseal_second_factors(connection: sa.Connection, old: bytes, new: bytes) -> int:
    """TOTP secrets are sealed under a subkey of the master key: re-sealed under the new one."""
    from palermo.security import totp

    rows = connection.execute(
        sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
    ).all()
    for user_id, stored in rows:
        secret = totp.unseal(old, stored, int(user_id))
        connection.execute(
            sa.text("UPDATE users SET totp_secret = :s WHERE id = :i"),
            {"s": totp.seal(new, secret, int(user_id)), "i": user_id},
        )
    return len(rows)


def _reseal_people(connection: sa.Connection, old: Keyring, new: Keyring) -> int:
    from palermo.security.sealing import person_context

    rows = connection.execute(
        sa.text(
            "SELECT id, case_id, pseudonym, sealed_identity FROM persons "
            "WHERE sealed_identity IS NOT NULL"
        )
    ).all()
    old_sealer, new_sealer = old.sealer, new.sealer
    for pid, case_id, pseudonym, blob in rows:
        context = person_context(int(case_id), str(pseudonym))
        fields = old_sealer.unseal(bytes(blob), context)
        connection.execute(
            sa.text("UPDATE persons SET sealed_identity = :v WHERE id = :id"),
            {"v": new_sealer.seal(fields, context), "id": pid},
        )
    return len(rows)


def _reencrypt(
    connection: sa.Connection,
    table: str,
    pk: str,
    column: str,
    label: str,
    fixed: bool,
    old: Keyring,
    new: Keyring,
) -> int:
    t = sa.table(table, sa.column(pk, sa.BigInteger), sa.column(column, sa.LargeBinary))
    done, last = 0, -1
    while True:
        rows = connection.execute(
            sa.select(t.c[pk], t.c[column])
            .where(t.c[pk] > last, t.c[column].is_not(None))
            .order_by(t.c[pk])
            .limit(_ROTATE_BATCH)
        ).all()
        if not rows:
            return done
        seal = new.columns.seal_fixed if fixed else new.columns.seal
        updates = [
            {"k": key, "v": seal(old.columns.open(bytes(blob), label), label)} for key, blob in rows
        ]
        connection.execute(
            sa.update(t).where(t.c[pk] == sa.bindparam("k")).values({column: sa.bindparam("v")}),
            updates,
        )
        done += len(rows)
        last = int(rows[-1][0])


def iter_plain(cipher: FileCipher, path: Path) -> Iterator[bytes]:
    """The original bytes of a stored evidence file, chunk by chunk."""
    with path.open("rb") as handle:
        yield from cipher.decrypt(handle)
