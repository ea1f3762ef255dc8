"""The case typologies the simulator knows: who is involved, where, under which statutes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Place:
    city: str  # as written in records, e.g. "Atlanta, GA"
    country: str  # ISO 3166 alpha-2


@dataclass(frozen=True)
class Typology:
    id: str
    description: str
    jurisdiction: str  # US, UK, EU or INTL
    statutes: tuple[str, ...]
    sector: str  # key into text.yaml sectors: sex, domestic, agri, scam, construction
    title: str
    currency: str
    country: str  # where the exploitation happens
    destinations: tuple[Place, ...]
    origins: tuple[Place, ...]
    victim_cultures: tuple[tuple[str, str], ...]  # (culture, country)
    suspect_cultures: tuple[tuple[str, str], ...]
    beneficiary: tuple[str, str]
    official_title: str
    # role -> statute ids; a role left out is not charged (e.g. officials outside the US,
    # who would face corruption charges that are not modelled here)
    charges: dict[str, tuple[str, ...]]
    purposes: tuple[str, ...]  # purpose concepts the exploitation supports
    mix: dict[str, float]  # share of `size` per record kind
    victim_sex: str = "F"
    minors: int = 0
    buyers: bool = False  # commercial sex buyers (else customers)
    guide: bool = False
    cash_threshold: int = 10_000
    crypto: bool = False
    modes: tuple[str, ...] = ("bus", "car")
    extra_roles: tuple[str, ...] = field(default_factory=tuple)


US_SEX_CHARGES: dict[str, tuple[str, ...]] = {
    "recruiter": ("us-18-1591", "us-18-1594c"),
    "transporter": ("us-18-1591", "us-18-1594c"),
    "harbourer": ("us-18-1591", "us-18-1594c"),
    "enforcer": ("us-18-1591", "us-18-1594c"),
    "exploiter": ("us-18-1591", "us-18-1592", "us-18-1594c"),
    "money_handler": ("us-18-1591a2", "us-18-1594c"),
    "beneficiary": ("us-18-1591a2", "us-18-1594c"),
    "complicit_official": ("us-18-1591a2",),
    "buyer": ("us-18-1591",),
}

US_PLACES = (
    Place("Houston, TX", "US"),
    Place("Atlanta, GA", "US"),
    Place("Las Vegas, NV", "US"),
    Place("Miami, FL", "US"),
    Place("Newark, NJ", "US"),
    Place("Charlotte, NC", "US"),
)

TYPOLOGY_SPECS: dict[str, Typology] = {
    "escort_ads": Typology(
        id="escort_ads",
        description="Sex trafficking through online escort advertisements (US)",
        jurisdiction="US",
        statutes=("us-18-1591", "us-18-1591a2", "us-18-1592", "us-18-1594c"),
        sector="sex",
        title="United States v. {exploiter_family} et al. (escort advertisements)",
        currency="USD",
        country="US",
        destinations=US_PLACES,
        origins=(
            Place("Monterrey", "MX"),
            Place("Tijuana", "MX"),
            Place("Constanta", "RO"),
            Place("Memphis, TN", "US"),
            Place("Dallas, TX", "US"),
        ),
        victim_cultures=(("english", "US"), ("mexican", "MX"), ("romanian", "RO")),
        suspect_cultures=(("english", "US"), ("mexican", "US"), ("romanian", "US")),
        beneficiary=("mexican", "MX"),
        official_title="police officer",
        charges=US_SEX_CHARGES,
        purposes=("purpose.commercial_sex_act", "purpose.sexual_exploitation"),
        mix={"calls": 0.45, "messages": 0.30, "payments": 0.20, "trips": 0.05},
        buyers=True,
        modes=("car", "bus", "air"),
    ),
    "child_sex": Typology(
        id="child_sex",
        description="Child sex trafficking of US minors recruited online (US)",
        jurisdiction="US",
        statutes=("us-18-1591", "us-18-1591a2", "us-18-1594c"),
        sector="sex",
        title="United States v. {exploiter_family} et al. (child sex trafficking)",
        currency="USD",
        country="US",
        destinations=US_PLACES,
        origins=(
            Place("Memphis, TN", "US"),
            Place("Dallas, TX", "US"),
            Place("Birmingham, AL", "US"),
            Place("Jacksonville, FL", "US"),
        ),
        victim_cultures=(("english", "US"), ("mexican", "US")),
        suspect_cultures=(("english", "US"), ("mexican", "US")),
        beneficiary=("mexican", "MX"),
        official_title="police officer",
        charges={k: v for k, v in US_SEX_CHARGES.items() if k != "exploiter"}
        | {"exploiter": ("us-18-1591", "us-18-1594c")},
        purposes=("purpose.commercial_sex_act", "purpose.sexual_exploitation"),
        mix={"calls": 0.45, "messages": 0.35, "payments": 0.15, "trips": 0.05},
        minors=2,
        buyers=True,
        modes=("car", "bus"),
    ),
    "domestic_servitude": Typology(
        id="domestic_servitude",
        description="Domestic servitude of migrant workers in private households (UK)",
        jurisdiction="UK",
        statutes=("uk-msa-s1", "uk-msa-s2"),
        sector="domestic",
        title="R v {exploiter_family} and others (domestic servitude)",
        currency="GBP",
        country="GB",
        destinations=(Place("London", "GB"), Place("Birmingham", "GB"), Place("Manchester", "GB")),
        origins=(
            Place("Lagos", "NG"),
            Place("Benin City", "NG"),
            Place("Manila", "PH"),
            Place("Cebu", "PH"),
        ),
        victim_cultures=(("nigerian", "NG"), ("filipino", "PH")),
        suspect_cultures=(("nigerian", "GB"), ("english", "GB")),
        beneficiary=("nigerian", "NG"),
        official_title="visa officer",
        charges={
            "recruiter": ("uk-msa-s2",),
            "transporter": ("uk-msa-s2",),
            "harbourer": ("uk-msa-s1", "uk-msa-s2"),
            "enforcer": ("uk-msa-s1",),
            "exploiter": ("uk-msa-s1", "uk-msa-s2"),
            "money_handler": ("uk-msa-s1",),
            "beneficiary": ("uk-msa-s1",),
        },
        purposes=("purpose.servitude", "purpose.forced_labour"),
        mix={"calls": 0.45, "messages": 0.35, "payments": 0.15, "trips": 0.05},
        modes=("air", "car", "train"),
    ),
    "agricultural_debt_bondage": Typology(
        id="agricultural_debt_bondage",
        description="Forced labour with debt bondage on farms in southern Spain (EU)",
        jurisdiction="EU",
        statutes=("eu-2011-36-art2", "palermo-art3"),
        sector="agri",
        title="Causa contra {exploiter_family} y otros (explotacion laboral agricola)",
        currency="EUR",
        country="ES",
        destinations=(
            Place("Huelva", "ES"),
            Place("Almeria", "ES"),
            Place("Lepe", "ES"),
            Place("Moguer", "ES"),
        ),
        origins=(
            Place("Iasi", "RO"),
            Place("Bacau", "RO"),
            Place("Sliven", "BG"),
            Place("Kenitra", "MA"),
        ),
        victim_cultures=(("romanian", "RO"), ("bulgarian", "BG"), ("moroccan", "MA")),
        suspect_cultures=(("romanian", "ES"), ("spanish", "ES")),
        beneficiary=("romanian", "RO"),
        official_title="labour inspector",
        charges={
            r: ("eu-2011-36-art2",)
            for r in (
                "recruiter",
                "transporter",
                "harbourer",
                "enforcer",
                "exploiter",
                "money_handler",
                "beneficiary",
            )
        },
        purposes=("purpose.forced_labour",),
        mix={"calls": 0.45, "messages": 0.25, "payments": 0.25, "trips": 0.05},
        victim_sex="M",
        modes=("bus", "car"),
    ),
    "scam_compound": Typology(
        id="scam_compound",
        description="Forced criminality in an online scam compound (regional, Palermo Protocol)",
        jurisdiction="INTL",
        statutes=("palermo-art3",),
        sector="scam",
        title="Joint investigation: {exploiter_family} scam compound network",
        currency="USD",
        country="MM",
        destinations=(Place("Myawaddy", "MM"), Place("Mae Sot", "TH"), Place("Bangkok", "TH")),
        origins=(
            Place("Hanoi", "VN"),
            Place("Ho Chi Minh City", "VN"),
            Place("Manila", "PH"),
            Place("Nairobi", "KE"),
        ),
        victim_cultures=(("vietnamese", "VN"), ("filipino", "PH"), ("kenyan", "KE")),
        suspect_cultures=(("chinese", "MM"), ("thai", "TH"), ("chinese", "TH")),
        beneficiary=("chinese", "KH"),
        official_title="border police officer",
        charges={
            r: ("palermo-art3",)
            for r in (
                "recruiter",
                "transporter",
                "guide",
                "harbourer",
                "enforcer",
                "exploiter",
                "money_handler",
                "beneficiary",
            )
        },
        purposes=("purpose.forced_criminality",),
        mix={"calls": 0.35, "messages": 0.40, "payments": 0.20, "trips": 0.05},
        victim_sex="M",
        guide=True,
        crypto=True,
        modes=("air", "car", "boat"),
    ),
    "construction_labour": Typology(
        id="construction_labour",
        description="Forced labour of visa workers on construction sites (US)",
        jurisdiction="US",
        statutes=("us-18-1589", "us-18-1589b", "us-18-1590", "us-18-1592", "us-18-1594b"),
        sector="construction",
        title="United States v. {exploiter_family} et al. (construction forced labor)",
        currency="USD",
        country="US",
        destinations=(
            Place("Houston, TX", "US"),
            Place("New Orleans, LA", "US"),
            Place("Nashville, TN", "US"),
        ),
        origins=(
            Place("Monterrey", "MX"),
            Place("Guatemala City", "GT"),
            Place("Quetzaltenango", "GT"),
            Place("Puebla", "MX"),
        ),
        victim_cultures=(("mexican", "MX"), ("guatemalan", "GT")),
        suspect_cultures=(("mexican", "US"), ("english", "US")),
        beneficiary=("mexican", "MX"),
        official_title="labor inspector",
        charges={
            "recruiter": ("us-18-1590", "us-18-1594b"),
            "transporter": ("us-18-1590",),
            "harbourer": ("us-18-1590", "us-18-1594b"),
            "enforcer": ("us-18-1589", "us-18-1594b"),
            "exploiter": ("us-18-1589", "us-18-1590", "us-18-1592", "us-18-1594b"),
            "money_handler": ("us-18-1589b", "us-18-1594b"),
            "beneficiary": ("us-18-1589b",),
            "complicit_official": ("us-18-1589b",),
        },
        purposes=("purpose.forced_labour",),
        mix={"calls": 0.45, "messages": 0.25, "payments": 0.25, "trips": 0.05},
        victim_sex="M",
        modes=("bus", "car", "air"),
    ),
}

TYPOLOGIES: dict[str, str] = {k: v.description for k, v in TYPOLOGY_SPECS.items()}
