"""National linkage benchmark: N simulated people across M cases, linked across cases
with the shipped resolution model on DuckDB and on Spark (local mode); prints time,
CPU time, peak memory and F1 on the simulated truth (run on demand).

    .venv/bin/python benchmarks/national_linkage.py --n 100000 --cases 1000 --blocking
    .venv/bin/python benchmarks/national_linkage.py --n 10000000 --cases 100000 --engines duckdb
    .venv/bin/python benchmarks/national_linkage.py --n 100000 --spark-master local[2]
    .venv/bin/python benchmarks/national_linkage.py --n 3000000 --cases 30000 \
        --engines spark --data-dir /private/folder   # the people of an earlier run
    .venv/bin/python benchmarks/national_linkage.py --n 300000 --cases 3000 --engines "" \
        --population small --blocking --model-rules --sample 1.0

People come from :func:`palermo.analysis.resolution.synthetic.iter_synthetic_people`
(1-5 records per person, realistic corruption; by default a national population:
names, dates of birth and addresses spread as in a country), simulated, featurised and
written to Parquet 500,000 records at a time; each record is put in one of ``--cases``
cases at random, so most of a person's records are in different cases. The pairs in
scope are those of records of two different cases; a true pair is two records of one
simulated person in two cases (the answer key, written apart, is read only to score,
in DuckDB). ``--blocking``: before the engines, the true pairs each set of blocking
rules puts up for scoring and the pairs Splink counts for the national rules (and the
model's own with ``--model-rules``).

Each engine runs in a child process on the same features file (written once, timed
apart as "simulate and featurise"): wall time, CPU time of the child and its
descendants (Spark's JVM and Python workers included, read from /proc), and the peak of
their summed resident memory (sampled every 0.2 s; the run is stopped above
``--max-rss-gib``). Figures: pairs scored, pairs kept (probability at least 0.5, what
``palermo linkage`` loads), and precision, recall and F1 at 0.5 and at 0.9. On a shared
machine the wall clock grows with the load; the CPU time much less.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
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


def measured(cmd: list[str], max_rss: int) -> tuple[float, float, int, str]:
    """Run ``cmd``; wall seconds, CPU seconds of its process tree, peak summed RSS, stdout.
    Stopped (its process tree killed) when the summed RSS goes above ``max_rss``."""
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
            if total > max_rss:
                for pid in _tree(proc.pid):
                    with contextlib.suppress(OSError):
                        os.kill(pid, 9)
                print(f"stopped: {total / 2**30:.1f} GiB resident", file=sys.stderr)
                return
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


# --------------------------------------------------------------------------- the data

CHUNK = 500_000  # records featurised at a time (as ``palermo linkage`` exports them)

# The blocking rules of the shipped model (model.splink_settings), as conditions on a
# pair: only to say how many true pairs they would put up for scoring.
MODEL_RULES = (
    "list_has_any(l.ids, r.ids)",
    "list_has_any(l.name_forms, r.name_forms)",
    "l.last = r.last AND l.first_initial = r.first_initial AND (l.dob IS NULL OR r.dob IS"
    " NULL OR abs(TRY_CAST(l.dob_year AS INTEGER) - TRY_CAST(r.dob_year AS INTEGER)) <= 1)",
    "list_has_any(l.name_year_keys, r.name_year_keys)",
    "l.initials = r.initials AND substr(l.dob, 5, 4) = substr(r.dob, 5, 4)",
    "list_has_any(l.dob_letters, r.dob_letters)",
    "l.address = r.address",
    "l.address_key = r.address_key",
    "list_has_any(l.address_number_words, r.address_number_words)",
    "list_has_any(l.name_address_words, r.name_address_words)",
    "l.postcode = r.postcode AND l.initials = r.initials",
    "l.initials = r.initials AND l.address_numbers = r.address_numbers",
)


def simulate(n: int, cases: int, seed: int, population: str, folder: Path) -> tuple[Path, Path]:
    """Write the features of ``n`` simulated records (each put in one of ``cases`` at
    random) and their answer key (record, person, case) to Parquet, chunk by chunk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from palermo.analysis.resolution.national import write_features
    from palermo.analysis.resolution.records import feature_columns
    from palermo.analysis.resolution.synthetic import iter_synthetic_people

    features, key = folder / "persons.parquet", folder / "truth.parquet"
    rng = random.Random(seed + 1)
    schema = pa.schema([("key", pa.string()), ("person", pa.string()), ("dataset", pa.string())])

    def chunks(writer: Any) -> Any:
        batch: list[Any] = []
        people: list[str] = []
        for record, person in iter_synthetic_people(n, seed, population=population):  # type: ignore[arg-type]
            batch.append(replace(record, dataset=str(rng.randrange(cases))))
            people.append(person)
            if len(batch) == CHUNK:
                yield _chunk(writer, batch, people, schema)
                batch, people = [], []
        if batch:
            yield _chunk(writer, batch, people, schema)

    def _chunk(writer: Any, batch: list[Any], people: list[str], schema: Any) -> Any:
        writer.write_table(
            pa.table(
                {
                    "key": [r.key for r in batch],
                    "person": people,
                    "dataset": [r.dataset for r in batch],
                },
                schema=schema,
            )
        )
        return feature_columns(batch)

    with pq.ParquetWriter(str(key), schema) as writer:
        write_features(chunks(writer), features)
    return features, key


