from datetime import date
from decimal import Decimal

import pytest

from palermo.caseload import stats
from palermo.caseload.benchmarks import load_benchmarks
from palermo.caseload.records import CaseInfo, OutcomeInfo, PersonInfo, StatuteRange

CASES = [
    CaseInfo(
        1,
        "A",
        "closed",
        opened_on=date(2020, 1, 1),
        charged_on=date(2020, 3, 1),
        typology="sexual_exploitation",
    ),
    CaseInfo(
        2,
        "B",
        "closed",
        opened_on=date(2020, 5, 1),
        charged_on=date(2021, 1, 1),
        typology="forced_labour",
    ),
    CaseInfo(
        3,
        "C",
        "trial",
        opened_on=date(2021, 2, 1),
        charged_on=date(2021, 6, 1),
        typology="forced_labour",
    ),
    CaseInfo(
        4,
        "D",
        "closed",
        opened_on=date(2021, 1, 1),
        charged_on=None,
        typology="sexual_exploitation",
    ),
]
D = Decimal
OUTCOMES = [
    # case 1, person 10: convicted on two charges; custodial 120 and an acquittal
    OutcomeInfo(
        1,
        10,
        "convicted",
        "us-18-1591",
        date(2021, 3, 1),
        custodial_months=120,
        restitution_requested=D(5000),
        restitution_ordered=D(4000),
        restitution_paid=D(1000),
    ),
    OutcomeInfo(1, 10, "acquitted", "us-18-1589", date(2021, 3, 1)),
    # case 1, person 11: acquitted
    OutcomeInfo(1, 11, "acquitted", "us-18-1591", date(2021, 3, 1)),
    # case 2, person 20: convicted, suspended; person 21: fine only
    OutcomeInfo(2, 20, "convicted", "uk-msa-s1", date(2022, 7, 1), suspended_months=24),
    OutcomeInfo(
        2,
        21,
        "convicted",
        "uk-msa-s1",
        date(2022, 7, 1),
        fine_amount=D(2000),
        fine_currency="GBP",
        restitution_requested=D(300),
    ),
    # case 2, person 22: dismissed
    OutcomeInfo(2, 22, "dismissed", "uk-msa-s1", date(2022, 5, 1)),
    # case 3: pending
    OutcomeInfo(3, 30, "pending", "uk-msa-s2"),
    # case 4: convicted after plea, custodial 30 (no charge date: opened 2021-01-01)
    OutcomeInfo(4, 40, "convicted", "uk-msa-s2", date(2021, 11, 1), custodial_months=30),
]


def test_percentile_linear() -> None:
    assert stats.percentile([], 50) is None
    assert stats.percentile([10], 90) == 10
    # positions: (4-1)*0.9 = 2.7 -> 30 + 0.7*(40-30) = 37
    assert stats.percentile([40, 10, 30, 20], 90) == pytest.approx(37)
    assert stats.percentile([1, 2, 3, 4], 50) == 2.5


def test_conviction_rate_per_defendant() -> None:
    # defendants: (1,10) conv, (1,11) acq, (2,20) conv, (2,21) conv, (2,22) dism,
    # (3,30) pending, (4,40) conv -> 4 convicted of 6 decided
    rate = stats.conviction_rate(OUTCOMES)
    assert (rate.numerator, rate.denominator) == (4, 6)
    assert str(rate) == "4 of 6 (67%)"
    assert stats.verdict_counts(OUTCOMES) == {
        "convicted": 4,
        "acquitted": 1,
        "dismissed": 1,
        "pending": 1,
    }


def test_time_to_disposition() -> None:
    # case 1: 2020-03-01 -> 2021-03-01 = 365; case 2: 2021-01-01 -> 2022-05-01 (first
    # verdict, the dismissal) = 485; case 4: 2021-01-01 -> 2021-11-01 = 304; case 3 pending
    assert stats.disposition_days(CASES, OUTCOMES) == {1: 365, 2: 485, 4: 304}
    d = stats.time_to_disposition(CASES, OUTCOMES)
    assert d.n == 3 and d.median_days == 365
    # sorted 304, 365, 485; p90 position 1.8 -> 365 + 0.8*120 = 461
    assert d.p90_days == pytest.approx(461)


def test_sentence_mix_by_statute_and_typology() -> None:
    by_statute = {m.group: m for m in stats.sentence_mix(OUTCOMES)}
    assert set(by_statute) == {"us-18-1591", "uk-msa-s1", "uk-msa-s2"}
    s1 = by_statute["uk-msa-s1"]
    assert s1.n == 2 and s1.counts == {"custodial": 0, "suspended": 1, "fine_only": 1, "other": 0}
    assert s1.non_custodial_share == 1.0
    assert s1.median_custodial_months is None
    all_mix = stats.sentence_mix(OUTCOMES, by="all")[0]
    # convicted outcomes: 120 custodial, suspended, fine, 30 custodial
    assert all_mix.n == 4 and all_mix.share("custodial") == 0.5
    assert all_mix.median_custodial_months == 75
    typ = {
        m.group: m
        for m in stats.sentence_mix(OUTCOMES, by="typology", cases={c.id: c for c in CASES})
    }
    assert typ["forced_labour"].n == 2 and typ["sexual_exploitation"].n == 2
    with pytest.raises(ValueError):
        stats.sentence_mix(OUTCOMES, by="colour")


