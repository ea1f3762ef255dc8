"""Outcome statistics: conviction rate, time to disposition, sentence mix, restitution,
sentences against the statute range and benchmark crimes, TIP- and GLOTIP-style tables.

Definitions (also shown next to the figures in the UI):

* A *defendant* is a (case, person) pair. Their result is ``convicted`` if any charge
  ended in a conviction, ``pending`` if every charge is pending, otherwise not convicted.
* *Conviction rate* = convicted defendants / defendants with a decision (pending excluded).
* *Time to disposition* = days from the charge (or the opening, if no charge date) to the
  first verdict in the case; percentiles interpolate linearly (numpy's default).
* *Sentence type* of a convicted outcome: ``custodial`` if any months to serve;
  otherwise ``suspended`` if suspended months; otherwise ``fine_only`` if a fine;
  otherwise ``other`` (e.g. probation only, or no sentence recorded yet).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from palermo.caseload.benchmarks import BenchmarkSet
from palermo.caseload.records import CaseInfo, Issue, OutcomeInfo, PersonInfo, StatuteRange
from palermo.store.models.caseload import Verdict

CONVICTED = Verdict.CONVICTED.value
PENDING = Verdict.PENDING.value
SENTENCE_TYPES = ("custodial", "suspended", "fine_only", "other")


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation percentile (``q`` in 0..100); ``None`` for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def defendant_results(outcomes: Iterable[OutcomeInfo]) -> dict[tuple[int, int], str]:
    """(case_id, person_id) -> convicted | pending | the first non-convicting verdict."""
    grouped: dict[tuple[int, int], list[str]] = defaultdict(list)
    for o in outcomes:
        grouped[(o.case_id, o.person_id)].append(o.verdict)
    result = {}
    for key, verdicts in grouped.items():
        if CONVICTED in verdicts:
            result[key] = CONVICTED
        elif all(v == PENDING for v in verdicts):
            result[key] = PENDING
        else:
            result[key] = next(v for v in verdicts if v != PENDING)
    return result


@dataclass(frozen=True, slots=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def __str__(self) -> str:
        v = self.value
        return "n/a" if v is None else f"{self.numerator} of {self.denominator} ({v:.0%})"


Results = Mapping[tuple[int, int], str]


def conviction_rate(outcomes: Iterable[OutcomeInfo], results: Results | None = None) -> Rate:
    """``results``: :func:`defendant_results` of the same outcomes, if already computed."""
    results = defendant_results(outcomes) if results is None else results
    decided = [r for r in results.values() if r != PENDING]
    return Rate(sum(1 for r in decided if r == CONVICTED), len(decided))


def verdict_counts(
    outcomes: Iterable[OutcomeInfo], results: Results | None = None
) -> dict[str, int]:
    """Defendants by result (see :func:`defendant_results`)."""
    results = defendant_results(outcomes) if results is None else results
    return dict(Counter(results.values()))


@dataclass(frozen=True, slots=True)
class Durations:
    n: int
    median_days: float | None
    p90_days: float | None
    mean_days: float | None


def disposition_days(cases: Iterable[CaseInfo], outcomes: Iterable[OutcomeInfo]) -> dict[int, int]:
    """case_id -> days from charge (or opening) to the first verdict."""
    first: dict[int, date] = {}
    for o in outcomes:
        if o.verdict != PENDING and o.verdict_on is not None:
            d = first.get(o.case_id)
            if d is None or o.verdict_on < d:
                first[o.case_id] = o.verdict_on
    out = {}
    for c in cases:
        start = c.charged_on or c.opened_on
        end = first.get(c.id)
        if start is not None and end is not None:
            out[c.id] = (end - start).days
    return out


def time_to_disposition(cases: Iterable[CaseInfo], outcomes: Iterable[OutcomeInfo]) -> Durations:
    days = list(disposition_days(cases, outcomes).values())
    return Durations(
        n=len(days),
        median_days=percentile(days, 50),
        p90_days=percentile(days, 90),
        mean_days=(sum(days) / len(days)) if days else None,
    )


def sentence_type(o: OutcomeInfo) -> str:
    if o.custodial_months and o.custodial_months > 0:
        return "custodial"
    if o.suspended_months and o.suspended_months > 0:
        return "suspended"
    if o.fine_amount and o.fine_amount > 0:
        return "fine_only"
    return "other"


@dataclass(frozen=True, slots=True)
class SentenceMix:
    """Sentence types among convicted outcomes of one group (a statute, a typology, all)."""

    group: str
    n: int
    counts: dict[str, int]
    median_custodial_months: float | None
    p90_custodial_months: float | None
    # Mean of the same terms as the median (custodial months above zero).
    mean_custodial_months: float | None = None

    def share(self, kind: str) -> float | None:
        return self.counts.get(kind, 0) / self.n if self.n else None

    @property
    def non_custodial_share(self) -> float | None:
        return (self.n - self.counts.get("custodial", 0)) / self.n if self.n else None


def _mix(group: str, rows: Sequence[OutcomeInfo]) -> SentenceMix:
    counts = Counter(sentence_type(o) for o in rows)
    months = [float(o.custodial_months) for o in rows if o.custodial_months]
    return SentenceMix(
        group=group,
        n=len(rows),
        counts={k: counts.get(k, 0) for k in SENTENCE_TYPES},
        median_custodial_months=percentile(months, 50),
        p90_custodial_months=percentile(months, 90),
        mean_custodial_months=sum(months) / len(months) if months else None,
    )


def sentence_mix(
    outcomes: Iterable[OutcomeInfo],
    by: str = "statute",
    cases: Mapping[int, CaseInfo] | None = None,
) -> list[SentenceMix]:
    """Sentence mix of convicted outcomes grouped ``by`` statute, typology or ``all``.

    Grouping by typology needs ``cases`` (case_id -> CaseInfo). Groups sorted by name;
    a missing statute or typology is grouped as ``"unknown"``.
    """
    grouped: dict[str, list[OutcomeInfo]] = defaultdict(list)
    for o in outcomes:
        if o.verdict != CONVICTED:
            continue
        if by == "statute":
            key = o.statute_id or "unknown"
        elif by == "typology":
            case = (cases or {}).get(o.case_id)
            key = (case.typology if case else None) or "unknown"
        elif by == "all":
            key = "all"
        else:
            raise ValueError(f"unknown grouping {by!r}; use statute, typology or all")
        grouped[key].append(o)
    return [_mix(k, grouped[k]) for k in sorted(grouped)]


@dataclass(frozen=True, slots=True)
class Restitution:
    convicted_defendants: int
    requested: int
    ordered: int
    ordered_when_requested: int
    amount_requested: Decimal
    amount_ordered: Decimal
    amount_paid: Decimal

    @property
    def request_rate(self) -> float | None:
        return self.requested / self.convicted_defendants if self.convicted_defendants else None

    @property
    def award_rate(self) -> float | None:
        return self.ordered / self.convicted_defendants if self.convicted_defendants else None

    @property
    def award_rate_when_requested(self) -> float | None:
        return self.ordered_when_requested / self.requested if self.requested else None


def restitution(outcomes: Iterable[OutcomeInfo], results: Results | None = None) -> Restitution:
    """Request and award rates per convicted defendant (amounts summed over their charges)."""
    rows = list(outcomes)
    results = defendant_results(rows) if results is None else results
    per: dict[tuple[int, int], list[OutcomeInfo]] = defaultdict(list)
    for o in rows:
        if results[(o.case_id, o.person_id)] == CONVICTED:
            per[(o.case_id, o.person_id)].append(o)
    req = ordd = both = 0
    a_req = a_ord = a_paid = Decimal(0)
    for os_ in per.values():
        r = sum((o.restitution_requested or Decimal(0)) for o in os_)
        d = sum((o.restitution_ordered or Decimal(0)) for o in os_)
        p = sum((o.restitution_paid or Decimal(0)) for o in os_)
        req += r > 0
        ordd += d > 0
        both += r > 0 and d > 0
        a_req += r
        a_ord += d
        a_paid += p
    return Restitution(len(per), req, ordd, both, a_req, a_ord, a_paid)


@dataclass(frozen=True, slots=True)
class RangeComparison:
    statute_id: str
    min_months: int | None
    max_months: int | None
    n: int
    below_min: int
    within: int
    above_max: int


def compare_with_statutes(
    outcomes: Iterable[OutcomeInfo], ranges: Mapping[str, StatuteRange]
) -> tuple[list[RangeComparison], list[Issue]]:
    """Custodial terms of convicted outcomes against each statute's range.

    A term above the maximum is an error naming the outcome and ``custodial_months``;
    statutes without a known range are left out.
    """
    grouped: dict[str, list[OutcomeInfo]] = defaultdict(list)
    for o in outcomes:
        if o.verdict == CONVICTED and o.statute_id is not None and o.statute_id in ranges:
            grouped[o.statute_id].append(o)
    table: list[RangeComparison] = []
    issues: list[Issue] = []
    for sid in sorted(grouped):
        rng = ranges[sid]
        below = within = above = 0
        for o in grouped[sid]:
            months = o.custodial_months or 0
            if rng.max_months is not None and months > rng.max_months:
                above += 1
                rec = f"outcome {o.id}" if o.id else f"outcome for person {o.person_id}"
                issues.append(
                    Issue(
                        rec,
                        "custodial_months",
                        f"{months} months is above the maximum of "
                        f"{rng.max_months} months for {sid}",
                    )
                )
            elif rng.min_months is not None and months < rng.min_months:
                below += 1
            else:
                within += 1
        table.append(
            RangeComparison(
                sid, rng.min_months, rng.max_months, len(grouped[sid]), below, within, above
            )
        )
    return table, issues


@dataclass(frozen=True, slots=True)
class BenchmarkComparison:
    statute_id: str
    crime: str
    benchmark_low_months: int
    benchmark_typical_months: int
    n: int
    median_custodial_months: float | None  # over all convicted, non-custodial counted as 0
    below_low: int  # includes suspended, fine-only and other non-custodial sentences

    @property
    def below_low_share(self) -> float | None:
        return self.below_low / self.n if self.n else None


def compare_with_benchmarks(
    outcomes: Iterable[OutcomeInfo], benchmarks: Mapping[str, BenchmarkSet]
) -> list[BenchmarkComparison]:
    """Trafficking sentences against typical rape and kidnapping sentences.

    ``benchmarks`` maps a jurisdiction prefix (``us``, ``uk``) to its set; a statute
    ``us-18-1591`` is compared with the ``us`` set. Non-custodial sentences count as 0
    months: the TVPA minimum standard asks for prison commensurate with these crimes.
    """
    grouped: dict[str, list[OutcomeInfo]] = defaultdict(list)
    for o in outcomes:
        if o.verdict == CONVICTED and o.statute_id:
            grouped[o.statute_id].append(o)
    out: list[BenchmarkComparison] = []
    for sid in sorted(grouped):
        bset = benchmarks.get(sid.split("-", 1)[0])
        if bset is None:
            continue
        months = [float(o.custodial_months or 0) for o in grouped[sid]]
        for name in sorted(bset.crimes):
            crime = bset.crimes[name]
            out.append(
                BenchmarkComparison(
                    statute_id=sid,
                    crime=name,
                    benchmark_low_months=crime.low_months,
                    benchmark_typical_months=crime.typical_months,
                    n=len(months),
                    median_custodial_months=percentile(months, 50),
                    below_low=sum(1 for m in months if m < crime.low_months),
                )
            )
    return out


LABOUR_WORDS = (
    "labour",
    "labor",
    "domestic",
    "servitude",
    "begging",
    "agricultur",
    "fishing",
    "construction",
    "factory",
)
SEX_WORDS = ("sex", "prostitution", "brothel", "pornograph", "escort")


@lru_cache(maxsize=1024)
def form_of_exploitation(typology: str | None) -> str:
    """A case typology in GLOTIP's three forms."""
    t = (typology or "").lower()
    if any(w in t for w in SEX_WORDS):
        return "Sexual exploitation"
    if any(w in t for w in LABOUR_WORDS):
        return "Forced labour"
    return "Other forms of exploitation"


