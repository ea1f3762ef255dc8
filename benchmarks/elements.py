"""Elements benchmark: assess a case with ~100k assertions and 50k payment records.

    .venv/bin/python benchmarks/elements.py [--assertions 100000] [--payments 50000]
        [--messages 5000] [--db sqlite|URL]

Builds a synthetic case straight in the store (documents with indicator and mention
assertions of 20 suspects and 50 victims, payments between their accounts, message logs
from suspects), then times ``palermo.services.elements.assess`` twice (cold and warm:
the second run reuses the cache of message indicators). Prints the figures.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from palermo.security.permissions import SYSTEM
from palermo.services import cases, elements, users
from palermo.services.context import Context
from palermo.settings import Settings
from palermo.store.models import Assertion, EvidenceFile, Record, Role
from palermo.store.models.documents import Document, DocumentPage

MESSAGES = [
    "Your passport stays with me until you pay everything.",
    "ok see you at 5",
    "You keep nothing, it is for your debt.",
    "where are you? call me",
]


def build(ctx: Context, n_assertions: int, n_payments: int, n_messages: int) -> tuple[str, object]:
    rng = random.Random(1)
    unit = users.ensure_unit(ctx, "bench", "Bench", "US")
    actor = users.create_user(
        ctx, SYSTEM, username="bench", password="bench-password-1", role=Role.PROSECUTOR,
        unit_id=unit,
    ).actor  # fmt: skip
    ref = "BENCH-EL"
    summary = cases.create_case(
        ctx, actor, reference=ref, title="bench", jurisdiction="US", unit_id=unit
    )
    suspects = [
        cases.add_person(
            ctx,
            actor,
            ref,
            kind="suspect",
            name=f"Suspect {i}",
            identifiers=[("account", f"GB00S{i:05d}"), ("phone", f"+1555100{i:04d}")],
        )
        for i in range(20)
    ]
    victims = [
        cases.add_person(
            ctx,
            actor,
            ref,
            kind="victim",
            name=f"Victim {i}",
            identifiers=[("account", f"RO00V{i:05d}")],
        )
        for i in range(50)
    ]
    for s in suspects:
        for sid in ("us-18-1591", "us-18-1591a2", "palermo-art3"):
            cases.add_charge(ctx, actor, ref, person_id=s.id, statute_id=sid)
    n_docs = max(1, n_assertions // 100)
    now = datetime.now(UTC)
    with ctx.db.session() as session:
        files = []
        for i in range(n_docs + 2):
            f = EvidenceFile(
                case_id=summary.id, sha256=f"{i:064x}", size=1, media_type="text/plain",
                original_name=f"doc_{i}.txt", stored_path="x", source_kind="document",
            )  # fmt: skip
            session.add(f)
            files.append(f)
        session.flush()
        docs = []
        for f in files[:n_docs]:
            d = Document(case_id=summary.id, evidence_file_id=f.id, media_type="text/plain")
            session.add(d)
            docs.append(d)
        session.flush()
        session.execute(
            insert(DocumentPage),
            [
                {"document_id": d.id, "number": 1, "text": "My name is Victim 1. " * 10}
                for d in docs
            ],
        )
        rows = []
        for k in range(n_assertions):
            d = docs[k % n_docs]
            pos = (k // n_docs) * 50
            if k % 2:
                person = rng.choice(suspects + victims)
                rows.append(dict(
                    case_id=summary.id, subject_type="person", subject_id=person.id,
                    predicate="mention", value=str(person.id), evidence_file_id=d.evidence_file_id,
                    locator="page 1", span_start=pos, span_end=pos + 10, quote="x",
                    status="suggested", origin="machine", confidence=1.0, created_at=now,
                ))  # fmt: skip
            else:
                rows.append(dict(
                    case_id=summary.id, subject_type="document", subject_id=d.id,
                    predicate="indicator", value="document_retention",
                    details={"indicator": "document_retention",
                             "concepts": ["means.document_retention", "means.coercion"],
                             "sentence": "He took my passport.", "sentence_span": [pos, pos + 40]},
                    evidence_file_id=d.evidence_file_id, locator="page 1", span_start=pos,
                    span_end=pos + 20, quote="took my passport",
                    status=rng.choice(["suggested", "confirmed", "rejected"]), origin="machine",
                    confidence=0.9, created_at=now,
                ))  # fmt: skip
        for start in range(0, len(rows), 5000):
            session.execute(insert(Assertion), rows[start : start + 5000])
        bank, log = files[-2], files[-1]
        bank.source_kind, log.source_kind = "payment", "message"
        base = datetime(2024, 1, 1, tzinfo=UTC)
        recs = [
            dict(case_id=summary.id, evidence_file_id=bank.id, row_number=i + 2, kind="payment",
                 occurred_at=base + timedelta(minutes=i), source=f"RO00V{i % 50:05d}",
                 target=f"GB00S{i % 20:05d}", amount=100, currency="EUR")
            for i in range(n_payments)
        ] + [
            dict(case_id=summary.id, evidence_file_id=log.id, row_number=i + 2, kind="message",
                 occurred_at=base + timedelta(minutes=i), source=f"+1555100{i % 20:04d}",
                 target="+15550000000", body=MESSAGES[i % 4] + f" #{i % 300}")
            for i in range(n_messages)
        ]  # fmt: skip
        for start in range(0, len(recs), 5000):
            session.execute(insert(Record), recs[start : start + 5000])
    return ref, actor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assertions", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--db", default="sqlite")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-elements-"))
    url = f"sqlite:///{tmp}/palermo.db" if args.db == "sqlite" else args.db
    ctx = Context.create(Settings(data_dir=tmp / "data", database_url=url, secret_key="ab" * 32))
    t = time.perf_counter()
    ref, actor = build(ctx, args.assertions, args.payments, args.messages)
    print(f"built case: {args.assertions:,} assertions, {args.payments:,} payments, "
          f"{args.messages:,} messages in {time.perf_counter() - t:.1f} s")  # fmt: skip
    for label in ("cold", "warm"):
        t = time.perf_counter()
        result = elements.assess(ctx, actor, ref)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t
        cells = sum(len(st.elements) for s in result.suspects for st in s.statutes)
        print(f"assess ({label}): {seconds:.2f} s  facts={result.fact_count:,} "
              f"cells={cells} unattributed={len(result.unattributed):,}")  # fmt: skip


if __name__ == "__main__":
    main()
