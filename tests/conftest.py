"""Shared fixtures. The whole suite runs against one backend per run:

    pytest --db sqlite        (default)
    pytest --db postgresql    (PALERMO_TEST_POSTGRES_URL, default postgres@127.0.0.1:5432)

Each run migrates a fresh database once with Alembic; every test starts from
empty tables, its own data directory and a fixed secret key.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from tests.helpers import SUITE_TODAY, csrf_from, forget_kept_views, scratch_postgres

from palermo import clock
from palermo.security import passwords
from palermo.security.permissions import SYSTEM, Actor
from palermo.services import cases, jobs, users
from palermo.services.context import Context
from palermo.settings import Settings
from palermo.store.db import upgrade
from palermo.store.models import Base, Role
from palermo.web.app import create_app

TEST_SECRET = "ab" * 32
TEST_PASSWORD = "correct horse battery"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        action="store",
        default=os.environ.get("PALERMO_TEST_DB", "sqlite"),
        choices=["sqlite", "postgresql"],
        help="database backend the suite runs against",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"palermo database backend: {config.getoption('--db')}"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for test users; production keeps the library defaults."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(scope="session", autouse=True)
def fixed_today() -> Iterator[None]:
    """The product's date stays the suite's first day (:data:`tests.helpers.SUITE_TODAY`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "today", lambda: SUITE_TODAY)
        yield


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "palermo.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    with scratch_postgres("palermo_test") as url:
        try:
            upgrade(url)
            yield url
        finally:
            from palermo.store.db import get_database

            get_database.cache_clear()


def _empty_all_tables(ctx: Context) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "alembic_version"]
    with ctx.db.engine.begin() as connection:
        if ctx.db.dialect == "postgresql":
            quoted = ", ".join(f'"{t}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(sa.text(f'DELETE FROM "{table}"'))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Background jobs run in the test's own process on both backends (a deployment on
    # PostgreSQL runs `palermo worker` processes instead; tests of those start them).
    # The analysis queued after each decision is left to the tests of it (tests/jobs):
    # elsewhere it would compute views in the background of every test that decides.
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        jobs_in_process=True,
        analyse_after_decisions=False,
    )


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    context = Context.create(settings, migrate=False)
    _empty_all_tables(context)
    yield context
    # A background job of this test must not run on into the next test's rows.
    jobs.stop_local_worker(context)
    context.db.dispose()


@pytest.fixture
def unit_id(ctx: Context) -> int:
    return users.ensure_unit(ctx, "test-unit", "Test unit", "US")


MakeUser = Callable[..., Actor]


@pytest.fixture
def make_user(ctx: Context, unit_id: int) -> MakeUser:
    """Create a user with a role; returns their Actor. Password is TEST_PASSWORD."""

    def make(role: Role | str = Role.PROSECUTOR, username: str | None = None) -> Actor:
        role = Role(role)
        info = users.create_user(
            ctx,
            SYSTEM,
            username=username or f"{role.value}-{uuid.uuid4().hex[:6]}",
            password=TEST_PASSWORD,
            role=role,
            unit_id=unit_id,
        )
        return info.actor

    return make


@pytest.fixture
def prosecutor(make_user: MakeUser) -> Actor:
    return make_user(Role.PROSECUTOR, "prosecutor")


@pytest.fixture
def case_ref(ctx: Context, prosecutor: Actor, unit_id: int) -> str:
    """A case the ``prosecutor`` fixture is a member of."""
    summary = cases.create_case(
        ctx,
        prosecutor,
        reference="TEST-001",
        title="Test case",
        jurisdiction="US",
        unit_id=unit_id,
        typology="escort_ads",
        statutes=["us-18-1591"],
    )
    return summary.reference


@pytest.fixture(scope="session")
def password() -> str:
    """Every test user's password."""
    return TEST_PASSWORD


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    """A web client over the app on the test context (not signed in)."""
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


@pytest.fixture(scope="session")
def seeding() -> ModuleType:
    """Helpers that insert evidence files and records directly (tests/web/seeding.py)."""
    from tests.web import seeding as module

    return module


@pytest.fixture
def fresh_kept_views() -> Iterator[None]:
    """Each test starts and ends with no analysis view kept in memory."""
    forget_kept_views()
    yield
    forget_kept_views()
