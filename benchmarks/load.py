"""Load test: many signed-in users doing a realistic mix against `palermo serve --workers N`.

    .venv/bin/python benchmarks/load.py [--users 50] [--duration 600] [--workers 4]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/palermo_load]
        [--demo-cases 3] [--think 2.0] [--ramp 60] [--no-warm] [--server-log PATH]

1. Builds the demo unit (the first ``--demo-cases`` demo cases, simulated and ingested
   through the ordinary path, plus the historical caseload behind the dashboard) in the
   database named by ``--database-url`` (a PostgreSQL database is created if missing; a
   database that already holds the demo is reused, so later runs start at once). A
   ``sqlite:///...`` URL with ``--workers 1`` gives the embedded setup for comparison.
2. Starts `palermo serve --workers N` on a free loopback port, as a separate process,
   its log (stderr) kept in ``--server-log``.
3. Warms the cases (unless ``--no-warm``): one request per case, page and role, as the
   job a deployment runs after an ingest computes and stores the case's derived views
   (elements, network, money, timeline) so that the first user of each worker reads
   them from the ``derived_views`` table instead of computing them. Not measured.
4. Starts the users in a second process (this script with ``--drive``):

   * **Sign-in, like real users**: each user has an account of its own (made once
     beside the demo's: ``load-<role>-NNN``, the four case roles in turn, a member of
     the demo account's cases) and signs in once, keeping its session for the whole
     run. Users arrive staggered, one every ``--ramp``/``--users`` seconds, not in one
     burst. Every user comes from 127.0.0.1: sign-in attempts are counted per account
     and per address until they succeed, and a burst of parallel attempts from one
     address is what the throttle exists to refuse (HTTP 429).
   * **Think time**: after each answer the user waits an exponentially distributed
     time, mean ``--think`` seconds (default 2 s, so 50 users make about 25 requests
     a second: a person reads a page for ten seconds or more, so this is the load of
     several hundred people).
   * **Mix**: each page is chosen at random by the weights in ``MIX`` (per 100 pages:
     dashboard 8, case list 10, a case's Overview 18, Elements 10, Timeline 8,
     Network 6 and its graph API 6, Money 6, People 8, Documents 6, Records 6, and a
     search 8), over the ``--demo-cases`` cases at random (the graph API, which the
     Network tab's canvas fetches, is drawn as a page of its own).
   * **Connections**: one HTTP/1.1 keep-alive connection per user, as a browser's; an
     idle connection is reused for at most ``CLIENT_KEEPALIVE`` seconds (a browser or a
     reverse proxy keeps one longer; the server's own keep-alive must outlast it).

5. Measures the steady state: the ``--duration`` seconds after the last user has
   signed in. Prints, per page and overall, requests and p50, p95, p99 and max
   latency; errors by kind (HTTP status, or the transport failure with whether the
   connection was a reused idle one and for how long it had been idle) with a sample
   of each; the CPU seconds used by the server's processes, by the database's
   processes serving it (PostgreSQL) and by the users' process; how many worker
   processes the server's supervisor killed and replaced (a missed health check); the
   load average during the run. Target: p95 under
   300 ms with zero errors (50 users, 10 minutes, 4 workers, PostgreSQL). Prints
   figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
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
# How long a user's client keeps an idle connection for reuse (seconds).
CLIENT_KEEPALIVE = 30.0

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
# Pages whose derived views the after-ingest job computes (warmed before measuring).
WARM = ["overview", "elements", "timeline", "network", "network_api", "money"]


def _percentile(values: list[float], q: float) -> float:
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))]


def _ensure_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database if it does not exist."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        return
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


def account(number: int) -> str:
    """The account of user ``number``: one person, one account, roles taken in turn."""
    return f"load-{USERS[number % len(USERS)]}-{number:03d}"


def _ensure_accounts(ctx: Any, users: int) -> None:
    """An account per user, a member of every case the demo account of its role is."""
    from sqlalchemy import insert, select

    from palermo.services import users as user_service
    from palermo.services.demo import DEMO_OPERATOR, demo_password
    from palermo.store.models import CaseMember, Role, User

    for number in range(users):
        name = account(number)
        with ctx.db.session() as session:
            if session.scalar(select(User.id).where(User.username == name)) is not None:
                continue
            model = session.scalars(
                select(User).where(User.username == USERS[number % len(USERS)])
            ).one()
            role, unit_id = Role(model.role), model.unit_id
        made = user_service.create_user(
            ctx,
            DEMO_OPERATOR,
            username=name,
            password=demo_password(name),
            role=role,
            unit_id=unit_id,
        )
        with ctx.db.session() as session:
            model_id = session.scalar(
                select(User.id).where(User.username == USERS[number % len(USERS)])
            )
            rows = session.execute(
                select(CaseMember.case_id, CaseMember.case_role).where(
                    CaseMember.user_id == model_id
                )
            ).all()
            if rows:
                session.execute(
                    insert(CaseMember),
                    [{"case_id": c, "user_id": made.id, "case_role": r} for c, r in rows],
                )


def build(env: dict[str, str], demo_cases: int, users: int) -> None:
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
    _ensure_accounts(ctx, users)
    print(f"demo unit and {users} accounts ready in {time.perf_counter() - t:.0f} s", flush=True)
    ctx.db.dispose()


def serve(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    palermo = Path(sys.executable).with_name("palermo")
    process = subprocess.Popen(
        [str(palermo), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
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


# -- CPU of processes (Linux /proc) -----------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def _cpu(pid: int, *, children: bool = False) -> float:
    """CPU seconds of a process (and of its children it has waited for)."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / _TICK


