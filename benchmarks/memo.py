"""Memo rendering on a large case: HTML and PDF time for a case with about 1M records.

    python benchmarks/memo.py [--records 1000000]

Builds the case with the simulator and the ordinary ingest path into a temporary
SQLite database (not timed), then times memo HTML and PDF rendering (target: PDF
under 10 s).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from palermo.security.permissions import SYSTEM
from palermo.services import cases, ingest, users
from palermo.services.context import Context
from palermo.services.memo import export_memo
from palermo.settings import Settings
from palermo.simulate import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(data_dir=root / "data", secret_key="cd" * 32)
        ctx = Context.create(settings)
        unit_id = users.ensure_unit(ctx, "bench", "Benchmark unit")
        cases.create_case(
            ctx,
            SYSTEM,
            reference="BENCH-MEMO",
            title="Memo benchmark",
            jurisdiction="US",
            unit_id=unit_id,
            statutes=["us-18-1591"],
        )
        started = time.perf_counter()
        simulate("escort_ads", args.records, 5, root / "sim")
        report = ingest.ingest_path(ctx, SYSTEM, "BENCH-MEMO", root / "sim")
        print(f"setup: {report.records:,} records in {time.perf_counter() - started:.1f} s")
        for fmt in ("html", "pdf"):
            started = time.perf_counter()
            body = export_memo(ctx, SYSTEM, "BENCH-MEMO", fmt=fmt)
            print(f"memo {fmt}: {time.perf_counter() - started:.2f} s, {len(body):,} bytes")


if __name__ == "__main__":
    main()
