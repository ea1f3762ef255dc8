"""Benchmark: unit dashboard and outcome statistics on a large unit (SQLite).

One unit with 10,000 cases, 100,000 hearings and 30,000 outcomes (plus 40,000 people,
stage transitions, deadlines, victim contacts, support services and witness statuses).
Times ``dashboard`` and ``outcome_statistics`` from the service layer, each run several
times on a warm database; target under 1 s each. Then (unless ``--no-web``) serves the web
app on 127.0.0.1 and drives GET /dashboard with 20 concurrent clients from a second
process, 400 requests in total; target p95 under 300 ms. Prints figures; no assertions.

    .venv/bin/python benchmarks/caseload.py [--cases 10000] [--runs 5] [--db PATH]
        [--no-web] [--clients 20] [--requests 400]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, select

import palermo.store.models.caseload as cm
from palermo.security import audit
from palermo.security.permissions import SYSTEM
from palermo.services import caseload as svc
from palermo.settings import Settings
from palermo.store.db import Database
from palermo.store.models import Base, Case, Person, Unit

TODAY = date(2026, 6, 30)
STAGES = (
    ["investigation"] * 10
    + ["charged"] * 3
    + ["pre_trial"] * 12
    + ["trial"] * 15
    + ["verdict"] * 3
    + ["sentencing"] * 2
    + ["appeal"] * 3
    + ["closed"] * 48
    + ["diverted"] * 4
)
PARTIES = ["defence"] * 11 + ["prosecution"] * 3 + ["court"] * 4 + ["investigator", "other"]
STATUTES = ["us-18-1591", "us-18-1589", "uk-msa-s1", "uk-msa-s2", "eu-2011-36-art2"]
TYPOLOGIES = ["sexual_exploitation", "forced_labour", "domestic_servitude"]


def build(db: Database, n_cases: int, seed: int = 11) -> dict[str, int]:
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    with db.session() as s:
        unit = Unit(code="bench", name="Benchmark unit", country="US", settings={})
        s.add(unit)
        s.flush()
        cases: list[dict[str, Any]] = []
        for i in range(n_cases):
            opened = TODAY - timedelta(days=rng.randint(20, 2500))
            stage = rng.choice(STAGES)
            charged = (
                opened + timedelta(days=rng.randint(30, 400)) if stage != "investigation" else None
            )
            if charged and charged > TODAY:
                charged = TODAY - timedelta(days=5)
            closed = (
                (charged or opened) + timedelta(days=rng.randint(100, 900))
                if stage in ("closed", "diverted")
                else None
            )
            if closed and closed > TODAY:
                closed = TODAY
            cases.append(
                dict(
                    unit_id=unit.id,
                    reference=f"B-{i:06d}",
                    title=f"Case {i}",
                    jurisdiction="US",
                    typology=rng.choice(TYPOLOGIES),
                    stage=stage,
                    statutes=[rng.choice(STATUTES)],
                    opened_on=opened,
                    charged_on=charged,
                    closed_on=closed,
                )
            )
        case_ids = list(
            s.scalars(insert(Case).returning(Case.id, sort_by_parameter_order=True), cases)
        )
        counts["cases"] = len(case_ids)
        people: list[dict[str, Any]] = []
        for cid in case_ids:
            for j, kind in enumerate(("suspect", "suspect", "victim", "victim")):
                people.append(
                    dict(
                        case_id=cid,
                        kind=kind,
                        pseudonym=f"{kind[0].upper()}{j}",
                        sex=rng.choice(["female", "male"]),
                        is_minor=rng.random() < 0.2,
                        aliases=[],
                    )
                )
        pids = list(
            s.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), people)
        )
        counts["persons"] = len(pids)
        hearings, outcomes, transitions, deadlines, contacts, support, status = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        for k, (cid, c) in enumerate(zip(case_ids, cases, strict=True)):
            start = c["charged_on"] or c["opened_on"]
            day = start
            for _ in range(10):  # 10 hearings per case -> 100,000
                day += timedelta(days=rng.randint(7, 60))
                adj = rng.random() < 0.3
                hearings.append(
                    dict(
                        case_id=cid,
                        held_on=min(day, TODAY + timedelta(days=20)),
                        kind="trial",
                        adjourned=adj,
                        requested_by=rng.choice(PARTIES) if adj else None,
                    )
                )
            transitions.append(
                dict(
                    case_id=cid,
                    from_stage="intake",
                    to_stage="investigation",
                    occurred_on=c["opened_on"],
                )
            )
            if c["charged_on"]:
                transitions.append(
                    dict(
                        case_id=cid,
                        from_stage="investigation",
                        to_stage="charged",
                        occurred_on=c["charged_on"],
                    )
                )
            suspects = pids[4 * k : 4 * k + 2]
            victims = pids[4 * k + 2 : 4 * k + 4]
            decided = c["stage"] in ("verdict", "sentencing", "appeal", "closed")
            for n in range(3):  # 3 outcomes per case -> 30,000
                verdict = "pending"
                if decided:
                    verdict = rng.choice(["convicted"] * 6 + ["acquitted"] * 2 + ["dismissed"] * 2)
                conv = verdict == "convicted"
                custodial = rng.randint(12, 240) if conv and rng.random() < 0.8 else None
                outcomes.append(
                    dict(
                        case_id=cid,
                        person_id=suspects[n % 2],
                        statute_id=c["statutes"][0],
                        verdict=verdict,
                        verdict_on=(start + timedelta(days=rng.randint(100, 800)))
                        if decided
                        else None,
                        custodial_months=custodial,
                        suspended_months=24 if conv and custodial is None else None,
                        restitution_requested=Decimal(10000)
                        if conv and rng.random() < 0.15
                        else None,
                    )
                )
            deadlines.append(
                dict(
                    case_id=cid,
                    kind="custody_limit",
                    due_on=start + timedelta(days=180),
                    done=start + timedelta(days=180) < TODAY,
                )
            )
            for v in victims:
                contacts.append(
                    dict(
                        person_id=v,
                        kind="phone",
                        contacted_on=TODAY - timedelta(days=rng.randint(0, 200)),
                    )
                )
                support.append(
                    dict(
                        person_id=v,
                        service="shelter",
                        started_on=c["opened_on"],
                        ended_on=c["closed_on"],
                    )
                )
                status.append(
                    dict(
                        person_id=v,
                        repatriated=rng.random() < 0.2,
                        intimidation_reports=rng.choice([0] * 9 + [1]),
                        available=True,
                    )
                )
        for model, rows, name in [
            (cm.Hearing, hearings, "hearings"),
            (cm.Outcome, outcomes, "outcomes"),
            (cm.StageTransition, transitions, "transitions"),
            (cm.CaseDeadline, deadlines, "deadlines"),
            (cm.VictimContact, contacts, "contacts"),
            (cm.SupportService, support, "support services"),
            (cm.WitnessStatus, status, "witness statuses"),
        ]:
            s.execute(insert(model), rows)
            counts[name] = len(rows)
        counts["unit_id"] = unit.id
    return counts


def timed(fn: Any, runs: int) -> tuple[list[float], list[float], Any]:
    """Wall-clock and CPU seconds per run (CPU time shows the cost on a busy machine)."""
    wall, cpu, result = [], [], None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--db", type=Path, default=None, help="SQLite file (default: temporary)")
    ap.add_argument(
        "--no-web",
        dest="web",
        action="store_false",
        help="skip the web benchmark (GET /dashboard over HTTP)",
    )
    ap.add_argument("--clients", type=int, default=20, help="web: concurrent clients")
    ap.add_argument("--requests", type=int, default=400, help="web: requests in total")
    ap.add_argument("--drive", metavar="URL", help=argparse.SUPPRESS)  # the client process
    ap.add_argument(
        "--search",
        action="store_true",
        help="only the search benchmark: --cases cases with --people people each",
    )
    ap.add_argument("--people", type=int, default=100, help="search: people per case")
    ap.add_argument("--queries", type=int, default=200, help="search: queries timed")
    args = ap.parse_args()
    if args.drive:
        drive(args.drive, args.clients, args.requests)
        return
    if args.search:
        search_benchmark(args.cases, args.people, args.queries, args.db)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "caseload-bench.db"
        db = Database(f"sqlite:///{path}")
        Base.metadata.create_all(db.engine)
        audit.install(db.engine, Settings(data_dir=Path(tmp), secret_key=os.urandom(32).hex()))
        t = time.perf_counter()
        counts = build(db, args.cases)
        print(
            f"built in {time.perf_counter() - t:.1f} s: "
            + ", ".join(f"{v:,} {k}" for k, v in counts.items() if k != "unit_id")
        )
        unit_id = counts["unit_id"]
        ranges = svc.statute_ranges()
        with db.session() as s:
            assert s.scalar(select(Unit.id).where(Unit.id == unit_id)) == unit_id
            dash_wall, dash_cpu, dash = timed(
                lambda: svc.dashboard(s, SYSTEM, unit_id, TODAY), args.runs
            )
            stat_wall, stat_cpu, st = timed(
                lambda: svc.outcome_statistics(s, SYSTEM, unit_id, ranges=ranges), args.runs
            )
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average while timing: {load:.1f} on {os.cpu_count()} CPUs")
        for name, wall, cpu in (
            ("dashboard", dash_wall, dash_cpu),
            ("outcome statistics", stat_wall, stat_cpu),
        ):
            print(
                f"{name:<20} wall median {statistics.median(wall):.3f} s "
                f"(min {min(wall):.3f}, max {max(wall):.3f}); CPU median "
                f"{statistics.median(cpu):.3f} s; {len(wall)} runs (target < 1 s)"
            )
        print(
            f"dashboard: {dash.open_cases:,} open cases, "
            f"{len(dash.hearings_next_two_weeks):,} hearings in 2 weeks, "
            f"{len(dash.over_target):,} over target, {len(dash.at_risk_witnesses):,} "
            f"at-risk witnesses, {len(dash.deadlines):,} deadline alerts; "
            + "; ".join(dash.adjournment_sentences[:2])
        )
        print(
            f"statistics: conviction rate {st.conviction_rate:.1%} "
            f"({st.convicted:,} of {st.decided:,}), median disposition "
            f"{st.disposition_median_days:.0f} days, p90 {st.disposition_p90_days:.0f} days"
        )
        db.dispose()
        if args.web:
            web_benchmark(path, unit_id, Path(tmp), args.clients, args.requests)


# --------------------------------------------------------------------------- web
# The app served by uvicorn in a thread of this process on 127.0.0.1 (loopback only), and
# ``--clients`` concurrent clients in a second process (this script with ``--drive``),
# signed in as a prosecutor who is a member of every case of the unit (the worst case
# for the rows the dashboard lists), issuing ``--requests`` GET /dashboard in total.

BENCH_USER = "bench-head"


def _percentile(values: list[float], q: float) -> float:
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))]


def web_benchmark(path: Path, unit_id: int, tmp: Path, clients: int, requests: int) -> None:
    import json
    import secrets
    import socket
    import subprocess
    import sys
    import threading

    import uvicorn

    from palermo.services import caseload_views, users
    from palermo.services.context import Context
    from palermo.settings import Settings
    from palermo.store.models import CaseMember, Role
    from palermo.web.app import create_app

    settings = Settings(
        data_dir=tmp / "data", database_url=f"sqlite:///{path}", secret_key=secrets.token_hex(32)
    )
    ctx = Context.create(settings, migrate=False)
    password = secrets.token_urlsafe(16)
    user = users.create_user(
        ctx, SYSTEM, username=BENCH_USER, password=password, role=Role.PROSECUTOR, unit_id=unit_id
    )
    with ctx.db.session() as s:
        ids = list(s.scalars(select(Case.id).where(Case.unit_id == unit_id)))
        s.execute(insert(CaseMember), [dict(case_id=i, user_id=user.id) for i in ids])
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
    env = {**os.environ, "PALERMO_BENCH_PASSWORD": password}

    def run(n_clients: int, n_requests: int) -> dict[str, Any]:
        cpu = time.process_time()  # this process is the server: its CPU per request
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--drive",
                url,
                "--clients",
                str(n_clients),
                "--requests",
                str(n_requests),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
        )
        result = dict(json.loads(out.stdout.strip().splitlines()[-1]))
        result["server_cpu"] = (time.process_time() - cpu) / (result["n"] + 1)
        return result

    try:
        print(
            f"web: GET /dashboard on {url} (uvicorn, 1 worker, in a thread); "
            f"{len(ids):,} cases, user member of all"
        )
        cached = run(clients, requests)
        _report(f"dashboard page, {clients} clients, cache on", cached)
        # Without the short-lived cache (max age 0): every request that arrives after the
        # last computation started recomputes; requests waiting for one share its result.
        caseload_views.DASHBOARD_MAX_AGE = 0.0
        uncached = run(clients, max(clients, requests // 10))
        _report(f"dashboard page, {clients} clients, max age 0", uncached)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        ctx.db.dispose()


def _report(name: str, r: dict[str, Any]) -> None:
    print(
        f"{name}: {r['n']} requests in {r['wall']:.1f} s ({r['n'] / r['wall']:.1f}/s); "
        f"latency p50 {r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms, "
        f"max {r['max'] * 1000:.0f} ms (target p95 < 300 ms); first request "
        f"{r['first'] * 1000:.0f} ms; server CPU {r['server_cpu'] * 1000:.1f} ms per request; "
        f"statuses {r['statuses']}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def drive(url: str, clients: int, requests: int) -> None:
    """The client process: sign in once, then ``clients`` threads share ``requests``."""
    import json
    import re
    import threading
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    password = os.environ["PALERMO_BENCH_PASSWORD"]
    with httpx.Client(base_url=url, timeout=120) as login:
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.get("/login").text)
        assert token is not None
        signed = login.post(
            "/login",
            data={"username": BENCH_USER, "password": password, "csrf_token": token.group(1)},
        )
        assert signed.status_code == 303, signed.status_code
        cookies = dict(login.cookies)
        t = time.perf_counter()
        first = login.get("/dashboard")
        first_s = time.perf_counter() - t
        assert first.status_code == 200 and "Unit dashboard" in first.text
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    remaining = [requests]

    def worker() -> None:
        with httpx.Client(base_url=url, cookies=cookies, timeout=120) as client:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                t0 = time.perf_counter()
                response = client.get("/dashboard")
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(worker)
    wall = time.perf_counter() - start
    print(
        json.dumps(
            {
                "n": len(latencies),
                "wall": wall,
                "first": first_s,
                "p50": _percentile(latencies, 50),
                "p95": _percentile(latencies, 95),
                "max": max(latencies),
                "statuses": dict(statuses),
            }
        )
    )


# --------------------------------------------------------------------------- search
# ``--search``: one unit, ``--cases`` cases with ``--people`` people each (a fifth of them
# victims whose names exist only as keyed hashes, the rest named in clear), a phone per
# four people; a prosecutor who is a member of every case. Times the search service (the
# database query, the blind-index lookup and the audit write) for full names, surnames,
# sealed victims' names, phone fragments and case references. Target p95 < 200 ms.

FIRST = [
    "ana",
    "ion",
    "maria",
    "elena",
    "vasile",
    "dan",
    "irina",
    "mihai",
    "sofia",
    "radu",
    "olga",
    "pavel",
    "nina",
    "igor",
    "lena",
    "marko",
    "vera",
    "petar",
    "zora",
    "luka",
]
LAST = [
    f"{a}{b}"
    for a in ("pop", "ion", "stan", "mar", "dra", "vas", "pet", "nic", "lup", "tud")
    for b in ("escu", "ovic", "enko", "ova", "an", "u", "ic", "ache", "ar", "ean")
]


def _national(phone: str) -> str:
    digits = phone[2:]  # "+1" and the rest
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def _table(model: type[Base]) -> Table:
    """A mapped class's table (declarative classes type ``__table__`` as any FromClause)."""
    table = model.__table__
    assert isinstance(table, Table), table
    return table


