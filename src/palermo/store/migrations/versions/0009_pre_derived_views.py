"""derived views: each case's computed views (elements, network, money, timeline facts,
the memo's analysis) kept per viewer kind and case fingerprint, encrypted with the
case's data key

Revision ID: pre_derived_views
Revises: people_orgs_photos
Create Date: 2026-12-03 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pre_derived_views"
down_revision: str | None = "people_orgs_photos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "derived_views",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("variant", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("compute_ms", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derived_views")),
        sa.UniqueConstraint("case_id", "name", "variant", name=op.f("uq_derived_views_case_id")),
    )
    op.create_index("ix_derived_views_case_id", "derived_views", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_derived_views_case_id", table_name="derived_views")
    op.drop_table("derived_views")
