"""Memo rendering on a large case: HTML and PDF time for a case with about 1M records.

    python benchmarks/memo.py [--records 1000000] [--keep DIR] [--profile FILE]

Builds an escort-ads case with the simulator, adds its people, phones, accounts and
charges as an investigator would (``tests/network_money/simcase.py``), and loads the
records through the ordinary ingest path into a SQLite database (not timed), so that
every section of the memo (roles, network, money, restitution) has real content.

Then times, each with wall and CPU seconds:

- ``build`` (gathering the sections: elements, network, money, restitution, timeline),
  ``html`` (Jinja2) and ``pdf`` (WeasyPrint) apart, from cold caches;
- ``memo html`` and ``memo pdf``: :func:`export_memo` end to end, from cold caches
  (target: PDF under 10 s on a 1M-record case);
- ``memo pdf, warm``: the PDF right after the HTML, as when a user opens the memo and
  then downloads it (the sections that read every record are cached per case
  fingerprint and viewer).

``--keep DIR`` keeps the database in DIR and reuses it when run again (setup of 1M
records takes about a minute). ``--profile FILE`` writes cProfile stats of a cold PDF
export to FILE (read with ``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from palermo.reports.memo import render_html, render_pdf
from palermo.security.permissions import SYSTEM
from palermo.services import memo, network, users
from palermo.services.context import Context
from palermo.services.memo import build_memo, export_memo
from palermo.settings import Settings
from palermo.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "BENCH-MEMO"


def _simcase() -> Any:
    """The tests' simulated case (people, charges, a linked recruiter), imported from there."""
    sys.path.insert(0, str(ROOT))
    from tests.network_money import simcase

    return simcase


def _setup(ctx: Context, root: Path, records: int) -> None:
    from palermo.services import cases
    from palermo.services.errors import NotFound

    try:
        cases.get_case(ctx, SYSTEM, REFERENCE)
        print("setup: reusing the case in", root)
        return
    except NotFound:
        pass  # not there yet: build it
    unit_id = users.ensure_unit(ctx, "bench", "Benchmark unit", "US")
    started = time.perf_counter()
    simulate("escort_ads", records, 5, root / "sim")
    _simcase().build(ctx, SYSTEM, unit_id, root / "sim", reference=REFERENCE)
    n = cases.record_counts(ctx, SYSTEM, REFERENCE)
    print(f"setup: {sum(n.values()):,} records in {time.perf_counter() - started:.1f} s")


def _cold() -> None:
    # The Network view and the memo's analysis sections are cached per case fingerprint.
    network._views.clear()
    memo._analyses.clear()


@contextmanager
def _timed(label: str, size: Callable[[], int] | None = None) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    extra = f", {size():,} bytes" if size else ""
    print(
        f"{label}: {time.perf_counter() - wall:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep and reuse the database")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile a cold PDF")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        settings = Settings(data_dir=root / "data", secret_key="cd" * 32)
        ctx = Context.create(settings)
        _setup(ctx, root, args.records)
        body: dict[str, Any] = {}

        _cold()
        with _timed("build"):
            built = build_memo(ctx, SYSTEM, REFERENCE)
        with _timed("html", lambda: len(body["html"])):
            body["html"] = render_html(built)
        with _timed("pdf", lambda: len(body["pdf"])):
            body["pdf"] = render_pdf(body["html"])
        for fmt in ("html", "pdf"):
            _cold()
            with _timed(f"memo {fmt}", lambda: len(body["out"])):
                body["out"] = export_memo(ctx, SYSTEM, REFERENCE, fmt=fmt)
        export_memo(ctx, SYSTEM, REFERENCE, fmt="html")
        with _timed("memo pdf, warm", lambda: len(body["out"])):
            body["out"] = export_memo(ctx, SYSTEM, REFERENCE, fmt="pdf")
        if args.profile:
            _cold()
            profiler = cProfile.Profile()
            profiler.runcall(export_memo, ctx, SYSTEM, REFERENCE, fmt="pdf")
            profiler.dump_stats(str(args.profile))
            print("profile written to", args.profile)


if __name__ == "__main__":
    main()