def is_labour(typology: str | None) -> bool:
    return form_of_exploitation(typology) == "Forced labour"


@dataclass(frozen=True, slots=True)
class TipRow:
    """One year in the shape of the TIP Report's global law enforcement table."""

    year: int
    prosecutions: int
    prosecutions_labor: int
    convictions: int
    convictions_labor: int
    victims_identified: int
    victims_identified_labor: int

    @property
    def labor_share_prosecutions(self) -> float | None:
        return self.prosecutions_labor / self.prosecutions if self.prosecutions else None


def tip_table(
    cases: Iterable[CaseInfo],
    outcomes: Iterable[OutcomeInfo],
    persons: Iterable[PersonInfo],
) -> list[TipRow]:
    """Per year: defendants prosecuted (year of the charge), convicted (year of the first
    conviction), victims identified (year the case opened); labour from the case typology."""
    case_map = {c.id: c for c in cases}
    rows: dict[int, list[int]] = defaultdict(lambda: [0] * 6)
    outcome_list = list(outcomes)
    defendants: set[tuple[int, int]] = {(o.case_id, o.person_id) for o in outcome_list}
    for p in persons:
        if p.kind == "suspect":
            c = case_map.get(p.case_id)
            if c is not None and c.charged_on is not None:
                defendants.add((p.case_id, p.person_id))
        elif p.kind == "victim":
            c = case_map.get(p.case_id)
            if c is not None and c.opened_on is not None:
                row = rows[c.opened_on.year]
                row[4] += 1
                row[5] += is_labour(c.typology)
    for case_id, _person in defendants:
        c = case_map.get(case_id)
        if c is not None and c.charged_on is not None:
            row = rows[c.charged_on.year]
            row[0] += 1
            row[1] += is_labour(c.typology)
    first_conviction: dict[tuple[int, int], date] = {}
    for o in outcome_list:
        if o.verdict == CONVICTED and o.verdict_on is not None:
            key = (o.case_id, o.person_id)
            if key not in first_conviction or o.verdict_on < first_conviction[key]:
                first_conviction[key] = o.verdict_on
    for (case_id, _person), on in first_conviction.items():
        row = rows[on.year]
        row[2] += 1
        c = case_map.get(case_id)
        row[3] += is_labour(c.typology if c else None)
    return [TipRow(y, *rows[y]) for y in sorted(rows)]