def analyse(features: Path, key: Path, sample: float, model_rules: bool) -> dict[str, Any]:
    """True pairs across cases; for the model's rules and the national ones, the true
    pairs they put up for scoring; and the pairs the national rules (and, if
    ``model_rules``, the model's) make, counted by Splink
    (``count_comparisons_from_blocking_rules`` on a ``sample`` of the records)."""
    import duckdb
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    from palermo.analysis.resolution.national import (
        NATIONAL_BLOCKING,
        blocking_condition,
        national_blocking_rules,
    )

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET memory_limit = '6GB'")
    con.execute(f"CREATE TABLE persons AS SELECT * FROM read_parquet('{features}')")
    con.execute(f"CREATE TABLE truth AS SELECT * FROM read_parquet('{key}')")
    con.execute(
        "CREATE TABLE true_pairs AS SELECT a.key AS key_a, b.key AS key_b FROM truth a "
        "JOIN truth b ON a.person = b.person AND a.key < b.key AND a.dataset <> b.dataset"
    )
    (total,) = con.execute("SELECT count(*) FROM true_pairs").fetchall()[0]

    def kept(conditions: list[str]) -> int:
        (got,) = con.execute(
            "SELECT count(*) FROM true_pairs t JOIN persons l ON l.unique_id = t.key_a "
            "JOIN persons r ON r.unique_id = t.key_b WHERE "
            + " OR ".join(f"({c})" for c in conditions)
        ).fetchall()[0]
        return int(got)

    national = [blocking_condition(cols) for cols in NATIONAL_BLOCKING]
    blocked = kept(national)
    out: dict[str, Any] = {
        "true_pairs": int(total),
        "blocked_true_model_rules": kept(list(MODEL_RULES)),
        "blocked_true_national_rules": blocked,
        "blocked_share_national_rules": round(blocked / total, 4) if total else 0.0,
        "national_rule_alone": {
            "+".join(cols): kept([c]) for cols, c in zip(NATIONAL_BLOCKING, national, strict=True)
        },
    }
    counts = count_comparisons_from_blocking_rules(
        DuckDBAPI(connection=con).register("persons"),
        blocking_rules=national_blocking_rules(),
        link_type="dedupe_only",
        record_sample_proportion=sample,
    )
    out["splink_count_sample"] = sample
    out["splink_marginal_pairs"] = {
        "+".join(cols): int(c["marginal_comparison_count"])
        for cols, c in zip(NATIONAL_BLOCKING, counts, strict=True)
    }
    out["splink_pairs"] = int(counts[-1]["cumulative_comparison_count"])
    if model_rules:
        from palermo.analysis.resolution.model import splink_settings

        counts = count_comparisons_from_blocking_rules(
            DuckDBAPI(connection=con).register("persons"),
            blocking_rules=splink_settings()["blocking_rules_to_generate_predictions"],
            link_type="dedupe_only",
            record_sample_proportion=sample,
        )
        out["splink_pairs_model_rules"] = int(counts[-1]["cumulative_comparison_count"])
        out["splink_marginal_pairs_model_rules"] = [
            int(c["marginal_comparison_count"]) for c in counts
        ]
    con.close()
    return out


def scores(out: Path, key: Path, thresholds: tuple[float, ...]) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 of the pairs written at ``out`` against the answer key,
    at each probability threshold (computed in DuckDB: millions of pairs)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET memory_limit = '6GB'")
    con.execute(f"CREATE TABLE truth AS SELECT * FROM read_parquet('{key}')")
    con.execute(
        "CREATE TABLE true_pairs AS SELECT a.key AS key_a, b.key AS key_b FROM truth a "
        "JOIN truth b ON a.person = b.person AND a.key < b.key AND a.dataset <> b.dataset"
    )
    source = f"{out}/*.parquet" if out.is_dir() else str(out)
    con.execute(f"CREATE TABLE links AS SELECT key_a, key_b, w FROM read_parquet('{source}')")
    (total,) = con.execute("SELECT count(*) FROM true_pairs").fetchall()[0]
    result = {}
    for t in thresholds:
        weight = math.log2(t / (1 - t))
        (found, tp) = con.execute(
            "SELECT count(*), count(t.key_a) FROM links l LEFT JOIN true_pairs t "
            "ON t.key_a = l.key_a AND t.key_b = l.key_b WHERE l.w >= ?",
            [weight],
        ).fetchall()[0]
        precision = tp / found if found else 0.0
        recall = tp / total if total else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[str(t)] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        }
    con.close()
    return result


