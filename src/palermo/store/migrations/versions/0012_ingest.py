"""ingest: PostgreSQL drops the foreign keys on a row's case that its owner already implies

Revision ID: ingest_fewer_checks
Revises: records_case_time
Create Date: 2026-12-04 22:40:00

A bulk load writes each record and each search key with its case's id. On PostgreSQL
every such row paid a foreign-key check (a trigger running an index probe and a row
lock per row, per key) on ``case_id`` on top of the one on its owner:

* ``search_keys.case_id``: every key row has an owner (``person_id``,
  ``identifier_id`` or ``document_id``, one of them set, by :mod:`blind_index`) whose
  own foreign key is checked, which belongs to the case through its foreign key on
  ``case_id``, and which deletes its keys with it (``ON DELETE CASCADE``). A case
  cannot be deleted while it holds persons, identifiers or documents (those keys have
  no cascade), so neither while it holds search keys: the cascade on ``case_id`` never
  had anything to do.
* ``records.case_id``: a record's ``evidence_file_id`` is required and checked, and its
  evidence file belongs to the case through its own foreign key, which keeps the case
  from being deleted while the evidence, and so its records, are there.

``case_id`` itself stays, with its indexes: it is what search scopes keys by and what
every record index leads with. SQLite keeps the constraints (its checks cost an index
probe, and dropping one there means copying the whole table).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ingest_fewer_checks"
down_revision: str | None = "records_case_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, constraint, ON DELETE) of the redundant foreign keys on cases.id.
_DROPPED = (
    ("search_keys", "fk_search_keys_case_id_cases", "CASCADE"),
    ("records", "fk_records_case_id_cases", None),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name, _ in _DROPPED:
        op.drop_constraint(name, table, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name, ondelete in _DROPPED:
        op.create_foreign_key(name, table, "cases", ["case_id"], ["id"], ondelete=ondelete)