def age_group(is_minor: bool | None) -> str:
    if is_minor is None:
        return "Unknown"
    return "0 to 17 years" if is_minor else "18 years or over"


def sex_label(sex: str | None) -> str:
    s = (sex or "").strip().lower()
    return {"female": "Female", "f": "Female", "male": "Male", "m": "Male", "other": "Other"}.get(
        s, "Unknown"
    )


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Counts in GLOTIP's categories (Sex, Age, form of exploitation)."""

    indicator: str
    total: int
    by_sex: dict[str, int] = field(default_factory=dict)
    by_age: dict[str, int] = field(default_factory=dict)
    by_form: dict[str, int] = field(default_factory=dict)
    by_sex_age: dict[tuple[str, str], int] = field(default_factory=dict)


def glotip_breakdown(
    cases: Iterable[CaseInfo],
    persons: Iterable[PersonInfo],
    outcomes: Iterable[OutcomeInfo] | None = None,
    indicator: str = "Detected trafficking victims",
    results: Results | None = None,
) -> Breakdown:
    """Breakdown of victims (``Detected trafficking victims``), or of defendants
    (``Persons prosecuted``) or convicted persons (``Persons convicted``, needs ``outcomes``)."""
    case_map = {c.id: c for c in cases}
    people = list(persons)
    if indicator == "Detected trafficking victims":
        chosen = [p for p in people if p.kind == "victim"]
    elif indicator == "Persons prosecuted":
        chosen = [
            p
            for p in people
            if p.kind == "suspect"
            and (c := case_map.get(p.case_id)) is not None
            and c.charged_on is not None
        ]
    elif indicator == "Persons convicted":
        if results is None:
            results = defendant_results(outcomes or [])
        chosen = [p for p in people if results.get((p.case_id, p.person_id)) == CONVICTED]
    else:
        raise ValueError(f"unknown indicator {indicator!r}")
    by_sex: Counter[str] = Counter()
    by_age: Counter[str] = Counter()
    by_form: Counter[str] = Counter()
    by_sex_age: Counter[tuple[str, str]] = Counter()
    for p in chosen:
        s, a = sex_label(p.sex), age_group(p.is_minor)
        c = case_map.get(p.case_id)
        by_sex[s] += 1
        by_age[a] += 1
        by_sex_age[(s, a)] += 1
        by_form[form_of_exploitation(c.typology if c else None)] += 1
    return Breakdown(
        indicator, len(chosen), dict(by_sex), dict(by_age), dict(by_form), dict(by_sex_age)
    )
