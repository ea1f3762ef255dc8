"""The criminal side of a case: the network, its timeline, and the records it leaves.

Everything here is small (bounded by per-kind budgets), so it is built in memory; the
noise around it is streamed by ``writer``.
"""

from __future__ import annotations

import calendar
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from palermo.simulate.typologies import Place, Typology
from palermo.simulate.world import (
    CELL_MCC,
    NoisePool,
    Org,
    Person,
    account_number,
    birth_date,
    email_for,
    load_data,
    make_name,
    valid_phone,
    wallet_address,
)

DAY = 86_400
SPAN_DAYS = 240
RAID_DAY = 225
MAX_CRIMINAL = 30_000  # per record kind, keeps memory bounded at any size

NATIONALITY = {
    "romanian": "RO",
    "mexican": "MX",
    "nigerian": "NG",
    "filipino": "PH",
    "vietnamese": "VN",
    "chinese": "CN",
    "spanish": "ES",
    "moroccan": "MA",
    "bulgarian": "BG",
    "kenyan": "KE",
    "thai": "TH",
    "guatemalan": "GT",
}
CREW = (
    "recruiter",
    "transporter",
    "guide",
    "harbourer",
    "enforcer",
    "exploiter",
    "money_handler",
    "beneficiary",
    "complicit_official",
)


class Rec:
    """One criminal record before it is written; ``rid``/``line`` are set by the writer."""

    __slots__ = ("facts", "fields", "line", "rid", "t")

    def __init__(
        self, t: int, fields: tuple[str, ...], facts: list[dict[str, Any]] | None = None
    ) -> None:
        self.t = t
        self.fields = fields
        self.facts = facts or []
        self.rid = ""
        self.line = 0


@dataclass
class Pattern:
    pattern: str
    recs: list[Rec]
    account: str
    explanation: str


def money(amount: float, currency: str) -> str:
    text = f"{amount:,.0f}"
    return {"USD": f"${text}", "GBP": f"£{text}"}.get(currency, f"{text} {currency}")


@dataclass
class Case:
    spec: Typology
    seed: int
    size: int
    rng: random.Random
    base: date
    t0: int
    targets: dict[str, int]
    persons: list[Person] = field(default_factory=list)
    orgs: list[Org] = field(default_factory=list)
    recs: dict[str, list[Rec]] = field(default_factory=dict)
    patterns: list[Pattern] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    doc_facts: list[dict[str, Any]] = field(default_factory=list)
    ctx: dict[str, str] = field(default_factory=dict)
    first_day: dict[str, int] = field(default_factory=dict)  # victim id -> exploitation start
    travel: dict[str, tuple[Place, Place, int]] = field(default_factory=dict)
    recruited_by: dict[str, str] = field(default_factory=dict)
    ad_phone: str = ""
    pool: NoisePool | None = None

    # -- lookups -----------------------------------------------------------------
    def role(self, role: str) -> list[Person]:
        return [p for p in self.persons if role in p.roles]

    def one(self, role: str) -> Person:
        return self.role(role)[0]

    def has(self, role: str) -> bool:
        return any(role in p.roles for p in self.persons)

    @property
    def victims(self) -> list[Person]:
        return self.role("victim")

    def org(self, kind: str) -> Org:
        return next(o for o in self.orgs if o.kind == kind)

    def at(self, day: int, hour_lo: int = 8, hour_hi: int = 23) -> int:
        return self.t0 + day * DAY + self.rng.randrange(hour_lo * 3600, hour_hi * 3600)

    def iso_day(self, day: int) -> str:
        return (self.base + timedelta(days=day)).isoformat()

    def nice_day(self, day: int) -> str:
        d = self.base + timedelta(days=day)
        return f"{d.day} {d.strftime('%B')} {d.year}"


def _budget(case: Case, kind: str, share: float) -> int:
    return min(MAX_CRIMINAL, max(30, int(case.targets.get(kind, 0) * share)))


def build_case(spec: Typology, size: int, seed: int, targets: dict[str, int]) -> Case:
    rng = random.Random(seed)
    base = date(2023, 1, 2) + timedelta(days=rng.randrange(0, 365))
    t0 = calendar.timegm(base.timetuple())
    case = Case(spec=spec, seed=seed, size=size, rng=rng, base=base, t0=t0, targets=targets)
    for kind in ("calls", "messages", "payments", "trips"):
        case.recs[kind] = []
    _people(case)
    _orgs(case)
    _context(case)
    _recruitment_and_travel(case)
    _exploitation(case)
    _money(case)
    _state_of_mind(case)
    _raid(case)
    case.pool = NoisePool(rng, spec, size)
    for recs in case.recs.values():
        recs.sort(key=lambda r: r.t)
    return case