def _children(pid: int) -> set[int]:
    try:
        return set(map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split()))
    except OSError:
        return set()


def _is_worker(pid: int) -> bool:
    """A web worker process (uvicorn's supervisor spawns them), not its resource tracker."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


class ServerWatch:
    """Samples the server's processes (CPU, which workers live: the supervisor kills and
    replaces a worker that misses its health check) and the load average."""

    def __init__(self, pid: int, database_url: str) -> None:
        self.pid = pid
        self.database_url = database_url
        self.seen: dict[int, float] = {}  # worker pid -> last CPU seconds seen
        self.first: dict[int, float] = {}
        self.died: list[tuple[int, float]] = []  # (pid, when)
        self.loads: list[float] = []
        self.parent_start = 0.0
        self.db_start: dict[int, float] = {}
        self.marked = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _db_backends(self) -> dict[int, float]:
        if not self.database_url.startswith("postgresql"):
            return {}
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        url = make_url(self.database_url)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                pids = conn.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = :d "
                        "AND pid <> pg_backend_pid()"
                    ),
                    {"d": url.database},
                ).all()
        finally:
            engine.dispose()
        return {int(p): _cpu(int(p)) for p in pids}

    def _sample(self) -> None:
        live = {pid for pid in _children(self.pid) if pid in self.seen or _is_worker(pid)}
        for pid in live:
            self.seen[pid] = _cpu(pid)
            self.first.setdefault(pid, self.seen[pid])
        gone = {pid for pid, _ in self.died}
        for pid in list(self.seen):
            if pid not in live and pid not in gone:
                self.died.append((pid, time.monotonic()))
        if self.marked:
            self.loads.append(os.getloadavg()[0])

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()

    def start(self) -> None:
        """Watch from the server's start (workers replaced while warming count too)."""
        self._sample()
        self._thread.start()

    def mark(self) -> None:
        """The measured run starts: CPU and load are counted from here."""
        self._sample()
        self.first = dict(self.seen)
        self.parent_start = _cpu(self.pid)
        self.db_start = self._db_backends()
        self.marked = time.monotonic()

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        self._sample()
        # Worker CPU since the mark (a worker that died counts up to its last sample).
        workers = sum(self.seen[p] - self.first.get(p, 0.0) for p in self.seen)
        parent = _cpu(self.pid) - self.parent_start  # the supervisor itself
        db_end = self._db_backends()
        database = sum(cpu - self.db_start.get(pid, 0.0) for pid, cpu in db_end.items())
        return {
            "server_cpu": workers + max(parent, 0.0),
            "database_cpu": database,
            "workers_seen": len(self.seen),
            "workers_replaced": len(self.died),
            "workers_replaced_measured": sum(1 for _, at in self.died if at >= self.marked),
            "load_mean": sum(self.loads) / len(self.loads) if self.loads else 0.0,
            "load_max": max(self.loads, default=0.0),
        }


