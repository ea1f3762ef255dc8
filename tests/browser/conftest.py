"""Browser tests: the app served by uvicorn in a thread, driven by Debian's Chromium.

Recipe from /work/shared/stack-notes.md: pytest-playwright pointed at
/usr/bin/chromium (never ``playwright install``), with the background-networking
flags so Chromium does not try to reach the internet.
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import uvicorn

from palermo.services.context import Context
from palermo.web.app import create_app

HERE = Path(__file__).parent
REPO = HERE.parents[1]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A common laptop screen.
    return {**browser_context_args, "viewport": {"width": 1366, "height": 860}}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The screenshot folder, emptied once per test session (it is gitignored)."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS



@pytest.fixture(scope="session")
def seeding() -> ModuleType:
    name = "palermo_web_test_seeding"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE.parent / "web" / "seeding.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def password(pytestconfig: pytest.Config) -> str:
    """TEST_PASSWORD from the root conftest (all test users have it)."""
    root = (HERE.parent / "conftest.py").resolve()
    for plugin in pytestconfig.pluginmanager.get_plugins():
        if Path(str(getattr(plugin, "__file__", ""))).resolve() == root:
            return str(plugin.TEST_PASSWORD)
    raise RuntimeError("tests/conftest.py not loaded")


@pytest.fixture
def live_server(ctx: Context) -> Iterator[str]:
    """The app over the test context, on a free port of 127.0.0.1; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(ctx), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