# --------------------------------------------------------------------------- the run


def worker(
    engine: str, features: Path, out: Path, master: str | None, memory_limit: str | None
) -> None:
    """Child process: one engine on the features file; prints the run as JSON."""
    from palermo.services import national_linkage as nl

    spark = None
    clock = time.perf_counter()
    if engine == "spark":
        spark = nl.spark_session(master, out.parent / "spark-scratch")
    started = time.perf_counter() - clock
    clock = time.perf_counter()
    run = nl.run_linkage(
        features,
        out,
        engine=engine,  # type: ignore[arg-type]
        spark=spark,
        memory_limit=memory_limit,
    )
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
    parser.add_argument(
        "--population",
        default="national",
        choices=("national", "small"),
        help="names, dates and addresses as in a country (default) or from the small "
        "pools of one case (synthetic_people's default)",
    )
    parser.add_argument(
        "--blocking",
        action="store_true",
        help="also count true pairs kept by blocking and the pairs Splink will make",
    )
    parser.add_argument("--sample", type=float, default=0.05, help="of records, for --blocking")
    parser.add_argument(
        "--model-rules",
        action="store_true",
        help="with --blocking, also count the pairs the model's own rules make",
    )
    parser.add_argument("--memory-limit", default="8GB", help="DuckDB's memory limit")
    parser.add_argument("--max-rss-gib", type=float, default=14.0, help="stop a run above this")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="keep the simulated people (personal-looking data: a private folder) here and "
        "reuse them on a later run with the same --n, --cases, --seed and --population",
    )
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--features", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(
            args.worker, Path(args.features), Path(args.out), args.spark_master, args.memory_limit
        )
        return

    with tempfile.TemporaryDirectory(prefix="national-linkage-") as tmp:
        folder = Path(tmp)
        data = folder
        if args.data_dir:
            data = Path(args.data_dir) / f"{args.population}-n{args.n}-c{args.cases}-s{args.seed}"
        features, key = data / "persons.parquet", data / "truth.parquet"
        if features.exists() and key.exists():
            print(
                f"{args.n:,} records ({args.population} population, seed {args.seed}) in "
                f"{args.cases:,} cases: reused from {data}",
                flush=True,
            )
        else:
            clock, cpu = time.perf_counter(), time.process_time()
            data.mkdir(parents=True, exist_ok=True, mode=0o700)
            features, key = simulate(args.n, args.cases, args.seed, args.population, data)
            print(
                f"{args.n:,} records ({args.population} population, seed {args.seed}) in "
                f"{args.cases:,} cases; simulate and featurise: "
                f"{time.perf_counter() - clock:.1f} s wall, {time.process_time() - cpu:.1f} s "
                "CPU (Python, one process)",
                flush=True,
            )
        if args.blocking:
            clock = time.perf_counter()
            print(json.dumps(analyse(features, key, args.sample, args.model_rules)), flush=True)
            print(f"blocking analysis: {time.perf_counter() - clock:.1f} s", flush=True)
        for engine in [e for e in args.engines.split(",") if e]:
            out = folder / f"links-{engine}.parquet"
            cmd = [sys.executable, __file__, "--worker", engine]
            cmd += ["--features", str(features), "--out", str(out)]
            cmd += ["--memory-limit", args.memory_limit]
            if args.spark_master:
                cmd += ["--spark-master", args.spark_master]
            wall, cpu_s, peak, stdout = measured(cmd, int(args.max_rss_gib * 2**30))
            run = json.loads(stdout.strip().splitlines()[-1])
            at = scores(out, key, (0.5, 0.9))
            print(
                f"{engine}: {wall:.1f} s wall (start {run['start_seconds']} s, link "
                f"{run['link_seconds']} s), {cpu_s:.1f} s CPU, peak memory "
                f"{peak / 2**30:.2f} GiB; {run['pairs_scored']:,} pairs scored, "
                f"{run['pairs_kept']:,} kept; at 0.5 {at['0.5']}; at 0.9 {at['0.9']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
