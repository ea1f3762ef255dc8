"""The runtime context every service receives: settings, database, sealer."""

from __future__ import annotations

from dataclasses import dataclass

from palermo.security.sealing import Sealer
from palermo.settings import Settings, get_settings
from palermo.store.db import Database


@dataclass
class Context:
    settings: Settings
    db: Database
    sealer: Sealer

    def __post_init__(self) -> None:
        # The audit chain's MAC key comes from the master key, never from the database.
        from palermo.security import audit

        audit.install(self.db.engine, self.settings)

    @classmethod
    def create(cls, settings: Settings | None = None, *, migrate: bool = True) -> Context:
        settings = settings or get_settings()
        settings.ensure_dirs()
        db = Database(settings.resolved_database_url)
        if migrate:
            db.upgrade()
        return cls(settings=settings, db=db, sealer=Sealer(settings.resolved_secret_key()))
