"""evidence formats: row problems, mapping profiles, user rates; wider currency and amount

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # USDT, USDC: crypto tickers are longer than ISO 4217's three letters; crypto amounts
    # need more than two decimal places (unconstrained NUMERIC keeps them exactly).
    # SQLite enforces neither length nor scale: only PostgreSQL's columns change.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "records", "currency", existing_type=sa.String(length=3), type_=sa.String(length=8)
        )
        op.alter_column(
            "records",
            "amount",
            existing_type=sa.Numeric(precision=18, scale=2),
            type_=sa.Numeric(),
        )
    op.create_table(
        "row_problems",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("evidence_file_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=300), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),  # encrypted
        sa.Column("reason", sa.LargeBinary(), nullable=False),  # encrypted
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["evidence_file_id"], ["evidence_files.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_row_problems_evidence_file_id", "row_problems", ["evidence_file_id"], unique=False
    )
    op.create_table(
        "mapping_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("mapping", _JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "name"),
    )
    op.create_index("ix_mapping_profiles_unit_id", "mapping_profiles", ["unit_id"])
    op.create_index("ix_mapping_profiles_fingerprint", "mapping_profiles", ["fingerprint"])
    op.create_table(
        "user_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("base", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("rate", sa.Numeric(precision=30, scale=12), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_user_rates_unit_id", "user_rates", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_user_rates_unit_id", table_name="user_rates")
    op.drop_table("user_rates")
    op.drop_index("ix_mapping_profiles_fingerprint", table_name="mapping_profiles")
    op.drop_index("ix_mapping_profiles_unit_id", table_name="mapping_profiles")
    op.drop_table("mapping_profiles")
    op.drop_index("ix_row_problems_evidence_file_id", table_name="row_problems")
    op.drop_table("row_problems")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "records",
            "amount",
            existing_type=sa.Numeric(),
            type_=sa.Numeric(precision=18, scale=2),
        )
        op.alter_column(
            "records", "currency", existing_type=sa.String(length=8), type_=sa.String(length=3)
        )
