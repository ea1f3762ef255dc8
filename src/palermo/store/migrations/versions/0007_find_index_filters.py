"""Find: the keyed blind index of names, identifiers and document words (replacing the
name-only index), and saved caseload filters

Revision ID: find_index_filters
Revises: 0006
Create Date: 2026-12-03 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "find_index_filters"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "search_keys",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("identifier_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("sealed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_search_keys_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_search_keys_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["identifier_id"],
            ["identifiers.id"],
            name=op.f("fk_search_keys_identifier_id_identifiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_search_keys_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_keys")),
    )
    op.create_index("ix_search_keys_key", "search_keys", ["key", "case_id", "person_id", "sealed"])
    for columns in (["person_id", "key"], ["identifier_id"], ["document_id", "page", "key"]):
        where = sa.text(f"{columns[0]} IS NOT NULL")
        op.create_index(
            f"ix_search_keys_{columns[0]}",
            "search_keys",
            columns,
            sqlite_where=where,
            postgresql_where=where,
        )
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("params", _JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_saved_filters_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_filters_user_id_name"),
    )
    op.drop_index("ix_person_name_keys_person_id", table_name="person_name_keys")
    op.drop_index("ix_person_name_keys_key", table_name="person_name_keys")
    op.drop_table("person_name_keys")
    _fill_index()


def _fill_index() -> None:
    """Index what the database already holds, under the master key (fails closed)."""
    bind = op.get_bind()
    if not any(
        bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first()
        for table in ("persons", "identifiers", "document_pages")
    ):
        return
    config = op.get_context().config
    master = config.attributes.get("palermo_master_key") if config is not None else None
    if master is None:
        raise RuntimeError(
            "this database holds people and documents to index for search: run the upgrade "
            "with its master key (palermo db upgrade, with PALERMO_SECRET_KEY or the data "
            "directory's secret.key)"
        )
    from palermo.security.search_index import rebuild

    rebuild(bind, master)


def downgrade() -> None:
    op.create_table(
        "person_name_keys",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("sealed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_person_name_keys_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_name_keys_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_name_keys")),
    )
    op.create_index("ix_person_name_keys_key", "person_name_keys", ["key", "case_id"])
    op.create_index(op.f("ix_person_name_keys_person_id"), "person_name_keys", ["person_id"])
    op.drop_table("saved_filters")
    for column in ("document_id", "identifier_id", "person_id"):
        op.drop_index(f"ix_search_keys_{column}", table_name="search_keys")
    op.drop_index("ix_search_keys_key", table_name="search_keys")
    op.drop_table("search_keys")
