"""Case pages under load: the Overview (cockpit), People, Records (first page;
``records_last`` page 2,000), Evidence, the Elements tab, the Timeline (its facts; calls
and messages at page 20), the Network tab and the graph its canvas fetches, the Money tab
and the brief memo (HTML; ``memo_full`` the full one) of the largest demo case (6,000
records), or of the 1M-record case of ``benchmarks/memo.py``, served by uvicorn, driven
by concurrent clients.

    .venv/bin/python benchmarks/case_pages.py [--clients 20] [--requests 200]
        [--pages overview,people,records,records_last,evidence,elements,timeline,
                 timeline_contacts,network,network_api,money,memo]
        [--db PATH | --memo-case DIR] [--profile]

``--memo-case DIR`` serves the case kept by ``benchmarks/memo.py --keep DIR`` (run that
first: it builds the case and runs its analyse job), signed in as its prosecutor.

Builds the demo case DEMO-2024-001 as ``palermo demo`` does (simulated, ingested through
the ordinary path) in a temporary SQLite database (or reuses ``--db``), serves the app on
127.0.0.1 in a thread of this process, and drives each page from a second process (this
script with ``--drive``): ``--clients`` threads share ``--requests`` GETs, signed in as
the demo prosecutor. Target: p95 under 1 s with 20 clients. The server's CPU per request
is counted over those requests only (not the sign-in or the first request). Prints figures; no
assertions. The first request of each page is timed on its own (the assessment is then
computed, or read from the stored derived views; later requests use the per-case cache
until the case changes). ``--profile`` samples the server's threads while each page is
driven and prints the functions where the time goes (wall clock: waiting counts).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REFERENCE = "DEMO-2024-001"
PATHS = {
    "overview": "/cases/{ref}",
    "people": "/cases/{ref}/people",
    "records": "/cases/{ref}/records",
    "records_last": "/cases/{ref}/records?page=2000",
    "evidence": "/cases/{ref}/evidence",
    "elements": "/cases/{ref}/elements",
    "timeline": "/cases/{ref}/timeline",
    "timeline_contacts": "/cases/{ref}/timeline?kind=call&kind=message&page=20",
    "network": "/cases/{ref}/network",
    "network_api": "/api/cases/{ref}/network",
    "money": "/cases/{ref}/money",
    "memo": "/cases/{ref}/memo.html?variant=brief",
    "memo_full": "/cases/{ref}/memo.html?variant=full",
}


def _percentile(values: list[float], q: float) -> float:
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))]


def _context(db: Path, data: Path) -> Any:
    from palermo.services.context import Context
    from palermo.settings import Settings

    key_file = db.with_suffix(".key")
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
    settings = Settings(
        data_dir=data, database_url=f"sqlite:///{db}", secret_key=key_file.read_text().strip()
    )
    return Context.create(settings)


class Sampler:
    """A wall-clock sampling profiler over every thread of this process (the server's
    worker threads): every ``interval`` seconds it reads each thread's stack and counts,
    per function, the samples that had it on the stack (inclusive) or on top (self).
    Waiting for a lock, the GIL or the database counts as time where it waits."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.inclusive: Counter[str] = Counter()
        self.own: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                names: list[str] = []
                f: Any = frame
                while f is not None:
                    code = f.f_code
                    names.append(
                        f"{code.co_name} ({Path(code.co_filename).name}:{code.co_firstlineno})"
                    )
                    f = f.f_back
                if not any("palermo" in n or "starlette" in n for n in names) and not any(
                    "run_endpoint_function" in n or "run_sync" in n for n in names
                ):
                    continue  # idle threads (the event loop, the pool waiting for work)
                self.samples += 1
                self.own[names[0]] += 1
                for name in set(names):
                    self.inclusive[name] += 1

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def report(self, top: int = 30) -> str:
        lines = [f"  {self.samples} busy-thread samples; inclusive (share of busy samples):"]
        lines += [
            f"    {n / max(1, self.samples):6.1%}  {name}"
            for name, n in self.inclusive.most_common(top)
        ]
        lines.append("  self:")
        lines += [
            f"    {n / max(1, self.samples):6.1%}  {name}" for name, n in self.own.most_common(top)
        ]
        return "\n".join(lines)


