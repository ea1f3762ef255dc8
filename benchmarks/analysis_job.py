"""The analyse job: what the first reader of each case view waits for, without it and after it.

    .venv/bin/python benchmarks/analysis_job.py [--db PATH]

Builds the demo case DEMO-2024-001 (6,000 records) as ``palermo demo`` does, in a
temporary SQLite database (or reuses ``--db``), then, as the demo prosecutor:

1. cold: every stored view of the case dropped and this process's memory forgotten, the
   first read of each view the pages ask for (elements, network, money, timeline, memo);
2. the analyse job run by a worker (submitted, claimed, run to its end);
3. warm: this process's memory forgotten again (what a web worker that did not run the
   job sees), the first read of each view.

Prints wall and CPU seconds per view; no assertions.
"""

from __future__ import annotations

import argparse
import resource
import secrets
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# The same cold start as the memo benchmark's (run from this folder, as both are).
from memo import drop_stored_views, forget_memory

REFERENCE = "DEMO-2024-001"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _context(db: Path, data: Path) -> Any:
    from palermo.services.context import Context
    from palermo.settings import Settings

    db.parent.mkdir(parents=True, exist_ok=True)
    key_file = db.with_suffix(".key")
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{db}",
        secret_key=key_file.read_text().strip(),
        jobs_in_process=False,
    )
    return Context.create(settings)


def _reads(ctx: Any, actor: Any) -> list[tuple[str, float, float]]:
    from palermo.services import analysis_jobs

    out: list[tuple[str, float, float]] = []
    for name, _label, compute in analysis_jobs.VIEWS:
        wall, cpu = time.perf_counter(), _cpu()
        compute(ctx, actor, REFERENCE)
        out.append((name, time.perf_counter() - wall, _cpu() - cpu))
    return out


def _show(title: str, rows: list[tuple[str, float, float]]) -> None:
    print(title)
    for name, wall, cpu in rows:
        print(f"  {name:10s} {wall:7.3f} s wall {cpu:7.3f} s CPU")
    print(
        f"  {'total':10s} {sum(r[1] for r in rows):7.3f} s wall "
        f"{sum(r[2] for r in rows):7.3f} s CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="a SQLite file to build in (or reuse)")
    args = parser.parse_args()

    from sqlalchemy import select

    from palermo.services import analysis_jobs, jobs
    from palermo.services.demo import DEMO_CASES, build_demo
    from palermo.services.users import get_user
    from palermo.store.models import Case, User

    temp = tempfile.TemporaryDirectory(prefix="palermo-analysis-")
    db = args.db or Path(temp.name) / "bench.db"
    ctx = _context(db, db.parent / "data")
    with ctx.db.session() as session:
        built = session.scalar(select(Case.id).where(Case.reference == REFERENCE))
    if built is None:
        started = time.perf_counter()
        build_demo(ctx, specs=[DEMO_CASES[0]], history_cases=0)
        print(f"demo case {REFERENCE} built in {time.perf_counter() - started:.0f} s")
    with ctx.db.session() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == REFERENCE))
        user_id = session.scalar(select(User.id).where(User.username == "prosecutor"))
    assert case_id is not None and user_id is not None
    actor = get_user(ctx, user_id).actor

    def cold() -> None:
        drop_stored_views(ctx, case_id)
        forget_memory()

    cold()
    _show("first read of each view, nothing stored (no analyse job):", _reads(ctx, actor))

    cold()
    wall, cpu = time.perf_counter(), _cpu()
    job_id, _ = analysis_jobs.submit(ctx, actor, REFERENCE)
    jobs.work(ctx, threading.Event(), until_idle=True)
    view = jobs.get_job(ctx, actor, REFERENCE, job_id)
    print(
        f"analyse job #{job_id}: {view.status} in {time.perf_counter() - wall:.3f} s wall "
        f"{_cpu() - cpu:.3f} s CPU"
    )
    forget_memory()
    _show("first read of each view in a process that did not run the job:", _reads(ctx, actor))
    _show("second read (memory):", _reads(ctx, actor))
    ctx.db.dispose()
    temp.cleanup()


if __name__ == "__main__":
    main()
