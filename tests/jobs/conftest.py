"""Helpers for the background-job tests: evidence files, and worker processes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from palermo.security.permissions import SYSTEM, Actor
from palermo.services import cases, jobs
from palermo.services.context import Context
from palermo.settings import Settings
from palermo.store.models import Assertion, PersonKind

SRC = Path(__file__).resolve().parents[2] / "src"
RUN_CLI = "from palermo.cli.main import app; app()"


def call_files(files: int, rows: int) -> list[tuple[str, bytes]]:
    """``files`` call-record CSVs of ``rows`` rows each, all different."""
    out: list[tuple[str, bytes]] = []
    for f in range(files):
        lines = ["call_id,started_at,caller,callee,duration_s,cell_id"]
        for r in range(rows):
            minute = r % 60
            lines.append(
                f"F{f}-C{r},2024-03-{1 + f % 28:02d}T{10 + r // 60 % 12:02d}:{minute:02d}:00Z,"
                f"+1202555{f:04d},+1202666{r:04d},{r % 300},CELL-{r % 7}"
            )
        out.append((f"calls-{f:03d}.csv", ("\n".join(lines) + "\n").encode()))
    return out


def streams(files: list[tuple[str, bytes]]) -> list[tuple[str | None, io.BytesIO]]:
    return [(name, io.BytesIO(data)) for name, data in files]


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment a ``palermo`` process needs to use the test's database and keys."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(SRC),
            "PALERMO_DATA_DIR": str(settings.data_dir),
            "PALERMO_DATABASE_URL": settings.resolved_database_url,
            "PALERMO_SECRET_KEY": str(settings.secret_key),
            "PALERMO_JOB_LEASE_SECONDS": "60",
        }
    )
    return env


def start_cli(settings: Settings, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, *args],
        env=cli_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def no_local_worker(ctx: Context) -> Context:
    """The test process queues jobs but never runs them: worker processes do."""
    ctx.settings.jobs_in_process = False
    return ctx


class Clock:
    """The queue's clock (:func:`palermo.services.jobs.now`), moved on by the test
    instead of sleeping."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> datetime:
        self.moment += timedelta(seconds=seconds)
        return self.moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(jobs, "now", found)
    return found


# --- decisions on a case (the analysis after decisions) -------------------------------


@pytest.fixture
def suspect(deciding: Context, prosecutor: Actor, case_ref: str) -> int:
    """A suspect of the case, added before the decisions under test (adding a person is a
    decision too). ``deciding`` is each test module's own settings fixture."""
    deciding.settings.analyse_after_decisions = False
    person = cases.add_person(
        deciding, prosecutor, case_ref, kind=PersonKind.SUSPECT, name="Suspect One"
    )
    deciding.settings.analyse_after_decisions = True
    return person.id


def suggestions(ctx: Context, case_ref: str, person_id: int, count: int) -> list[int]:
    """``count`` machine suggestions (indicators about a person) waiting for review."""
    case_id = cases.case_id_for(ctx, SYSTEM, case_ref)
    with ctx.db.session() as session:
        rows = [
            Assertion(
                case_id=case_id,
                subject_type="person",
                subject_id=person_id,
                predicate="indicator",
                value="debt_bondage",
                quote=f"owes the house {n} thousand",
                confidence=0.8,
            )
            for n in range(count)
        ]
        session.add_all(rows)
        session.flush()
        return [a.id for a in rows]


def run_all(ctx: Context) -> int:
    """Run every job that is due, as a worker would, until the queue has none."""
    return jobs.work(ctx, threading.Event(), until_idle=True)
