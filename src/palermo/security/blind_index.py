"""The keyed blind index that search looks things up in (the one owner of its tokens and
its key).

Names, identifiers and document text are encrypted at rest, so the database cannot
compare them with what a user types. Instead every normalised token is stored as a
keyed hash: HMAC-SHA256 under a subkey of the master key (:mod:`palermo.security.subkeys`),
cut to 64 bits, in the indexed table ``search_keys``. A search normalises and hashes its
words the same way, so finding someone is an indexed SQL lookup; nothing is decrypted
until a hit is shown. Without the master key the table says nothing about the tokens
(only how many each row has in common with another).

Tokens (all case-folded and transliterated to ASCII with ``unidecode``):

* ``name``: every word of a person's name and aliases, and every prefix of three letters
  or more of it ("popescu" also as "pop", "pope", …), so "ion pop" finds "Ion Popescu";
  a word of two letters only as itself.
* ``id``: an identifier normalised by its type (a phone through
  :func:`palermo.values.phone.parse_phone` as its international digits and its national
  number, an account through :func:`palermo.values.account.parse_account`, anything else
  without spaces and punctuation), and every prefix of four characters or more of each
  form, so "+40 721-555", "0721555666" and "40721555666" all find +40721555666.
* ``word``: the whole words of each page of extracted document text.

The index's rows are written and rebuilt by :mod:`palermo.security.search_index`. This
module knows nothing of the database: the reading process of a bulk load makes the keys
with it alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

import phonenumbers
from unidecode import unidecode

from palermo.security import subkeys
from palermo.values.account import parse_account
from palermo.values.phone import parse_phone_number
from palermo.values.result import Invalid

NAME, IDENTIFIER, WORD = "name", "id", "word"
MIN_NAME_PREFIX = 3
MIN_ID_PREFIX = 4
MAX_TOKEN = 40
_WORD = re.compile(r"[a-z0-9]+")
_NOT_ID = re.compile(r"[^0-9a-z@]")
_PHONE_CHARS = re.compile(r"^[\d\s+().\-/]+$")
_ACCOUNT_KINDS = frozenset({"iban", "account", "bank_account"})


# --- tokens ------------------------------------------------------------------------------


def fold(text: str | None) -> str:
    return unidecode(text or "").casefold()


def words(text: str | None) -> list[str]:
    """ASCII lower-case words of two characters or more, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in _WORD.findall(fold(text)):
        if len(w) >= 2:
            seen.setdefault(w[:MAX_TOKEN], None)
    return list(seen)


def name_tokens(names: Iterable[str | None]) -> set[str]:
    """Every word of ``names`` and its prefixes of three letters or more."""
    out: set[str] = set()
    for name in names:
        for w in words(name):
            if len(w) < MIN_NAME_PREFIX:
                out.add(w)
            else:
                out.update(w[:n] for n in range(MIN_NAME_PREFIX, len(w) + 1))
    return out


def _compact(text: str) -> str:
    return _NOT_ID.sub("", fold(text))[:MAX_TOKEN]


def identifier_forms(kind: str, value: str, region: str | None = None) -> set[str]:
    """The normalised forms of an identifier (without prefixes)."""
    forms = {_compact(value)}
    kind = (kind or "").lower()
    if kind in _ACCOUNT_KINDS:
        # Before the phone test: an account number of digits only is no phone number.
        account = parse_account(value)
        if isinstance(account, str):
            forms.add(_compact(account))
    elif kind in ("phone", "mobile", "msisdn", "whatsapp") or (
        _PHONE_CHARS.match(value or "") and sum(c.isdigit() for c in value) >= 7
    ):
        number = parse_phone_number(value, (region or "US").upper())
        if not isinstance(number, Invalid):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            forms.add(e164.lstrip("+"))
            # The national number of the E.164 form; a value written in E.164 (as stored
            # identifiers are) was just read as that very text, so it is not read again.
            if e164 != value.strip():
                number = phonenumbers.parse(e164)
            forms.add(str(number.national_number))
    return {f for f in forms if f}


def identifier_tokens(kind: str, value: str, region: str | None = None) -> set[str]:
    """Each form of the identifier and its prefixes of four characters or more."""
    out: set[str] = set()
    for form in identifier_forms(kind, value, region):
        if len(form) < MIN_ID_PREFIX:
            out.add(form)
        else:
            out.update(form[:n] for n in range(MIN_ID_PREFIX, len(form) + 1))
    return out


def query_identifier_forms(text: str) -> set[str]:
    """What a typed identifier (or its beginning) is looked up as."""
    forms = {_compact(text)}
    if _PHONE_CHARS.match(text.strip() or "x"):
        digits = re.sub(r"\D", "", text)
        forms.add(digits)
        if digits.startswith("00"):
            forms.add(digits[2:])
        elif digits.startswith("0"):
            forms.add(digits.lstrip("0"))
    return {f[:MAX_TOKEN] for f in forms if len(f) >= MIN_ID_PREFIX}


# --- the key -----------------------------------------------------------------------------


class IndexKey:
    """The keyed hash of tokens under the search subkey of one master key: HMAC-SHA256 of
    ``kind NUL token``, its first 8 bytes as a signed integer.

    HMAC (RFC 2104) hashes the padded key before each message and after it; those two
    states are hashed once here and copied per token, as the standard library's own
    pure-Python ``hmac`` does (``_IPAD``/``_OPAD`` are its ``trans_36``/``trans_5C``). A
    load hashes hundreds of thousands of tokens, and this costs about 60% of a copy of the
    ``hmac`` object per token. ``tests/security`` checks it against ``hmac.digest``."""

    def __init__(self, master: bytes) -> None:
        key = subkeys.derive(master, subkeys.SEARCH_INDEX)
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\x00")
        self._inner = hashlib.sha256(key.translate(_IPAD))
        self._outer = hashlib.sha256(key.translate(_OPAD))

    def __call__(self, kind: str, token: str) -> int:
        return self.each(kind, (token,))[0]

    def each(self, kind: str, tokens: Iterable[str]) -> list[int]:
        """The key of each token, in order, in one loop (a load hashes hundreds of thousands
        of tokens, and per-call lookups add up)."""
        prefix = kind.encode() + b"\x00"
        inner_state, outer_state, from_bytes = self._inner.copy, self._outer.copy, int.from_bytes
        out = []
        for token in tokens:
            inner = inner_state()
            inner.update(prefix + token.encode())
            outer = outer_state()
            outer.update(inner.digest())
            out.append(from_bytes(outer.digest()[:8], "big", signed=True))
        return out

    def many(self, kind: str, tokens: Iterable[str]) -> list[int]:
        return sorted(set(self.each(kind, tokens)))


_BLOCK = 64  # SHA-256's block size in bytes
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


@lru_cache(maxsize=4)
def key_for(master: bytes) -> IndexKey:
    return IndexKey(master)
