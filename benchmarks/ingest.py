"""Structured ingest benchmark: records/s into SQLite and PostgreSQL, side by side
with `ftm map-csv`.

    .venv/bin/python benchmarks/ingest.py                      # 1M calls + 1M payments
    .venv/bin/python benchmarks/ingest.py --calls 200000 --payments 200000 --ftm-sample 20000 \\
        --db both --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/palermo_bench

1. Generates calls.csv and payments.csv with the simulator (``palermo.simulate``).
2. For each backend (``--db``): ingests both through the service (``ingest_path``) into a
   fresh database (SQLite in a temporary data directory; the PostgreSQL database at
   ``--postgres-url`` is EMPTIED first, and made when the server has none of that name:
   give it a database of its own) holding a small
   second case: hashing and copying into the evidence store, parsing, normalising,
   encryption, bulk insert (SQLite batches, PostgreSQL COPY), identifiers and their
   search keys, audit, commit. Prints records/s end to end, with the CPU seconds of this
   process, of its reading worker (large files are read and sealed by a second process
   while this one inserts: ``palermo.ingest.pipeline``; ``PALERMO_INGEST_WORKER=0``
   reads them in this process; ``--worker on`` or ``off`` holds every run to one path,
   where the default decides by the load average) and, on PostgreSQL, of the database's
   server processes.
3. Per-case organisation: times a page of the small case's records (``list_records``)
   and its record counts before and after the large load.
4. Maps a sample of the same payments.csv to FollowTheMoney with
   ``ftm map-csv benchmarks/ftm_payments.yml`` (Payment + payer/beneficiary
   LegalEntity and BankAccount) and ingests the same sample with Palermo on each
   backend; prints rows/s of each and the ratio. FtM's start-up time (measured on a
   one-row file) is reported and subtracted, so the ratio compares steady-state
   throughput.

Needs ``followthemoney`` (4.x) for step 4, in this virtualenv or another one named with
``--ftm`` (the path of its ``ftm`` command); the product never imports it.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict

import sqlalchemy as sa

from palermo.security.permissions import SYSTEM, Actor
from palermo.services import cases, users
from palermo.services.context import Context
from palermo.services.ingest import IngestReport, ingest_path
from palermo.settings import Settings
from palermo.simulate import simulate
from palermo.store.models import Role

HERE = Path(__file__).resolve().parent
MAPPING = HERE / "ftm_payments.yml"
SECRET = "cd" * 32
BIG, SMALL = "BENCH-1", "SMALL-1"
SMALL_ROWS = 2_000
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/palermo_bench_ingest"


@dataclass(frozen=True)
class Backend:
    name: str  # "SQLite" or "PostgreSQL"
    url: str | None  # None: SQLite in the data directory


@dataclass(frozen=True)
class Run:
    report: IngestReport
    seconds: float
    cpu: float  # this process (SQLite runs in it)
    server_cpu: float  # PostgreSQL's processes serving this database; 0 on SQLite
    reader_cpu: float = 0.0  # this process's children: the reading worker of large files

    @property
    def total_cpu(self) -> float:
        return self.cpu + self.server_cpu + self.reader_cpu


def _reset_postgres(url: str) -> None:
    """Empty the benchmark's own PostgreSQL database (a fresh schema every run), made
    first when the server does not have it."""
    _create_database(url)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _create_database(url: str) -> None:
    """CREATE DATABASE for ``url``'s database when the server has none of that name,
    connected to the server's own ``postgres`` database."""
    target = sa.make_url(url)
    name = target.database
    if not name:
        raise SystemExit(f"--postgres-url names no database: {url}")
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            found = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if found is None:
                quoted = connection.dialect.identifier_preparer.quote(name)
                connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
                print(f"created the PostgreSQL database {name}")
    finally:
        engine.dispose()


class _Chosen(TypedDict, total=False):
    """Settings this benchmark sets only when asked (else as configured)."""

    ingest_worker: bool


def _fresh_context(
    data_dir: Path, backend: Backend, worker: bool | None = None
) -> tuple[Context, Actor]:
    shutil.rmtree(data_dir, ignore_errors=True)  # a fresh database every run
    if backend.url is not None:
        _reset_postgres(backend.url)
    # The reading worker as configured (PALERMO_INGEST_WORKER), unless --worker says.
    chosen: _Chosen = {} if worker is None else {"ingest_worker": worker}
    settings = Settings(data_dir=data_dir, database_url=backend.url, secret_key=SECRET, **chosen)
    ctx = Context.create(settings)  # migrates the new database
    unit_id = users.ensure_unit(ctx, "bench", "Benchmark unit", "US")
    actor = users.create_user(
        ctx,
        SYSTEM,
        username="bench",
        password="benchmark password",
        role=Role.PROSECUTOR,
        unit_id=unit_id,
    ).actor
    for reference in (BIG, SMALL):
        cases.create_case(
            ctx,
            actor,
            reference=reference,
            title="Ingest benchmark",
            jurisdiction="US",
            unit_id=unit_id,
            typology="escort_ads",
            statutes=["us-18-1591"],
        )
    return ctx, actor


