"""TOTP second factor (RFC 6238: 6 digits, 30-second steps, SHA-1, as authenticator apps
expect). The secret is stored encrypted (AES-GCM under a subkey of the master key)."""

from __future__ import annotations

import base64
import io
import os

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from palermo.security import subkeys

ISSUER = "Palermo"
_PREFIX = "v1:"


def new_secret() -> str:
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (rendered locally, nothing fetched)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def verify(secret: str, code: str) -> bool:
    """True for the current code or the one just before or after (clock drift)."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return False
    return bool(pyotp.TOTP(secret).verify(code, valid_window=1))


def seal(master: bytes, secret: str, user_id: int) -> str:
    key = subkeys.derive(master, subkeys.TOTP_SECRETS)
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), str(user_id).encode())
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


class TotpKeyError(RuntimeError):
    """The stored TOTP secret cannot be decrypted (wrong master key or altered row)."""


def unseal(master: bytes, stored: str, user_id: int) -> str:
    if not stored.startswith(_PREFIX):
        raise TotpKeyError("unknown TOTP secret format")
    raw = base64.urlsafe_b64decode(stored[len(_PREFIX) :])
    key = subkeys.derive(master, subkeys.TOTP_SECRETS)
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], str(user_id).encode()).decode()
    except InvalidTag as error:
        raise TotpKeyError("the TOTP secret cannot be decrypted with this master key") from error
