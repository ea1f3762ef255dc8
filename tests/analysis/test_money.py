"""Flow tracing (pro-rata by running balance) adds up; accounts, owners and proceeds."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from palermo.analysis.data import CaseData, Person
from palermo.analysis.money import accounts, proceeds, trace

Make = Callable[..., CaseData]

MIXED = [
    ("t0", "2024-03-01", "X", "A", 300.0),  # other money in A first
    ("t1", "2024-03-02", "S", "A", 100.0),  # the traced money
    ("t2", "2024-03-03", "A", "B", 200.0),
    ("t3", "2024-03-04", "A", "C", 200.0),
]


def test_forward_trace_splits_pro_rata_and_adds_up(pay_case: Make) -> None:
    case = pay_case(MIXED, countries=(["ES", "ES", "ES", "ES"], ["ES", "ES", "FR", "RO"]))
    tr = trace(case, ["account:S"])
    assert tr.total == 100.0
    # A holds 400 with 100 traced; paying 200 of 400 carries 50, then 200 of 200 the rest.
    assert tr.tx_amounts == pytest.approx({"t1": 100.0, "t2": 50.0, "t3": 50.0})
    assert tr.ends == pytest.approx({"account:B": 50.0, "account:C": 50.0})
    for table in (tr.by_counterpart, tr.by_holder, tr.by_country):
        assert sum(r.amount for r in table) == pytest.approx(tr.total)
    assert {r.key: r.amount for r in tr.by_country} == {"FR": 50.0, "RO": 50.0}
    assert [(r.key, r.amount) for r in tr.by_counterpart] == [("account:A", 100.0)]
    sk = tr.sankey()
    labels = [n["id"] for n in sk["nodes"]]
    assert sum(lk["value"] for lk in sk["links"] if labels[lk["source"]] == "account:S") == 100


def test_backward_trace_attributes_to_earlier_inflows(pay_case: Make) -> None:
    case = pay_case(MIXED)
    tr = trace(case, ["account:C"], direction="backward")
    assert tr.total == 200.0
    # C's 200 came from A, whose earlier inflows were 300 (X) and 100 (S): 150 and 50.
    assert tr.ends == pytest.approx({"account:X": 150.0, "account:S": 50.0})
    assert sum(r.amount for r in tr.by_holder) == pytest.approx(200.0)


def test_window_hops_and_small_amounts_keep_totals(pay_case: Make) -> None:
    rows = [
        ("a", "2024-03-01", "S", "A", 1000.0),
        ("b", "2024-03-02", "A", "B", 1000.0),
        ("c", "2024-03-03", "B", "C", 1000.0),
        ("d", "2024-04-03", "C", "D", 1000.0),
    ]
    case = pay_case(rows)
    assert trace(case, ["account:S"]).ends == {"account:D": 1000.0}
    one_hop = trace(case, ["account:S"], max_hops=1)
    assert one_hop.ends == {"account:A": 1000.0}
    in_march = trace(case, ["account:S"], end="2024-04-01")
    assert in_march.ends == {"account:C": 1000.0}
    assert trace(case, ["account:S"], start="2024-03-02").total == 0.0


def test_trace_from_a_person_uses_all_their_accounts_and_names_holders(pay_case: Make) -> None:
    people = [
        Person("V", "Vera", "victim", accounts=("V1", "V2")),
        Person("S", "Stan", "suspect", accounts=("S1",)),
    ]
    rows = [
        ("a", "2024-03-01", "V1", "S1", 100.0),
        ("b", "2024-03-02", "V2", "S1", 50.0),
        ("c", "2024-03-03", "V1", "V2", 10.0),
    ]
    case = pay_case(rows, people=people)
    tr = trace(case, ["V"])
    assert tr.total == 150.0  # the transfer between her own accounts is not counted
    assert [(r.key, r.label, r.amount) for r in tr.by_holder] == [("person:S", "Stan", 150.0)]
    with pytest.raises(KeyError):
        trace(case, ["nobody"])
    owners = {a.key: (a.owner_name, a.owner_kind) for a in accounts(case)}
    assert owners["account:V2"] == ("Vera", "victim")


def test_cash_pickups_are_nodes(pay_case: Make) -> None:
    rows = [("d", "2024-03-01", "", "A", 500.0), ("w", "2024-03-02", "A", "", 500.0)]
    case = pay_case(rows, channel="cash", countries=(["ES", "ES"], ["ES", "MA"]))
    tr = trace(case, ["account:A"])
    assert tr.ends == {"cash:out:MA": 500.0}
    back = trace(case, ["account:A"], direction="backward")
    assert back.ends == {"cash:in:ES": 500.0}


def test_proceeds_per_suspect_from_each_victim(ring_case: CaseData) -> None:
    rep = proceeds(ring_case)
    # V1 and V2 paid X 1,000 and 800 directly; X's later payments pass shares on to M and O.
    x_rows = {r.victim: r for r in rep.rows if r.suspect == "X"}
    assert x_rows["V1"].direct == 1000.0 and x_rows["V1"].traced == 1000.0
    assert x_rows["V2"].traced == 800.0
    assert rep.per_victim == {"V1": 1000.0, "V2": 800.0}
    assert rep.gross_gain("X") == pytest.approx(1800.0)
    # X had 1,800 in and paid 1,500 to M, so M received 1500/1800 of the victims' money
    assert rep.gross_gain("M") == pytest.approx(1500.0)


def test_prepared_window_gives_the_same_trace(pay_case: Make) -> None:
    from palermo.analysis.money import prepare

    case = pay_case(MIXED)
    pre = prepare(case, "backward")
    again = trace(case, ["account:C"], prepared=pre)
    assert again.direction == "backward"
    assert again.ends == trace(case, ["account:C"], direction="backward").ends
