"""Kill a job worker with SIGKILL again and again during an ingest job; print whether the
job completes with every record exactly once, and what the kills cost.

    .venv/bin/python benchmarks/jobs_restart.py                       # SQLite, 20 kills
    .venv/bin/python benchmarks/jobs_restart.py --kills 20 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/palermo_bench_jobs

The PostgreSQL database must exist and be empty (it is migrated here). One upload of
``--files`` call-record CSVs of ``--rows`` rows each is queued as a job; a worker
process (``palermo worker``) is started, killed with SIGKILL as soon as it has loaded
one more file than before, and started again, ``--kills`` times; then a last worker runs
the job to its end.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from palermo.security.permissions import SYSTEM
from palermo.services import cases, ingest_jobs, users
from palermo.services.context import Context
from palermo.settings import Settings
from palermo.store.models import Record, Role
from palermo.store.models.jobs import Job

RUN_CLI = "from palermo.cli.main import app; app()"


def call_files(files: int, rows: int) -> list[tuple[str | None, io.BytesIO]]:
    out: list[tuple[str | None, io.BytesIO]] = []
    for f in range(files):
        lines = ["call_id,started_at,caller,callee,duration_s,cell_id"]
        for r in range(rows):
            lines.append(
                f"F{f}-C{r},2024-03-{1 + f % 28:02d}T{10 + r // 60 % 12:02d}:{r % 60:02d}:00Z,"
                f"+1202555{f:04d},+1202666{r % 10000:04d},{r % 300},CELL-{r % 7}"
            )
        out.append((f"calls-{f:03d}.csv", io.BytesIO(("\n".join(lines) + "\n").encode())))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="palermo-jobs-bench-"))
    settings = Settings(
        data_dir=data_dir,
        database_url=args.database_url,
        secret_key="cd" * 32,
        jobs_in_process=False,
    )
    ctx = Context.create(settings)
    unit = users.ensure_unit(ctx, "bench", "Bench", "US")
    user = users.create_user(
        ctx,
        SYSTEM,
        username="bench",
        password="bench-password",
        role=Role.PROSECUTOR,
        unit_id=unit,
    )
    case = cases.create_case(
        ctx,
        user.actor,
        reference="BENCH-1",
        title="Restart benchmark",
        jurisdiction="US",
        unit_id=unit,
    )
    job_id = ingest_jobs.submit_upload(
        ctx, user.actor, case.reference, call_files(args.files, args.rows)
    )
    expected = args.files * args.rows
    env = {
        **os.environ,
        "PALERMO_DATA_DIR": str(data_dir),
        "PALERMO_DATABASE_URL": settings.resolved_database_url,
        "PALERMO_SECRET_KEY": str(settings.secret_key),
    }

    def records() -> int:
        with ctx.db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Record)) or 0)

    def worker(*extra: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", RUN_CLI, "worker", "--poll", "0.1", *extra],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    started = time.perf_counter()
    seen, kills, at = 0, 0, []
    while kills < args.kills:
        process = worker()
        while records() <= seen and process.poll() is None:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        seen = records()
        if seen >= expected:
            break
        kills += 1
        at.append(seen)
    final = worker("--once")
    final.wait()
    seconds = time.perf_counter() - started
    with ctx.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        loaded = int(session.scalar(select(func.count()).select_from(Record)) or 0)
        distinct = int(
            session.scalar(
                select(func.count()).select_from(
                    select(Record.evidence_file_id, Record.row_number).distinct().subquery()
                )
            )
            or 0
        )
    print(f"database: {ctx.db.dialect}")
    print(f"kills: {kills} (records loaded at each kill: {at})")
    print(f"job status: {job.status}, runs: {job.attempts}")
    print(f"records expected {expected:,}, loaded {loaded:,}, distinct {distinct:,}")
    print(f"duplicates: {loaded - distinct}, missing: {expected - distinct}")
    print(f"wall time with kills and restarts: {seconds:.1f} s")
    ok = job.status == "done" and loaded == distinct == expected and kills == args.kills
    print("OK" if ok else "NOT OK")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