def _server_cpu(ctx: Context) -> float:
    """CPU seconds used so far by the PostgreSQL processes serving this database (its
    backends, found by their process title); 0 when the server is not on this machine."""
    name = ctx.db.engine.url.database
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if not title.startswith("postgres:") or f" {name} " not in f"{title} ":
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def _children_cpu() -> float:
    """CPU seconds of this process's descendants, live (read from /proc: the ingest's
    reading worker stays up between files) and ended."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    mine, grew = {os.getpid()}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in mine} - mine
        grew = bool(found)
        mine |= found
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = sum(times.get(pid, 0.0) for pid in mine if pid != os.getpid())
    return live + ended.ru_utime + ended.ru_stime


def _ingest(ctx: Context, actor: Actor, reference: str, folder: Path) -> Run:
    """Wall-clock and CPU seconds of one ingest run."""
    postgres = ctx.db.dialect == "postgresql"
    server = _server_cpu(ctx) if postgres else 0.0
    children = _children_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    report = ingest_path(ctx, actor, reference, folder)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    server = _server_cpu(ctx) - server if postgres else 0.0
    children = _children_cpu() - children
    failed = [f for f in report.files if f.status != "loaded"]
    if failed:
        raise SystemExit(f"ingest did not load everything: {failed}")
    return Run(report, seconds, cpu, server, children)


def _median_ms(call: Callable[[], object], repeat: int = 21) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _small_case_ms(ctx: Context, actor: Actor) -> tuple[float, float]:
    """Median milliseconds of a records page and of the record counts of the small case."""
    page = _median_ms(lambda: cases.list_records(ctx, actor, SMALL, per_page=50))
    counts = _median_ms(lambda: cases.record_counts(ctx, actor, SMALL))
    return page, counts


def _small_case_plan(ctx: Context) -> str:
    """How the database reads the small case's records: the index it uses (leading with
    case_id), so the large case's rows are not read at all."""
    sql = (
        "SELECT kind, count(*) FROM records WHERE case_id = "
        f"(SELECT id FROM cases WHERE reference = '{SMALL}') GROUP BY kind"
    )
    with ctx.db.engine.connect() as connection:
        if ctx.db.dialect == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            return "; ".join(str(row[-1]) for row in rows)
        plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}").scalar_one()

    def walk(node: dict[str, Any]) -> list[str]:
        found = []
        if "Index Name" in node:
            found.append(f"{node['Node Type']} on {node['Index Name']}: {node['Actual Rows']} rows")
        for child in node.get("Plans", []):
            found.extend(walk(child))
        return found

    return "; ".join(walk(plan[0]["Plan"]))


def _describe(run: Run, backend: Backend) -> str:
    records = run.report.records
    cpu = f"{run.cpu:.2f} s CPU in this process"
    if run.reader_cpu:
        cpu += f" + {run.reader_cpu:.2f} s in its reading worker"
    if run.server_cpu:
        cpu += f" + {run.server_cpu:.2f} s in the server"
    if run.reader_cpu or run.server_cpu:
        cpu += f" = {run.total_cpu:.2f} s"
    return (
        f"palermo ingest into {backend.name}: {records:,} records in {run.seconds:.2f} s "
        f"= {records / run.seconds:,.0f} records/s end to end "
        f"({cpu}; {records / run.total_cpu:,.0f} records per CPU-second; {_load()})"
    )


