"""Fixtures for the web tests: an app over the test context, clients, sign-in, test data."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from palermo.services.context import Context
from palermo.web.app import create_app

HERE = Path(__file__).parent


def load_module(path: Path, name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module



@pytest.fixture(scope="session")
def seeding() -> ModuleType:
    return load_module(HERE / "seeding.py", "palermo_web_test_seeding")


@pytest.fixture(scope="session")
def password(pytestconfig: pytest.Config) -> str:
    """TEST_PASSWORD from the root conftest (all test users have it)."""
    root = (HERE.parent / "conftest.py").resolve()
    for plugin in pytestconfig.pluginmanager.get_plugins():
        if Path(str(getattr(plugin, "__file__", ""))).resolve() == root:
            return str(plugin.TEST_PASSWORD)
    raise RuntimeError("tests/conftest.py not loaded")


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with TestClient(create_app(ctx), follow_redirects=False) as test_client:
        yield test_client


Login = Callable[[TestClient, str], TestClient]


@pytest.fixture
def login(password: str) -> Login:
    """Sign ``client`` in as ``username`` through the real form; returns the client."""

    def sign_in(client: TestClient, username: str) -> TestClient:
        token = csrf_from(client.get("/login").text)
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 303, response.text
        return client

    return sign_in


@pytest.fixture
def csrf() -> Callable[[str], str]:
    return csrf_from
