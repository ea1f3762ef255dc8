"""Structured ingest benchmark: records/s into SQLite, side by side with `ftm map-csv`.

    .venv/bin/python benchmarks/ingest.py                      # 1M calls + 1M payments
    .venv/bin/python benchmarks/ingest.py --calls 200000 --payments 200000 --ftm-sample 20000

1. Generates calls.csv and payments.csv with the simulator (``palermo.simulate``).
2. Ingests both through the service (``ingest_path``) into a fresh SQLite database
   in a temporary data directory: hashing and copying into the evidence store,
   parsing, normalising, bulk insert with the record indexes in place, identifiers,
   audit, commit. Prints records/s end to end.
3. Maps a sample of the same payments.csv to FollowTheMoney with
   ``ftm map-csv benchmarks/ftm_payments.yml`` (Payment + payer/beneficiary
   LegalEntity and BankAccount) and ingests the same sample with Palermo; prints
   rows/s of each and the ratio. FtM's start-up time (measured on a one-row file) is
   reported and subtracted, so the ratio compares steady-state throughput.

Needs ``followthemoney`` (4.x) in the virtualenv for step 3; the product never imports it.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


def _fresh_case(data_dir: Path, reference: str) -> tuple[Context, Actor]:
    settings = Settings(data_dir=data_dir, secret_key=SECRET)
    ctx = Context.create(settings)  # migrates a new SQLite database
    unit_id = users.ensure_unit(ctx, "bench", "Benchmark unit", "US")
    actor = users.create_user(
        ctx,
        SYSTEM,
        username="bench",
        password="benchmark password",
        role=Role.PROSECUTOR,
        unit_id=unit_id,
    ).actor
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


def _ingest(data_dir: Path, folder: Path) -> tuple[IngestReport, float, float]:
    """Wall-clock and CPU seconds (this process; SQLite runs in it) of one ingest run."""
    shutil.rmtree(data_dir, ignore_errors=True)  # a fresh database every run
    ctx, actor = _fresh_case(data_dir, "BENCH-1")
    try:
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest_path(ctx, actor, "BENCH-1", folder)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        ctx.db.dispose()
    failed = [f for f in report.files if f.status != "loaded"]
    if failed:
        raise SystemExit(f"ingest did not load everything: {failed}")
    return report, seconds, cpu


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


def _ftm_seconds(csv_path: Path, out: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one ``ftm map-csv`` run."""
    ftm = shutil.which("ftm", path=str(Path(sys.executable).parent)) or shutil.which("ftm")
    if ftm is None:
        raise SystemExit("ftm not found: pip install 'followthemoney>=4' into the virtualenv")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument(
        "--ftm-sample",
        type=int,
        default=100_000,
        help="payments rows mapped with ftm map-csv (and ingested alongside)",
    )
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
        "--generator",
        choices=["simulate", "builtin"],
        default="simulate",
        help="palermo.simulate (default) or a fast built-in generator with the same columns",
    )
    args = parser.parse_args(argv)

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

        report, seconds, cpu = _ingest(work / "data-full", structured)
        print(
            f"palermo ingest into SQLite: {report.records:,} records in {seconds:.2f} s "
            f"= {report.records / seconds:,.0f} records/s end to end "
            f"({cpu:.2f} s CPU = {report.records / cpu:,.0f} records per CPU-second)",
            flush=True,
        )
        for outcome in report.files:
            print(f"  {outcome.name}: {outcome.records:,} records", flush=True)

        if args.skip_ftm:
            return 0
        sample_dir = work / "sample"
        sample_dir.mkdir(exist_ok=True)
        sample = sample_dir / "payments.csv"
        rows = _head(structured / "payments.csv", sample, args.ftm_sample)
        one_row = work / "one-row.csv"
        _head(structured / "payments.csv", one_row, 1)

        _, ours, ours_cpu = _ingest(work / "data-sample", sample_dir)
        startup, startup_cpu = _ftm_seconds(one_row, work / "one-row.ftm")
        theirs, theirs_cpu = _ftm_seconds(sample, work / "sample.ftm")
        entities = sum(1 for _ in (work / "sample.ftm").open())
        steady = max(theirs - startup, 1e-9)
        steady_cpu = max(theirs_cpu - startup_cpu, 1e-9)
        print(f"same {rows:,} payment rows, side by side:", flush=True)
        print(
            f"  palermo ingest (SQLite, end to end): {ours:.2f} s = {rows / ours:,.0f} rows/s"
            f" ({ours_cpu:.2f} s CPU)",
            flush=True,
        )
        print(
            f"  ftm map-csv ({entities:,} entities): {theirs:.2f} s "
            f"= {rows / theirs:,.0f} rows/s ({theirs_cpu:.2f} s CPU); without its "
            f"{startup:.2f} s start-up {rows / steady:,.0f} rows/s",
            flush=True,
        )
        print(
            f"  ratio palermo / ftm, wall clock: {theirs / ours:.1f}x "
            f"(ftm start-up excluded: {steady / ours:.1f}x)",
            flush=True,
        )
        print(
            f"  ratio palermo / ftm, CPU time: {theirs_cpu / ours_cpu:.1f}x "
            f"(ftm start-up excluded: {steady_cpu / ours_cpu:.1f}x)",
            flush=True,
        )
        full_ratio = (report.records / seconds) / (rows / steady)
        print(f"  full-run rate / ftm steady rate (wall clock): {full_ratio:.1f}x", flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