def build_search(ctx: Any, n_cases: int, per_case: int, rng: random.Random) -> dict[str, Any]:
    """Bulk-load the search data through the store's tables (explicit ids, one executemany
    per table and batch; no ORM objects) and index it with the product's blind index.
    Returns the samples the queries are drawn from."""
    import secrets

    from palermo.security import blind_index
    from palermo.security.sealing import person_context
    from palermo.services import users
    from palermo.store.models import CaseMember, Identifier, Role
    from palermo.store.models.find import SearchKey

    unit_id = users.ensure_unit(ctx, "bench", "Benchmark unit", "US")
    user = users.create_user(
        ctx,
        SYSTEM,
        username="bench-search",
        password=secrets.token_urlsafe(16),
        role=Role.PROSECUTOR,
        unit_id=unit_id,
    )
    key = blind_index.key_for(ctx.keyring.master)
    samples: dict[str, Any] = {"user_id": user.id, "sealed": [], "clear": [], "phones": []}
    n_keys = 0
    with ctx.db.session() as s:
        s.execute(
            insert(_table(Case)),
            [
                dict(
                    id=i + 1,
                    unit_id=unit_id,
                    reference=f"HT-{i:06d}",
                    title=f"Operation {i}",
                    jurisdiction="US",
                    stage="investigation",
                    statutes=["us-18-1591"],
                    default_region="US",
                    created_at=datetime.now(UTC),
                )
                for i in range(n_cases)
            ],
        )
        s.execute(
            insert(_table(CaseMember)),
            [dict(case_id=i + 1, user_id=user.id) for i in range(n_cases)],
        )
    # Bulk load: the key indexes are dropped first and built once at the end (one sort
    # instead of a million random B-tree inserts), as any bulk load into SQLite would.
    indexes = list(_table(SearchKey).indexes)
    with ctx.db.engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
    pid = iid = 0
    for start in range(0, n_cases, 200):
        people: list[dict[str, Any]] = []
        ids: list[dict[str, Any]] = []
        keys: list[tuple[Any, ...]] = []
        for cid in range(start + 1, min(n_cases, start + 200) + 1):
            for j in range(per_case):
                pid += 1
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"
                victim = j % 5 == 0
                people.append(
                    dict(
                        id=pid,
                        case_id=cid,
                        kind="victim" if victim else "suspect",
                        pseudonym=f"P-{j:03d}",
                        name=None if victim else name.title(),
                        sealed_identity=ctx.sealer.seal(
                            {"name": name.title(), "aliases": []},
                            person_context(cid, f"P-{j:03d}"),
                        )
                        if victim
                        else None,
                        aliases=[],
                        is_minor=False,
                        created_at=datetime.now(UTC),
                    )
                )
                keys += (
                    (k, cid, "name", pid, None, victim)
                    for k in key.many("name", blind_index.name_tokens([name]))
                )
                if len(samples["sealed" if victim else "clear"]) < 5000:
                    samples["sealed" if victim else "clear"].append(name)
                if pid % 4 == 0:
                    iid += 1
                    phone = f"+1202{pid:07d}"
                    if len(samples["phones"]) < 5000:
                        samples["phones"].append(phone)
                    ids.append(
                        dict(
                            id=iid,
                            case_id=cid,
                            kind="phone",
                            value=phone,
                            person_id=pid,
                            created_at=datetime.now(UTC),
                        )
                    )
                    keys += (
                        (k, cid, "id", None, iid, False)
                        for k in key.many("id", blind_index.identifier_tokens("phone", phone, "US"))
                    )
        with ctx.db.session() as s:
            s.execute(insert(_table(Person)), people)
            s.execute(insert(_table(Identifier)), ids)
            # The keys straight through the driver: plain integers and strings.
            s.connection().exec_driver_sql(
                f"INSERT INTO {SearchKey.__tablename__} "
                "(key, case_id, kind, person_id, identifier_id, sealed) VALUES (?, ?, ?, ?, ?, ?)",
                keys,
            )
        n_keys += len(keys)
        print(f"  {pid:,} people, {n_keys:,} keys", flush=True)
    t = time.perf_counter()
    with ctx.db.engine.begin() as connection:
        for index in indexes:
            index.create(connection)
        connection.exec_driver_sql("ANALYZE")
    print(f"  indexes built in {time.perf_counter() - t:.0f} s", flush=True)
    samples["counts"] = dict(cases=n_cases, people=pid, phones=iid, keys=n_keys)
    return samples


