"""Killing an ingest midway leaves no half-loaded file; running it again completes it."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from palermo.ingest import bulk
from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.services.ingest import Outcome, ingest_path, read_stored
from palermo.settings import Settings
from palermo.store.models import EvidenceFile, Record

from .conftest import CALLS

ROWS = 12_000
KILL_AFTER = 3_000

# The child process kills itself with SIGKILL from inside the bulk insert, once
# KILL_AFTER rows of the big file have been sent: the same as `kill -9` midway,
# without timing. Small batches and a low index-rebuild threshold make a small file
# take the same paths as a large one (SQLite drops and rebuilds the record indexes).
CHILD = """
import json, os, signal, sys
from pathlib import Path
from palermo.ingest import bulk, sealed
sealed.BATCH_ROWS = 1000
bulk.REBUILD_MIN_ROWS = 1000
from palermo.ingest import bulk
from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.settings import Settings
from palermo.store.models import Role

args = json.loads(sys.argv[1])
settings = Settings(data_dir=Path(args["data_dir"]), database_url=args["url"],
                    secret_key=args["secret"])
ctx = Context.create(settings, migrate=False)
actor = Actor(user_id=args["user_id"], username=args["username"], role=Role.PROSECUTOR)

def progress(name, done, total):
    if name == "big-calls.csv" and done >= args["kill_after"]:
        os.kill(os.getpid(), signal.SIGKILL)

ingest_path(ctx, actor, args["case"], Path(args["path"]), progress=progress)
"""


def _big_calls(path: Path) -> None:
    lines = ["call_id,started_at,caller,callee,duration_s,cell_id\n"]
    lines += [
        f"K{i},2024-04-01T{i % 24:02d}:{i % 60:02d}:00Z,+1202555{i % 9000 + 1000:04d},"
        f"+1202556{i % 7000 + 1000:04d},{i % 300},CELL{i % 50}\n"
        for i in range(ROWS)
    ]
    path.write_text("".join(lines))


def test_kill_midway_then_rerun_completes(
    ctx: Context,
    settings: Settings,
    prosecutor: Actor,
    case_ref: str,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (evidence / "a-small-calls.csv").write_text(CALLS)
    _big_calls(evidence / "big-calls.csv")
    args = {
        "data_dir": str(settings.data_dir),
        "url": settings.resolved_database_url,
        "secret": settings.secret_key,
        "user_id": prosecutor.user_id,
        "username": prosecutor.username,
        "case": case_ref,
        "path": str(evidence),
        "kill_after": KILL_AFTER,
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True, timeout=120
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]

    with ctx.db.session() as session:
        files = {f.original_name: f for f in session.scalars(select(EvidenceFile))}
        # The small file, loaded before the kill, is complete; the big one left nothing.
        assert set(files) == {"a-small-calls.csv"}
        assert files["a-small-calls.csv"].record_count == 3
        assert session.scalar(select(func.count()).select_from(Record)) == 3
    # The record indexes dropped for the load came back with the rollback.
    with ctx.db.engine.connect() as connection:
        indexes = {i["name"] for i in sa.inspect(connection).get_indexes("records")}
    assert {
        "ix_records_case_source",
        "ix_records_case_target",
        "ix_records_case_kind_time",
        "ix_records_evidence_file_id",
    } <= indexes
    # No half file under a final name in the content store.
    # (Stored files are encrypted with the case's key: hash what they decrypt to.)
    with ctx.db.session() as session:
        case_id = session.scalars(select(EvidenceFile.case_id)).first()
        cipher = ctx.keyring.case_file_cipher(session, case_id) if case_id else None
    stored_files = list(settings.evidence_dir.glob("*/??/*"))
    assert stored_files and cipher is not None
    for stored in stored_files:
        plain = b"".join(read_stored(cipher, stored))
        assert hashlib.sha256(plain).hexdigest() == stored.name

    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 1000)
    report = ingest_path(ctx, prosecutor, case_ref, evidence)
    statuses = {f.name: (f.status, f.records) for f in report.files}
    assert statuses == {
        "a-small-calls.csv": (Outcome.DUPLICATE, 0),
        "big-calls.csv": (Outcome.LOADED, ROWS),
    }
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == ROWS + 3
        last = session.scalar(select(func.max(Record.row_number)))
        assert last == ROWS + 1
        # The rebuilt indexes serve queries (and hold every new row).
        by_source = session.scalar(
            select(func.count()).select_from(Record).where(Record.source == "+12025551000")
        )
        assert by_source == ROWS // 9000 + 1
