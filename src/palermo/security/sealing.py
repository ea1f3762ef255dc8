"""Authenticated encryption of sealed identity fields (AES-256-GCM).

The key is derived from the master secret, which lives outside the database
(``PALERMO_SECRET_KEY`` or ``<data dir>/secret.key``): a copy of the database
alone reveals no victim's name. The record's table and id are bound in as
associated data, so a sealed blob cannot be moved onto another person.
"""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"
_NONCE_BYTES = 12


class SealError(Exception):
    """The sealed data cannot be opened (wrong key or tampered ciphertext)."""


class Sealer:
    def __init__(self, master_key: bytes) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"palermo/sealed-identity/v1"
        ).derive(master_key)
        self._aead = AESGCM(key)

    def seal(self, fields: dict[str, Any], context: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        plaintext = json.dumps(fields, sort_keys=True, default=str).encode()
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def unseal(self, blob: bytes, context: str) -> dict[str, Any]:
        if not blob or blob[:1] != _VERSION:
            raise SealError("unknown sealed-data version")
        nonce, ciphertext = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            plaintext = self._aead.decrypt(nonce, ciphertext, context.encode())
        except InvalidTag as error:
            raise SealError("sealed data failed authentication") from error
        result: dict[str, Any] = json.loads(plaintext)
        return result


def person_context(case_id: int, pseudonym: str) -> str:
    """Associated data for a person's sealed identity."""
    return f"person:{case_id}:{pseudonym}"
