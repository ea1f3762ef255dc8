"""Synthetic person records with realistic corruption and known true clusters.

For tests, benchmarks and demos of entity resolution. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

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


def synthetic_people(n_records: int, seed: int = 7) -> tuple[list[PersonRecord], dict[str, str]]:
    """Records of people seen several times across sources, with realistic corruption.

    Each person gets 1-5 records. Per record: a spelling mistake in the first name (15%)
    and in the surname (15%), diacritics dropped (30%), name order swapped (10%), first
    name as an initial (10%); date of birth missing (5%), day and month swapped (5%),
    year off by one (5%), a few days off (5%); a phone on 80% of records (10% of them a
    new phone), an account (20%), an e-mail (10%), and 3% carry one of a few phones
    shared between different people (a controller's phone on several victims); address
    missing (15%), moved house (15%), misspelt (10%); nationality missing (30%).
    Records that carry nothing but a name can only be joined through other records.
    """
    rng = random.Random(seed)
    countries = list(FIRST)
    rare_surnames = {c: _surname_pool(rng, c, 3000) for c in countries}
    shared_phones = [
        f"+40{rng.randrange(700000000, 799999999)}" for _ in range(max(1, n_records // 500))
    ]
    records: list[PersonRecord] = []
    truth: dict[str, str] = {}
    person = 0
    sources = ["person", "statement", "payment", "call", "booking", "crossing"]
    while len(records) < n_records:
        person += 1
        c = rng.choice(countries)
        first = rng.choice(FIRST[c])
        # about a quarter of people carry one of the common surnames of their country
        pool = LAST_STEMS[c] if rng.random() < 0.25 else rare_surnames[c]
        last = rng.choice(pool).capitalize() if pool is rare_surnames[c] else rng.choice(pool)
        dob = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 16000))
        phone = f"{PREFIX[c]}{rng.randrange(100000000, 999999999)}"
        account = f"RO{rng.randrange(10, 99)}BANK{rng.randrange(10**11, 10**12)}"
        email = f"{clean_ascii(first)}.{clean_ascii(last)}{rng.randrange(1, 999)}@mail.test"
        address = f"{rng.randrange(1, 200)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"
        n_copies = min(rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5]), n_records - len(records))
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
                addr = f"{rng.randrange(1, 200)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"
            elif roll < 0.4:
                addr = _typo(rng, address)
            key = f"{sources[copy % len(sources)]}:{person}:{copy}"
            records.append(
                PersonRecord(
                    key=key,
                    full_name=full,
                    date_of_birth=d,
                    identifiers=tuple(ids),
                    address=addr,
                    nationality=c.upper() if rng.random() < 0.7 else None,
                )
            )
            truth[key] = f"p{person}"
    return records, truth


def clean_ascii(s: str) -> str:
    return str(unidecode(s))
