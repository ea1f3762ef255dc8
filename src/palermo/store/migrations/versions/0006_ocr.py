"""OCR: case OCR languages, OCR runs with progress, OCR page provenance (word boxes)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_ocr_settings",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("languages", sa.String(length=120), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_table(
        "ocr_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column(
            "evidence_file_id", sa.Integer(), sa.ForeignKey("evidence_files.id"), nullable=False
        ),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("languages", sa.String(length=120), nullable=False),
        sa.Column("pages_total", sa.Integer(), nullable=False),
        sa.Column("pages_done", sa.Integer(), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=True),  # encrypted
        sa.Column("requested_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("started_at", _TS, nullable=True),
        sa.Column("finished_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ocr_jobs_case_id", "ocr_jobs", ["case_id"])
    op.create_index("ix_ocr_jobs_evidence_file_id", "ocr_jobs", ["evidence_file_id"])
    op.create_table(
        "ocr_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("languages", sa.String(length=120), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("dpi", sa.Integer(), nullable=True),
        sa.Column("mean_confidence", sa.Float(), nullable=True),
        sa.Column("words", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "number"),
    )
    op.create_index("ix_ocr_pages_document_id", "ocr_pages", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_ocr_pages_document_id", table_name="ocr_pages")
    op.drop_table("ocr_pages")
    op.drop_index("ix_ocr_jobs_evidence_file_id", table_name="ocr_jobs")
    op.drop_index("ix_ocr_jobs_case_id", table_name="ocr_jobs")
    op.drop_table("ocr_jobs")
    op.drop_table("case_ocr_settings")
