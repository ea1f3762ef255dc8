"""Test data for the web tests: evidence files and records written straight to the store.

Used until ``palermo.services.ingest`` lands; loaded by path from the web and browser
conftests (the suite runs with ``--import-mode=importlib``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from palermo.services.context import Context
from palermo.store.models import Case, EvidenceFile, Record

BASE_TIME = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _case_id(ctx: Context, reference: str) -> int:
    with ctx.db.session() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
    assert case_id is not None, reference
    return case_id


def add_calls(ctx: Context, reference: str, count: int, name: str = "cdr_march.csv") -> str:
    """A call-records file with ``count`` rows; row i is at BASE_TIME + i minutes, from
    ``+1555000{i:04d}``, lasting ``(count - i) * 10`` seconds. Returns the file's sha256."""
    case_id = _case_id(ctx, reference)
    digest = hashlib.sha256(f"{reference}/{name}".encode()).hexdigest()
    with ctx.db.session() as session:
        file = EvidenceFile(
            case_id=case_id,
            sha256=digest,
            size=48_213 + count,
            media_type="text/csv",
            original_name=name,
            stored_path=f"evidence/{digest}",
            source_kind="calls",
            status="loaded",
            record_count=count,
        )
        session.add(file)
        session.flush()
        session.add_all(
            Record(
                case_id=case_id,
                evidence_file_id=file.id,
                row_number=i + 2,
                kind="call",
                occurred_at=BASE_TIME + timedelta(minutes=i),
                source=f"+1555000{i:04d}",
                target="+15559990000",
                duration_s=(count - i) * 10,
                channel="voice",
            )
            for i in range(count)
        )
    return digest


def add_payments(ctx: Context, reference: str, amounts: list[str]) -> str:
    case_id = _case_id(ctx, reference)
    name = "bank_statement.csv"
    digest = hashlib.sha256(f"{reference}/{name}".encode()).hexdigest()
    with ctx.db.session() as session:
        file = EvidenceFile(
            case_id=case_id,
            sha256=digest,
            size=9_120,
            media_type="text/csv",
            original_name=name,
            stored_path=f"evidence/{digest}",
            source_kind="transactions",
            status="loaded",
            record_count=len(amounts),
        )
        session.add(file)
        session.flush()
        session.add_all(
            Record(
                case_id=case_id,
                evidence_file_id=file.id,
                row_number=i + 2,
                kind="payment",
                occurred_at=BASE_TIME + timedelta(days=i),
                source="RO49AAAA1B31007593840000",
                target=f"GB33BUKB2020155555{i:04d}",
                amount=Decimal(amount),
                currency="EUR",
                channel="transfer",
            )
            for i, amount in enumerate(amounts)
        )
    return digest


def add_failed_file(ctx: Context, reference: str) -> None:
    case_id = _case_id(ctx, reference)
    digest = hashlib.sha256(b"broken").hexdigest()
    with ctx.db.session() as session:
        session.add(
            EvidenceFile(
                case_id=case_id,
                sha256=digest,
                size=120,
                media_type="application/pdf",
                original_name="scan_0042.pdf",
                stored_path=f"evidence/{digest}",
                status="failed",
                problem="the PDF is encrypted",
                record_count=0,
            )
        )
