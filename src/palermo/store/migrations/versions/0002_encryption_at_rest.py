"""encryption at rest: case data keys, sealed columns

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 09:50:00

Columns that can name a person become binary and hold AES ciphertext (see
``palermo.store.types``). Rows already present are encrypted here with the master key,
which ``palermo.store.db.upgrade`` passes in (``config.attributes["palermo_master_key"]``);
without it, a database that holds such rows is not migrated.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, label, deterministic, was JSON)
_COLUMNS = (
    ("records", "source", "records.endpoint", True, False),
    ("records", "target", "records.endpoint", True, False),
    ("records", "body", "records.body", False, False),
    ("records", "origin", "records.origin", True, False),
    ("records", "destination", "records.destination", True, False),
    ("records", "attrs", "records.attrs", False, True),
    ("documents", "title", "documents.title", False, False),
    ("documents", "metadata", "documents.metadata", False, True),
    ("document_pages", "text", "document_pages.text", False, False),
    ("assertions", "quote", "assertions.quote", False, False),
    ("assertions", "value", "assertions.value", True, False),
    ("assertions", "details", "assertions.details", False, True),
    ("identifiers", "value", "records.endpoint", True, False),
    ("evidence_files", "original_name", "evidence_files.original_name", True, False),
    ("evidence_files", "problem", "evidence_files.problem", False, False),
)
_BATCH = 5_000


def upgrade() -> None:
    op.create_table(
        "case_keys",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_keys_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_keys")),
    )
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    tables: dict[str, list[tuple[str, bool]]] = {}
    for table, column, _, _, was_json in _COLUMNS:
        tables.setdefault(table, []).append((column, was_json))
    for table, columns in tables.items():
        with op.batch_alter_table(table) as batch:
            for column, was_json in columns:
                using = f"{column}::text" if was_json else column
                batch.alter_column(
                    column,
                    type_=sa.LargeBinary(),
                    postgresql_using=f"convert_to({using}, 'UTF8')" if postgres else None,
                )
    _encrypt_existing(bind)


def _encrypt_existing(bind: sa.Connection) -> None:
    pending = [
        spec
        for spec in _COLUMNS
        if bind.execute(
            sa.text(f'SELECT 1 FROM "{spec[0]}" WHERE "{spec[1]}" IS NOT NULL LIMIT 1')
        ).first()
    ]
    if not pending:
        return
    config = op.get_context().config
    master = config.attributes.get("palermo_master_key") if config is not None else None
    if master is None:
        raise RuntimeError(
            "this database holds case data to encrypt: run the upgrade with its master key "
            "(palermo db upgrade, with PALERMO_SECRET_KEY or the data directory's secret.key)"
        )
    from palermo.security.sealing import ColumnCipher

    cipher = ColumnCipher(master)
    for table, column, label, fixed, _ in pending:
        t = sa.table(table, sa.column("id", sa.BigInteger), sa.column(column, sa.LargeBinary))
        seal = cipher.seal_fixed if fixed else cipher.seal
        last = -1
        while True:
            rows = bind.execute(
                sa.text(
                    f'SELECT id, "{column}" FROM "{table}" WHERE id > :last '
                    f'AND "{column}" IS NOT NULL ORDER BY id LIMIT {_BATCH}'
                ),
                {"last": last},
            ).all()
            if not rows:
                break
            updates = [{"k": key, "v": seal(_text(value), label)} for key, value in rows]
            bind.execute(
                sa.update(t).where(t.c.id == sa.bindparam("k")).values({column: sa.bindparam("v")}),
                updates,
            )
            last = int(rows[-1][0])


def _text(value: object) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode()
    return str(value)


def downgrade() -> None:
    raise NotImplementedError("encrypted columns cannot be downgraded to clear text")
