"""Purpose-bound subkeys of the master key (HKDF-SHA256, one ``info`` label per use).

A subkey leaks nothing about the master key or about the other subkeys, so the
audit MAC key, the checkpoint signing key and the TOTP encryption key are
independent even though all live only in the master key outside the database.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

AUDIT_ENTRY_MAC = b"palermo/audit/entry-mac/v1"
AUDIT_CHECKPOINT = b"palermo/audit/checkpoint-signature/v1"
TOTP_SECRETS = b"palermo/signin/totp-secret-encryption/v1"
SEARCH_INDEX = b"palermo/search/blind-index/v1"


def derive(master: bytes, label: bytes, length: int = 32) -> bytes:
    if len(master) < 32:
        raise ValueError("the master key must be at least 32 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label).derive(master)
