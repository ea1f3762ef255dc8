"""Each money pattern is found on a planted example and not on its near miss."""

from __future__ import annotations

from collections.abc import Callable

from palermo.analysis.data import CaseData, Person
from palermo.analysis.patterns import PatternHit, detect_patterns

Make = Callable[..., CaseData]


def _hits(case: CaseData, name: str) -> list[PatternHit]:
    return detect_patterns(case, patterns=[name])


def _days(start: int, n: int, step: int = 1) -> list[str]:
    return [f"2024-03-{start + i * step:02d}" for i in range(n)]


def test_fan_in_planted_and_near_misses(pay_case: Make) -> None:
    planted = [(f"t{i}", d, f"S{i}", "Z", 300.0) for i, d in enumerate(_days(1, 5))]
    hits = _hits(pay_case(planted), "fan_in")
    assert len(hits) == 1
    h = hits[0]
    assert h.account == "account:Z" and sorted(h.transactions) == [f"t{i}" for i in range(5)]
    assert "5 different accounts paid account:Z" in h.why and h.total == 1500.0
    three = planted[:3]
    assert _hits(pay_case(three), "fan_in") == []
    spread = [(f"t{i}", f"2024-{1 + 2 * i:02d}-01", f"S{i}", "Z", 300.0) for i in range(5)]
    assert _hits(pay_case(spread), "fan_in") == []  # one every two months
    retail = [(f"t{i}", d, f"S{i}", "Z", 12.5) for i, d in enumerate(_days(1, 5))]
    assert _hits(pay_case(retail), "fan_in") == []  # small purchases at a shop


def test_fan_out_planted_and_near_miss(pay_case: Make) -> None:
    planted = [(f"t{i}", d, "Z", f"D{i}", 800.0) for i, d in enumerate(_days(1, 4))]
    assert [h.account for h in _hits(pay_case(planted), "fan_out")] == ["account:Z"]
    same_payee = [(f"t{i}", d, "Z", "D0", 800.0) for i, d in enumerate(_days(1, 4))]
    assert _hits(pay_case(same_payee), "fan_out") == []


def test_cycle_planted_and_near_misses(pay_case: Make) -> None:
    planted = [
        ("c1", "2024-03-01", "A", "B", 10_000.0),
        ("c2", "2024-03-02", "B", "C", 9_800.0),
        ("c3", "2024-03-03", "C", "A", 9_600.0),
        ("x1", "2024-03-02", "B", "Q", 9_700.0),  # a branch that does not come back
    ]
    hits = _hits(pay_case(planted), "cycle")
    assert len(hits) == 1
    assert sorted(hits[0].transactions) == ["c1", "c2", "c3"]
    assert "back to account:A in 3 payments" in hits[0].why
    skimmed = [*planted[:2], ("c3", "2024-03-03", "C", "A", 5_000.0)]
    assert _hits(pay_case(skimmed), "cycle") == []  # the last hop carries half
    late = [*planted[:2], ("c3", "2024-05-03", "C", "A", 9_600.0)]
    assert _hits(pay_case(late), "cycle") == []  # outside the 14-day window
    backwards = [("c1", "2024-03-03", "A", "B", 10_000.0), *planted[1:3]]
    assert _hits(pay_case(backwards), "cycle") == []  # not in time order


def test_scatter_gather_planted_and_near_miss(pay_case: Make) -> None:
    rows = []
    for i in range(3):
        rows.append((f"s{i}", "2024-03-01", "A", f"M{i}", 3_000.0))
        rows.append((f"g{i}", "2024-03-03", f"M{i}", "C", 2_950.0))
    hits = _hits(pay_case(rows), "scatter_gather")
    assert len(hits) == 1 and hits[0].account == "account:C"
    assert len(hits[0].transactions) == 6
    assert "paid 3 intermediaries" in hits[0].why
    assert _hits(pay_case(rows[:4]), "scatter_gather") == []  # only two intermediaries


def test_gather_scatter_planted_and_near_miss(pay_case: Make) -> None:
    ins = [(f"i{i}", "2024-03-01", f"S{i}", "H", 500.0) for i in range(3)]
    outs = [(f"o{i}", "2024-03-02", "H", f"D{i}", 450.0) for i in range(3)]
    hits = _hits(pay_case(ins + outs), "gather_scatter")
    assert len(hits) == 1 and len(hits[0].transactions) == 6
    late = [(f"o{i}", "2024-06-02", "H", f"D{i}", 450.0) for i in range(3)]
    assert _hits(pay_case(ins + late), "gather_scatter") == []


