"""Synthetic person records with realistic corruption and known true clusters.

For tests, benchmarks and demos of entity resolution. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from unidecode import unidecode

from palermo.analysis.resolution.records import PersonRecord

FIRST = {
    "ro": [
        "Ion",
        "Ioan",
        "Andrei",
        "Mihai",
        "Ștefan",
        "Gheorghe",
        "Vasile",
        "Constantin",
        "Maria",
        "Elena",
        "Ioana",
        "Ana",
        "Mădălina",
        "Cristina",
        "Florin",
        "Adrian",
        "Alexandru",
        "Bogdan",
        "Daniela",
        "Gabriela",
        "Răzvan",
        "Nicoleta",
        "Radu",
        "Sorin",
    ],
    "ng": [
        "Chinedu",
        "Ngozi",
        "Oluwaseun",
        "Adaeze",
        "Emeka",
        "Blessing",
        "Chiamaka",
        "Tunde",
        "Funmilayo",
        "Ikenna",
        "Obinna",
        "Uchenna",
        "Precious",
        "Joy",
        "Favour",
        "Osagie",
        "Efosa",
        "Osaro",
        "Eghosa",
        "Itohan",
    ],
    "th": [
        "Somchai",
        "Somsak",
        "Malee",
        "Siriporn",
        "Nattapong",
        "Kannika",
        "Wichai",
        "Pornthip",
        "Anong",
        "Prasert",
        "Sunisa",
        "Thanawat",
        "Chayanin",
        "Rattana",
    ],
    "ua": [
        "Oleksandr",
        "Olena",
        "Iryna",
        "Dmytro",
        "Andriy",
        "Natalia",
        "Yulia",
        "Serhiy",
        "Tetiana",
        "Volodymyr",
        "Oksana",
        "Mykola",
        "Svitlana",
        "Yaroslav",
        "Kateryna",
    ],
    "al": [
        "Arben",
        "Besnik",
        "Dritan",
        "Elira",
        "Fatmir",
        "Gentian",
        "Ilir",
        "Jonida",
        "Klodian",
        "Lindita",
        "Mirela",
        "Arjola",
        "Erion",
        "Ardit",
        "Blerina",
    ],
    "vn": [
        "Anh",
        "Bao",
        "Duc",
        "Hoa",
        "Hung",
        "Lan",
        "Linh",
        "Minh",
        "Ngoc",
        "Phuong",
        "Quang",
        "Thanh",
        "Trang",
        "Tuan",
        "Van",
    ],
}
LAST_STEMS = {
    "ro": [
        "Popescu",
        "Ionescu",
        "Popa",
        "Radu",
        "Dumitru",
        "Stan",
        "Stoica",
        "Gheorghe",
        "Matei",
        "Ciobanu",
        "Rusu",
        "Munteanu",
        "Constantin",
        "Marin",
        "Tudor",
        "Florea",
        "Dinu",
        "Ene",
        "Lungu",
        "Barbu",
        "Nistor",
        "Moldovan",
        "Sârbu",
        "Căpraru",
    ],
    "ng": [
        "Okafor",
        "Adeyemi",
        "Okonkwo",
        "Eze",
        "Obi",
        "Nwosu",
        "Balogun",
        "Osagie",
        "Igbinedion",
        "Ogbeide",
        "Omoregie",
        "Ehigiator",
        "Aigbe",
        "Okoro",
        "Uwadiae",
    ],
    "th": [
        "Srisuk",
        "Chaiyaphum",
        "Saetang",
        "Wongsawat",
        "Boonmee",
        "Kaewmanee",
        "Thongchai",
        "Rattanakorn",
        "Phromma",
        "Sukprasert",
        "Jaidee",
        "Chanthara",
    ],
    "ua": [
        "Shevchenko",
        "Kovalenko",
        "Bondarenko",
        "Tkachenko",
        "Kravchenko",
        "Oliynyk",
        "Shevchuk",
        "Polishchuk",
        "Lysenko",
        "Moroz",
        "Marchenko",
        "Savchenko",
    ],
    "al": [
        "Hoxha",
        "Shehu",
        "Leka",
        "Gjoka",
        "Dervishi",
        "Kola",
        "Basha",
        "Hysa",
        "Krasniqi",
        "Berisha",
        "Cela",
        "Meta",
    ],
    "vn": [
        "Nguyen",
        "Tran",
        "Le",
        "Pham",
        "Hoang",
        "Huynh",
        "Phan",
        "Vu",
        "Dang",
        "Bui",
        "Do",
        "Ho",
    ],
}
PREFIX = {"ro": "+40", "ng": "+234", "th": "+66", "ua": "+380", "al": "+355", "vn": "+84"}
STREETS = [
    "Strada Mare",
    "Calea Victoriei",
    "Main Street",
    "High Street",
    "Bahnhofstrasse",
    "Via Roma",
    "Rue de la Paix",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Park Avenue",
    "Kingsway",
    "Ulitsa Lenina",
    "Rruga Durresit",
    "Thanon Sukhumvit",
    "Duong Le Loi",
]
CITIES = [
    "Bucharest",
    "Iasi",
    "Lagos",
    "Benin City",
    "Bangkok",
    "Kyiv",
    "Tirana",
    "Hanoi",
    "London",
    "Milan",
    "Madrid",
    "Berlin",
    "Paris",
    "Amsterdam",
    "Vienna",
    "Athens",
]
_SYLLABLES = {
    "ro": [
        "ba",
        "cu",
        "dra",
        "ghe",
        "io",
        "le",
        "ma",
        "nes",
        "po",
        "ra",
        "sto",
        "tu",
        "vla",
        "zan",
    ],
    "ng": ["a", "de", "gbe", "ife", "ko", "la", "mo", "nwa", "o", "ri", "so", "tun", "wu", "ye"],
    "th": ["boon", "chai", "kaew", "mee", "phon", "rat", "sak", "sri", "su", "tha", "wong", "yo"],
    "ua": ["bon", "da", "ko", "len", "mar", "nyk", "ol", "pet", "ri", "shev", "tka", "vych"],
    "al": ["ba", "dri", "gjo", "ho", "ka", "le", "me", "ni", "pre", "shk", "tro", "zeq"],
    "vn": ["bui", "cao", "dinh", "doan", "ha", "kim", "lam", "luu", "mai", "ngo", "ta", "trinh"],
}
_TAILS = {"ro": "escu", "ng": "", "th": "", "ua": "enko", "al": "i", "vn": ""}


def _surname_pool(rng: random.Random, country: str, size: int) -> list[str]:
    """Common surnames of the country plus many rarer made-up ones (from syllables)."""
    syl = _SYLLABLES[country]
    rare = {
        "".join(rng.choice(syl) for _ in range(rng.choice([2, 3]))) + _TAILS[country]
        for _ in range(size)
    }
    return sorted(rare)


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.randrange(4)
    letters = "abcdefghijklmnoprstuvz"
    if op == 0:
        return s[:i] + s[i + 1 :]
    if op == 1:
        return s[:i] + rng.choice(letters) + s[i + 1 :]
    if op == 2:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s[:i] + rng.choice(letters) + s[i:]


Population = Literal["small", "national"]


def synthetic_people(
    n_records: int, seed: int = 7, *, population: Population = "small"
) -> tuple[list[PersonRecord], dict[str, str]]:
    """Records of people seen several times across sources, with realistic corruption.

    Each person gets 1-5 records. Per record: a spelling mistake in the first name (15%)
    and in the surname (15%), diacritics dropped (30%), name order swapped (10%), first
    name as an initial (10%); date of birth missing (5%), day and month swapped (5%),
    year off by one (5%), a few days off (5%); a phone on 80% of records (10% of them a
    new phone), an account (20%), an e-mail (10%), and 3% carry one of a few phones
    shared between different people (a controller's phone on several victims); address
    missing (15%), moved house (15%), misspelt (10%); nationality missing (30%).
    Records that carry nothing but a name can only be joined through other records.

    ``population``: ``"small"`` (the default) draws names, dates and addresses from
    small pools, as in one case or a few (a few dozen first names and a few thousand
    surnames per country, 51,200 addresses): at millions of records almost everyone
    shares a name or an address with thousands of others. ``"national"`` draws them as
    in a country's population (see :class:`NationalPools`). Returns the records and,
    per record key, its person.
    """
    records: list[PersonRecord] = []
    truth: dict[str, str] = {}
    for record, person in iter_synthetic_people(n_records, seed, population=population):
        records.append(record)
        truth[record.key] = person
    return records, truth


def iter_synthetic_people(
    n_records: int, seed: int = 7, *, population: Population = "small"
) -> Iterator[tuple[PersonRecord, str]]:
    """The records of :func:`synthetic_people` one at a time, each with its person
    (for millions of records, which a list would not hold)."""
    rng = random.Random(seed)
    countries = list(FIRST)
    national = NationalPools.build(rng) if population == "national" else None
    rare_surnames = {c: _surname_pool(rng, c, 3000) for c in countries} if national is None else {}
    shared_phones = [
        f"+40{rng.randrange(700000000, 799999999)}" for _ in range(max(1, n_records // 500))
    ]
    made = 0
    person = 0
    sources = ["person", "statement", "payment", "call", "booking", "crossing"]
    while made < n_records:
        person += 1
        c = rng.choice(countries)
        if national is None:
            first = rng.choice(FIRST[c])
            # about a quarter of people carry one of the common surnames of their country
            pool = LAST_STEMS[c] if rng.random() < 0.25 else rare_surnames[c]
            last = rng.choice(pool).capitalize() if pool is rare_surnames[c] else rng.choice(pool)
            dob = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 16000))
        else:
            first, last, dob = national.person(rng, c)
        phone = f"{PREFIX[c]}{rng.randrange(100000000, 999999999)}"
        account = f"RO{rng.randrange(10, 99)}BANK{rng.randrange(10**11, 10**12)}"
        email = f"{clean_ascii(first)}.{clean_ascii(last)}{rng.randrange(1, 999)}@mail.test"
        if national is None:
            address = f"{rng.randrange(1, 200)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"
        else:
            address = national.home(rng)
        n_copies = min(rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5]), n_records - made)
        for copy in range(n_copies):
            fn, ln = first, last
            if rng.random() < 0.15:
                fn = _typo(rng, fn)
            if rng.random() < 0.15:
                ln = _typo(rng, ln)
            if rng.random() < 0.3:
                fn, ln = clean_ascii(fn), clean_ascii(ln)
            roll = rng.random()
            if roll < 0.1:
                full = f"{ln} {fn}"
            elif roll < 0.2:
                full = f"{fn[0]}. {ln}"
            else:
                full = f"{fn} {ln}"
            d: date | None = dob
            roll = rng.random()
            if roll < 0.05:
                d = None
            elif roll < 0.1 and dob.day <= 12:
                d = date(dob.year, dob.day, dob.month)
            elif roll < 0.15:
                d = date(dob.year + rng.choice([-1, 1]), dob.month, min(dob.day, 28))
            elif roll < 0.2:
                d = dob + timedelta(days=rng.choice([-10, -1, 1, 10]))
            ids: list[str] = []
            if rng.random() < 0.8:
                ids.append(
                    phone
                    if rng.random() < 0.9
                    else f"{PREFIX[c]}{rng.randrange(100000000, 999999999)}"
                )
            if rng.random() < 0.2:
                ids.append(account)
            if rng.random() < 0.1:
                ids.append(email)
            if rng.random() < 0.03:
                ids.append(rng.choice(shared_phones))
            addr: str | None = address
            roll = rng.random()
            if roll < 0.15:
                addr = None
            elif roll < 0.3:
                if national is None:
                    addr = f"{rng.randrange(1, 200)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"
                else:
                    addr = national.address(rng)
            elif roll < 0.4:
                addr = _typo(rng, address)
            key = f"{sources[copy % len(sources)]}:{person}:{copy}"
            made += 1
            yield (
                PersonRecord(
                    key=key,
                    full_name=full,
                    date_of_birth=d,
                    identifiers=tuple(ids),
                    address=addr,
                    nationality=c.upper() if rng.random() < 0.7 else None,
                ),
                f"p{person}",
            )


def _zipf(size: int, offset: float) -> list[float]:
    """Cumulative weights 1 / (rank + offset) over ``size`` ranks (a Zipf-like spread:
    a few very common values and a long tail of rare ones)."""
    out: list[float] = []
    total = 0.0
    for rank in range(1, size + 1):
        total += 1.0 / (rank + offset)
        out.append(total)
    return out


def _made_up(
    rng: random.Random, syllables: list[str], tail: str, parts: tuple[int, ...], size: int
) -> list[str]:
    """Up to ``size`` distinct made-up words of ``parts`` syllables (in random order)."""
    seen: set[str] = set()
    out: list[str] = []
    for _ in range(size * 20):
        if len(out) >= size:
            break
        word = "".join(rng.choice(syllables) for _ in range(rng.choice(parts))) + tail
        if word not in seen:
            seen.add(word)
            out.append(word.capitalize())
    return out


@dataclass(frozen=True)
class NationalPools:
    """Names, dates of birth and addresses as spread in a country's population.

    Per country, first names: the common ones of :data:`FIRST` then up to 2,000
    made-up ones, drawn with weight 1/(rank + 5) (the most common name is carried by
    about 3% of people); surnames: the common ones of :data:`LAST_STEMS` then up to
    40,000 made-up ones, drawn with weight 1/(rank + 10) (the most common about 1%,
    tens of thousands in all); dates of birth over 68 years (1940-2008). Addresses:
    a house number (1-300), one of 6,000 streets of one of 2,000 towns, each town with
    its own postcode; a third of people live at the address of someone made shortly
    before (a household, or a house of several victims)."""

    first: dict[str, tuple[list[str], list[float]]]
    last: dict[str, tuple[list[str], list[float]]]
    streets: list[str]
    towns: list[tuple[str, str]]
    recent: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, rng: random.Random) -> NationalPools:
        first: dict[str, tuple[list[str], list[float]]] = {}
        last: dict[str, tuple[list[str], list[float]]] = {}
        for c in FIRST:
            names = list(FIRST[c])
            known = {clean_ascii(x).lower() for x in names}
            names += [
                x for x in _made_up(rng, _SYLLABLES[c], "", (2, 3), 2000) if x.lower() not in known
            ]
            first[c] = (names, _zipf(len(names), 5))
            surnames = list(LAST_STEMS[c])
            known = {clean_ascii(x).lower() for x in surnames}
            surnames += [
                x
                for x in _made_up(rng, _SYLLABLES[c], _TAILS[c], (2, 3, 4), 40000)
                if x.lower() not in known
            ]
            last[c] = (surnames, _zipf(len(surnames), 10))
        every = sorted({s for syl in _SYLLABLES.values() for s in syl})
        kinds = ["Street", "Road", "Lane", "Avenue", "Strada", "Via", "Rruga", "Ulitsa"]
        streets = [f"{w} {rng.choice(kinds)}" for w in _made_up(rng, every, "", (2, 3), 6000)]
        towns = [
            (w, str(10000 + i * 37 % 90000))
            for i, w in enumerate(_made_up(rng, every, "", (2, 3, 4), 2000))
        ]
        return cls(first, last, streets, towns)

    def person(self, rng: random.Random, country: str) -> tuple[str, str, date]:
        names, weights = self.first[country]
        first = rng.choices(names, cum_weights=weights)[0]
        names, weights = self.last[country]
        last = rng.choices(names, cum_weights=weights)[0]
        return first, last, date(1940, 1, 1) + timedelta(days=rng.randrange(0, 24837))

    def address(self, rng: random.Random) -> str:
        town, postcode = rng.choice(self.towns)
        return f"{rng.randrange(1, 300)} {rng.choice(self.streets)}, {postcode} {town}"

    def home(self, rng: random.Random) -> str:
        """The address of a new person: a new one, or (a third of the time) that of one
        of the last thousand people made."""
        if self.recent and rng.random() < 1 / 3:
            return rng.choice(self.recent)
        address = self.address(rng)
        if len(self.recent) >= 1000:
            self.recent[rng.randrange(1000)] = address
        else:
            self.recent.append(address)
        return address


def clean_ascii(s: str) -> str:
    return str(unidecode(s))
