"""`palermo serve --workers N` on the embedded database: refused with a message that
says what is needed, before any process starts (SQLite has one writer)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.settings import Settings, get_settings


def test_several_workers_on_sqlite_are_refused(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Its own SQLite file whichever backend the suite runs on: the rule is SQLite's.
    monkeypatch.setenv("PALERMO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PALERMO_DATABASE_URL", f"sqlite:///{tmp_path / 'one.db'}")
    monkeypatch.setenv("PALERMO_SECRET_KEY", str(settings.secret_key))
    get_settings.cache_clear()
    # A port already taken: without the rule the server would fail to bind, not hang.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        try:
            result = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", port])
        finally:
            get_settings.cache_clear()
    assert result.exit_code == 1
    assert "several worker processes need PostgreSQL" in result.output


def test_serve_keeps_idle_connections_longer_than_a_proxy_and_waits_for_busy_workers(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """uvicorn's defaults (5 s) close an idle connection a client or proxy is about to
    reuse, and kill a worker that is slow to answer its health check on a busy machine."""
    import uvicorn

    from palermo.services import jobs
    from palermo.web.serving import KEEP_ALIVE_SECONDS, WORKER_HEALTHCHECK_SECONDS

    monkeypatch.setenv("PALERMO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PALERMO_DATABASE_URL", f"sqlite:///{tmp_path / 'one.db'}")
    monkeypatch.setenv("PALERMO_SECRET_KEY", str(settings.secret_key))
    monkeypatch.setattr(jobs, "ensure_local_worker", lambda ctx: None)
    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve", "--port", "0"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    (options,) = started
    assert options["timeout_keep_alive"] == KEEP_ALIVE_SECONDS > 60  # nginx keeps 60 s
    assert options["timeout_worker_healthcheck"] == WORKER_HEALTHCHECK_SECONDS >= 30
