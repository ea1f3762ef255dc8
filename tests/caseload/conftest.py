"""A scratch database with every table created from the models.

These tests exercise the caseload service on a bare session, so they build the schema
with ``Base.metadata.create_all`` (the Alembic migration runs in every test that uses
the root ``ctx`` fixture): a fresh SQLite file per test, or with ``pytest --db
postgresql`` one scratch PostgreSQL database per run (emptied before each test, dropped
at the end).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from tests.helpers import scratch_postgres

import palermo.store.models.caseload  # noqa: F401  (registers the tables)
from palermo.security import audit
from palermo.security.permissions import SYSTEM, Actor
from palermo.settings import Settings
from palermo.store.db import Database
from palermo.store.models import Base, Case, CaseMember, Person, Role, Unit, User


@pytest.fixture(scope="session")
def caseload_pg_url(backend: str) -> Iterator[str | None]:
    if backend != "postgresql":
        yield None
        return
    with scratch_postgres("palermo_caseload") as url:
        engine = sa.create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url


@pytest.fixture
def db(tmp_path: Path, caseload_pg_url: str | None) -> Iterator[Database]:
    if caseload_pg_url is None:
        database = Database(f"sqlite:///{tmp_path / 'caseload.db'}")
        Base.metadata.create_all(database.engine)
    else:
        database = Database(caseload_pg_url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with database.engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    # The services audit what they do: the chain needs its key and checkpoint file.
    audit.install(database.engine, Settings(data_dir=tmp_path / "data", secret_key="ab" * 32))
    yield database
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s


@pytest.fixture
def unit(session: Session) -> Unit:
    u = Unit(code="u1", name="Unit one", country="US", settings={})
    session.add(u)
    session.flush()
    return u


@pytest.fixture
def case(session: Session, unit: Unit) -> Case:
    c = Case(
        unit_id=unit.id,
        reference="HT-2023-001",
        title="Test",
        jurisdiction="US",
        typology="sexual_exploitation",
        stage="investigation",
        statutes=["us-18-1591"],
        opened_on=date(2023, 1, 10),
    )
    session.add(c)
    session.flush()
    return c


@pytest.fixture
def people(session: Session, case: Case) -> dict[str, Person]:
    out = {}
    for pseudo, kind, sex in [
        ("S1", "suspect", "male"),
        ("V1", "victim", "female"),
        ("V2", "victim", "female"),
    ]:
        p = Person(case_id=case.id, kind=kind, pseudonym=pseudo, sex=sex, aliases=[])
        session.add(p)
        out[pseudo] = p
    session.flush()
    return out


@pytest.fixture
def actor() -> Actor:
    return SYSTEM


def make_actor(session: Session, role: Role, username: str, member_of: list[int] = ()) -> Actor:  # type: ignore[assignment]
    u = User(username=username, display_name=username, role=role.value, password_hash="x")
    session.add(u)
    session.flush()
    for cid in member_of:
        session.add(CaseMember(case_id=cid, user_id=u.id))
    session.flush()
    return Actor(user_id=u.id, username=username, role=role)
