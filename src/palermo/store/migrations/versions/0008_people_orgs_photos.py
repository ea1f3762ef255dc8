"""people: organisations' registration number and (encrypted) address, people linked to
organisations, photos of a person (encrypted files), the record of each merge of two people

Revision ID: people_orgs_photos
Revises: 0006
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "people_orgs_photos"
down_revision: str | None = "find_index_filters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("registration_number", sa.String(64), nullable=True))
        batch.add_column(sa.Column("address", sa.LargeBinary(), nullable=True))  # encrypted
    op.create_table(
        "person_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("persons.id"), nullable=False),
        sa.Column(
            "organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False
        ),
        sa.Column("relation", sa.String(32), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_organisations")),
        sa.UniqueConstraint(
            "person_id",
            "organisation_id",
            "relation",
            name=op.f("uq_person_organisations_person_id"),
        ),
    )
    op.create_index("ix_person_organisations_case_id", "person_organisations", ["case_id"])
    op.create_index("ix_person_organisations_person_id", "person_organisations", ["person_id"])
    op.create_index(
        "ix_person_organisations_organisation_id", "person_organisations", ["organisation_id"]
    )
    op.create_table(
        "person_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("stored_path", sa.String(1000), nullable=False),
        sa.Column("thumb_path", sa.String(1000), nullable=False),
        sa.Column("original_name", sa.LargeBinary(), nullable=False),  # encrypted
        sa.Column("uploaded_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("uploaded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_photos")),
    )
    op.create_index("ix_person_photos_case_id", "person_photos", ["case_id"])
    op.create_index("ix_person_photos_person_id", "person_photos", ["person_id"])
    op.create_table(
        "person_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("absorbed_id", sa.Integer(), nullable=False),
        sa.Column("absorbed_pseudonym", sa.String(120), nullable=False),
        sa.Column("record", sa.LargeBinary(), nullable=False),  # encrypted
        sa.Column("merged_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("merged_at", _TS, nullable=False),
        sa.Column("undone_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("undone_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merges")),
    )
    op.create_index("ix_person_merges_case_id", "person_merges", ["case_id"])
    op.create_index("ix_person_merges_survivor_id", "person_merges", ["survivor_id"])


def downgrade() -> None:
    op.drop_index("ix_person_merges_survivor_id", table_name="person_merges")
    op.drop_index("ix_person_merges_case_id", table_name="person_merges")
    op.drop_table("person_merges")
    op.drop_index("ix_person_photos_person_id", table_name="person_photos")
    op.drop_index("ix_person_photos_case_id", table_name="person_photos")
    op.drop_table("person_photos")
    op.drop_index("ix_person_organisations_organisation_id", table_name="person_organisations")
    op.drop_index("ix_person_organisations_person_id", table_name="person_organisations")
    op.drop_index("ix_person_organisations_case_id", table_name="person_organisations")
    op.drop_table("person_organisations")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("address")
        batch.drop_column("registration_number")
