"""The migrations build the schema the models describe.

An empty database migrated to head is compared with the SQLAlchemy models by Alembic's
``compare_metadata`` (tables, columns, types, nullability, server defaults, indexes,
unique and foreign-key constraints). The only differences allowed are the deliberate ones
listed in :data:`DELIBERATE`, each with its reason; anything else (a column added to a
model without a migration, an index dropped from one) fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from tests.helpers import scratch_postgres

from palermo.store.db import upgrade
from palermo.store.models import Base

# (backend, what Alembic reports, table, column or constraint) -> why it is deliberate.
DELIBERATE: dict[tuple[str, str, str, str], str] = {
    # Migration 0012 dropped PostgreSQL's foreign-key checks on these two columns: every
    # row of a bulk load paid a check that its owner's own foreign key already implies (a
    # record's evidence file, a search key's person, identifier or document, each of the
    # same case). The models keep declaring them, so SQLite, which keeps the constraints,
    # and any schema built from the models still have them.
    ("postgresql", "add_fk", "records", "fk_records_case_id_cases"): "dropped by 0012",
    ("postgresql", "add_fk", "search_keys", "fk_search_keys_case_id_cases"): "dropped by 0012",
    # Migration 0004 widened records.currency (crypto tickers such as USDT) only on
    # PostgreSQL: SQLite does not enforce a VARCHAR's length, so the column was not
    # rebuilt there for a change that has no effect.
    ("sqlite", "modify_type", "records", "currency"): "widened on PostgreSQL only by 0004",
    # Migration 0003 added users.must_change_password NOT NULL to a table with rows, so
    # it needed a server default (false) for them; the models set the value in Python.
    ("sqlite", "modify_default", "users", "must_change_password"): "needed by 0003",
    ("postgresql", "modify_default", "users", "must_change_password"): "needed by 0003",
}


@pytest.fixture
def migrated(backend: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database of the suite's backend, migrated from nothing to head."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        upgrade(url)
        engine = sa.create_engine(url)
        yield engine
        engine.dispose()
        return
    with scratch_postgres("palermo_schema") as url:
        engine = sa.create_engine(url)
        try:
            upgrade(url)
            yield engine
        finally:
            engine.dispose()


def differences(engine: sa.Engine, metadata: sa.MetaData) -> list[tuple[str, str, str]]:
    """What Alembic would change to make the database match ``metadata``, as (kind,
    table, column or constraint) for each difference."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        found = compare_metadata(context, metadata)
    return sorted(_named(d) for d in _flatten(found))


def _flatten(diffs: list[Any]) -> Iterator[tuple[Any, ...]]:
    # Column changes come as a list of (kind, schema, table, column, ...) per column.
    for diff in diffs:
        if isinstance(diff, list):
            yield from diff
        else:
            yield diff


def _named(diff: tuple[Any, ...]) -> tuple[str, str, str]:
    kind = str(diff[0])
    if kind.startswith("modify_"):
        return kind, str(diff[2]), str(diff[3])
    if kind in ("add_column", "remove_column"):
        return kind, str(diff[2]), str(diff[3].name)
    if kind in ("add_table", "remove_table"):
        return kind, str(diff[1].name), ""
    # add_/remove_ index, constraint, fk: the object, which knows its table and name.
    item = diff[1]
    table = item.table.name if getattr(item, "table", None) is not None else ""
    return kind, table, str(item.name)


def test_the_migrated_schema_matches_the_models_but_for_deliberate_differences(
    backend: str, migrated: sa.Engine
) -> None:
    expected = sorted(
        (kind, table, name) for (where, kind, table, name) in DELIBERATE if where == backend
    )
    assert differences(migrated, Base.metadata) == expected


def test_a_column_added_to_a_model_without_a_migration_is_found(
    backend: str, migrated: sa.Engine
) -> None:
    """The comparison above would notice a model changed without its migration."""
    changed = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["jobs"].append_column(sa.Column("priority", sa.Integer(), nullable=True))
    sa.Index("ix_jobs_priority", changed.tables["jobs"].c.priority)
    found = set(differences(migrated, changed))
    assert ("add_column", "jobs", "priority") in found
    assert ("add_index", "jobs", "ix_jobs_priority") in found
