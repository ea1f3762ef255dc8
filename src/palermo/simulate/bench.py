"""Measure generation speed: ``python -m palermo.simulate.bench [typology] [size] [out]``.

Prints records per second (wall clock, for the whole run and for the CSV streaming alone)
and per CPU-second of this process, plus a pure-Python calibration loop, because shared
machines can be slowed by other work.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from palermo.simulate import simulate


def calibration() -> float:
    """Seconds for ten million additions in a Python loop (about 0.4 s on a quiet core)."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    typology = argv[0] if argv else "escort_ads"
    size = int(argv[1]) if len(argv) > 1 else 1_000_000
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        marks.setdefault(f"{stage}:start", time.perf_counter())
        marks[f"{stage}:end"] = time.perf_counter()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(argv[2]) if len(argv) > 2 else Path(tmp)
        cpu = time.process_time()
        summary = simulate(typology, size, 1, out, progress=progress)
        cpu = time.process_time() - cpu
    first = min(v for k, v in marks.items() if k.endswith(":start") and "documents" not in k)
    csv_seconds = marks["trips:end"] - first
    print(
        f"{typology}: {summary.records:,} records, {summary.documents} documents "
        f"in {summary.seconds:.1f} s = {summary.records / summary.seconds:,.0f} records/s"
    )
    print(
        f"CSV streaming (after the first progress report): "
        f"{summary.records / csv_seconds:,.0f} records/s"
    )
    # CPU time of this process: what one core does when no other work competes for it
    print(f"CPU time {cpu:.1f} s = {summary.records / cpu:,.0f} records per CPU-second")
    print(f"calibration loop: {calibration():.2f} s (about 0.4 s on a quiet core)")


if __name__ == "__main__":
    main(sys.argv[1:])
