"""casework: case roles (the owner is the member with role "owner"), notes and tasks, outcome details, restitution
payments, intimidation reports

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("case_members") as batch:
        batch.add_column(
            sa.Column("case_role", sa.String(32), nullable=False, server_default="member")
        )
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("plea", sa.String(32), nullable=True))
        batch.add_column(sa.Column("plea_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("supervised_release_months", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("appeal_filed_on", sa.Date(), nullable=True))
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("assigned_to", sa.Integer(), nullable=True),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to"], ["users.id"], name=op.f("fk_case_notes_assigned_to_users")
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_case_notes_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    op.create_index(op.f("ix_case_notes_case_id"), "case_notes", ["case_id"])
    op.create_table(
        "restitution_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", _BIG, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["outcomes.id"],
            name=op.f("fk_restitution_payments_outcome_id_outcomes"),
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_restitution_payments_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restitution_payments")),
    )
    op.create_index(
        op.f("ix_restitution_payments_outcome_id"), "restitution_payments", ["outcome_id"]
    )
    op.create_table(
        "intimidation_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_intimidation_reports_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_intimidation_reports_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intimidation_reports")),
    )
    op.create_index(
        op.f("ix_intimidation_reports_person_id"), "intimidation_reports", ["person_id"]
    )

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


def downgrade() -> None:
    op.drop_index(op.f("ix_person_name_keys_person_id"), table_name="person_name_keys")
    op.drop_index("ix_person_name_keys_key", table_name="person_name_keys")
    op.drop_table("person_name_keys")
    op.drop_index(op.f("ix_intimidation_reports_person_id"), table_name="intimidation_reports")
    op.drop_table("intimidation_reports")
    op.drop_index(op.f("ix_restitution_payments_outcome_id"), table_name="restitution_payments")
    op.drop_table("restitution_payments")
    op.drop_index(op.f("ix_case_notes_case_id"), table_name="case_notes")
    op.drop_table("case_notes")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("appeal_filed_on")
        batch.drop_column("supervised_release_months")
        batch.drop_column("plea_on")
        batch.drop_column("plea")
    with op.batch_alter_table("case_members") as batch:
        batch.drop_column("case_role")
