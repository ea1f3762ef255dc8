"""National linkage benchmark: N simulated people across M cases, linked across cases
with the shipped resolution model on DuckDB and on Spark (local mode); prints time,
CPU time, peak memory and F1 on the simulated truth (run on demand).

    .venv/bin/python benchmarks/national_linkage.py --n 100000 --cases 1000
    .venv/bin/python benchmarks/national_linkage.py --n 1000000 --cases 10000 --engines duckdb
    .venv/bin/python benchmarks/national_linkage.py --n 100000 --spark-master local[2]

People come from :func:`palermo.analysis.resolution.synthetic.synthetic_people` (1-5
records per person, realistic corruption); each record is put in one of ``--cases``
cases at random, so most of a person's records are in different cases. The pairs in
scope are those of records of two different cases; a true pair is two records of one
simulated person in two cases (the answer key is read only to score).

Each engine runs in a child process on the same features file (written once, timed
apart as "featurise"): wall time, CPU time of the child and its descendants (Spark's
JVM and Python workers included, read from /proc), and the peak of their summed
resident memory (sampled every 0.2 s). Figures: pairs scored, pairs kept (probability
at least 0.5, what ``palermo linkage`` loads), and precision, recall and F1 at 0.5 and
at 0.9. On a shared machine the wall clock grows with the load; the CPU time does not.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def _stat(pid: int) -> tuple[int, float] | None:
    """Resident bytes and CPU seconds (user + system) of one process."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as fh:
            rss = int(fh.read().split()[1]) * PAGE
    except OSError:
        return None
    return rss, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def measured(cmd: list[str]) -> tuple[float, float, int, str]:
    """Run ``cmd``; wall seconds, CPU seconds of its process tree, peak summed RSS, stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    cpu: dict[int, float] = {}
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            total = 0
            for pid in _tree(proc.pid):
                got = _stat(pid)
                if got is not None:
                    total += got[0]
                    cpu[pid] = got[1]
            peak = max(peak, total)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{cmd[-1]} failed ({proc.returncode})")
    return wall, sum(cpu.values()), peak, out


# --------------------------------------------------------------------------- the run


def simulate(n: int, cases: int, seed: int) -> tuple[list[Any], dict[str, str]]:
    from palermo.analysis.resolution.synthetic import synthetic_people

    records, truth = synthetic_people(n, seed=seed)
    rng = random.Random(seed + 1)
    return [replace(r, dataset=str(rng.randrange(cases))) for r in records], truth


def true_pairs(records: list[Any], truth: dict[str, str]) -> set[tuple[str, str]]:
    by_person: dict[str, list[Any]] = {}
    for r in records:
        by_person.setdefault(truth[r.key], []).append(r)
    out = set()
    for group in by_person.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a.dataset != b.dataset:
                    out.add((min(a.key, b.key), max(a.key, b.key)))
    return out


def scores(links: list[Any], truth: set[tuple[str, str]], threshold: float) -> dict[str, float]:
    found = {(x.key_a, x.key_b) for x in links if x.match_probability >= threshold}
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def worker(engine: str, features: Path, out: Path, master: str | None) -> None:
    """Child process: one engine on the features file; prints the run as JSON."""
    from palermo.services import national_linkage as nl

    spark = None
    clock = time.perf_counter()
    if engine == "spark":
        spark = nl.spark_session(master, out.parent / "spark-scratch")
    started = time.perf_counter() - clock
    clock = time.perf_counter()
    run = nl.run_linkage(features, out, engine=engine, spark=spark)  # type: ignore[arg-type]
    linked = time.perf_counter() - clock
    if spark is not None:
        spark.stop()
    print(
        json.dumps(
            {
                "start_seconds": round(started, 2),
                "link_seconds": round(linked, 2),
                "pairs_scored": run.pairs_scored,
                "pairs_kept": run.pairs_kept,
                "prior_shift": round(run.prior_shift, 4),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="simulated person records")
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--spark-master", default=None, help="default local[*]")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--features", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, Path(args.features), Path(args.out), args.spark_master)
        return

    from palermo.analysis.resolution.national import read_links, write_features
    from palermo.analysis.resolution.records import feature_columns

    records, truth = simulate(args.n, args.cases, args.seed)
    wanted = true_pairs(records, truth)
    print(
        f"{len(records):,} records of {len(set(truth.values())):,} simulated people in "
        f"{args.cases:,} cases; {len(wanted):,} true pairs across cases"
    )
    with tempfile.TemporaryDirectory(prefix="national-linkage-") as tmp:
        folder = Path(tmp)
        features = folder / "persons.parquet"
        clock, cpu = time.perf_counter(), time.process_time()
        write_features([feature_columns(records)], features)
        print(
            f"featurise: {time.perf_counter() - clock:.1f} s wall, "
            f"{time.process_time() - cpu:.1f} s CPU (Python, one process)"
        )
        del records
        for engine in args.engines.split(","):
            out = folder / f"links-{engine}.parquet"
            cmd = [sys.executable, __file__, "--worker", engine]
            cmd += ["--features", str(features), "--out", str(out)]
            if args.spark_master:
                cmd += ["--spark-master", args.spark_master]
            wall, cpu_s, peak, stdout = measured(cmd)
            run = json.loads(stdout.strip().splitlines()[-1])
            links = read_links(out)
            at_half, at_ninety = scores(links, wanted, 0.5), scores(links, wanted, 0.9)
            print(
                f"{engine}: {wall:.1f} s wall (start {run['start_seconds']} s, link "
                f"{run['link_seconds']} s), {cpu_s:.1f} s CPU, peak memory "
                f"{peak / 2**30:.2f} GiB; {run['pairs_scored']:,} pairs scored, "
                f"{run['pairs_kept']:,} kept; at 0.5 {at_half}; at 0.9 {at_ninety}"
            )


if __name__ == "__main__":
    main()
