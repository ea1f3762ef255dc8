"""Rows of evidence files left out at ingest: counts per file, and the list as CSV."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from palermo.reports import csv_safe
from palermo.security import audit
from palermo.security.permissions import Actor
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.store.models import EvidenceFile
from palermo.store.models.formats import RowProblem

CSV_HEADER = ("file", "line", "column", "value", "reason")


def counts(ctx: Context, actor: Actor, reference: str) -> dict[int, int]:
    """Evidence file id -> how many of its rows were left out."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        rows = session.execute(
            select(RowProblem.evidence_file_id, func.count())
            .where(RowProblem.case_id == case.id)
            .group_by(RowProblem.evidence_file_id)
        ).all()
        return {int(fid): int(n) for fid, n in rows}


def as_csv(ctx: Context, actor: Actor, reference: str, evidence_file_id: int | None) -> str:
    """The left-out rows (of one file, or all) as CSV text; the download is audited."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        query = (
            select(EvidenceFile.original_name, RowProblem)
            .join(EvidenceFile, EvidenceFile.id == RowProblem.evidence_file_id)
            .where(RowProblem.case_id == case.id)
            .order_by(RowProblem.evidence_file_id, RowProblem.line)
        )
        if evidence_file_id is not None:
            query = query.where(RowProblem.evidence_file_id == evidence_file_id)
        out = io.StringIO()
        count = csv_safe.write_rows(
            out,
            CSV_HEADER,
            (
                [name, problem.line, problem.column, problem.value, problem.reason]
                for name, problem in session.execute(query)
            ),
        )
        audit.record(
            session,
            actor=actor,
            action="evidence.row_problems_export",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
            details={"evidence_file_id": evidence_file_id, "rows": count},
        )
        return out.getvalue()
