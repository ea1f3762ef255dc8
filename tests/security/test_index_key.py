"""The search index's keyed hash: the same keys as HMAC-SHA256 from the ``hmac`` module,
so keys written before and after a change of how it is computed match each other."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from palermo.security import subkeys
from palermo.security.blind_index import IDENTIFIER, NAME, WORD, IndexKey, key_for

MASTER = bytes(range(32))
TOKENS = ["", "a", "pop", "popescu", "+40721555666", "40721555666", "ștefan", "東京", "x" * 200]


def _reference(master: bytes, kind: str, token: str) -> int:
    """The keyed hash as first defined: hmac.new over the search subkey, 8 bytes, signed."""
    key = subkeys.derive(master, subkeys.SEARCH_INDEX)
    digest = hmac.new(key, kind.encode() + b"\x00" + token.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def test_each_key_is_the_hmac_of_its_kind_and_token() -> None:
    key = IndexKey(MASTER)
    for kind in (NAME, IDENTIFIER, WORD):
        expected = [_reference(MASTER, kind, t) for t in TOKENS]
        assert [key(kind, t) for t in TOKENS] == expected
        assert key.each(kind, TOKENS) == expected
        assert key.many(kind, TOKENS) == sorted(set(expected))


def test_keys_differ_by_master_and_kind() -> None:
    other = bytes(range(1, 33))
    assert key_for(MASTER)(NAME, "pop") != key_for(other)(NAME, "pop")
    assert key_for(MASTER)(NAME, "pop") != key_for(MASTER)(WORD, "pop")
    assert key_for(other)(WORD, "pop") == _reference(other, WORD, "pop")


def test_a_subkey_longer_than_a_block_is_hashed_first_as_hmac_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    long_key = bytes(range(100))
    monkeypatch.setattr(subkeys, "derive", lambda master, purpose: long_key)
    token = b"id\x00+40721555666"
    digest = hmac.new(long_key, token, hashlib.sha256).digest()
    assert IndexKey(MASTER)(IDENTIFIER, "+40721555666") == int.from_bytes(
        digest[:8], "big", signed=True
    )
