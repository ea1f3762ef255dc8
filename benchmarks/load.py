"""Load test: many signed-in users doing a realistic mix against `palermo serve --workers N`.

    .venv/bin/python benchmarks/load.py [--users 50] [--duration 600] [--workers 4]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/palermo_load]
        [--demo-cases 3] [--think 2.0]

1. Builds the demo unit (the first ``--demo-cases`` demo cases, simulated and ingested
   through the ordinary path, plus the historical caseload behind the dashboard) in the
   PostgreSQL database named by ``--database-url`` (created if missing; reused when it
   already holds the demo, so later runs start at once).
2. Starts `palermo serve --workers N` on a free loopback port, as a separate process.
3. Starts the users in a second process (this script with ``--drive``): each user signs
   in as one of the demo's case workers and then, until ``--duration`` has passed,
   opens a page chosen by the weights in ``MIX`` and waits a think time (exponential,
   mean ``--think`` seconds) before the next.
4. Prints, per page and overall: requests, p50, p95, p99 and max latency, and errors
   (any status other than 200, or a failed connection). Target: p95 under 300 ms with
   zero errors (50 users, 10 minutes, 4 workers). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

CASES = ["DEMO-2024-001", "DEMO-2024-002", "DEMO-2024-003", "DEMO-2024-004", "DEMO-2024-005"]
USERS = ["prosecutor", "investigator", "analyst", "advocate"]
SEARCH_WORDS = ["smith", "garcia", "maria", "+1 305", "hotel", "DEMO-2024"]

# Page → (weight, path template). Weights follow how a unit spends a day: the dashboard
# and the case list first thing, then one case's Overview, its tabs and the search.
MIX: dict[str, tuple[int, str]] = {
    "dashboard": (8, "/dashboard"),
    "case_list": (10, "/cases"),
    "overview": (18, "/cases/{case}"),
    "elements": (10, "/cases/{case}/elements"),
    "timeline": (8, "/cases/{case}/timeline"),
    "network": (6, "/cases/{case}/network"),
    "network_api": (6, "/api/cases/{case}/network"),
    "money": (6, "/cases/{case}/money"),
    "people": (8, "/cases/{case}/people"),
    "documents": (6, "/cases/{case}/documents"),
    "records": (6, "/cases/{case}/records"),
    "search": (8, "/search?q={word}"),
}


def _percentile(values: list[float], q: float) -> float:
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))]


def _ensure_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database if it does not exist."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _environment(url: str, data: Path) -> dict[str, str]:
    key_file = data / "load.key"
    if not key_file.exists():
        data.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
    return {
        **os.environ,
        "PALERMO_DATABASE_URL": url,
        "PALERMO_DATA_DIR": str(data),
        "PALERMO_SECRET_KEY": key_file.read_text().strip(),
    }


def build(env: dict[str, str], demo_cases: int) -> None:
    from palermo.services.context import Context
    from palermo.services.demo import DEMO_CASES, build_demo
    from palermo.settings import Settings

    settings = Settings(
        data_dir=Path(env["PALERMO_DATA_DIR"]),
        database_url=env["PALERMO_DATABASE_URL"],
        secret_key=env["PALERMO_SECRET_KEY"],
    )
    ctx = Context.create(settings)
    t = time.perf_counter()
    build_demo(ctx, specs=DEMO_CASES[:demo_cases], progress=lambda m: print(f"  {m}", flush=True))
    print(f"demo unit ready in {time.perf_counter() - t:.0f} s", flush=True)
    ctx.db.dispose()


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    palermo = Path(sys.executable).with_name("palermo")
    process = subprocess.Popen(
        [str(palermo), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(600):
        try:
            if httpx.get(url + "/login", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"the server stopped with exit code {process.returncode}")
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not answer within two minutes")


def _sign_in(client: Any, username: str) -> None:
    from palermo.services.demo import demo_password

    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    if token is None:
        raise RuntimeError("no sign-in form")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": demo_password(username),
            "csrf_token": token.group(1),
        },
    )
    if response.status_code != 303:
        raise RuntimeError(f"sign-in as {username} answered {response.status_code}")


def drive(url: str, users: int, duration: float, think: float, cases: list[str]) -> None:
    """The client process: ``users`` threads, each signed in, each looping over the mix."""
    import httpx

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()
    names = list(MIX)
    weights = [MIX[n][0] for n in names]
    stop_at = time.monotonic() + duration

    def user(number: int) -> None:
        rng = random.Random(number)
        with httpx.Client(base_url=url, timeout=60) as client:
            try:
                _sign_in(client, USERS[number % len(USERS)])
            except (RuntimeError, httpx.HTTPError) as error:
                with lock:
                    errors["sign_in"].append(str(error))
                return
            time.sleep(rng.uniform(0, think))  # users arrive spread out, not in one burst
            while time.monotonic() < stop_at:
                name = rng.choices(names, weights)[0]
                path = MIX[name][1].format(case=rng.choice(cases), word=rng.choice(SEARCH_WORDS))
                t0 = time.perf_counter()
                try:
                    status = client.get(path).status_code
                    problem = None if status == 200 else f"{path}: status {status}"
                except httpx.HTTPError as error:
                    problem = f"{path}: {type(error).__name__}"
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies[name].append(elapsed)
                    if problem:
                        errors[name].append(problem)
                time.sleep(rng.expovariate(1 / think) if think > 0 else 0)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    print(
        json.dumps(
            {
                "wall": wall,
                "latencies": latencies,
                "errors": {k: [*v[:5], f"... {len(v)} in all"] for k, v in errors.items()},
                "error_count": sum(len(v) for v in errors.values()),
            }
        )
    )


def report(result: dict[str, Any], users: int, workers: int) -> None:
    everything = [x for xs in result["latencies"].values() for x in xs]
    print(
        f"{users} users, {workers} workers, {result['wall']:.0f} s: {len(everything):,} requests "
        f"({len(everything) / result['wall']:.1f}/s), errors {result['error_count']}"
    )
    for name, xs in sorted(result["latencies"].items()):
        print(
            f"  {name:12} n={len(xs):5}  p50 {_percentile(xs, 50) * 1000:6.0f} ms  "
            f"p95 {_percentile(xs, 95) * 1000:6.0f} ms  p99 {_percentile(xs, 99) * 1000:6.0f} ms"
            f"  max {max(xs) * 1000:6.0f} ms"
        )
    if everything:
        print(
            f"  {'all':12} n={len(everything):5}  p50 {_percentile(everything, 50) * 1000:6.0f} ms"
            f"  p95 {_percentile(everything, 95) * 1000:6.0f} ms  "
            f"p99 {_percentile(everything, 99) * 1000:6.0f} ms  (target p95 < 300 ms, 0 errors)"
        )
    for name, problems in result["errors"].items():
        print(f"  errors on {name}: {problems}")
    print(f"  load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=600, help="seconds")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/palermo_load"
    )
    ap.add_argument("--data-dir", type=Path, default=None, help="kept between runs")
    ap.add_argument("--demo-cases", type=int, default=3)
    ap.add_argument("--think", type=float, default=2.0, help="mean think time, seconds")
    ap.add_argument("--drive", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    cases = CASES[: max(1, min(args.demo_cases, len(CASES)))]
    if args.drive:
        drive(args.drive, args.users, args.duration, args.think, cases)
        return
    _ensure_database(args.database_url)
    data = args.data_dir or Path(tempfile.gettempdir()) / "palermo-load"
    env = _environment(args.database_url, data)
    build(env, args.demo_cases)
    process, url = serve(env, args.workers)
    try:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--drive",
                url,
                "--users",
                str(args.users),
                "--duration",
                str(args.duration),
                "--think",
                str(args.think),
                "--demo-cases",
                str(args.demo_cases),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=args.duration + 900,
        )
        report(json.loads(out.stdout.strip().splitlines()[-1]), args.users, args.workers)
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
