"""The memo of a large case (about 1M records), after its analyse job: HTML and PDF time.

    python benchmarks/memo.py [--records 1000000] [--keep DIR] [--profile FILE]
        [--recompute]

Builds an escort-ads case with the simulator, adds its people, phones, accounts and
charges as an investigator would (``tests/network_money/simcase.py``), and loads the
records through the ordinary ingest path into a SQLite database (not timed), so that
every section of the memo (roles, network, money, restitution) has real content. A
prosecutor (``prosecutor``, a member of the case) is the reader.

Then, with wall and CPU seconds:

1. the case's analyse job, submitted as the prosecutor and run by a worker to its end
   (what a server does after the ingest job): the derived views are computed and stored;
2. this process's memory of every view forgotten (a web worker that did not run the
   job, or a restart), then ``memo html`` and ``memo pdf``: :func:`export_memo` end to
   end, each from cold memory, reading the stored views (target: under 10 s);
   ``build``, ``html`` and ``pdf`` apart, also from cold memory;
3. ``memo pdf, warm``: the PDF right after the HTML (views in memory).

``--recompute`` also times the memo with nothing stored (every view computed at export
time, as before the analyse job existed). ``--keep DIR`` keeps the database in DIR and
reuses it when run again (setup of 1M records takes minutes). ``--profile FILE`` writes
cProfile stats of a cold PDF export to FILE (read with ``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from palermo.reports.memo import render_html, render_memo_pdf
from palermo.security.permissions import SYSTEM, Actor, Role
from palermo.services import users
from palermo.services.context import Context
from palermo.services.memo import build_memo, export_memo
from palermo.settings import Settings
from palermo.simulate import simulate
from palermo.store.models.derived import DerivedView

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "BENCH-MEMO"
READER = "prosecutor"
PASSWORD = "bench-memo-prosecutor-2024"  # a local benchmark database's only reader


def _simcase() -> Any:
    """The tests' simulated case (people, charges, a linked recruiter), imported from there."""
    sys.path.insert(0, str(ROOT))
    from tests.network_money import simcase

    return simcase


def context(root: Path) -> Context:
    """The benchmark's database in ``root`` (also read by ``case_pages.py --memo-case``)."""
    settings = Settings(data_dir=root / "data", secret_key="cd" * 32, jobs_in_process=False)
    return Context.create(settings)


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


def reader(ctx: Context) -> Actor:
    """The case's prosecutor (made a member of the case on first use)."""
    from palermo.services import cases
    from palermo.store.models import Case, CaseMember, User

    with ctx.db.session() as session:
        user_id = session.scalar(select(User.id).where(User.username == READER))
    if user_id is None:
        unit_id = users.ensure_unit(ctx, "bench", "Benchmark unit", "US")
        user_id = users.create_user(
            ctx, SYSTEM, username=READER, password=PASSWORD, role=Role.PROSECUTOR, unit_id=unit_id
        ).id
    with ctx.db.session() as session:
        member = session.scalar(
            select(CaseMember.user_id)
            .join(Case, Case.id == CaseMember.case_id)
            .where(Case.reference == REFERENCE, CaseMember.user_id == user_id)
        )
    if member is None:
        cases.add_member(ctx, SYSTEM, REFERENCE, READER)
    return users.get_user(ctx, user_id).actor


def forget_memory() -> None:
    """Forget every view this process holds (the stored ones stay), as a restart would."""
    from palermo.services import derived_views, memo, timeline

    derived_views.forget_memory()
    timeline._pages.clear()
    for rendered in (memo._redactors, memo._rendered, memo._rendered_fresh):
        rendered.clear()


def drop_stored_views(ctx: Context, case_id: int) -> None:
    """Drop every stored view of the case (its ``derived_views`` rows): each is computed
    again when next read."""
    with ctx.db.session() as session:
        session.execute(delete(DerivedView).where(DerivedView.case_id == case_id))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def _timed(label: str, size: Callable[[], int] | None = None) -> Iterator[None]:
    wall, cpu = time.perf_counter(), _cpu()
    yield
    extra = f", {size():,} bytes" if size else ""
    print(
        f"{label}: {time.perf_counter() - wall:.2f} s wall, {_cpu() - cpu:.2f} s CPU{extra}"
        f" (load average {os.getloadavg()[0]:.1f})",
        flush=True,
    )


def _analyse(ctx: Context, actor: Actor) -> None:
    """The analyse job, as a server runs it after an ingest job: submitted, then run by a
    worker of the queue to its end."""
    from palermo.services import analysis_jobs, jobs

    forget_memory()
    with _timed("analyse job"):
        job_id, _ = analysis_jobs.submit(ctx, actor, REFERENCE)
        jobs.work(ctx, threading.Event(), until_idle=True)
    view = jobs.get_job(ctx, actor, REFERENCE, job_id)
    print(f"  job #{job_id}: {view.status}; {view.result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep and reuse the database")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile a cold PDF")
    parser.add_argument(
        "--recompute", action="store_true", help="also time the memo with nothing stored"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        ctx = context(root)
        _setup(ctx, root, args.records)
        actor = reader(ctx)
        body: dict[str, Any] = {}

        if args.recompute:
            from palermo.services import cases

            drop_stored_views(ctx, cases.case_id_for(ctx, actor, REFERENCE))
            forget_memory()
            with _timed("memo pdf, nothing stored", lambda: len(body["out"])):
                body["out"] = export_memo(ctx, actor, REFERENCE, fmt="pdf")

        _analyse(ctx, actor)
        for fmt in ("html", "pdf"):
            forget_memory()
            with _timed(f"memo {fmt}, cold", lambda: len(body["out"])):
                body["out"] = export_memo(ctx, actor, REFERENCE, fmt=fmt)
        with _timed("memo pdf, warm", lambda: len(body["out"])):
            body["out"] = export_memo(ctx, actor, REFERENCE, fmt="pdf")

        forget_memory()
        with _timed("  of which build, cold"):
            built = build_memo(ctx, actor, REFERENCE)
        with _timed("  of which html", lambda: len(body["html"])):
            body["html"] = render_html(built)
        with _timed("  of which pdf (layout and write)", lambda: len(body["pdf"])):
            body["pdf"] = render_memo_pdf(built)
        if args.profile:
            forget_memory()
            profiler = cProfile.Profile()
            profiler.runcall(export_memo, ctx, actor, REFERENCE, fmt="pdf")
            profiler.dump_stats(str(args.profile))
            print("profile written to", args.profile)
        ctx.db.dispose()


if __name__ == "__main__":
    main()