# -- the users ------------------------------------------------------------------------------


def _sign_in(client: Any, username: str) -> int:
    """Sign in; returns the status of the form's answer (303 when signed in)."""
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
    return int(response.status_code)


def _client(url: str) -> Any:
    import httpx

    return httpx.Client(
        base_url=url,
        timeout=60,
        limits=httpx.Limits(max_connections=1, keepalive_expiry=CLIENT_KEEPALIVE),
    )


def warm(url: str, cases: list[str]) -> float:
    """One request per role, case and page whose views are kept: what the after-ingest
    job computes and stores. Returns the seconds it took."""
    t = time.perf_counter()
    for username in USERS:
        with _client(url) as client:
            status = _sign_in(client, username)
            if status != 303:
                raise SystemExit(f"warming: sign-in as {username} answered {status}")
            for case in cases:
                for name in WARM:
                    client.get(MIX[name][1].format(case=case, word=""))
    return time.perf_counter() - t


class Tally:
    """Latencies per page and errors by kind, shared by the users' threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def error(self, kind: str, **sample: Any) -> None:
        with self.lock:
            self.errors[kind].append(sample)


def drive(
    url: str, users: int, duration: float, think: float, ramp: float, cases: list[str]
) -> None:
    """The users' process: ``users`` threads, each signed in once, each looping over the mix."""
    import httpx

    tally = Tally()
    names = list(MIX)
    weights = [MIX[n][0] for n in names]
    begin = time.monotonic()
    steady = begin + ramp  # the last user has signed in (or tried to)
    stop_at = steady + duration

    def user(number: int) -> None:
        rng = random.Random(number)
        time.sleep(max(0.0, begin + number * ramp / max(users, 1) - time.monotonic()))
        username = account(number)
        with _client(url) as client:
            try:
                status = _sign_in(client, username)
            except (RuntimeError, httpx.HTTPError) as error:
                tally.error(f"sign-in {type(error).__name__}", user=username, error=str(error))
                return
            if status != 303:
                tally.error(f"sign-in status {status}", user=username, at=time.monotonic() - begin)
                return
            last = time.monotonic()
            while True:
                time.sleep(rng.expovariate(1 / think) if think > 0 else 0)
                if time.monotonic() >= stop_at:
                    break
                name = rng.choices(names, weights)[0]
                path = MIX[name][1].format(case=rng.choice(cases), word=rng.choice(SEARCH_WORDS))
                fresh = [False]

                def trace(event: str, info: Any, fresh: list[bool] = fresh) -> None:
                    if event.startswith("connection.connect_tcp"):
                        fresh[0] = True

                started = time.monotonic()
                t0 = time.perf_counter()
                try:
                    status = client.get(path, extensions={"trace": trace}).status_code
                    problem = None if status == 200 else f"status {status}"
                except httpx.HTTPError as error:
                    status, problem = 0, type(error).__name__
                elapsed = time.perf_counter() - t0
                if started >= steady:
                    with tally.lock:
                        tally.latencies[name].append(elapsed)
                if problem:
                    tally.error(
                        problem,
                        path=path,
                        at=round(started - begin, 1),
                        after=round(elapsed, 3),
                        connection="new" if fresh[0] else f"reused, idle {started - last:.2f} s",
                    )
                last = time.monotonic()

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "measured": time.monotonic() - steady,
                "latencies": tally.latencies,
                "errors": {
                    kind: {"count": len(xs), "sample": xs[:3]} for kind, xs in tally.errors.items()
                },
                "error_count": sum(len(v) for v in tally.errors.values()),
                "client_cpu": usage.ru_utime + usage.ru_stime,
            }
        )
    )


