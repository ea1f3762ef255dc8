"""Benchmark: sign-in throttling and timing, with the production password hashing.

Prints (1) the delay curve per account and per client address — the wait imposed after
each consecutive failure, and how many wrong passwords an attacker who waits out every
delay gets before the account locks; (2) the time a wrong password takes for an existing,
an unknown and a disabled account (they should be alike: an unknown name is checked
against a dummy hash); (3) the time of a refused (throttled) attempt. No assertions.

    .venv/bin/python benchmarks/signin.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from palermo.security import throttle
from palermo.security.permissions import SYSTEM
from palermo.services import administration, users
from palermo.services.context import Context
from palermo.services.errors import AuthenticationFailed
from palermo.settings import Settings
from palermo.store.models import Role, SigninAttempts


def _attempt(ctx: Context, name: str, password: str, address: str) -> int | None:
    try:
        users.authenticate(ctx, name, password, address)
    except users.SignInRefused as refused:
        return refused.retry_after
    except AuthenticationFailed:
        return 0
    return None


def _clear_waits(ctx: Context) -> None:
    with ctx.db.session() as session:
        session.execute(sa.update(SigninAttempts).values(locked_until=None))


def _forget(ctx: Context) -> None:
    with ctx.db.session() as session:
        session.execute(sa.delete(SigninAttempts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="timed attempts per kind of account")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context.create(Settings(data_dir=Path(tmp)))
        unit = users.ensure_unit(ctx, "bench", "Bench")
        good = "a long and correct password"
        users.create_user(
            ctx, SYSTEM, username="alice", password=good, role=Role.PROSECUTOR, unit_id=unit
        )
        off = users.create_user(
            ctx, SYSTEM, username="carol", password=good, role=Role.ANALYST, unit_id=unit
        )
        administration.set_active(ctx, SYSTEM, off.id, False)

        print("delay curve per account (an attacker who waits out every delay):")
        waits = []
        for n in range(1, 13):
            _clear_waits(ctx)
            waits.append((n, _attempt(ctx, "alice", "wrong password", f"10.0.{n}.1")))
        for n, wait in waits:
            print(f"  failure {n:2d}: next attempt waits {wait} s")
        locked_after = next(n for n, w in waits if w and w >= throttle.ACCOUNT.lock.total_seconds())
        refused = _attempt(ctx, "alice", good, "10.9.9.9")
        print(
            f"  locked after {locked_after} wrong passwords; the right password is then refused "
            f"for {refused} s (one more try per lock period afterwards)"
        )
        print("delay curve per client address (policy):")
        print(
            "  "
            + ", ".join(f"{n}:{w}s" for n, w in throttle.curve(throttle.ADDRESS, 52) if w)[:400]
        )

        print(
            f"timing of a wrong password, {args.runs} runs each (median, p90), production argon2:"
        )
        for label, name in (
            ("existing", "alice"),
            ("unknown", "nobody-here"),
            ("disabled", "carol"),
        ):
            times = []
            for i in range(args.runs):
                _forget(ctx)
                t = time.perf_counter()
                _attempt(ctx, name, "wrong password", f"10.1.{i}.1")
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            p90 = times[int(len(times) * 0.9) - 1]
            print(f"  {label:9s}: {statistics.median(times):6.1f} ms, p90 {p90:6.1f} ms")
        _forget(ctx)
        for _ in range(4):
            _attempt(ctx, "alice", "wrong password", "10.2.0.1")
        t = time.perf_counter()
        wait = _attempt(ctx, "alice", good, "10.2.0.1")
        took = (time.perf_counter() - t) * 1000
        print(f"refused attempt while a {wait} s wait runs: {took:.1f} ms (no hash checked)")
        ctx.db.dispose()


if __name__ == "__main__":
    main()
