"""Hostile evidence files through the product's ingest path, one child process per kind.

    .venv/bin/python benchmarks/hostile.py                   # every kind at full size
    .venv/bin/python benchmarks/hostile.py --scale 0.01      # quicker, smaller files
    .venv/bin/python benchmarks/hostile.py --kind docx_5_million_paragraphs

Each kind (built by ``tests/ingest/hostile_kinds.py``) is written to a temporary folder,
then a fresh child process creates an empty data directory and SQLite database, a case,
and ingests the file or folder with ``palermo.services.ingest.ingest_path`` under the
default settings. Per kind it prints the outcome (file statuses), wall seconds of the
child (start-up, schema and case creation included) and of the ingest alone, the
child's peak RSS (``os.wait4`` rusage) and partial writes: files in the evidence store
that no evidence row names, records or pages of a file that did not load, and stored
files of an upload whose every file was refused. Targets: 0 crashes, 0 over 30 s,
0 over 1 GB, 0 partial writes.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.ingest import hostile_kinds as hk  # noqa: E402

SECONDS_TARGET = 30.0
RSS_TARGET_MB = 1024.0


def child(path: Path, data_dir: Path, overrides: dict[str, int]) -> None:
    """Ingest ``path`` into a new case in a new data directory; print one JSON line."""
    from palermo.security.permissions import SYSTEM
    from palermo.services import cases, users
    from palermo.services.context import Context
    from palermo.settings import Settings

    # The overrides name any setting (read from JSON): validated as the fields they name.
    settings = Settings.model_validate(
        {"data_dir": data_dir, "secret_key": secrets.token_hex(32), **overrides}
    )
    ctx = Context.create(settings)
    unit = users.ensure_unit(ctx, "bench", "Bench unit", "US")
    ref = cases.create_case(
        ctx, SYSTEM, reference="HOSTILE-1", title="Hostile", jurisdiction="US", unit_id=unit
    ).reference
    started = time.perf_counter()
    result = hk.ingest_and_count(ctx, SYSTEM, ref, path)
    result["ingest_seconds"] = time.perf_counter() - started
    print("RESULT " + json.dumps(result))


def run_kind(name: str, scale: float, timeout: float, work: Path) -> dict[str, Any]:
    folder = work / name
    folder.mkdir()
    try:
        built = time.perf_counter()
        # Built in a child of its own: the builders hold large buffers, and a child's peak
        # RSS as the kernel reports it starts from its parent's at fork.
        made = subprocess.run(
            [
                sys.executable,
                __file__,
                "--build",
                name,
                "--out",
                str(folder),
                "--scale",
                str(scale),
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
        )
        path = Path(made.stdout.strip().splitlines()[-1])
        build_seconds = time.perf_counter() - built
        size = sum(
            p.stat().st_size for p in [path, *path.rglob("*")] if p.is_file() and not p.is_symlink()
        )
        overrides = hk.SETTINGS_FOR_KIND.get(name, {})
        cmd = [
            sys.executable,
            __file__,
            "--child",
            str(path),
            "--data",
            str(folder / "data"),
            "--overrides",
            json.dumps(overrides),
        ]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        out_chunks: list[bytes] = []
        err_chunks: list[bytes] = []
        readers = [
            threading.Thread(target=lambda: out_chunks.append(proc.stdout.read())),  # type: ignore[union-attr]
            threading.Thread(target=lambda: err_chunks.append(proc.stderr.read())),  # type: ignore[union-attr]
        ]
        for r in readers:
            r.start()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        timer.cancel()
        for r in readers:
            r.join()
        seconds = time.perf_counter() - started
        out = b"".join(out_chunks).decode(errors="replace")
        err = b"".join(err_chunks).decode(errors="replace")
        line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), None)
        row: dict[str, Any] = {
            "kind": name,
            "expect": hk.EXPECT[name],
            "input_bytes": size,
            "build_s": round(build_seconds, 1),
            "seconds": round(seconds, 2),
            "ingest_s": None,
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "hang": killed.is_set(),
        }
        if line is None:
            row.update(crash=True, outcome=f"exit {proc.returncode}: {err.strip()[-300:]}")
            row["partial"] = _leftovers(folder / "data")
        else:
            data = json.loads(line[len("RESULT ") :])
            ok = {
                "refused": data["refused"] and data["stored_files"] == 0,
                "some_refused": data["some_refused"],
                "any": True,
            }[hk.EXPECT[name]]
            row.update(
                ingest_s=round(data["ingest_seconds"], 2),
                crash=False,
                outcome=" ".join(f"{k}={v}" for k, v in sorted(data["statuses"].items())),
                partial=data["partial"],
                as_expected=ok,
                reason=(data["reasons"] or [""])[0],
            )
        return row
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _leftovers(data_dir: Path) -> int:
    """After a crash: files left in the evidence store (all count as partial)."""
    store = data_dir / "evidence"
    if not store.exists():
        return 0
    return sum(1 for p in store.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="file sizes (1.0 = full)")
    parser.add_argument("--kind", action="append", help="only these kinds (repeatable)")
    parser.add_argument("--timeout", type=float, default=120.0, help="kill a child after (s)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--overrides", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.data, json.loads(args.overrides))
        return
    if args.build is not None:
        print(hk.KINDS[args.build](args.out, args.scale))
        return
    kinds = args.kind or sorted(hk.KINDS)
    rows = []
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        for name in kinds:
            row = run_kind(name, args.scale, args.timeout, Path(tmp))
            rows.append(row)
            flag = "" if row.get("as_expected", False) and not row["crash"] else "  <-- check"
            print(
                f"{name:34} {row['input_bytes']:>12,} B {row['seconds']:6.1f} s "
                f"(ingest {row['ingest_s'] if row['ingest_s'] is not None else '-':>6} s) "
                f"{row['peak_rss_mb']:8.1f} MB partial={row['partial']} "
                f"{'CRASH ' if row['crash'] else ''}{'HANG ' if row['hang'] else ''}"
                f"{row['outcome']} | {row.get('reason', '')[:90]}{flag}",
                flush=True,
            )
    crashes = sum(r["crash"] for r in rows)
    # The ingest's own seconds: the child's start-up (imports, schema) is not the product's
    # handling of the file, and on a busy machine it alone can take many seconds.
    slow = sum(r["hang"] or (r["ingest_s"] or r["seconds"]) > SECONDS_TARGET for r in rows)
    big = sum(r["peak_rss_mb"] > RSS_TARGET_MB for r in rows)
    partial = sum(r["partial"] > 0 for r in rows)
    unexpected = sum(not r.get("as_expected", False) for r in rows)
    print(
        f"\n{len(rows)} kinds at scale {args.scale:g}: {crashes} crashes, {slow} over "
        f"{SECONDS_TARGET:g} s of ingest, {big} over {RSS_TARGET_MB:g} MB peak RSS, {partial} with "
        f"partial writes, {unexpected} not refused as expected "
        f"(max ingest {max(r['ingest_s'] or 0 for r in rows):.1f} s, "
        f"max wall {max(r['seconds'] for r in rows):.1f} s, "
        f"max {max(r['peak_rss_mb'] for r in rows):.0f} MB)"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