def search_benchmark(n_cases: int, per_case: int, n_queries: int, db_path: Path | None) -> None:
    """With ``--db PATH`` the data (and its key, in PATH.data/) is kept and reused."""
    import json

    from palermo.services import search
    from palermo.services.context import Context
    from palermo.settings import Settings
    from palermo.store.models import Role, User

    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        path = db_path or Path(tmp) / "search-bench.db"
        data_dir = path.with_suffix(".data")
        settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{path}")
        ctx = Context.create(settings, migrate=True)
        saved = data_dir / "samples.json"
        t = time.perf_counter()
        if saved.exists():
            samples = json.loads(saved.read_text())
        else:
            samples = build_search(ctx, n_cases, per_case, rng)
            saved.write_text(json.dumps(samples))
        c = samples["counts"]
        print(
            f"built in {time.perf_counter() - t:.1f} s: {c['cases']:,} cases, "
            f"{c['people']:,} people (a fifth sealed), {c['phones']:,} phones, "
            f"{c['keys']:,} index keys; user member of every case"
        )
        from palermo.security.permissions import Actor

        with ctx.db.session() as s:
            user = s.get(User, samples["user_id"])
            assert user is not None
            actor = Actor(user_id=user.id, username=user.username, role=Role(user.role))
        clear, sealed, phones = samples["clear"], samples["sealed"], samples["phones"]
        kinds = {
            "full name (clear)": lambda: rng.choice(clear),
            "surname (clear)": lambda: rng.choice(clear).split()[1],
            "full name (sealed victim)": lambda: rng.choice(sealed),
            "name prefixes": lambda: " ".join(w[:4] for w in rng.choice(clear).split()[:2]),
            "phone prefix": lambda: rng.choice(phones)[:9],
            "phone, national format": lambda: _national(rng.choice(phones)),
            "case reference": lambda: f"HT-{rng.randrange(c['cases']):06d}",
        }
        everything: list[float] = []
        everything_cpu: list[float] = []
        for label, make in kinds.items():
            times, cpus, hits = [], [], 0
            for _ in range(max(5, n_queries // len(kinds))):
                q = make()
                t0, c0 = time.perf_counter(), time.process_time()
                r = search.search(ctx, actor, q)
                times.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
                hits += len(r.people) + len(r.identifiers) + len(r.cases)
            everything += times
            everything_cpu += cpus
            print(
                f"search {label:<26} p50 {_percentile(times, 50) * 1000:.0f} ms, "
                f"p95 {_percentile(times, 95) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
                f"(CPU p95 {_percentile(cpus, 95) * 1000:.0f} ms); "
                f"{len(times)} queries, {hits / len(times):.1f} hits each"
            )
        # CPU time shows the cost on a busy machine, where wall time includes waiting.
        print(
            f"search, all {len(everything)} queries: wall p50 "
            f"{_percentile(everything, 50) * 1000:.0f} ms, p95 "
            f"{_percentile(everything, 95) * 1000:.0f} ms; CPU p50 "
            f"{_percentile(everything_cpu, 50) * 1000:.0f} ms, p95 "
            f"{_percentile(everything_cpu, 95) * 1000:.0f} ms (target p95 < 200 ms); "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        ctx.db.dispose()


if __name__ == "__main__":
    main()
