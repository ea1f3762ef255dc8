"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that timing does not reveal it.
_DUMMY_HASH = _hasher.hash("palermo-dummy-password")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("passwords must be at least 8 characters long")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