def test_funnel_account_planted_and_near_miss(pay_case: Make) -> None:
    rows = [(f"d{i}", f"2024-03-{1 + i * 5:02d}", "", "F", 900.0) for i in range(3)]
    rows.append(("w1", "2024-03-20", "F", "", 700.0))
    refs = [
        "cash deposit Huelva branch",
        "cash deposit Lepe branch",
        "cash deposit Almeria branch",
        "ATM",
    ]
    countries = (["ES", "ES", "ES", "ES"], ["ES", "ES", "ES", "RO"])
    hits = _hits(
        pay_case(rows, channel="cash", references=refs, countries=countries), "funnel_account"
    )
    assert len(hits) == 1
    assert "3 places" in hits[0].why and "RO" in hits[0].why
    assert hits[0].account == "account:F"
    assert "cash:out:RO" in hits[0].accounts
    one_branch = ["cash deposit Huelva branch"] * 3 + ["ATM"]
    assert (
        _hits(
            pay_case(rows, channel="cash", references=one_branch, countries=countries),
            "funnel_account",
        )
        == []
    )
    at_home = (["ES"] * 4, ["ES"] * 4)
    assert (
        _hits(pay_case(rows, channel="cash", references=refs, countries=at_home), "funnel_account")
        == []
    )  # withdrawn where it was deposited


def test_structuring_planted_and_near_misses(pay_case: Make) -> None:
    rows = [(f"s{i}", d, "", "K", 9_500.0) for i, d in enumerate(_days(1, 3, 2))]
    hits = _hits(pay_case(rows, channel="cash", currency="USD"), "structuring")
    assert len(hits) == 1 and len(hits[0].transactions) == 3
    assert "just under the 10,000 USD reporting threshold" in hits[0].why
    spread = [
        (f"s{i}", d, "", "K", 9_500.0)
        for i, d in enumerate(["2024-01-01", "2024-02-01", "2024-03-01"])
    ]
    assert _hits(pay_case(spread, channel="cash", currency="USD"), "structuring") == []
    low = [(f"s{i}", d, "", "K", 7_000.0) for i, d in enumerate(_days(1, 3, 2))]
    assert _hits(pay_case(low, channel="cash", currency="USD"), "structuring") == []
    over = [(f"s{i}", d, "", "K", 10_000.0) for i, d in enumerate(_days(1, 3, 2))]
    assert _hits(pay_case(over, channel="cash", currency="USD"), "structuring") == []
    assert _hits(pay_case(rows, channel="bank", currency="USD"), "structuring") == []
    assert _hits(pay_case(rows, channel="cash", currency="JPY"), "structuring") == []


def test_advertising_payments(pay_case: Make) -> None:
    rows = [(f"a{i}", d, "X", "SITE", 40.0) for i, d in enumerate(_days(1, 3, 7))]
    names = ["SkipTheGames LLC"] * 3
    hits = _hits(pay_case(rows, channel="card", payee_names=names), "advertising")
    assert len(hits) == 1 and hits[0].account == "account:X"
    assert "SkipTheGames LLC" in hits[0].why
    assert _hits(pay_case(rows[:2], channel="card", payee_names=names[:2]), "advertising") == []
    grocer = ["Green Grocer"] * 3
    assert _hits(pay_case(rows, channel="card", payee_names=grocer), "advertising") == []


def test_rent_for_many(pay_case: Make) -> None:
    rows = [(f"r{i}", "2024-03-01", "BIZ", "LANDLORD", 450.0) for i in range(3)]
    refs = ["Rent room 11 - Ana", "Rent room 12 - Bea", "Rent room 13 - Cat"]
    hits = _hits(pay_case(rows, references=refs), "rent_for_many")
    assert len(hits) == 1 and "3 different references" in hits[0].why
    same = ["Rent March"] * 3
    assert _hits(pay_case(rows, references=same), "rent_for_many") == []  # one flat


def test_prepaid_card_topups(pay_case: Make) -> None:
    rows = [(f"p{i}", d, "M", "ISSUER", 200.0) for i, d in enumerate(_days(1, 3, 10))]
    names = ["ReloadIt Prepaid Cards"] * 3
    assert len(_hits(pay_case(rows, channel="card", payee_names=names), "prepaid_cards")) == 1
    assert _hits(pay_case(rows[:2], channel="card", payee_names=names[:2]), "prepaid_cards") == []


def test_payments_to_an_official(pay_case: Make) -> None:
    people = [
        Person("O", "Otto", "official", accounts=("AO",)),
        Person("S", "Sam", "suspect", accounts=("AS",)),
    ]
    rows = [("b1", "2024-03-01", "AS", "AO", 500.0), ("n1", "2024-03-01", "AS", "AN", 500.0)]
    hits = _hits(pay_case(rows, people=people), "official_payment")
    assert len(hits) == 1 and hits[0].transactions == ["b1"]
    assert "Otto, a public official" in hits[0].why