def test_restitution_rates() -> None:
    r = stats.restitution(OUTCOMES)
    # convicted defendants: 10, 20, 21, 40; requested for 10 and 21; ordered for 10
    assert (r.convicted_defendants, r.requested, r.ordered, r.ordered_when_requested) == (
        4,
        2,
        1,
        1,
    )
    assert r.request_rate == 0.5 and r.award_rate == 0.25 and r.award_rate_when_requested == 0.5
    assert (r.amount_requested, r.amount_ordered, r.amount_paid) == (D(5300), D(4000), D(1000))


def test_compare_with_statutes_flags_above_max() -> None:
    ranges = {
        "us-18-1591": StatuteRange("us-18-1591", 120, None),
        "uk-msa-s2": StatuteRange("uk-msa-s2", 0, 24),
    }
    table, issues = stats.compare_with_statutes(OUTCOMES, ranges)
    rows = {r.statute_id: r for r in table}
    assert (rows["us-18-1591"].n, rows["us-18-1591"].within) == (1, 1)
    assert (rows["uk-msa-s2"].n, rows["uk-msa-s2"].above_max) == (1, 1)
    assert [(i.record, i.field) for i in issues] == [("outcome for person 40", "custodial_months")]
    assert "30 months is above the maximum of 24 months for uk-msa-s2" in issues[0].message


def test_benchmark_files_load_and_compare() -> None:
    b = load_benchmarks()
    assert set(b) >= {"us", "uk"}
    for s in b.values():
        assert "rape" in s.crimes and "kidnapping" in s.crimes
        assert "not checked" in s.source or s.checked
    comp = {(c.statute_id, c.crime): c for c in stats.compare_with_benchmarks(OUTCOMES, b)}
    us_rape = comp[("us-18-1591", "rape")]
    assert us_rape.n == 1 and us_rape.median_custodial_months == 120
    assert us_rape.below_low == (1 if b["us"].crimes["rape"].low_months > 120 else 0)
    uk = comp[("uk-msa-s1", "rape")]
    # suspended and fine-only count as 0 months: both below any positive benchmark
    assert uk.n == 2 and uk.below_low == 2 and uk.below_low_share == 1.0


def test_form_of_exploitation() -> None:
    assert stats.form_of_exploitation("escort_ads") == "Sexual exploitation"
    assert stats.form_of_exploitation("forced_labour") == "Forced labour"
    assert stats.form_of_exploitation("domestic_servitude") == "Forced labour"
    assert stats.form_of_exploitation("organ removal") == "Other forms of exploitation"
    assert stats.form_of_exploitation(None) == "Other forms of exploitation"


PERSONS = [
    PersonInfo(100, 1, "victim", "female", True),
    PersonInfo(101, 1, "victim", "female", False),
    PersonInfo(200, 2, "victim", "male", False),
    PersonInfo(201, 2, "victim", None, None),
    PersonInfo(300, 3, "victim", "M", False),
    PersonInfo(10, 1, "suspect", "male"),
    PersonInfo(11, 1, "suspect", "female"),
    PersonInfo(20, 2, "suspect", "male"),
    PersonInfo(21, 2, "suspect", "male"),
    PersonInfo(22, 2, "suspect", "female"),
    PersonInfo(30, 3, "suspect", "male"),
    PersonInfo(40, 4, "suspect", "female"),
]


def test_tip_table() -> None:
    rows = {r.year: r for r in stats.tip_table(CASES, OUTCOMES, PERSONS)}
    # prosecutions by charge year: 2020 case 1 (10, 11) = 2; 2021 case 2 (20, 21, 22) and
    # case 3 (30) = 4, all labour; case 4 has no charge date -> not counted
    # convictions by first conviction year: 2021: 10 (case 1), 40 (case 4); 2022: 20, 21
    # victims by opening year: 2020: case 1 (2) + case 2 (2) = 4, 2 labour; 2021: case 3 = 1
    assert rows[2020] == stats.TipRow(2020, 2, 0, 0, 0, 4, 2)
    assert rows[2021] == stats.TipRow(2021, 4, 4, 2, 0, 1, 1)
    assert rows[2022] == stats.TipRow(2022, 0, 0, 2, 2, 0, 0)
    assert rows[2021].labor_share_prosecutions == 1.0


def test_glotip_breakdowns() -> None:
    v = stats.glotip_breakdown(CASES, PERSONS)
    assert v.total == 5
    assert v.by_sex == {"Female": 2, "Male": 2, "Unknown": 1}
    assert v.by_age == {"0 to 17 years": 1, "18 years or over": 3, "Unknown": 1}
    assert v.by_form == {"Sexual exploitation": 2, "Forced labour": 3}
    assert v.by_sex_age[("Female", "0 to 17 years")] == 1
    c = stats.glotip_breakdown(CASES, PERSONS, OUTCOMES, indicator="Persons convicted")
    # convicted 10 (m), 20 (m), 21 (m), 40 (f)
    assert c.total == 4 and c.by_sex == {"Male": 3, "Female": 1}
    p = stats.glotip_breakdown(CASES, PERSONS, indicator="Persons prosecuted")
    assert p.total == 6  # case 4 has no charge date
    with pytest.raises(ValueError):
        stats.glotip_breakdown(CASES, PERSONS, indicator="Persons arrested")