def _line(name: str, xs: list[float]) -> str:
    ms = [x * 1000 for x in xs]
    return (
        f"  {name:12} n={len(xs):6}  p50 {_percentile(ms, 50):6.0f} ms  "
        f"p95 {_percentile(ms, 95):6.0f} ms  p99 {_percentile(ms, 99):6.0f} ms  "
        f"max {max(ms):6.0f} ms"
    )


def report(result: dict[str, Any], watch: dict[str, Any], args: argparse.Namespace) -> None:
    everything = [x for xs in result["latencies"].values() for x in xs]
    wall = result["measured"]
    print(
        f"{args.users} users, {args.workers} workers, think {args.think} s, "
        f"{wall:.0f} s measured after a {args.ramp:.0f} s sign-in ramp: "
        f"{len(everything):,} requests ({len(everything) / max(wall, 1e-9):.1f}/s), "
        f"errors {result['error_count']}"
    )
    for name, xs in sorted(result["latencies"].items()):
        print(_line(name, xs))
    if everything:
        print(_line("all", everything) + "  (target p95 < 300 ms, 0 errors)")
    for kind, found in sorted(result["errors"].items()):
        print(f"  errors {kind}: {found['count']}, e.g. {found['sample']}")
    print(
        f"  CPU: server {watch['server_cpu']:.0f} s, database {watch['database_cpu']:.0f} s, "
        f"users' process {result['client_cpu']:.0f} s, over {args.ramp + wall:.0f} s (ramp "
        f"and measured) on "
        f"{os.cpu_count()} cores"
    )
    if args.workers == 1:
        print(
            f"  one server process; load average during the run: mean {watch['load_mean']:.1f}"
            f", max {watch['load_max']:.1f}"
        )
        return
    print(
        f"  worker processes: {args.workers} asked, {watch['workers_seen']} seen, "
        f"{watch['workers_replaced']} killed and replaced by the supervisor since the server "
        f"started ({watch['workers_replaced_measured']} during the run); load average during "
        f"the run: mean {watch['load_mean']:.1f}, max {watch['load_max']:.1f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=600, help="measured seconds")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/palermo_load"
    )
    ap.add_argument("--data-dir", type=Path, default=None, help="kept between runs")
    ap.add_argument("--demo-cases", type=int, default=3)
    ap.add_argument("--think", type=float, default=2.0, help="mean think time, seconds")
    ap.add_argument("--ramp", type=float, default=60.0, help="seconds over which users sign in")
    ap.add_argument("--no-warm", action="store_true", help="measure cold derived views")
    ap.add_argument("--server-log", type=Path, default=None)
    ap.add_argument("--drive", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    cases = CASES[: max(1, min(args.demo_cases, len(CASES)))]
    if args.drive:
        drive(args.drive, args.users, args.duration, args.think, args.ramp, cases)
        return
    _ensure_database(args.database_url)
    data = args.data_dir or Path(tempfile.gettempdir()) / "palermo-load"
    env = _environment(args.database_url, data)
    build(env, args.demo_cases, args.users)
    log = args.server_log or data / "server.log"
    process, url = serve(env, args.workers, log)
    watch = ServerWatch(process.pid, args.database_url)
    watch.start()
    try:
        if not args.no_warm:
            print(f"warmed {len(cases)} cases' kept views in {warm(url, cases):.0f} s", flush=True)
        watch.mark()
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
                "--ramp",
                str(args.ramp),
                "--demo-cases",
                str(args.demo_cases),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=args.ramp + args.duration + 900,
        )
        figures = watch.stop()
        report(json.loads(out.stdout.strip().splitlines()[-1]), figures, args)
        print(f"  server log: {log} ({log.stat().st_size} bytes)")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
