"""Graph aggregation, collapsing identifiers to owners, time windows, JSON export."""

from __future__ import annotations

import numpy as np

from palermo.analysis.data import CaseBuilder, CaseData, Person
from palermo.analysis.graph import CaseGraph, build_graph, to_json


def _tiny() -> CaseData:
    b = CaseBuilder()
    b.add_person(Person("P1", "Ann", "suspect", phones=("+1",), accounts=("A1",)))
    b.add_person(Person("P2", "Bob", "victim", phones=("+2",)))
    b.add_calls(
        ["c1", "c2", "c3", "c4", "c5"],
        ["2024-01-01", "2024-01-02", "2024-03-01", "2024-03-02", "2024-02-01"],
        ["+1", "+1", "+1", "+2", "+1"],
        ["+2", "+2", "+2", "+1", "+3"],
    )
    b.add_payments(
        ["t1", "t2"], ["2024-01-05", "2024-02-05"], ["A1", "A1"], ["A9", "A9"], [100.0, 50.0]
    )
    return b.build()


def _edge(g: CaseGraph, case: CaseData, a: str, b: str) -> int:
    u, v = case.node(a), case.node(b)
    lo, hi = min(u, v), max(u, v)
    hit = np.flatnonzero((g.src == lo) & (g.dst == hi))
    assert len(hit) == 1, f"no single edge {a} - {b}"
    return int(hit[0])


def test_aggregates_one_edge_per_pair_with_counts_dates_and_amounts() -> None:
    case = _tiny()
    g = build_graph(case)
    # phone pairs {+1,+2} and {+1,+3}, one payment pair, two ownership edges... and A1
    assert g.n_edges == 2 + 1 + 3
    e = _edge(g, case, "phone:+1", "phone:+2")
    assert g.count[e] == 4
    assert g.edge_kinds(e) == ["call"]
    assert (g.first[e], g.last[e]) == (1704067200, 1709337600)  # 2024-01-01, 2024-03-02
    p = _edge(g, case, "account:A1", "account:A9")
    assert g.amount[p] == 150.0 and g.count[p] == 2
    assert g.counts_by_kind()["owns"] == 3  # P1-+1, P1-A1, P2-+2


def test_collapse_turns_phone_calls_into_person_edges() -> None:
    case = _tiny()
    g = build_graph(case, collapse=True)
    e = _edge(g, case, "person:P1", "person:P2")
    assert g.count[e] == 4
    _edge(g, case, "person:P1", "phone:+3")  # an unowned phone stays itself
    _edge(g, case, "person:P1", "account:A9")
    assert g.counts_by_kind()["owns"] == 0


def test_time_window_keeps_only_records_inside() -> None:
    case = _tiny()
    g = build_graph(case, collapse=True, start="2024-02-01", end="2024-03-01")
    e = _edge(g, case, "person:P1", "phone:+3")
    assert g.count[e] == 1
    p = _edge(g, case, "person:P1", "account:A9")
    assert g.amount[p] == 50.0
    pair = (g.src == case.node("person:P1")) & (g.dst == case.node("person:P2"))
    assert not pair.any()  # the calls on 1-2 Jan and 1-2 Mar are outside


def test_json_export_caps_nodes_by_importance_and_keeps_edges_among_them() -> None:
    case = _tiny()
    g = build_graph(case, collapse=True)
    full = to_json(g)
    assert full["total_nodes"] == 4 and not full["truncated"]
    capped = to_json(g, max_nodes=2, roles={"P1": "recruiter"})
    ids = {n["id"] for n in capped["nodes"]}
    assert ids == {"person:P1", "person:P2"}  # strength 6 and 4; +3 and A9 have 1 and 2
    assert capped["truncated"]
    assert all(e["source"] in ids and e["target"] in ids for e in capped["edges"])
    p1 = next(n for n in capped["nodes"] if n["id"] == "person:P1")
    assert p1["role"] == "recruiter" and p1["type"] == "person" and p1["label"] == "Ann"
    edge = capped["edges"][0]
    assert edge["weight"] == 4 and edge["kinds"] == ["call"] and edge["first"] == "2024-01-01"


def test_ring_case_graph_counts(ring_case: CaseData) -> None:
    g = build_graph(ring_case, collapse=True)
    x, k = ring_case.node("person:X"), ring_case.node("person:K")
    e = np.flatnonzero((g.src == min(x, k)) & (g.dst == max(x, k)))
    assert len(e) == 1 and g.count[e[0]] == 6  # the buyer's six calls to the advert phone
    assert g.kind_counts["trip"].sum() == 4  # two trips, each booked and paid by T
