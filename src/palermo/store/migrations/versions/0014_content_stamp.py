"""cases: a change stamp of their own for what the analysis reads

Revision ID: content_stamp
Revises: jobs_not_before
Create Date: 2026-12-06 04:30:00

``cases.updated_at`` moves with every edit of anything a case holds, casework included
(a task done, a note, a hearing, a new stage). The kept views (elements, network, money,
timeline, memo) were filed under it, so completing a task threw all of them away and
queued a whole analysis. ``content_changed_at`` moves only with edits of what they read.
Existing cases start from their ``updated_at``: their kept views stay valid.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "content_stamp"
down_revision: str | None = "jobs_not_before"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("content_changed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE cases SET content_changed_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("content_changed_at")