# -- people ----------------------------------------------------------------------
def _person(
    case: Case,
    roles: list[str],
    kind: str,
    culture: str,
    country: str,
    sex: str | None = None,
    age: int | None = None,
    home: str | None = None,
) -> Person:
    rng = case.rng
    sex = sex or rng.choice("MF")
    age = age if age is not None else rng.randrange(22, 58)
    taken = {p.name for p in case.persons}
    full, short, aliases = make_name(rng, culture, sex)
    tries = 0
    while full in taken:  # two people with one name would blur the ground truth
        tries += 1
        full, short, aliases = make_name(rng, culture, sex)
        if tries > 20 and full in taken:  # the name lists are exhausted: a middle initial
            first, rest = full.split(maxsplit=1)
            full = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {rest}"
    pid = f"P{len(case.persons) + 1:02d}"
    nationality = NATIONALITY.get(culture, country)
    if culture == "english" or kind == "victim":  # victims: the country they come from
        nationality = country if country in ("US", "GB") or kind == "victim" else "US"
    person = Person(
        id=pid,
        name=full,
        short=short,
        culture=culture,
        country=country,
        home=home or country,
        sex=sex,
        nationality=nationality,
        birth_date=birth_date(rng, case.base.year, age),
        kind=kind,
        roles=roles,
        is_minor=age < 18,
        aliases=aliases,
    )
    person.phones.append(valid_phone(rng, country))
    if case.spec.crypto and kind == "suspect":
        person.accounts.append(wallet_address(rng))
    person.accounts.insert(0, account_number(rng, country if country != "MM" else "TH"))
    if kind in ("suspect", "official") or rng.random() < 0.5:
        person.emails.append(email_for(rng, full))
    if kind == "suspect" or rng.random() < 0.3:
        handle = short.lower().replace(" ", "_").replace("-", "")
        person.handles.append(f"@{handle}{rng.randrange(10, 999)}")
    case.persons.append(person)
    return person