def _load() -> str:
    """The machine's load: wall-clock rates mean little when other work shares the CPUs."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"


def _head(source: Path, target: Path, rows: int) -> int:
    """Copy the header and the first ``rows`` rows of a CSV; returns the rows copied."""
    copied = 0
    with (
        source.open(encoding="utf-8", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        dst.write(src.readline())
        for line in src:
            if copied >= rows:
                break
            dst.write(line)
            copied += 1
    return copied


def _find_ftm(given: str | None) -> str:
    ftm = given or shutil.which("ftm", path=str(Path(sys.executable).parent)) or shutil.which("ftm")
    # Checked before the runs, not after minutes of them: a --ftm that is not there.
    if ftm is None or shutil.which(ftm) is None:
        raise SystemExit(
            "ftm not found: pip install 'followthemoney>=4' into this virtualenv or another "
            "one and name its ftm command with --ftm (or use --skip-ftm)"
        )
    return ftm


def _ftm_seconds(ftm: str, csv_path: Path, out: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one ``ftm map-csv`` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [ftm, "map-csv", str(MAPPING), "-i", str(csv_path), "-o", str(out)],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def _generated(structured: Path, calls: int, payments: int) -> bool:
    """Whether ``structured`` already holds CSVs of these sizes (a kept --workdir)."""
    for name, rows in (("calls.csv", calls), ("payments.csv", payments)):
        path = structured / name
        if not path.exists():
            return False
        with path.open("rb") as handle:
            if (
                sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
                != rows + 1
            ):
                return False
    return True


def _generate(args: argparse.Namespace, work: Path, structured: Path) -> None:
    structured.mkdir(parents=True, exist_ok=True)
    if args.generator == "builtin":
        _builtin_calls(structured / "calls.csv", args.calls, args.seed)
        _builtin_payments(structured / "payments.csv", args.payments, args.seed)
        return
    sim_dir = work / "simulated"
    # ``size`` sets the case's population; ``counts`` the number of records written.
    simulate(
        args.typology,
        args.size,
        args.seed,
        sim_dir,
        counts={"calls": args.calls, "payments": args.payments, "messages": 0, "trips": 0},
    )
    for name in ("calls.csv", "payments.csv"):
        shutil.move(str(sim_dir / name), structured / name)


def _builtin_calls(path: Path, rows: int, seed: int) -> None:
    """The simulator's calls.csv columns, random but repetitive like real CDRs."""
    rng = random.Random(seed)
    phones = [f"+1{rng.randint(201, 989)}{rng.randint(2000000, 9999999)}" for _ in range(20_000)]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("call_id,started_at,caller,callee,duration_s,cell_id\n")
        start = datetime(2023, 6, 1, tzinfo=UTC)
        for i in range(rows):
            when = (start + timedelta(seconds=i * 13)).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.write(
                f"CL{i + 1:09d},{when},{rng.choice(phones)},{rng.choice(phones)},"
                f"{rng.randint(0, 900)},310-02-{rng.randint(1000, 9999)}-{i % 50000}\n"
            )


def _builtin_payments(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed + 1)
    accounts = [(f"{rng.randint(10**9, 10**10 - 1)}", f"Person {n}") for n in range(20_000)]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "transaction_id,booked_at,payer_account,payer_name,payee_account,payee_name,"
            "amount,currency,channel,country_from,country_to,reference\n"
        )
        start = datetime(2023, 6, 1, tzinfo=UTC)
        for i in range(rows):
            when = (start + timedelta(seconds=i * 17)).strftime("%Y-%m-%dT%H:%M:%SZ")
            (payer, payer_name), (payee, payee_name) = rng.choice(accounts), rng.choice(accounts)
            out.write(
                f"TX{i + 1:09d},{when},{payer},{payer_name},{payee},{payee_name},"
                f"{rng.randint(100, 500000) / 100:.2f},USD,bank,US,US,rent\n"
            )


def _small_file(folder: Path) -> Path:
    """A small calls file for the second case (its own numbers)."""
    folder.mkdir(parents=True, exist_ok=True)
    _builtin_calls(folder / "small-calls.csv", SMALL_ROWS, seed=99)
    return folder


def _backends(args: argparse.Namespace) -> list[Backend]:
    wanted = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    return [
        Backend("SQLite", None) if name == "sqlite" else Backend("PostgreSQL", args.postgres_url)
        for name in wanted
    ]


def _full_run(work: Path, structured: Path, backend: Backend, worker: bool | None) -> Run:
    ctx, actor = _fresh_context(work / f"data-full-{backend.name.lower()}", backend, worker)
    try:
        _ingest(ctx, actor, SMALL, _small_file(work / "small"))
        page_before, counts_before = _small_case_ms(ctx, actor)
        run = _ingest(ctx, actor, BIG, structured)
        print(_describe(run, backend), flush=True)
        for outcome in run.report.files:
            print(f"  {outcome.name}: {outcome.records:,} records", flush=True)
        page_after, counts_after = _small_case_ms(ctx, actor)
        print(
            f"  another case of {SMALL_ROWS:,} records, median of 21: a page of its records "
            f"{page_before:.1f} ms before the large load, {page_after:.1f} ms after; its "
            f"record counts {counts_before:.1f} ms before, {counts_after:.1f} ms after",
            flush=True,
        )
        print(f"  its record counts read: {_small_case_plan(ctx)}", flush=True)
        return run
    finally:
        ctx.db.dispose()


