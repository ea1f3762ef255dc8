"""jobs: a queued job may wait until a time (``not_before``) before a worker takes it

Revision ID: jobs_not_before
Revises: ingest_fewer_checks
Create Date: 2026-12-05 22:00:00

The analysis queued after a person's decision waits for a quiet period, pushed later by
each further decision on the case (up to a maximum), so a burst of decisions is analysed
once. Jobs already queued keep ``NULL``: they run at once, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "jobs_not_before"
down_revision: str | None = "ingest_fewer_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("not_before")