def _people(case: Case) -> None:
    spec, rng = case.spec, case.rng
    size = case.size

    def suspect_culture() -> tuple[str, str]:
        return rng.choice(spec.suspect_cultures)

    def crew(
        role: str,
        charged: bool = True,
        culture: tuple[str, str] | None = None,
        sex: str | None = None,
    ) -> Person:
        cult, country = culture or suspect_culture()
        kind = "official" if role == "complicit_official" else "suspect"
        p = _person(case, [role], kind, cult, country, sex=sex)
        p.charged = charged and role in spec.charges
        p.charges = list(spec.charges.get(role, ())) if p.charged else []
        return p

    exploiter = crew("exploiter", sex="M")
    exploiter.phones.append(valid_phone(rng, spec.country))  # the advertised / work number
    case.ad_phone = exploiter.phones[-1]
    crew("recruiter")
    origin_cult, origin_country = spec.victim_cultures[0]
    crew("recruiter", charged=False, culture=(origin_cult, origin_country))
    crew("transporter", sex="M")
    if spec.guide:
        crew("guide", culture=("thai", "TH"), sex="M")
    crew("harbourer")
    crew("enforcer", sex="M")
    crew("money_handler")
    beneficiary = crew("beneficiary", culture=spec.beneficiary)
    beneficiary.home = spec.beneficiary[1]
    official_cult = suspect_culture() if spec.country != "MM" else ("thai", "TH")
    crew("complicit_official", culture=official_cult)
    n_victims = min(12, max(5, 2 + round(math.log10(max(size, 10)))))
    for i in range(n_victims):
        cult, country = spec.victim_cultures[i % len(spec.victim_cultures)]
        minor = i < spec.minors
        age = rng.randrange(14, 18) if minor else rng.randrange(18, 34)
        sex = (
            spec.victim_sex
            if rng.random() < 0.85 or minor
            else ("M" if spec.victim_sex == "F" else "F")
        )
        if minor or spec.sector == "sex":
            sex = "F"
        origin = rng.choice([o for o in spec.origins if o.country == country] or spec.origins)
        v = _person(case, ["victim"], "victim", cult, country, sex=sex, age=age, home=origin.city)
        if country != spec.country:  # a local number after arrival
            v.phones.append(valid_phone(rng, spec.country))
    if not case.victims[0].emails:  # she receives the job offer by e-mail
        case.victims[0].emails.append(email_for(rng, case.victims[0].name))
    # a former victim who now recruits (not charged: her conduct was caused by her trafficking)
    case.victims[-1].roles.append("victim_recruiter")
    if spec.buyers:
        n_buyers = min(400, max(8, size // 2000))
        for i in range(n_buyers):
            b = _person(case, ["buyer"], "suspect" if i < 2 else "other", "english", "US", sex="M")
            b.charged = i < 2
            b.charges = list(spec.charges["buyer"]) if b.charged else []
    home_cult = spec.suspect_cultures[0]
    for kind_label in ("co-worker", "neighbour"):
        w = _person(case, ["witness"], "witness", home_cult[0], spec.country)
        w.home = kind_label
    mother = _person(
        case,
        ["bystander"],
        "other",
        spec.victim_cultures[0][0],
        spec.victim_cultures[0][1],
        sex="F",
        age=55,
    )
    mother.home = "mother of " + case.victims[0].id
    # near miss for entity resolution: shares the exploiter's family name, innocent
    namesake = _person(case, ["bystander"], "other", exploiter.culture, spec.country)
    if load_data("names.yaml")[exploiter.culture]["order"] == "family_first":
        namesake.name = f"{exploiter.name.split()[0]} {namesake.name.split(maxsplit=1)[-1]}"
    else:
        namesake.name = f"{namesake.name.split()[0]} {exploiter.name.split(maxsplit=1)[-1]}"
    if namesake.name == exploiter.name:
        namesake.name = namesake.name.replace(namesake.name.split()[0], "Maria", 1)
    namesake.aliases = []
    _person(case, ["bystander"], "other", home_cult[0], spec.country)


def _orgs(case: Case) -> None:
    spec, rng = case.spec, case.rng
    exploiter = case.one("exploiter")
    beneficiary = case.one("beneficiary")
    uncharged = next(p for p in case.role("recruiter") if not p.charged)
    acc_country = spec.country if spec.country != "MM" else "TH"
    names = {
        "sex": ("Sunrise Property Holdings LLC", "Budget Inn", "Peach Nights Lounge"),
        "domestic": ("Crown Domestic Staffing Ltd", "Greenfield Lettings Ltd", "Home Help Ltd"),
        "agri": ("Agricola Las Marismas SL", "Alquileres Donana SL", "Fresas del Sur SL"),
        "scam": ("Golden Lotus Park Co Ltd", "Riverside Dormitory Services", "GL Tech Co"),
        "construction": ("Lone Star Framing LLC", "Gulf Coast Trailer Rentals", "LSF Crew LLC"),
    }[spec.sector]

    def org(name: str, kind: str, country: str, owner: Person | None = None) -> Org:
        o = Org(
            id=f"O{len(case.orgs) + 1:02d}",
            name=name,
            kind=kind,
            country=country,
            accounts=[account_number(rng, country)],
            owner=owner.id if owner else None,
        )
        case.orgs.append(o)
        return o

    org(names[0], "front_business", acc_country, exploiter)
    org(names[1], "landlord", acc_country)
    org(
        f"{beneficiary.name.split()[-1]} Trading Co",
        "shell_company",
        beneficiary.country if beneficiary.country not in ("KH",) else "TH",
        beneficiary,
    )
    org(
        f"{uncharged.name.split()[-1]} Placement Agency",
        "recruitment_agency",
        uncharged.country if uncharged.country != "MM" else "TH",
        uncharged,
    )
    org("Expreso Travel", "travel_agency", acc_country)
    org("ReloadIt Prepaid Cards", "prepaid_card_issuer", acc_country)
    if spec.sector == "sex":
        org("NightDirectory.com", "advertising_site", "US")
        org("VelvetListings", "advertising_site", "US")
    else:
        org("JobsAbroad Board", "advertising_site", acc_country)


def _context(case: Case) -> None:
    spec, rng = case.spec, case.rng
    sector = load_data("text.yaml")["sectors"][spec.sector]
    dest = rng.choice(spec.destinations)
    ctx = {k: str(v) for k, v in sector.items()}
    ctx["dest"] = dest.city
    ctx["lodging"] = ctx["lodging"].format(dest=dest.city)
    for role in CREW:
        if case.has(role):
            ctx[role] = case.one(role).name
    ctx["official"] = case.one("complicit_official").name
    ctx["official_title"] = spec.official_title
    ctx["ben_country"] = {"MX": "Mexico", "NG": "Nigeria", "RO": "Romania", "KH": "Cambodia"}.get(
        case.one("beneficiary").country, case.one("beneficiary").country
    )
    ctx["site"] = next(o.name for o in case.orgs if o.kind == "advertising_site")
    ctx["ad_phone"] = case.ad_phone
    ctx["debt"] = money(rng.choice([3000, 4500, 6000, 8000, 12000]), spec.currency)
    ctx["amount"] = money(rng.choice([2500, 4000, 5200]), spec.currency)
    case.ctx = ctx


def fill(template: str, ctx: dict[str, str], **extra: str) -> str:
    values = ctx | extra
    text = template
    # two passes: sector lines themselves contain placeholders
    for _ in range(2):
        text = text.format_map(values)
    return text


# -- timeline ----------------------------------------------------------------------
def _concept(case: Case, concept: str) -> str:
    return case.spec.purposes[0] if concept == "purpose" else concept


def _fact(
    case: Case,
    concept: str,
    indicator: str,
    suspect: Person | None,
    victim: Person | None,
    quote: str,
) -> dict[str, Any]:
    return {
        "concept": _concept(case, concept),
        "indicator": indicator,
        "suspect": suspect.id if suspect else None,
        "victim": victim.id if victim else None,
        "quote": quote,
    }


def _channel(case: Case) -> str:
    return {
        "scam": "telegram",
        "sex": case.rng.choice(["sms", "sms", "whatsapp"]),
        "domestic": "whatsapp",
        "agri": "whatsapp",
        "construction": case.rng.choice(["sms", "whatsapp"]),
    }[case.spec.sector]


def msg(
    case: Case,
    t: int,
    sender: Person | str,
    recipient: Person | str,
    body: str,
    facts: list[dict[str, Any]] | None = None,
    channel: str | None = None,
) -> Rec:
    s = sender.phone if isinstance(sender, Person) else sender
    r = recipient.phone if isinstance(recipient, Person) else recipient
    rec = Rec(t, (s, r, channel or _channel(case), body), facts)
    case.recs["messages"].append(rec)
    return rec


def call(case: Case, t: int, caller: str, callee: str, cell: str) -> Rec:
    dur = int(20 + case.rng.expovariate(1 / 150))
    rec = Rec(t, (caller, callee, str(dur), cell))
    case.recs["calls"].append(rec)
    return rec


def pay(
    case: Case,
    t: int,
    payer: tuple[str, str],
    payee: tuple[str, str],
    amount: float,
    channel: str,
    cfrom: str,
    cto: str,
    ref: str,
    facts: list[dict[str, Any]] | None = None,
    currency: str | None = None,
) -> Rec:
    rec = Rec(
        t,
        (
            payer[0],
            payer[1],
            payee[0],
            payee[1],
            f"{amount:.2f}",
            currency or case.spec.currency,
            channel,
            cfrom,
            cto,
            ref,
        ),
        facts,
    )
    case.recs["payments"].append(rec)
    return rec


def trip(
    case: Case,
    t: int,
    traveller: str,
    origin: Place,
    dest: Place,
    mode: str,
    booked_by: str,
    paid_by: str,
    price: float,
    facts: list[dict[str, Any]] | None = None,
) -> Rec:
    rec = Rec(
        t,
        (
            traveller,
            origin.city,
            dest.city,
            mode,
            booked_by,
            paid_by,
            f"{price:.2f}",
            case.spec.currency,
        ),
        facts,
    )
    case.recs["trips"].append(rec)
    return rec


@cache
def _cells_for(seed: int, country: str) -> list[str]:
    mcc = CELL_MCC.get(country, "310")
    rng = random.Random(seed * 7 + 1)
    return [
        f"{mcc}-{rng.randrange(1, 99):02d}-{rng.randrange(1000, 65000)}-{rng.randrange(1, 99999)}"
        for _ in range(4)
    ]


def _site_cells(case: Case) -> list[str]:
    return _cells_for(case.seed, case.spec.country)


def role_lines(role: str) -> list[dict[str, str]]:
    lines: list[dict[str, str]] = load_data("text.yaml")["role_messages"].get(role, [])
    return lines


def _send_role_lines(
    case: Case,
    sender: Person,
    role: str,
    day: int,
    victims: list[Person],
    only: set[str] | None = None,
) -> None:
    """Each indicator line of ``role`` once per victim (to a few victims at most)."""
    rng = case.rng
    for line in role_lines(role):
        if only is not None and line["concept"] not in only:
            continue
        targets: list[tuple[Person, Person | None]] = []
        if line["to"] == "victim":
            targets = [(v, v) for v in victims[:3]]
        elif line["to"] in CREW and case.has(line["to"]):
            targets = [(case.one(line["to"]), victims[0] if victims else None)]
        for recipient, victim in targets:
            vname = victim.short if victim else "the new one"
            home = victim.home if victim else "your village"
            body = fill(
                line["text"],
                case.ctx,
                victim=vname,
                home=home,
                date=case.nice_day(day + 3),
                origin=home,
            )
            d = min(day + rng.randrange(0, 4), SPAN_DAYS - 1)
            fact = _fact(case, line["concept"], line["indicator"], sender, victim, body)
            msg(case, case.at(d), sender, recipient, body, [fact])


def _recruitment_and_travel(case: Case) -> None:
    spec, rng = case.spec, case.rng
    recruiters = case.role("recruiter")
    charged_rec = next(p for p in recruiters if p.charged)
    uncharged = next(p for p in recruiters if not p.charged)
    transporter = case.one("transporter")
    dest = next(p for p in spec.destinations if p.city == case.ctx["dest"])
    agency = case.org("travel_agency")
    victims = case.victims
    for i, v in enumerate(victims):
        recruiter = charged_rec if i % 3 != 2 else uncharged
        if i == len(victims) - 1 and len(victims) > 2:
            recruiter = charged_rec
        day0 = rng.randrange(0, 36)
        case.recruited_by[v.id] = recruiter.id
        for k in range(rng.randrange(2, 5)):
            call(case, case.at(day0 + k * 2), recruiter.phone, v.phone, _origin_cell(case, v))
        for line in role_lines("recruiter")[:3]:
            body = fill(
                line["text"],
                case.ctx,
                victim=v.short,
                home=v.home,
                date=case.nice_day(day0 + 12),
                origin=v.home,
            )
            fact = _fact(case, line["concept"], line["indicator"], recruiter, v, body)
            msg(case, case.at(day0 + rng.randrange(0, 3)), recruiter, v, body, [fact])
        case.events.append(
            {
                "date": case.iso_day(day0),
                "kind": "recruitment",
                "persons": [recruiter.id, v.id],
                "description": f"{recruiter.name} first contacts {v.name} with an "
                f"offer of {case.ctx['work']}",
            }
        )
        travel_day = day0 + rng.randrange(8, 20)
        origin = next((o for o in spec.origins if o.city == v.home), spec.origins[0])
        mode = "air" if origin.country != spec.country and "air" in spec.modes else spec.modes[0]
        price = round(rng.uniform(80, 260) if mode != "air" else rng.uniform(380, 1400), 2)
        facts = []
        interstate = origin.country == "US" and origin.city[-2:] != dest.city[-2:]
        if spec.jurisdiction == "US" and (interstate or origin.country != "US"):
            facts.append(
                _fact(
                    case,
                    "jurisdiction.interstate_commerce",
                    "interstate_travel",
                    None,
                    v,
                    dest.city,
                )
            )
        if origin.country != dest.country:
            facts.append(
                _fact(case, "jurisdiction.travel", "international_travel", None, v, dest.city)
            )
        traveller = v.name
        if mode == "air":  # airline style, as on a ticket: FAMILY/GIVEN
            traveller = _airline_name(v)
            v.aliases.append(traveller)
        trip(
            case,
            case.at(travel_day, 5, 22),
            traveller,
            origin,
            dest,
            mode,
            transporter.phone,
            recruiter.account,
            price,
            facts,
        )
        pay(
            case,
            case.at(max(0, travel_day - 3)),
            (recruiter.account, recruiter.name),
            (agency.accounts[0], agency.name),
            price,
            "card",
            recruiter.country,
            spec.country,
            f"Booking {v.name.split()[0]} {origin.city}",
        )
        for k in (-2, -1, 0, 0, 1):
            call(
                case,
                case.at(travel_day + k, 6, 23),
                transporter.phone,
                v.phone,
                _origin_cell(case, v) if k < 0 else rng.choice(_site_cells(case)),
            )
        if spec.guide:
            guide = case.one("guide")
            border = spec.destinations[1]
            trip(
                case,
                case.at(travel_day + 1, 1, 4),
                v.name,
                border,
                spec.destinations[0],
                "boat",
                guide.phone,
                guide.account,
                0.0,
            )
            call(case, case.at(travel_day + 1, 0, 2), guide.phone, v.phone, _site_cells(case)[0])
        case.travel[v.id] = (origin, dest, travel_day)
        case.first_day[v.id] = travel_day + 1
        case.events.append(
            {
                "date": case.iso_day(travel_day),
                "kind": "travel",
                "persons": [transporter.id, v.id],
                "description": f"{v.name} travels from {origin.city} to "
                f"{dest.city}; booked by {transporter.name}",
            }
        )
        case.events.append(
            {
                "date": case.iso_day(travel_day + 1),
                "kind": "exploitation_start",
                "persons": [v.id],
                "description": f"{v.name} starts work at the {case.ctx['lodging']}",
            }
        )
    # transporter trips of his own, back and forth with the victims
    for _ in range(min(40, max(3, _budget(case, "trips", 0.02)))):
        day = rng.randrange(40, RAID_DAY)
        a, b = (
            rng.sample(list(spec.destinations), 2)
            if len(spec.destinations) > 1
            else (spec.destinations[0], spec.destinations[0])
        )
        trip(
            case,
            case.at(day),
            transporter.name,
            a,
            b,
            "car" if "car" in spec.modes else spec.modes[0],
            transporter.phone,
            transporter.account,
            round(rng.uniform(30, 90), 2),
        )
    # the crew's indicator messages, around the first arrivals
    first = min(case.first_day.values())
    for role in CREW:
        if role in ("recruiter",) or not case.has(role):
            continue
        person = case.one(role)
        _send_role_lines(case, person, role, first + rng.randrange(0, 20), victims)
    _send_role_lines(case, charged_rec, "recruiter", first, victims, only={"purpose"})
    for role in ("transporter", "guide", "harbourer", "enforcer", "money_handler"):
        if not case.has(role):
            continue
        sector_line = load_data("text.yaml")["sectors"][spec.sector]["purpose_msg"]
        v = victims[1]
        body = fill(sector_line, case.ctx, victim=v.short)
        sender = case.one(role)
        msg(
            case,
            case.at(first + rng.randrange(1, 30)),
            sender,
            v,
            body,
            [_fact(case, "purpose", "exploitation", sender, v, body)],
        )
    # the victim-recruiter writes to a newcomer (the first victim's sister, a bystander)
    vr = next(p for p in victims if "victim_recruiter" in p.roles)
    newcomer = next(p for p in case.persons if "bystander" in p.roles)
    for line in role_lines("victim_recruiter"):
        body = fill(line["text"], case.ctx)
        msg(
            case,
            case.at(first + 60),
            vr,
            newcomer,
            body,
            [_fact(case, line["concept"], line["indicator"], vr, None, body)],
        )
    exploiter = case.one("exploiter")
    for line in role_lines("victim"):
        v = victims[2]
        body = fill(line["text"], case.ctx, exploiter=exploiter.short)
        recipient: Person | str = exploiter if line["to"] == "exploiter" else newcomer
        msg(
            case,
            case.at(first + 45),
            v,
            recipient,
            body,
            [_fact(case, line["concept"], line["indicator"], exploiter, v, body)],
        )


def _airline_name(p: Person) -> str:
    parts = p.name.upper().split()
    if load_data("names.yaml")[p.culture]["order"] == "family_first":
        return f"{parts[0]}/{''.join(parts[1:])}"
    return f"{''.join(parts[1:])}/{parts[0]}"


def _origin_cell(case: Case, v: Person) -> str:
    mcc = CELL_MCC.get(v.country, "310")
    return f"{mcc}-01-{1000 + int(v.id[1:]) * 7}-{11 + int(v.id[1:])}"


def _exploitation(case: Case) -> None:
    spec, rng = case.spec, case.rng
    data = load_data("text.yaml")
    crew = [
        case.one(r) for r in ("exploiter", "harbourer", "enforcer", "money_handler", "transporter")
    ]
    cells = _site_cells(case)
    victims = case.victims
    call_budget = _budget(case, "calls", 0.06)
    msg_budget = _budget(case, "messages", 0.05)
    victim_days = sum(max(1, RAID_DAY - case.first_day[v.id]) for v in victims)
    buyers = case.role("buyer")
    # per victim-day rates, from the budgets
    call_rate = call_budget * 0.8 / victim_days
    msg_rate = msg_budget * 0.7 / victim_days
    threat_done = False
    for v in victims:
        for day in range(case.first_day[v.id], RAID_DAY):
            n_calls = int(call_rate) + (rng.random() < call_rate % 1)
            n_msgs = int(msg_rate) + (rng.random() < msg_rate % 1)
            for _ in range(n_calls):
                if buyers:  # buyers ring the advertised number
                    b = rng.choice(buyers)
                    call(
                        case, case.at(day, 12, 24) - 3600, b.phone, case.ad_phone, rng.choice(cells)
                    )
                else:
                    boss = rng.choice(crew)
                    call(case, case.at(day, 5, 23), boss.phone, v.phones[-1], rng.choice(cells))
            for _ in range(n_msgs):
                if buyers and rng.random() < 0.6:
                    b = rng.choice(buyers)
                    line = rng.choice(data["buyer_messages"])
                    body = fill(line["text"], case.ctx)
                    msg(case, case.at(day, 12, 24) - 3600, b, case.ad_phone, body, channel="sms")
                elif rng.random() < 0.5:
                    a, b2 = rng.sample(crew, 2)
                    body = fill(rng.choice(data["crew_chatter"]), case.ctx, victim=v.short)
                    msg(case, case.at(day), a, b2, body)
                else:
                    body = rng.choice(data["victim_chatter"])
                    msg(case, case.at(day), v.phones[-1], rng.choice(crew), body)
        if not threat_done:
            threat_done = True
            enforcer = case.one("enforcer")
            case.events.append(
                {
                    "date": case.iso_day(case.first_day[v.id] + 5),
                    "kind": "threat",
                    "persons": [enforcer.id, v.id],
                    "description": f"{enforcer.name} threatens {v.name}'s family",
                }
            )
    # crew coordination calls
    for _ in range(max(10, call_budget // 5)):
        a, b = rng.sample(crew, 2)
        call(case, case.at(rng.randrange(30, RAID_DAY)), a.phone, b.phone, rng.choice(cells))
    ben = case.one("beneficiary")
    for _ in range(max(4, call_budget // 40)):
        call(
            case,
            case.at(rng.randrange(40, RAID_DAY)),
            case.one("money_handler").phone,
            ben.phone,
            rng.choice(cells),
        )
    # charged buyers leave indicator messages
    for b in [p for p in buyers if p.charged]:
        line = data["buyer_messages"][0]
        body = fill(line["text"], case.ctx)
        facts = [
            _fact(case, line["concept"], line["indicator"], b, victims[0], body),
            _fact(case, "purpose", "commercial_sex", b, victims[0], body),
        ]
        msg(case, case.at(rng.randrange(80, RAID_DAY)), b, case.ad_phone, body, facts, "sms")
        line = data["buyer_disregard"]
        body = fill(line["text"], case.ctx)
        # what he saw is evidence of the means, and of his reckless disregard of them
        msg(
            case,
            case.at(rng.randrange(80, RAID_DAY)),
            b,
            case.ad_phone,
            body,
            [
                _fact(case, line["concept"], line["indicator"], b, victims[0], body),
                _fact(case, "means.coercion", "restriction_of_movement", b, victims[0], body),
            ],
            "sms",
        )
        if spec.minors:
            minor = next(v for v in victims if v.is_minor)
            line = data["minor_buyer_message"]
            body = fill(line["text"], case.ctx)
            msg(
                case,
                case.at(rng.randrange(80, RAID_DAY)),
                b,
                case.ad_phone,
                body,
                [_fact(case, line["concept"], line["indicator"], b, minor, body)],
                "sms",
            )


def _money(case: Case) -> None:
    spec, rng = case.spec, case.rng
    cur = spec.currency
    c = spec.country
    exploiter, mh = case.one("exploiter"), case.one("money_handler")
    ben, official = case.one("beneficiary"), case.one("complicit_official")
    front, landlord = case.org("front_business"), case.org("landlord")
    shell, prepaid = case.org("shell_company"), case.org("prepaid_card_issuer")
    sites = [o for o in case.orgs if o.kind == "advertising_site"]
    victims = case.victims
    first = min(case.first_day.values())
    budget = _budget(case, "payments", 0.05)
    mh_acc = (mh.accounts[-1] if spec.crypto else mh.account, mh.name)

    def acct(p: Person | Org) -> tuple[str, str]:
        return (p.accounts[0], p.name)

    # fan-in: buyers' or customers' payments (sex, scam, domestic) / swept wages (labour)
    fan_in: list[Rec] = []
    n_fan = max(12, int(budget * 0.6))
    if spec.buyers:
        payers = [acct(b) for b in case.role("buyer")]
        lo, hi, channel, ref = 120, 450, "card", "services"
    elif spec.sector == "scam":
        payers = [
            (wallet_address(rng), make_name(rng, cult, rng.choice("MF"))[0])
            for cult in ("english", "chinese", "english", "spanish") * 6
        ]
        lo, hi, channel, ref = 800, 25_000, "crypto", "investment deposit"
    else:
        payers = [acct(v) for v in victims]
        lo, hi, channel, ref = 250, 900, "bank", "debt repayment"
    for i in range(n_fan):
        payer = payers[i % len(payers)]
        day = rng.randrange(first, RAID_DAY)
        facts = []
        if i < len(victims) and not spec.buyers and spec.sector != "scam":
            facts.append(_fact(case, "means.withholding_wages", "wages_swept", mh, victims[i], ref))
        fan_in.append(
            pay(
                case,
                case.at(day),
                payer,
                mh_acc,
                round(rng.uniform(lo, hi), 2),
                channel,
                c if spec.sector != "scam" else "US",
                c,
                ref,
                facts,
                currency="USDT" if channel == "crypto" else None,
            )
        )
    if not spec.buyers and spec.sector != "scam":
        for v in victims:  # the payroll that the sweep empties
            for m in range(4):
                day = first + 30 * m + 2
                if day < RAID_DAY:
                    pay(
                        case,
                        case.at(day, 6, 9),
                        acct(front),
                        acct(v),
                        round(rng.uniform(900, 1300), 2),
                        "bank",
                        c,
                        c,
                        "salary",
                    )
    case.patterns.append(
        Pattern(
            "fan_in",
            fan_in,
            mh_acc[0],
            f"Many {'buyers' if spec.buyers else 'payers'} pay one "
            f"collector account held by {mh.name}",
        )
    )
    # fan-out: the collector pays the crew
    crew = [case.one(r) for r in CREW if case.has(r) and r not in ("money_handler", "beneficiary")]
    fan_out = [
        pay(
            case,
            case.at(rng.randrange(first + 20, RAID_DAY)),
            mh_acc,
            acct(p),
            round(rng.uniform(400, 1500), 2),
            "bank",
            c,
            p.country if p.country != "MM" else c,
            "share",
        )
        for p in crew
    ]
    case.patterns.append(
        Pattern("fan_out", fan_out, mh_acc[0], "The collector pays every member of the crew")
    )
    # transfers to the beneficiary abroad
    transfers: list[Rec] = []
    for k in range(max(4, min(60, budget // 20))):
        day = first + 7 * (k + 1)
        if day >= RAID_DAY:
            break
        amount = round(rng.uniform(2000, 6000), 2)
        ref = f"family support {k + 1}"
        facts = (
            [_fact(case, "benefit.financial", "proceeds_abroad", ben, None, ref)] if k < 2 else []
        )
        if k == 0:
            facts.append(_fact(case, "benefit.financial", "proceeds_transfer", mh, None, ref))
            if spec.jurisdiction == "US":
                facts.append(
                    _fact(
                        case,
                        "jurisdiction.interstate_commerce",
                        "foreign_transfer",
                        None,
                        None,
                        ref,
                    )
                )
            case.events.append(
                {
                    "date": case.iso_day(day),
                    "kind": "payment",
                    "persons": [mh.id, ben.id],
                    "description": f"{mh.name} sends the first proceeds to {ben.name} abroad",
                }
            )
        transfers.append(
            pay(
                case,
                case.at(day),
                mh_acc,
                acct(ben),
                amount,
                rng.choice(["wire", "mto"]),
                c,
                ben.country,
                ref,
                facts,
            )
        )
    case.patterns.append(
        Pattern(
            "transfers_abroad",
            transfers,
            ben.account,
            "Weekly transfers from the collector to the beneficiary abroad",
        )
    )
    # cycle A -> B -> C -> A
    cycle: list[Rec] = []
    for _ in range(2):
        day = rng.randrange(first + 10, RAID_DAY - 5)
        amount = round(rng.uniform(8000, 15000), 2)
        for a, b in ((mh_acc, acct(front)), (acct(front), acct(shell)), (acct(shell), mh_acc)):
            cycle.append(
                pay(
                    case,
                    case.at(day),
                    a,
                    b,
                    amount,
                    "wire",
                    c,
                    c,
                    f"invoice {rng.randrange(1000, 9999)}",
                )
            )
            amount = round(amount * 0.98, 2)
            day += 1
    case.patterns.append(
        Pattern(
            "cycle",
            cycle,
            mh_acc[0],
            f"Money goes round from {mh.name} to {front.name} to {shell.name} and back",
        )
    )
    # scatter-gather: collector -> intermediaries -> beneficiary
    mids = [case.one(r) for r in ("harbourer", "enforcer", "transporter") if case.has(r)]
    mids.append(next(v for v in victims if "victim_recruiter" in v.roles))
    sg: list[Rec] = []
    day = rng.randrange(first + 15, RAID_DAY - 10)
    for p in mids:
        amt = round(rng.uniform(2500, 3000), 2)
        sg.append(pay(case, case.at(day), mh_acc, acct(p), amt, "bank", c, c, "loan"))
        sg.append(
            pay(
                case,
                case.at(day + 2),
                acct(p),
                acct(ben),
                round(amt - 40, 2),
                "mto",
                c,
                ben.country,
                "for mother",
            )
        )
    case.patterns.append(
        Pattern(
            "scatter_gather",
            sg,
            ben.account,
            "The collector splits money across intermediaries, who all "
            "send it on to the beneficiary",
        )
    )
    # gather-scatter: several accounts -> exploiter -> several
    gs: list[Rec] = []
    day = rng.randrange(first + 15, RAID_DAY - 10)
    for v in victims[:4]:
        gs.append(
            pay(
                case,
                case.at(day),
                acct(v),
                acct(exploiter),
                round(rng.uniform(300, 700), 2),
                "bank",
                c,
                c,
                "rent",
            )
        )
    for p in crew[:4]:
        gs.append(
            pay(
                case,
                case.at(day + 1),
                acct(exploiter),
                acct(p),
                round(rng.uniform(300, 600), 2),
                "bank",
                c,
                c,
                "expenses",
            )
        )
    case.patterns.append(
        Pattern(
            "gather_scatter",
            gs,
            exploiter.account,
            f"{exploiter.name} gathers from several accounts and pays out to several others",
        )
    )
    # funnel account: cash in several cities, withdrawn abroad
    funnel: list[Rec] = []
    funnel_acc = (mh.accounts[0], mh.name)
    cities = list(spec.destinations)
    for k in range(max(6, min(80, budget // 15))):
        day = rng.randrange(first, RAID_DAY)
        city = cities[k % len(cities)]
        funnel.append(
            pay(
                case,
                case.at(day, 9, 17),
                ("", mh.name if k % 2 else exploiter.name),
                funnel_acc,
                round(rng.uniform(700, 3000), 2),
                "cash",
                c,
                c,
                f"cash deposit {city.city} branch",
            )
        )
    for k in range(3):
        funnel.append(
            pay(
                case,
                case.at(rng.randrange(first + 20, RAID_DAY)),
                funnel_acc,
                ("", "ATM withdrawal " + ben.country),
                round(rng.uniform(500, 1000), 2),
                "cash",
                c,
                ben.country,
                f"ATM {ben.country} {k + 1}",
            )
        )
    case.patterns.append(
        Pattern(
            "funnel_account",
            funnel,
            funnel_acc[0],
            "Cash deposited in several cities into one account and withdrawn abroad",
        )
    )
    # structuring: deposits just under the reporting threshold
    st: list[Rec] = []
    day = rng.randrange(first + 10, RAID_DAY - 10)
    th = spec.cash_threshold
    for k in range(5):
        st.append(
            pay(
                case,
                case.at(day + k, 9, 16),
                ("", mh.name),
                funnel_acc,
                round(rng.uniform(th * 0.9, th * 0.995), 2),
                "cash",
                c,
                c,
                "deposit",
            )
        )
    case.patterns.append(
        Pattern(
            "structuring",
            st,
            funnel_acc[0],
            f"Cash deposits just under {th:,} {cur} on consecutive days",
        )
    )
    # advertising
    ads: list[Rec] = []
    advertiser = exploiter if spec.buyers else next(p for p in case.role("recruiter") if p.charged)
    concept = "act.advertising" if spec.buyers else "act.recruitment"
    for k in range(max(4, min(60, budget // 20))):
        day = first + 4 * k
        if day >= RAID_DAY:
            break
        site = sites[k % len(sites)]
        ref = f"Ad boost {case.ctx['dest']} #{k + 1}"
        facts = (
            [_fact(case, concept, "advertising_payments", advertiser, None, ref)] if k == 0 else []
        )
        ads.append(
            pay(
                case,
                case.at(day),
                acct(advertiser),
                acct(site),
                round(rng.uniform(25, 120), 2),
                "card",
                c,
                site.country,
                ref,
                facts,
            )
        )
    case.patterns.append(
        Pattern(
            "advertising",
            ads,
            advertiser.account,
            f"Frequent payments to {', '.join(s.name for s in sites)}",
        )
    )
    # one business pays rent for many people
    rent: list[Rec] = []
    for m in range(6):
        day = first + 30 * m
        if day >= RAID_DAY:
            break
        for v in victims:
            ref = f"Rent room {int(v.id[1:]) + 10} - {v.name.split()[0]}"
            facts = (
                [_fact(case, "act.harbouring", "rent_for_many", exploiter, v, ref)]
                if m == 0 and v is victims[0]
                else []
            )
            rent.append(
                pay(
                    case,
                    case.at(day, 9, 12),
                    acct(front),
                    acct(landlord),
                    round(rng.uniform(300, 600), 2),
                    "bank",
                    c,
                    c,
                    ref,
                    facts,
                )
            )
    case.patterns.append(
        Pattern(
            "rent_for_many",
            rent,
            front.accounts[0],
            f"{front.name} pays rent for the rooms of {len(victims)} people",
        )
    )
    # prepaid card top-ups
    pre = [
        pay(
            case,
            case.at(rng.randrange(first, RAID_DAY)),
            funnel_acc,
            acct(prepaid),
            rng.choice([100.0, 200.0, 250.0, 500.0]),
            "card",
            c,
            c,
            "Prepaid card reload",
        )
        for _ in range(8)
    ]
    case.patterns.append(
        Pattern(
            "prepaid_cards", pre, funnel_acc[0], "Repeated prepaid card top-ups by the collector"
        )
    )
    # payments to the complicit official
    off: list[Rec] = []
    for m in range(4):
        day = first + 15 + 30 * m
        if day >= RAID_DAY:
            break
        ref = f"consulting {m + 1}"
        facts = [_fact(case, "benefit.financial", "bribe", official, None, ref)] if m == 0 else []
        off.append(
            pay(
                case,
                case.at(day),
                acct(exploiter),
                acct(official),
                500.0 + 250 * m,
                "bank",
                c,
                official.country if official.country != "MM" else c,
                ref,
                facts,
            )
        )
        if m == 0:
            case.events.append(
                {
                    "date": case.iso_day(day),
                    "kind": "payment",
                    "persons": [exploiter.id, official.id],
                    "description": f"{exploiter.name} pays {official.name}, the "
                    f"{spec.official_title}",
                }
            )
    case.patterns.append(
        Pattern(
            "official_payment",
            off,
            official.account,
            f"Monthly payments to the {spec.official_title}",
        )
    )


def _state_of_mind(case: Case) -> None:
    """Knowledge for every charged suspect, and agreement among the crew (conspiracy)."""
    rng = case.rng
    data = load_data("text.yaml")
    crew = [case.one(r) for r in CREW if case.has(r)]
    for p in [p for p in case.persons if p.charged]:
        own = [(rec, f) for rec in case.recs["messages"] for f in rec.facts if f["suspect"] == p.id]
        if own and not any(f["concept"].startswith("mental.") for _, f in own):
            rec, fact = next(
                (
                    (r, f)
                    for r, f in own
                    if f["concept"].split(".")[0] in ("means", "purpose", "act", "victim")
                ),
                own[0],
            )
            rec.facts.append({**fact, "concept": "mental.knowledge", "indicator": "own_words"})
        if "buyer" in p.roles or p not in crew:
            continue
        partner = case.one("exploiter") if "exploiter" not in p.roles else case.one("money_handler")
        body = fill(rng.choice(data["crew_chatter"]), case.ctx, victim=case.victims[0].short)
        day = rng.randrange(min(case.first_day.values()), RAID_DAY)
        msg(
            case,
            case.at(day),
            p,
            partner,
            body,
            [_fact(case, "act.agreement", "coordination", p, None, body)],
        )
    case.recs["messages"].sort(key=lambda r: r.t)


def _raid(case: Case) -> None:
    suspects = [p for p in case.persons if p.charged]
    case.events.append(
        {
            "date": case.iso_day(RAID_DAY),
            "kind": "raid",
            "persons": [v.id for v in case.victims],
            "description": f"Raid on the {case.ctx['lodging']}; "
            f"{len(case.victims)} victims identified",
        }
    )
    for k, p in enumerate(suspects):
        case.events.append(
            {
                "date": case.iso_day(RAID_DAY + min(k, 3)),
                "kind": "arrest",
                "persons": [p.id],
                "description": f"{p.name} arrested",
            }
        )
    case.events.sort(key=lambda e: (e["date"], e["kind"]))
