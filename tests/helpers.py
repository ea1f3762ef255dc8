"""Plain helpers shared by the tests (fixtures live in ``tests/conftest.py``)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

# The PostgreSQL server of the suite (``--db postgresql``): its database is the suite's
# own; tests that need an empty one make it beside it (:func:`scratch_postgres`).
POSTGRES_ADMIN_URL = os.environ.get(
    "PALERMO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

# The suite's today, fixed when it starts: the product's clock (``palermo.clock.today``) is
# held to it for the whole run (``tests/conftest.py``), so a run that crosses midnight
# counts days the same way in its seeds and in the pages.
SUITE_TODAY = date.today()

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def finished_job_page(client: Any, response: Any, timeout: float = 120.0) -> Any:
    """An upload hands off to a background job and redirects to its page: wait until the
    job has finished (polling its status as the page's script does) and return its page."""
    import time

    url = str(response.headers["location"] if response.status_code == 303 else response.url)
    assert re.search(r"/jobs/\d+$", url), f"not a job page: {url}"
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(url + "/status")
        assert status.status_code == 200, status.text
        if not status.json()["active"]:
            return client.get(url)
        assert time.monotonic() < deadline, f"the job did not finish: {status.json()}"
        time.sleep(0.1)


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Replace ``module.name`` by a wrapper that counts its calls (one ``1`` per call)."""
    calls: list[int] = []
    original: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def forget_kept_views() -> None:
    """Empty this process's memory of every kept view (Network, Elements, memo, Money,
    counts, lists), as a restart or a second worker would have it; stored views stay."""
    from palermo.services import derived_views

    derived_views.forget_memory()


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database named ``<prefix>_<random>`` on the suite's server:
    its URL, and the database dropped (connections closed) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
