"""records: an index on (case, time, id), so a case's records are paged in time order, and
its first and last record found, without sorting every record of the case; identifiers:
an index on (case, person, organisation), so the case fingerprint reads the index alone

Revision ID: records_case_time
Revises: jobs_queue
Create Date: 2026-12-04 22:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "records_case_time"
down_revision: str | None = "jobs_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_records_case_time", "records", ["case_id", "occurred_at", "id"])
    op.create_index(
        "ix_identifiers_case_holders", "identifiers", ["case_id", "person_id", "organisation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_identifiers_case_holders", table_name="identifiers")
    op.drop_index("ix_records_case_time", table_name="records")
