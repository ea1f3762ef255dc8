"""Time the Network and Money services on a simulated case of about N records.

    .venv/bin/python benchmarks/network_money.py [records] [--db URL]

Simulates an escort-ads case, loads it through the ordinary ingest path into a fresh
SQLite database (or the URL given), then prints the seconds of each service call.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from palermo.security.permissions import SYSTEM
from palermo.services import money, network, users
from palermo.services.context import Context
from palermo.settings import Settings
from palermo.store.models import Role

ROOT = Path(__file__).resolve().parents[1]


def _simcase() -> Any:
    """The tests' simulated case (people, charges, a linked recruiter), imported from there."""
    sys.path.insert(0, str(ROOT))
    from tests.network_money import simcase

    return simcase


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("records", nargs="?", type=int, default=50_000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="palermo-bench-nm-"))
    url = args.db or f"sqlite:///{work / 'palermo.db'}"
    ctx = Context.create(
        Settings(data_dir=work / "data", database_url=url, secret_key="ab" * 32), migrate=True
    )
    sim = _simcase()
    unit = users.ensure_unit(ctx, "bench", "Bench", "US")
    actor = users.create_user(
        ctx,
        SYSTEM,
        username="bench-prosecutor",
        password="a long bench password",
        role=Role.PROSECUTOR,
        unit_id=unit,
    ).actor
    from palermo.simulate import simulate

    clock = time.perf_counter()
    simulate("escort_ads", args.records, 5, work / "sim")
    sim_s = time.perf_counter() - clock
    clock = time.perf_counter()
    case = sim.build(ctx, actor, unit, work / "sim", reference="BENCH-NM")
    load_s = time.perf_counter() - clock
    with ctx.db.session() as session:
        from sqlalchemy import func, select

        from palermo.store.models import Record

        n = session.scalar(select(func.count()).select_from(Record))
    print(f"records in the case: {n:,} (simulated in {sim_s:.1f} s, ingested in {load_s:.1f} s)")
    for label, call in (
        ("network_view", lambda: network.network_view(ctx, actor, case.reference)),
        ("money_view", lambda: money.money_view(ctx, actor, case.reference)),
        (
            "trace_money",
            lambda: money.trace_money(ctx, actor, case.reference, seed=str(case.ids["P07"])),
        ),
    ):
        times = []
        result = None
        for _ in range(3):
            clock = time.perf_counter()
            result = call()
            times.append(time.perf_counter() - clock)
        steps = getattr(result, "seconds", {})
        print(f"{label:>13}: best {min(times):.2f} s, worst {max(times):.2f} s  {steps}")


if __name__ == "__main__":
    main()
