"""`palermo serve --workers 2` on PostgreSQL, with a `palermo worker`: a user signs in,
browses and uploads through both web processes, and the audit chain verifies after."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_from

from palermo.security.permissions import Actor
from palermo.services.context import Context

from .conftest import RUN_CLI, call_files, cli_env, start_cli

pytestmark = pytest.mark.usefixtures("no_local_worker")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _web_workers(server: subprocess.Popen[bytes]) -> list[int]:
    """The server's worker processes (uvicorn's supervisor forks one per worker; the
    multiprocessing resource tracker, if any, serves no request and stays idle)."""
    return sorted(_children(server.pid))


@pytest.fixture
def served(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    if ctx.db.dialect != "postgresql":
        pytest.skip("several web processes need PostgreSQL")
    port = _free_port()
    server = start_cli(ctx.settings, "serve", "--workers", "2", "--port", str(port))
    worker = start_cli(ctx.settings, "worker", "--poll", "0.2")
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            assert server.poll() is None, server.communicate()[0].decode()[-3000:]
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        yield base, server
    finally:
        stop(server, worker)


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _sign_in(client: httpx.Client) -> None:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "prosecutor", "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


def test_two_web_processes_share_sessions_jobs_and_one_audit_chain(
    ctx: Context, served: tuple[str, subprocess.Popen[bytes]], case_ref: str
) -> None:
    base, server = served
    client = httpx.Client(base_url=base, timeout=60)
    _sign_in(client)

    # Many pages at once: the kernel hands connections to both processes; each must
    # know the session (it is in the database) and append to the one audit chain.
    case = f"/cases/{case_ref}"
    pages = ["/cases", case, f"{case}/evidence", f"{case}/jobs"]
    workers = _web_workers(server)
    before = {pid: _cpu_ticks(pid) for pid in workers}

    def fetch(n: int) -> int:
        with httpx.Client(base_url=base, cookies=client.cookies, timeout=60) as own:
            return own.get(pages[n % len(pages)]).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(fetch, range(120)))
    assert statuses == [200] * 120
    busy = [pid for pid in workers if _cpu_ticks(pid) - before[pid] > 20]
    assert len(busy) >= 2, f"not both web processes served: {before} {workers}"

    # New sign-ins at the same time (each writes a session and audit entries). Three at a
    # time: the account's throttle counts an attempt from its start, so a fourth sign-in
    # of one account in flight at once is refused by design (parallel guessing).
    def sign_in_and_read(_n: int) -> int:
        with httpx.Client(base_url=base, timeout=60) as own:
            _sign_in(own)
            return max(own.get(f"/cases/{case_ref}").status_code for _ in range(3))

    with ThreadPoolExecutor(max_workers=3) as pool:
        assert list(pool.map(sign_in_and_read, range(12))) == [200] * 12

    # A form post (its CSRF token is in the session) hands an upload to the worker.
    upload_page = client.get(f"/cases/{case_ref}/upload")
    name, data = call_files(1, 50)[0]
    posted = client.post(
        f"/cases/{case_ref}/upload",
        data={"csrf_token": csrf_from(upload_page.text)},
        files=[("files", (name, data, "text/csv"))],
    )
    assert posted.status_code == 303, posted.text
    job_url = posted.headers["location"]
    deadline = time.monotonic() + 120
    while client.get(job_url + "/status").json()["active"]:
        assert time.monotonic() < deadline, "the worker did not run the upload"
        time.sleep(0.2)
    report = client.get(job_url).text
    assert re.search(r"calls-000\.csv", report) and "50 records" in report
    client.close()

    stop(server)
    verify = subprocess.run(
        [sys.executable, "-c", RUN_CLI, "audit", "verify"],
        env=cli_env(ctx.settings),
        capture_output=True,
        timeout=120,
    )
    output = verify.stdout.decode() + verify.stderr.decode()
    assert verify.returncode == 0, output
    assert "Audit chain intact" in output, output
