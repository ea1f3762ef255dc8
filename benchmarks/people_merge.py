"""Benchmark: merging two people who each carry many facts, identifiers and charges, then
undoing the merge, and opening the merged person's page (SQLite, service layer).

Two suspects of one case each get ``--facts`` mentions, ``--identifiers`` phones and
``--charges`` charges; the case has ``--others`` further people (their rows are not
moved). Times the merge preview, the merge, the person page and the undo, ``--runs``
times each on a fresh pair; prints median and max. No assertions, no targets from data
the code was tuned on.

    .venv/bin/python benchmarks/people_merge.py [--facts 5000] [--identifiers 200]
        [--charges 20] [--others 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from palermo.security.permissions import SYSTEM
from palermo.services import cases, casework, people, person_merge, users
from palermo.services.context import Context
from palermo.settings import Settings
from palermo.store.models import Assertion, Case, Charge, Identifier, Person

REFERENCE = "BENCH-PEOPLE"


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _pair(ctx: Context, run: int, facts: int, identifiers: int, charges: int) -> tuple[int, int]:
    ids = []
    for half, name in enumerate(("Ion Popescu", "Ioan Popescu")):
        pid = casework.add_person(
            ctx, SYSTEM, REFERENCE, kind="suspect", name=f"{name} {run}", aliases=[f"alias-{run}"]
        )
        ids.append(pid)
        with ctx.db.session() as session:
            case_id = session.scalar(select(Case.id).where(Case.reference == REFERENCE))
            session.execute(
                insert(Assertion),
                [
                    {
                        "case_id": case_id,
                        "subject_type": "person",
                        "subject_id": pid,
                        "predicate": "mention",
                        "value": f"{name} {i}",
                        "status": "suggested",
                    }
                    for i in range(facts)
                ],
            )
            session.execute(
                insert(Identifier),
                [
                    {
                        "case_id": case_id,
                        "kind": "phone",
                        "value": f"+4072{run:02d}{half}{i:05d}",
                        "person_id": pid,
                    }
                    for i in range(identifiers)
                ],
            )
            session.execute(
                insert(Charge),
                [
                    {"case_id": case_id, "person_id": pid, "statute_id": "us-18-1591"}
                    for _ in range(charges)
                ],
            )
    return ids[0], ids[1]


def _run_once(ctx: Context, a: int, b: int, times: dict[str, list[float]]) -> None:
    times["preview"].append(
        _timed(lambda: person_merge.merge_preview(ctx, SYSTEM, REFERENCE, a, b))
    )
    merged: list[int] = []
    times["merge"].append(
        _timed(
            lambda: merged.append(
                person_merge.merge_people(
                    ctx, SYSTEM, REFERENCE, survivor_id=a, absorbed_id=b, keep={"name": "survivor"}
                )
            )
        )
    )
    times["page"].append(_timed(lambda: people.person_page(ctx, SYSTEM, REFERENCE, a)))
    times["undo"].append(_timed(lambda: person_merge.undo_merge(ctx, SYSTEM, REFERENCE, merged[0])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=5000)
    parser.add_argument("--identifiers", type=int, default=200)
    parser.add_argument("--charges", type=int, default=20)
    parser.add_argument("--others", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ctx = Context.create(Settings(data_dir=Path(folder) / "data"))
        unit = users.ensure_unit(ctx, "bench", "Bench", "US")
        cases.create_case(
            ctx, SYSTEM, reference=REFERENCE, title="Bench", jurisdiction="US", unit_id=unit
        )
        with ctx.db.session() as session:
            case_id = session.scalar(select(Case.id).where(Case.reference == REFERENCE))
            session.execute(
                insert(Person),
                [
                    {"case_id": case_id, "kind": "witness", "pseudonym": f"X-{i}", "name": "x"}
                    for i in range(args.others)
                ],
            )
        times: dict[str, list[float]] = {"preview": [], "merge": [], "page": [], "undo": []}
        for run in range(args.runs):
            a, b = _pair(ctx, run, args.facts, args.identifiers, args.charges)
            _run_once(ctx, a, b, times)
        print(
            f"people merge: 2 people x ({args.facts:,} facts, {args.identifiers:,} identifiers, "
            f"{args.charges} charges), {args.others:,} other people, {args.runs} runs"
        )
        for name, values in times.items():
            print(
                f"  {name:8s} median {statistics.median(values) * 1000:8.1f} ms"
                f"   max {max(values) * 1000:8.1f} ms"
            )
        ctx.db.dispose()


if __name__ == "__main__":
    main()
