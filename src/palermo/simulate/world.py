"""The people, organisations and identifiers of one synthetic case, and the noise population."""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import phonenumbers
import yaml
from schwifty import IBAN

from palermo.simulate.typologies import Typology


@cache
def load_data(name: str) -> dict[str, Any]:
    text = resources.files("palermo.simulate").joinpath("data", name).read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


# Mobile-number shapes that phonenumbers accepts as valid (checked in the tests).
PHONE_SHAPES: dict[str, tuple[str, tuple[str, ...], int]] = {
    "US": (
        "+1",
        (
            "713",
            "832",
            "404",
            "678",
            "702",
            "305",
            "786",
            "973",
            "704",
            "901",
            "214",
            "504",
            "615",
            "205",
            "904",
        ),
        7,
    ),
    "GB": ("+447", ("4", "5", "8"), 8),
    "RO": ("+407", ("2", "3", "4", "5"), 7),
    "NG": ("+234", ("803", "806", "813", "816", "703", "706", "805", "807"), 7),
    "PH": ("+639", ("17", "15", "05", "27", "28", "39", "98"), 7),
    "MX": ("+52", ("55", "33", "81"), 8),
    "VN": ("+84", ("90", "91", "98", "97", "93", "96", "88"), 7),
    "ES": ("+34", ("6",), 8),
    "KH": ("+855", ("12", "17", "92"), 6),
    "TH": ("+668", ("1", "6", "8", "9"), 7),
    "MM": ("+959", ("25", "26", "40", "42", "44", "45", "79", "97"), 7),
    "KE": ("+2547", ("0", "1", "2", "9"), 7),
    "CN": ("+861", ("38", "39", "50", "86", "88"), 8),
    "MA": ("+2126", ("1", "2", "5", "6"), 7),
    "BG": ("+3598", ("7", "8", "9"), 7),
    "GT": ("+502", ("3", "4", "5"), 7),
}
_US_SEVEN_FIRST = "23456789"

# IBAN countries: (bank codes, account code length); others get national account numbers.
_IBAN_BANKS: dict[str, tuple[tuple[str, ...], int]] = {
    "GB": (("NWBK601613", "BARC200415", "HBUK401276", "LOYD309634", "MIDL402005"), 8),
    "ES": (("21000418", "00491500", "00811234", "01822370", "20385778"), 10),
    "RO": (("BTRL", "RNCB", "BRDE", "INGB"), 16),
    "BG": (("BNBG", "UNCR", "STSA"), 8),
}
_NATIONAL_ACCOUNT_LEN = {
    "US": 10,
    "MX": 18,
    "NG": 10,
    "PH": 12,
    "VN": 12,
    "KE": 13,
    "TH": 10,
    "MM": 14,
    "KH": 9,
    "CN": 19,
    "MA": 24,
    "GT": 12,
}
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
CELL_MCC = {
    "US": "310",
    "GB": "234",
    "ES": "214",
    "MM": "414",
    "TH": "520",
    "VN": "452",
    "PH": "515",
    "NG": "621",
    "MX": "334",
    "RO": "226",
    "BG": "284",
    "MA": "604",
    "KE": "639",
    "KH": "456",
    "CN": "460",
    "GT": "704",
}


def phone_number(rng: random.Random, country: str) -> str:
    prefix, heads, digits = PHONE_SHAPES.get(country, PHONE_SHAPES["US"])
    head = rng.choice(heads)
    if country == "US" or country not in PHONE_SHAPES:
        # NXX exchange: first digit 2-9, and avoid N11 and 555 reserved exchanges
        ex = rng.choice(_US_SEVEN_FIRST) + f"{rng.randrange(100):02d}"
        if ex[1:] == "11" or ex == "555":
            ex = "42" + ex[2]
        return f"{prefix}{head}{ex}{rng.randrange(10_000):04d}"
    return f"{prefix}{head}{rng.randrange(10**digits):0{digits}d}"


def valid_phone(rng: random.Random, country: str) -> str:
    """A phone number that phonenumbers validates (used for named people)."""
    while True:
        number = phone_number(rng, country)
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


def account_number(rng: random.Random, country: str) -> str:
    if country in _IBAN_BANKS:
        banks, length = _IBAN_BANKS[country]
        if country == "RO":
            code = "".join(
                rng.choice(string.ascii_uppercase + string.digits) for _ in range(length)
            )
        else:
            code = f"{rng.randrange(10**length):0{length}d}"
        if country == "BG":
            return str(
                IBAN.generate(
                    country,
                    bank_code=rng.choice(banks),
                    account_code=code,
                    branch_code=f"{rng.randrange(10_000):04d}",
                    account_type="10",
                ).compact
            )
        return str(IBAN.generate(country, bank_code=rng.choice(banks), account_code=code).compact)
    length = _NATIONAL_ACCOUNT_LEN.get(country, 10)
    first = str(rng.randrange(1, 10))
    return first + f"{rng.randrange(10 ** (length - 1)):0{length - 1}d}"


