"""Authenticated encryption: sealed identities, sensitive columns, evidence files.

The key is derived from the master secret, which lives outside the database
(``PALERMO_SECRET_KEY`` or ``<data dir>/secret.key``): a copy of the database
alone reveals no victim's name. The record's table and id are bound in as
associated data, so a sealed blob cannot be moved onto another person.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
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


# --- columns ------------------------------------------------------------------------------

_RANDOM = b"\x01"
_FIXED = b"\x02"


def subkey(master_key: bytes, purpose: str, length: int = 32) -> bytes:
    """A key for one purpose, derived from the master secret with HKDF-SHA256."""
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=f"palermo/{purpose}".encode()
    ).derive(master_key)


class ColumnCipher:
    """Encryption of database columns that can name a person.

    ``seal``/``open``: randomised AES-256-GCM (free text, JSON). ``seal_fixed``/
    ``open_fixed``: deterministic AES-SIV, so that equal values have equal ciphertexts
    and SQL can still compare and group them (record endpoints). The column's label is
    bound in as associated data: a value cannot be moved to another column.
    """

    # Deterministic values recur (a phone on thousands of rows): both directions are
    # cached, up to this many entries each (then the cache starts again).
    CACHE_ENTRIES = 100_000

    def __init__(self, master_key: bytes) -> None:
        self._gcm = AESGCM(subkey(master_key, "columns/gcm/v1"))
        self._siv = AESSIV(subkey(master_key, "columns/siv/v1", 64))
        self._sealed: dict[tuple[str, str], bytes] = {}
        self._opened: dict[tuple[bytes, str], str] = {}

    def seal(self, text: str, label: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _RANDOM + nonce + self._gcm.encrypt(nonce, text.encode(), label.encode())

    def random_sealer(self, label: str) -> Callable[[str], bytes]:
        """``seal`` under one label, for bulk loads: nonces drawn from the system's random
        source a few thousand at a time instead of one call each, the label encoded once."""
        encrypt, aad = self._gcm.encrypt, label.encode()
        pool, used = b"", 0
        size = _NONCE_BYTES * 4096

        def seal(text: str) -> bytes:
            nonlocal pool, used
            if used >= len(pool):
                pool, used = os.urandom(size), 0
            nonce = pool[used : used + _NONCE_BYTES]
            used += _NONCE_BYTES
            return _RANDOM + nonce + encrypt(nonce, text.encode(), aad)

        return seal

    def seal_fixed(self, text: str, label: str) -> bytes:
        key = (text, label)
        blob = self._sealed.get(key)
        if blob is None:
            if len(self._sealed) >= self.CACHE_ENTRIES:
                self._sealed.clear()
            blob = self._sealed[key] = _FIXED + self._siv.encrypt(text.encode(), [label.encode()])
        return blob

    def open(self, blob: bytes, label: str) -> str:
        """Either kind of sealed value back to its text; raises SealError if it fails."""
        blob = bytes(blob)
        if blob[:1] == _FIXED:
            key = (blob, label)
            text = self._opened.get(key)
            if text is None:
                if len(self._opened) >= self.CACHE_ENTRIES:
                    self._opened.clear()
                text = self._opened[key] = self._open(blob, label)
            return text
        return self._open(blob, label)

    def _open(self, blob: bytes, label: str) -> str:
        try:
            if blob[:1] == _RANDOM:
                nonce = blob[1 : 1 + _NONCE_BYTES]
                plain = self._gcm.decrypt(nonce, blob[1 + _NONCE_BYTES :], label.encode())
            elif blob[:1] == _FIXED:
                plain = self._siv.decrypt(blob[1:], [label.encode()])
            else:
                raise SealError(f"{label}: not a sealed value")
        except InvalidTag as error:
            raise SealError(f"{label}: sealed value failed authentication") from error
        return plain.decode()


# --- evidence files -----------------------------------------------------------------------

FILE_MAGIC = b"PLMEVF1\n"
FILE_CHUNK = 1024 * 1024
_FILE_HEADER = len(FILE_MAGIC) + 16  # magic + file id
_TAG = 16


class _Readable(Protocol):
    def read(self, n: int, /) -> bytes: ...


def _chunk_aad(file_id: bytes, index: int, last: bool) -> bytes:
    return file_id + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def sealed_size(size: int) -> int:
    """The size of a stored evidence file that holds ``size`` original bytes."""
    chunks = max(1, -(-size // FILE_CHUNK))
    return _FILE_HEADER + size + chunks * (_NONCE_BYTES + _TAG)


class FileCipher:
    """Streaming authenticated encryption of one evidence file with a case's data key.

    Layout: magic, a random 16-byte file id, then chunks of ``FILE_CHUNK`` plaintext
    bytes, each ``nonce || AES-GCM(chunk)`` with the file id, the chunk's index and a
    last-chunk flag as associated data: chunks cannot be reordered, moved between files
    or cut off at the end without failing authentication. Memory stays at one chunk.
    """

    def __init__(self, data_key: bytes) -> None:
        self._aead = AESGCM(data_key)

    def encrypt(self, source: _Readable, sink: BinaryIO) -> None:
        """Read plaintext from ``source`` (binary file) and write the sealed form."""
        file_id = os.urandom(16)
        sink.write(FILE_MAGIC + file_id)
        index = 0
        chunk = source.read(FILE_CHUNK)
        while True:
            following = source.read(FILE_CHUNK)
            last = not following
            nonce = os.urandom(_NONCE_BYTES)
            sealed = self._aead.encrypt(nonce, chunk, _chunk_aad(file_id, index, last))
            sink.write(nonce + sealed)
            if last:
                return
            chunk, index = following, index + 1

    def decrypt(self, source: BinaryIO) -> Iterator[bytes]:
        """Yield the plaintext chunks of a sealed file; raises SealError on any tampering."""
        header = source.read(_FILE_HEADER)
        if len(header) != _FILE_HEADER or header[: len(FILE_MAGIC)] != FILE_MAGIC:
            raise SealError("stored evidence file is not in the sealed format")
        file_id = header[len(FILE_MAGIC) :]
        size = _NONCE_BYTES + FILE_CHUNK + _TAG
        index = 0
        block = source.read(size)
        while True:
            following = source.read(size)
            last = not following
            if len(block) < _NONCE_BYTES + _TAG or (not last and len(block) != size):
                raise SealError("stored evidence file is truncated")
            try:
                plain = self._aead.decrypt(
                    block[:_NONCE_BYTES], block[_NONCE_BYTES:], _chunk_aad(file_id, index, last)
                )
            except InvalidTag as error:
                raise SealError(
                    f"stored evidence file failed authentication at chunk {index}"
                ) from error
            yield plain
            if last:
                return
            block, index = following, index + 1