def _memo_case(root: Path) -> tuple[Any, str, str]:
    """The large case of ``benchmarks/memo.py --keep ROOT``, its prosecutor's password and
    the case's reference (its analyse job is run there first)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import memo as memo_bench  # benchmarks/memo.py

    ctx = memo_bench.context(root)
    memo_bench.reader(ctx)
    return ctx, memo_bench.PASSWORD, memo_bench.REFERENCE


def serve_and_drive(
    db: Path,
    data: Path,
    clients: int,
    requests: int,
    pages: list[str],
    profile: bool = False,
    memo_case: Path | None = None,
) -> None:
    import uvicorn

    from palermo.services.demo import DEMO_CASES, build_demo, demo_password
    from palermo.web.app import create_app

    if memo_case is not None:
        ctx, password, reference = _memo_case(memo_case)
        print(f"case {reference} of {memo_case}")
    else:
        ctx = _context(db, data)
        password, reference = demo_password("prosecutor"), REFERENCE
        t = time.perf_counter()
        build_demo(ctx, specs=[DEMO_CASES[0]], history_cases=0)
        print(f"demo case {REFERENCE} ready in {time.perf_counter() - t:.0f} s")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ctx), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    try:
        for name in pages:
            driver = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--drive",
                    url + PATHS[name].format(ref=reference),
                    "--password",
                    password,
                    "--clients",
                    str(clients),
                    "--requests",
                    str(requests),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert driver.stdin is not None and driver.stdout is not None
            # The driver signs in and times the first request, then waits: the server's
            # CPU is counted over the concurrent requests only (not the password check).
            ready = driver.stdout.readline().strip()
            if ready != "ready":
                driver.kill()
                raise RuntimeError(f"the driver did not start: {ready!r}")
            cpu = time.process_time()
            sampler = Sampler() if profile else None
            if sampler is not None:
                sampler.__enter__()
            driver.stdin.write("go\n")
            driver.stdin.flush()
            lines = driver.stdout.read().strip().splitlines()
            if driver.wait(timeout=3600) != 0 or not lines:
                raise RuntimeError(f"the driver of {name} failed")
            if sampler is not None:
                sampler.__exit__()
            r = json.loads(lines[-1])
            per = (time.process_time() - cpu) / r["n"]
            print(
                f"{name} page, {clients} clients: {r['n']} requests in {r['wall']:.1f} s; "
                f"first {r['first'] * 1000:.0f} ms ({r['first_kb']:.0f} KB); "
                f"p50 {r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms, "
                f"max {r['max'] * 1000:.0f} ms (target p95 < 1000 ms); "
                f"server CPU {per * 1000:.1f} ms per request; statuses {r['statuses']}; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            if sampler is not None:
                print(sampler.report(), flush=True)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        ctx.db.dispose()


def drive(url: str, clients: int, requests: int, password: str) -> None:
    """The client process: sign in once as the demo prosecutor, then ``clients`` threads
    share ``requests`` GETs of ``url``."""
    import re
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    import httpx

    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    # The page with its query (the memo's variant, the timeline's kinds and page).
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    with httpx.Client(base_url=base, timeout=300) as login:
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.get("/login").text)
        assert token is not None
        signed = login.post(
            "/login",
            data={
                "username": "prosecutor",
                "password": password,
                "csrf_token": token.group(1),
            },
        )
        assert signed.status_code == 303, signed.status_code
        cookies = dict(login.cookies)
        t = time.perf_counter()
        first = login.get(target)
        first_s = time.perf_counter() - t
        assert first.status_code == 200, first.status_code
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    remaining = [requests]

    def worker() -> None:
        with httpx.Client(base_url=base, cookies=cookies, timeout=300) as client:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                t0 = time.perf_counter()
                response = client.get(target)
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(worker)
    print(
        json.dumps(
            {
                "n": len(latencies),
                "wall": time.perf_counter() - start,
                "first": first_s,
                "first_kb": len(first.content) / 1024,
                "p50": _percentile(latencies, 50),
                "p95": _percentile(latencies, 95),
                "max": max(latencies),
                "statuses": dict(statuses),
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--pages", default="overview,elements")
    ap.add_argument("--db", type=Path, default=None, help="SQLite file to build or reuse")
    ap.add_argument(
        "--profile", action="store_true", help="sample the server's threads; print where time goes"
    )
    ap.add_argument(
        "--memo-case",
        type=Path,
        default=None,
        help="drive the 1M-record case kept by benchmarks/memo.py --keep DIR instead",
    )
    ap.add_argument("--drive", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--password", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.drive:
        drive(args.drive, args.clients, args.requests, args.password)
        return
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    if args.memo_case is not None:
        serve_and_drive(
            Path(), Path(), args.clients, args.requests, pages, args.profile, args.memo_case
        )
        return
    if args.db is not None:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        serve_and_drive(
            args.db, args.db.parent / "data", args.clients, args.requests, pages, args.profile
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        serve_and_drive(
            Path(tmp) / "bench.db",
            Path(tmp) / "data",
            args.clients,
            args.requests,
            pages,
            args.profile,
        )


if __name__ == "__main__":
    main()
