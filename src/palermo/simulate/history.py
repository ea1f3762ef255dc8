"""A synthetic history of a trafficking unit's caseload, for demos, tests and benchmarks.

``generate_history(seed)`` walks each case through its lifecycle (intake, investigation,
charge, pre-trial, trial with hearings and adjournments, verdict, sentence, appeal,
closing; some closed without charge, some diverted to mediation or settlement) and cuts
the story at ``as_of``: later events do not exist yet, except hearings already scheduled.

Rates are chosen to match the facts in shared/domain/prosecution.md, not any one
country: long trials (a median around two years from charge to verdict); the defence
asks for most adjournments; about one case in five dismissed after victims withdraw;
mostly custodial sentences with a minority suspended or fine-only (outside US federal
law, where sex-trafficking sentences carry a 10-year floor); restitution requested for
a minority of convicted defendants and ordered for fewer. With the defaults (seed 7,
300 cases) the median from charge to first decision is about a year and the 90th
percentile about two years; about half of decided defendants are convicted.

Everything is plain dataclasses keyed by local integers; :func:`palermo.services.caseload.
write_history` writes it into a unit. The same seed gives the same history.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

# Jurisdiction -> (share of cases, statutes by typology, currency)
JURISDICTIONS = {
    "US": (
        0.45,
        {
            "sexual_exploitation": ["us-18-1591"],
            "forced_labour": ["us-18-1589"],
            "domestic_servitude": ["us-18-1589", "us-18-1592"],
        },
        "USD",
    ),
    "GB": (
        0.35,
        {
            "sexual_exploitation": ["uk-msa-s2"],
            "forced_labour": ["uk-msa-s1"],
            "domestic_servitude": ["uk-msa-s1"],
        },
        "GBP",
    ),
    "EU": (
        0.20,
        {
            "sexual_exploitation": ["eu-2011-36-art2"],
            "forced_labour": ["eu-2011-36-art2"],
            "domestic_servitude": ["eu-2011-36-art2"],
        },
        "EUR",
    ),
}
TYPOLOGIES = (("sexual_exploitation", 0.55), ("forced_labour", 0.35), ("domestic_servitude", 0.10))
# Who asks for adjournments (defence most often, as the seeds describe).
ADJOURNMENT_PARTIES = (
    ("defence", 0.55),
    ("prosecution", 0.15),
    ("court", 0.17),
    ("investigator", 0.05),
    ("other", 0.08),
)
ADJOURNMENT_REASONS = {
    "defence": [
        "counsel unavailable",
        "new counsel appointed",
        "time to review evidence",
        "defendant ill",
    ],
    "prosecution": [
        "witness not available",
        "awaiting forensic report",
        "awaiting foreign evidence",
    ],
    "court": ["judge on leave", "court calendar", "interpreter not available"],
    "investigator": ["evidence processing not finished"],
    "other": ["power outage", "courtroom unavailable"],
}
# Statutory maxima the simulated sentences respect (18 U.S.C. 1592: 5 years).
STATUTE_MAX_MONTHS = {"us-18-1592": 60}
SERVICES = ("shelter", "legal_aid", "medical", "psychosocial", "interpretation")
NATIONALITIES = ("NG", "RO", "UA", "TH", "PH", "VN", "MX", "HN", "AL", "IN", "US", "GB")


@dataclass(frozen=True, slots=True)
class SimCase:
    key: int
    reference: str
    title: str
    jurisdiction: str
    typology: str
    statutes: tuple[str, ...]
    opened_on: date
    charged_on: date | None
    closed_on: date | None
    stage: str


@dataclass(frozen=True, slots=True)
class SimPerson:
    key: int
    case_key: int
    kind: str  # victim | suspect | witness
    pseudonym: str
    sex: str
    is_minor: bool
    nationality: str
    birth_year: int


@dataclass(frozen=True, slots=True)
class SimCharge:
    key: int
    case_key: int
    person_key: int
    statute_id: str
    filed_on: date


@dataclass(frozen=True, slots=True)
class SimTransition:
    case_key: int
    from_stage: str | None
    to_stage: str
    on: date
    reason: str | None = None
    diversion_kind: str | None = None


@dataclass(frozen=True, slots=True)
class SimHearing:
    case_key: int
    on: date
    kind: str
    adjourned: bool = False
    requested_by: str | None = None
    reason: str | None = None
    result: str | None = None


@dataclass(frozen=True, slots=True)
class SimDeadline:
    case_key: int
    kind: str
    due_on: date
    done: bool
    description: str


@dataclass(frozen=True, slots=True)
class SimContact:
    person_key: int
    on: date
    kind: str


@dataclass(frozen=True, slots=True)
class SimSupport:
    person_key: int
    service: str
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class SimWitnessStatus:
    person_key: int
    location: str | None
    available: bool
    repatriated: bool
    intimidation_reports: int
    consent_to_testify: bool | None
    consent_withdrawn_on: date | None


@dataclass(frozen=True, slots=True)
class SimOutcome:
    case_key: int
    person_key: int
    charge_key: int | None
    statute_id: str
    verdict: str
    currency: str
    verdict_on: date | None = None
    sentenced_on: date | None = None
    custodial_months: int | None = None
    suspended_months: int | None = None
    probation_months: int | None = None
    fine_amount: int | None = None
    restitution_requested: int | None = None
    restitution_ordered: int | None = None
    restitution_paid: int | None = None
    forfeiture_amount: int | None = None
    appeal_result: str | None = None
    appeal_on: date | None = None


@dataclass(slots=True)
class HistoryData:
    seed: int
    as_of: date
    cases: list[SimCase] = field(default_factory=list)
    persons: list[SimPerson] = field(default_factory=list)
    charges: list[SimCharge] = field(default_factory=list)
    transitions: list[SimTransition] = field(default_factory=list)
    hearings: list[SimHearing] = field(default_factory=list)
    deadlines: list[SimDeadline] = field(default_factory=list)
    contacts: list[SimContact] = field(default_factory=list)
    support: list[SimSupport] = field(default_factory=list)
    witness_status: list[SimWitnessStatus] = field(default_factory=list)
    outcomes: list[SimOutcome] = field(default_factory=list)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    r = rng.random() * sum(w for _, w in weighted)
    for value, w in weighted:
        r -= w
        if r <= 0:
            return value
    return weighted[-1][0]


def _days(rng: random.Random, lo: int, hi: int) -> timedelta:
    return timedelta(days=rng.randint(lo, hi))


class _Builder:
    def __init__(self, rng: random.Random, data: HistoryData) -> None:
        self.rng = rng
        self.data = data
        self.person_key = 0
        self.charge_key = 0

    # One case, from opening to wherever it is at ``as_of``.
    def case(self, key: int, opened: date) -> None:
        rng, as_of = self.rng, self.data.as_of
        jur = _pick(rng, tuple((j, v[0]) for j, v in JURISDICTIONS.items()))
        _, statutes_by_typ, currency = JURISDICTIONS[jur]
        typ = _pick(rng, TYPOLOGIES)
        statutes = statutes_by_typ[typ]
        ref = f"HT-{opened.year}-{key:05d}"
        transitions: list[SimTransition] = []
        hearings: list[SimHearing] = []
        stage = "intake"

        def move(to: str, on: date, reason: str | None = None, kind: str | None = None) -> bool:
            nonlocal stage
            if on > as_of:
                return False
            transitions.append(SimTransition(key, stage, to, on, reason, kind))
            stage = to
            return True

        victims = self.people(
            key, "victim", rng.choices([1, 2, 3, 4, 6], [35, 30, 15, 12, 8])[0], typ
        )
        suspects = self.people(key, "suspect", rng.choices([1, 2, 3, 4], [40, 30, 20, 10])[0], typ)
        charged_on: date | None = None
        closed_on: date | None = None
        day = opened + _days(rng, 1, 30)
        withdrew = False
        outcomes: list[SimOutcome] = []
        charges: list[SimCharge] = []
        if move("investigation", day):
            day += _days(rng, 60, 420)
            roll = rng.random()
            if roll < 0.10:
                if move("closed", day, "insufficient evidence"):
                    closed_on = day
            elif roll < 0.15:
                kind = rng.choice(["mediation", "settlement"])
                if move("diverted", day, f"{kind} agreed between the parties", kind):
                    closed_on = day
            elif move("charged", day):
                charged_on = day
                for s in suspects:
                    for sid in statutes[: rng.choice([1, 1, 2])]:
                        self.charge_key += 1
                        charges.append(SimCharge(self.charge_key, key, s.key, sid, day))
                self.deadlines(key, day, jur)
                day, closed_on, withdrew = self.court(key, day, move, hearings)
                outcomes = self.outcomes(key, charges, currency, transitions, withdrew)
                stage = transitions[-1].to_stage
                if stage == "closed":
                    closed_on = transitions[-1].on
        # Victim-witness care during the life of the case.
        end = closed_on or as_of
        for v in victims:
            self.care(v, opened, end, withdrew)
        self.data.cases.append(
            SimCase(
                key,
                ref,
                f"{typ.replace('_', ' ').title()} case {ref}",
                jur,
                typ,
                tuple(statutes),
                opened,
                charged_on,
                closed_on,
                stage,
            )
        )
        self.data.transitions += transitions
        self.data.hearings += hearings
        self.data.charges += charges
        self.data.outcomes += outcomes

    def people(self, case_key: int, kind: str, n: int, typ: str) -> list[SimPerson]:
        rng = self.rng
        out = []
        for i in range(n):
            self.person_key += 1
            if kind == "victim":
                female = rng.random() < (
                    0.85
                    if typ == "sexual_exploitation"
                    else 0.4
                    if typ == "forced_labour"
                    else 0.75
                )
                minor = rng.random() < (0.3 if typ == "sexual_exploitation" else 0.1)
                age = rng.randint(12, 17) if minor else rng.randint(18, 45)
            else:
                female = rng.random() < 0.3
                minor = False
                age = rng.randint(20, 60)
            out.append(
                SimPerson(
                    self.person_key,
                    case_key,
                    kind,
                    f"{'V' if kind == 'victim' else 'S'}{i + 1}",
                    "female" if female else "male",
                    minor,
                    rng.choice(NATIONALITIES),
                    self.data.as_of.year - age,
                )
            )
        self.data.persons += out
        return out

    def deadlines(self, case_key: int, charged: date, jur: str) -> None:
        rng, as_of = self.rng, self.data.as_of
        due = charged + timedelta(days=rng.choice([90, 120, 180]))
        self.data.deadlines.append(
            SimDeadline(
                case_key,
                "custody_limit",
                due,
                due < as_of - timedelta(days=30),
                "pre-trial custody of the main defendant ends",
            )
        )
        if rng.random() < 0.25:
            due = charged + _days(rng, 30, 400)
            self.data.deadlines.append(
                SimDeadline(
                    case_key,
                    "foreign_request",
                    due,
                    due < as_of - timedelta(days=10),
                    "reply to mutual legal assistance request",
                )
            )
        if rng.random() < 0.4:
            due = charged + _days(rng, 20, 200)
            self.data.deadlines.append(
                SimDeadline(
                    case_key,
                    "evidence",
                    due,
                    due < as_of - timedelta(days=5),
                    "forensic report on seized phones",
                )
            )

    def court(
        self, key: int, day: date, move: Callable[..., bool], hearings: list[SimHearing]
    ) -> tuple[date, date | None, bool]:
        rng, as_of = self.rng, self.data.as_of
        horizon = as_of + timedelta(days=45)
        day += _days(rng, 7, 35)

        def hearing(kind: str, on: date) -> bool:
            """Add a hearing; adjourned ones return False. Beyond the horizon: stop."""
            if on > horizon:
                return False
            if on > as_of:  # scheduled, not held yet
                hearings.append(SimHearing(key, on, kind))
                return False
            if rng.random() < 0.28:
                party = _pick(rng, ADJOURNMENT_PARTIES)
                hearings.append(
                    SimHearing(
                        key,
                        on,
                        kind,
                        True,
                        party,
                        rng.choice(ADJOURNMENT_REASONS[party]),
                        "adjourned",
                    )
                )
                return False
            hearings.append(SimHearing(key, on, kind, result="held"))
            return True

        # Arraignment (repeated until held).
        while not hearing("arraignment", day):
            if day > as_of:
                return day, None, False
            day += _days(rng, 14, 45)
        if not move("pre_trial", day + timedelta(days=1)):
            return day, None, False
        day += _days(rng, 20, 60)
        pretrial_needed = rng.randint(1, 4)
        while pretrial_needed:
            if hearing("pre_trial", day):
                pretrial_needed -= 1
            elif day > as_of:
                return day, None, False
            day += _days(rng, 14, 75)
        # Victims withdraw in about one case in five: dismissed before trial.
        if rng.random() < 0.2:
            if move("closed", day, "dismissed: victims withdrew"):
                return day, day, True
            return day, None, False
        plea = rng.random() < 0.25
        if not plea:
            if not move("trial", day):
                return day, None, False
            trial_days = rng.randint(3, 14)
            day += _days(rng, 10, 40)
            while trial_days:
                if hearing("trial", day):
                    trial_days -= 1
                    day += _days(rng, 5, 30)
                elif day > as_of:
                    return day, None, False
                else:
                    day += _days(rng, 14, 90)
        day += _days(rng, 5, 40)
        if not move("verdict", day):
            return day, None, False
        return day, None, False

    def outcomes(
        self,
        key: int,
        charges: list[SimCharge],
        currency: str,
        transitions: list[SimTransition],
        withdrew: bool,
    ) -> list[SimOutcome]:
        rng, as_of = self.rng, self.data.as_of
        verdict_t = next((t for t in transitions if t.to_stage == "verdict"), None)
        dismissed_t = next((t for t in transitions if t.to_stage == "closed"), None)
        out: list[SimOutcome] = []
        if verdict_t is None and not (withdrew and dismissed_t):
            # Still before the court: pending outcomes for every charge.
            return [
                SimOutcome(key, c.person_key, c.key, c.statute_id, "pending", currency)
                for c in charges
            ]
        if withdrew and dismissed_t is not None:
            return [
                SimOutcome(
                    key,
                    c.person_key,
                    c.key,
                    c.statute_id,
                    "dismissed",
                    currency,
                    verdict_on=dismissed_t.on,
                )
                for c in charges
            ]
        assert verdict_t is not None
        vday = verdict_t.on
        by_person: dict[int, list[SimCharge]] = {}
        for c in charges:
            by_person.setdefault(c.person_key, []).append(c)
        sentencing_day = vday + _days(rng, 20, 90)
        any_conv = False
        for person, pcs in by_person.items():
            conv = rng.random() < 0.72
            any_conv |= conv
            restitution_req = conv and rng.random() < 0.18
            for i, c in enumerate(pcs):
                if not conv or (i > 0 and rng.random() < 0.3):
                    out.append(
                        SimOutcome(
                            key, person, c.key, c.statute_id, "acquitted", currency, verdict_on=vday
                        )
                    )
                    continue
                sentenced = sentencing_day <= as_of
                o = self.sentence(
                    key,
                    person,
                    c,
                    currency,
                    vday,
                    sentencing_day if sentenced else None,
                    restitution_req and i == 0 and sentenced,
                )
                out.append(o)
        # Stage after the verdict.
        stage_day = sentencing_day
        t_from = "verdict"
        appeal_pending = False
        if any_conv and stage_day <= as_of:
            transitions.append(SimTransition(key, t_from, "sentencing", stage_day))
            t_from = "sentencing"
        if any_conv and rng.random() < 0.2:
            aday = stage_day + _days(rng, 15, 60)
            if aday <= as_of:
                transitions.append(SimTransition(key, t_from, "appeal", aday))
                t_from = "appeal"
                rday = aday + _days(rng, 90, 400)
                appeal_pending = rday > as_of
                if rday <= as_of:
                    result = _pick(rng, (("upheld", 0.75), ("reduced", 0.15), ("reversed", 0.10)))
                    out = [
                        o if o.verdict != "convicted" else _with_appeal(o, result, rday)
                        for o in out
                    ]
                    stage_day = rday
        close_day = stage_day + _days(rng, 10, 60)
        if close_day <= as_of and not appeal_pending and (t_from != "verdict" or not any_conv):
            transitions.append(SimTransition(key, t_from, "closed", close_day))
        return out

    def sentence(
        self,
        key: int,
        person: int,
        c: SimCharge,
        currency: str,
        vday: date,
        sday: date | None,
        restitution_req: bool,
    ) -> SimOutcome:
        rng = self.rng
        if sday is None:
            return SimOutcome(
                key, person, c.key, c.statute_id, "convicted", currency, verdict_on=vday
            )
        us = c.statute_id.startswith("us-")
        roll = rng.random()
        custodial = suspended = probation = fine = None
        if c.statute_id == "us-18-1591":
            custodial = max(120, int(rng.lognormvariate(5.1, 0.35)))  # median ~ 164 months
        elif us and roll < 0.88:
            custodial = max(6, int(rng.lognormvariate(4.3, 0.5)))  # median ~ 74 months
        elif us:
            probation = rng.choice([24, 36, 60])
        elif roll < 0.70:
            custodial = max(6, int(rng.lognormvariate(3.9, 0.55)))  # median ~ 49 months
        elif roll < 0.88:
            suspended = rng.choice([12, 18, 24, 36])
            probation = rng.choice([None, 24, 36])
        elif roll < 0.96:
            fine = rng.choice([2000, 5000, 10000, 20000])
        else:
            probation = rng.choice([12, 24])
        if c.statute_id in STATUTE_MAX_MONTHS and custodial is not None:
            custodial = min(custodial, STATUTE_MAX_MONTHS[c.statute_id])
        req = ordered = paid = None
        if restitution_req:
            req = rng.choice([15000, 40000, 80000, 134000])
            if rng.random() < 0.6:
                ordered = int(req * rng.choice([0.5, 0.8, 1.0]))
                paid = int(ordered * rng.choice([0.0, 0.0, 0.25, 1.0])) or None
        forfeiture = rng.choice([None, None, None, 25000, 100000])
        return SimOutcome(
            key,
            person,
            c.key,
            c.statute_id,
            "convicted",
            currency,
            verdict_on=vday,
            sentenced_on=sday,
            custodial_months=custodial,
            suspended_months=suspended,
            probation_months=probation,
            fine_amount=fine,
            restitution_requested=req,
            restitution_ordered=ordered,
            restitution_paid=paid,
            forfeiture_amount=forfeiture,
        )

    def care(self, v: SimPerson, start: date, end: date, withdrew: bool) -> None:
        rng = self.rng
        day = start + _days(rng, 0, 14)
        gap_weeks = rng.choice([2, 3, 4, 6, 10])
        while day <= end:
            self.data.contacts.append(
                SimContact(v.key, day, rng.choice(["visit", "phone", "phone", "message", "court"]))
            )
            day += timedelta(weeks=gap_weeks, days=rng.randint(-3, 3))
        for service in rng.sample(SERVICES, rng.randint(0, 3)):
            s_start = start + _days(rng, 0, 60)
            s_end = s_start + _days(rng, 60, 540) if rng.random() < 0.6 else None
            if s_end is not None and s_end > self.data.as_of:
                s_end = None
            self.data.support.append(SimSupport(v.key, service, s_start, s_end))
        repatriated = rng.random() < 0.2
        intimidation = rng.choices([0, 1, 2, 3], [85, 9, 4, 2])[0]
        withdrawn = withdrew or rng.random() < 0.05
        self.data.witness_status.append(
            SimWitnessStatus(
                v.key,
                "home country" if repatriated else rng.choice(["shelter", "own home", None]),
                not repatriated or rng.random() < 0.5,
                repatriated,
                intimidation,
                False if withdrawn else rng.choice([True, True, None]),
                (start + (end - start) / 2) if withdrawn else None,
            )
        )


def _with_appeal(o: SimOutcome, result: str, on: date) -> SimOutcome:
    return replace(o, appeal_result=result, appeal_on=on)


def generate_history(
    seed: int,
    n_cases: int = 300,
    start_year: int = 2019,
    end_year: int = 2026,
    as_of: date | None = None,
) -> HistoryData:
    """A deterministic history of ``n_cases`` cases opened from ``start_year`` until
    ``as_of`` (default: 30 June of ``end_year``)."""
    if n_cases < 0:
        raise ValueError("n_cases must not be negative")
    if end_year < start_year:
        raise ValueError("end_year is before start_year")
    as_of = as_of or date(end_year, 6, 30)
    first = date(start_year, 1, 1)
    last_open = as_of - timedelta(days=14)
    if last_open <= first:
        raise ValueError("as_of leaves no time to open cases")
    rng = random.Random(seed)
    data = HistoryData(seed=seed, as_of=as_of)
    span = (last_open - first).days
    openings = sorted(first + timedelta(days=rng.randint(0, span)) for _ in range(n_cases))
    builder = _Builder(rng, data)
    for key, opened in enumerate(openings, start=1):
        builder.case(key, opened)
    return data
