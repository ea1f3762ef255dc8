"""Bank accounts: the IBAN shape check before schwifty answers as schwifty does."""

from __future__ import annotations

import random
import string

import pytest
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from palermo.values.account import parse_account, parse_iban
from palermo.values.result import Invalid


def _schwifty(raw: str) -> str | Invalid:
    try:
        return str(IBAN(raw).compact)
    except (SchwiftyException, ValueError) as exc:
        return Invalid(raw, f"not a valid IBAN: {exc}")


@pytest.mark.parametrize(
    "raw",
    [
        "5576739536",  # a domestic account number: not an IBAN, without asking schwifty
        "de89 3704 0044 0532 0130 00",
        "\tDE89 3704\n0044 0532 0130 00 ",
        "DE89370400440532013000",
        "DE89370400440532013001",  # wrong check digits
        "DE89-3704-0044",
        "GB82 WEST 1234 5698 7654 32",
        "DE89\u0663704",  # an Arabic-Indic digit
        "",
        " ",
    ],
)
def test_parse_iban_answers_as_schwifty_does(raw: str) -> None:
    assert parse_iban(raw) == _schwifty(raw)


def test_parse_iban_answers_as_schwifty_does_on_random_text() -> None:
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + " -/."
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    texts += ["DE" + "".join(rng.choice(string.digits) for _ in range(20)) for _ in range(300)]
    assert [parse_iban(t) for t in texts] == [_schwifty(t) for t in texts]


def test_an_account_number_that_is_no_iban_is_compacted() -> None:
    assert parse_account(" 1234-5678 90 ") == "1234567890"
    assert parse_account("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert isinstance(parse_account("  "), Invalid)
