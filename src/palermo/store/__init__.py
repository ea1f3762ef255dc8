"""Persistence: SQLAlchemy models, sessions and Alembic migrations."""

from palermo.store.db import Database, get_database, upgrade

__all__ = ["Database", "get_database", "upgrade"]