def wallet_address(rng: random.Random) -> str:
    # USDT on TRON style; the lower-case second letter keeps it from looking like an IBAN
    return (
        "T"
        + rng.choice(string.ascii_lowercase[:11])
        + "".join(rng.choice(_BASE58) for _ in range(32))
    )


@dataclass
class Person:
    id: str
    name: str
    short: str
    culture: str
    country: str
    home: str
    sex: str
    nationality: str
    birth_date: str
    kind: str
    roles: list[str]
    charged: bool = False
    charges: list[str] = field(default_factory=list)
    is_minor: bool = False
    aliases: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)

    @property
    def phone(self) -> str:
        return self.phones[0]

    @property
    def account(self) -> str:
        return self.accounts[0]

    def truth(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aliases": self.aliases,
            "kind": self.kind,
            "roles": self.roles,
            "charged": self.charged,
            "charges": self.charges,
            "is_minor": self.is_minor,
            "sex": self.sex,
            "nationality": self.nationality,
            "birth_date": self.birth_date,
            "phones": self.phones,
            "accounts": self.accounts,
            "emails": self.emails,
            "handles": self.handles,
        }


@dataclass
class Org:
    id: str
    name: str
    kind: str
    country: str
    accounts: list[str]
    owner: str | None = None

    def truth(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "country": self.country,
            "accounts": self.accounts,
            "owner": self.owner,
        }


def _variant(rng: random.Random, name: str, rules: list[list[str]]) -> str | None:
    usable = [r for r in rules if r[0] in name]
    if not usable:
        return None
    old, new = rng.choice(usable)
    return name.replace(old, new, 1)


def make_name(rng: random.Random, culture: str, sex: str) -> tuple[str, str, list[str]]:
    """(full name, what friends call them, aliases) for a new person of ``culture``."""
    data = load_data("names.yaml")[culture]
    given = rng.choice(data["male"] if sex == "M" else data["female"])
    family = rng.choice([f for f in data["family"] if f != given])
    if culture in ("mexican", "guatemalan", "spanish") and rng.random() < 0.5:
        family = f"{family} {rng.choice([f for f in data['family'] if f != family])}"
    aliases: list[str] = []
    if data["order"] == "family_first":
        full = f"{family} {given}"
        last_given = given.split()[-1]
        short = last_given
        aliases += [
            f"{last_given} {family}",
            f"{family} {given[0]}. {last_given}" if " " in given else f"{given} {family}",
        ]
    else:
        full = f"{given} {family}"
        short = given.split()[0]
        # Hispanic double surnames are often cut to the first; "Dela Cruz" is one name
        hispanic = culture in ("mexican", "guatemalan", "spanish")
        first_family = family.split()[0] if hispanic else family
        aliases += [
            f"{given[0]}. {first_family}",
            f"{family} {given}".upper() if culture == "romanian" else f"{first_family}, {given}",
        ]
    variant = _variant(rng, full, data["variants"])
    if variant and variant != full:
        aliases.append(variant)
    if rng.random() < 0.6:
        nickname = rng.choice(data["nicknames"][sex])
        aliases.append(nickname)
        if rng.random() < 0.5:
            short = nickname
    return full, short, list(dict.fromkeys(a for a in aliases if a != full))


def birth_date(rng: random.Random, base_year: int, age: int) -> str:
    return f"{base_year - age - 1:04d}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def email_for(rng: random.Random, name: str) -> str:
    parts = [p.lower().strip(".,") for p in name.split() if p.isalpha()]
    local = ".".join(parts[:2]) if parts else "user"
    domain = rng.choice(["gmail.com", "yahoo.com", "outlook.com", "proton.me"])
    return f"{local}{rng.randrange(10, 99)}@{domain}"


class NoisePool:
    """Innocent people: phones, accounts and names that fill the bulk of the records.

    Sizes are capped so memory stays bounded whatever the number of records.
    """

    def __init__(self, rng: random.Random, spec: Typology, size: int) -> None:
        countries = (
            [spec.country] * 17 + [c for _, c in spec.victim_cultures] + [spec.beneficiary[1]]
        )
        n_phones = min(200_000, max(300, size // 20))
        self.phones = [phone_number(rng, rng.choice(countries)) for _ in range(n_phones)]
        n_accounts = min(20_000, max(150, size // 60))
        cultures = [c for c, _ in spec.suspect_cultures + spec.victim_cultures]
        self.accounts: list[str] = []
        self.account_names: list[str] = []
        acc_country = spec.country if spec.country != "MM" else "TH"
        for _ in range(n_accounts):
            self.accounts.append(account_number(rng, acc_country))
            full, _short, _aliases = make_name(rng, rng.choice(cultures), rng.choice("MF"))
            self.account_names.append(full)
        self.traveller_names = self.account_names
        self.first_names = [n.split()[0] for n in self.account_names[:500]]
        mcc = CELL_MCC.get(spec.country, "310")
        n_cells = min(5_000, max(50, int(math.sqrt(size) * 2)))
        self.cells = [
            f"{mcc}-{rng.randrange(1, 99):02d}-{rng.randrange(1000, 65000)}-"
            f"{rng.randrange(1, 99999)}"
            for _ in range(n_cells)
        ]
