"""The runtime context every service receives: settings, database, sealer."""

from __future__ import annotations

from dataclasses import dataclass

from palermo.security.keys import Keyring, load_master
from palermo.security.sealing import Sealer
from palermo.settings import Settings, get_settings
from palermo.store.db import Database
from palermo.store.types import bind_cipher


@dataclass
class Context:
    settings: Settings
    db: Database
    sealer: Sealer
    keyring: Keyring

    def __post_init__(self) -> None:
        # The audit chain's MAC key comes from the master key, never from the database.
        from palermo.security import audit

        audit.install(self.db.engine, self.settings)

    @classmethod
    def create(cls, settings: Settings | None = None, *, migrate: bool = True) -> Context:
        settings = settings or get_settings()
        settings.ensure_dirs()
        db = Database(settings.resolved_database_url)
        # The key first: a missing or wrong key stops everything (KeyProblem), and a
        # migration may need it to encrypt rows already present.
        master = load_master(settings.secret_key, settings.data_dir, db.engine)
        if migrate:
            db.upgrade(master)
        keyring = Keyring(master)
        bind_cipher(db.engine, keyring.columns)
        return cls(settings=settings, db=db, sealer=keyring.sealer, keyring=keyring)