def _sample_run(work: Path, sample_dir: Path, backend: Backend, worker: bool | None) -> Run:
    ctx, actor = _fresh_context(work / f"data-sample-{backend.name.lower()}", backend, worker)
    try:
        return _ingest(ctx, actor, BIG, sample_dir)
    finally:
        ctx.db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument(
        "--db",
        choices=["sqlite", "postgresql", "both"],
        default="both",
        help="the backends to measure, one after the other in this run",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_PG,
        help="a PostgreSQL database of the benchmark's own: it is emptied before each run",
    )
    parser.add_argument(
        "--ftm-sample",
        type=int,
        default=100_000,
        help="payments rows mapped with ftm map-csv (and ingested alongside)",
    )
    parser.add_argument("--ftm", default=None, help="the ftm command (default: on the PATH)")
    parser.add_argument("--typology", default="escort_ads")
    parser.add_argument(
        "--size",
        type=int,
        default=400_000,
        help="simulated case size (its population of people, phones and "
        "accounts); --calls/--payments set the record counts",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="keep files here instead of a temporary folder"
    )
    parser.add_argument("--skip-ftm", action="store_true")
    parser.add_argument(
        "--worker",
        choices=["auto", "on", "off"],
        default="auto",
        help="read large files in a second process: as configured (auto: when the load "
        "average leaves a CPU free, unless PALERMO_INGEST_WORKER says), always, or never; "
        "on a shared machine, on or off compares runs on the same path",
    )
    parser.add_argument(
        "--generator",
        choices=["simulate", "builtin"],
        default="simulate",
        help="palermo.simulate (default) or a fast built-in generator with the same columns",
    )
    args = parser.parse_args(argv)
    backends = _backends(args)
    worker = {"auto": None, "on": True, "off": False}[args.worker]
    ftm = None if args.skip_ftm else _find_ftm(args.ftm)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="palermo-bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        structured = work / "structured"
        started = time.perf_counter()
        if _generated(structured, args.calls, args.payments):
            print(f"reusing the CSVs in {structured}", flush=True)
        else:
            _generate(args, work, structured)
            size = sum(p.stat().st_size for p in structured.iterdir())
            print(
                f"generated {args.calls:,} calls + {args.payments:,} payments "
                f"({size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s",
                flush=True,
            )

        full = {backend.name: _full_run(work, structured, backend, worker) for backend in backends}
        if ftm is None:
            return 0
        sample_dir = work / "sample"
        sample_dir.mkdir(exist_ok=True)
        sample = sample_dir / "payments.csv"
        rows = _head(structured / "payments.csv", sample, args.ftm_sample)
        one_row = work / "one-row.csv"
        _head(structured / "payments.csv", one_row, 1)

        ours = {b.name: _sample_run(work, sample_dir, b, worker) for b in backends}
        startup, startup_cpu = _ftm_seconds(ftm, one_row, work / "one-row.ftm")
        theirs, theirs_cpu = _ftm_seconds(ftm, sample, work / "sample.ftm")
        entities = sum(1 for _ in (work / "sample.ftm").open())
        steady = max(theirs - startup, 1e-9)
        steady_cpu = max(theirs_cpu - startup_cpu, 1e-9)
        print(f"same {rows:,} payment rows, side by side ({_load()}):", flush=True)
        print(
            f"  ftm map-csv ({entities:,} entities): {theirs:.2f} s "
            f"= {rows / theirs:,.0f} rows/s ({theirs_cpu:.2f} s CPU); without its "
            f"{startup:.2f} s start-up ({startup_cpu:.2f} s CPU) {rows / steady:,.0f} rows/s",
            flush=True,
        )
        for name, run in ours.items():
            print(
                f"  palermo ingest ({name}, end to end): {run.seconds:.2f} s = "
                f"{rows / run.seconds:,.0f} rows/s ({run.total_cpu:.2f} s CPU)",
                flush=True,
            )
            print(
                f"    ratio palermo / ftm, wall clock: {theirs / run.seconds:.1f}x "
                f"(ftm start-up excluded: {steady / run.seconds:.1f}x); CPU time: "
                f"{theirs_cpu / run.total_cpu:.1f}x (start-up excluded: "
                f"{steady_cpu / run.total_cpu:.1f}x)",
                flush=True,
            )
            big = full[name]
            print(
                f"    full-run rate / ftm steady rate: wall clock "
                f"{(big.report.records / big.seconds) / (rows / steady):.1f}x, CPU "
                f"{(big.report.records / big.total_cpu) / (rows / steady_cpu):.1f}x",
                flush=True,
            )
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
