"""Column types that keep what can name a person encrypted at rest.

The cipher comes from the engine: :func:`bind_cipher` attaches the database's
:class:`~palermo.security.sealing.ColumnCipher` to the engine's dialect, and every ORM
and Core read or write through that engine seals and opens values transparently. An
engine with no cipher bound refuses to read or write these columns (fail closed).

* :class:`SealedText` / :class:`SealedJson`: randomised AES-GCM (free text, JSON).
* :class:`SealedExact`: deterministic AES-SIV (record endpoints, identifier values,
  file names), so SQL can still compare, join and group them; it cannot sort them or
  search inside them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from palermo.security.sealing import ColumnCipher, SealError

_ATTRIBUTE = "palermo_column_cipher"


class CipherMissing(SealError):
    """A sealed column was used through an engine without the database's key."""


def bind_cipher(engine: Engine, cipher: ColumnCipher) -> None:
    setattr(engine.dialect, _ATTRIBUTE, cipher)


def cipher_of(dialect: Dialect) -> ColumnCipher:
    cipher = getattr(dialect, _ATTRIBUTE, None)
    if cipher is None:
        raise CipherMissing("this database connection has no key for its sealed columns")
    result: ColumnCipher = cipher
    return result


class SealedText(TypeDecorator[str]):
    impl = LargeBinary
    cache_ok = True

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return cipher_of(dialect).seal(str(value), self.label)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher_of(dialect).open(value, self.label)


class SealedExact(SealedText):
    """Deterministic: equal plaintexts give equal ciphertexts (for SQL equality)."""

    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return cipher_of(dialect).seal_fixed(str(value), self.label)


class SealedJson(TypeDecorator[Any]):
    impl = LargeBinary
    cache_ok = True

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        text = json.dumps(value, default=str, separators=(",", ":"))
        return cipher_of(dialect).seal(text, self.label)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(cipher_of(dialect).open(value, self.label))
