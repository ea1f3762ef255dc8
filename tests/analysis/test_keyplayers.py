"""Key players: a broker between two groups outranks members; explanations say why."""

from __future__ import annotations

import itertools

from palermo.analysis.data import CaseBuilder, CaseData, Person
from palermo.analysis.graph import build_graph
from palermo.analysis.keyplayers import key_players


def _two_groups_and_a_broker() -> CaseData:
    b = CaseBuilder()
    names = [f"A{i}" for i in range(5)] + [f"B{i}" for i in range(5)] + ["K"]
    for n in names:
        b.add_person(Person(n, n, "suspect", phones=(f"+{n}",)))
    calls = []
    for group in ("A", "B"):
        for i, j in itertools.combinations(range(5), 2):
            calls.append((f"+{group}{i}", f"+{group}{j}"))
            calls.append((f"+{group}{j}", f"+{group}{i}"))
    calls += [("+K", "+A0"), ("+K", "+B0")]
    ids = [f"c{i}" for i in range(len(calls))]
    b.add_calls(ids, ["2024-01-01"] * len(calls), [c[0] for c in calls], [c[1] for c in calls])
    return b.build()


def test_broker_between_groups_ranks_first_with_explanations() -> None:
    case = _two_groups_and_a_broker()
    rep = key_players(build_graph(case, collapse=True), top=11)
    assert rep.betweenness_method == "exact"
    assert rep.n_groups >= 2
    # K lies on all 25 shortest paths between the groups; A0 and B0 on 24 each.
    best_btw = max(rep.players, key=lambda p: p.betweenness)
    assert best_btw.key == "person:K"
    assert {p.key for p in rep.players[:3]} == {"person:K", "person:A0", "person:B0"}
    k = next(p for p in rep.players if p.key == "person:K")
    assert k.degree == 2
    assert k.betweenness == 25 / 55  # 25 of the 55 pairs of other nodes
    assert any("shortest paths" in e for e in k.explanations)
    assert any("the only link between its group" in e or "reaches" in e for e in k.explanations)


def test_sampled_betweenness_is_used_on_big_graphs() -> None:
    case = _two_groups_and_a_broker()
    rep = key_players(build_graph(case, collapse=True), exact_limit=5, samples=4, seed=1)
    assert rep.betweenness_method == "sampled from 4 random sources"
    assert len(rep.players) == 11


def test_sole_bridge_is_counted() -> None:
    case = _two_groups_and_a_broker()
    rep = key_players(build_graph(case, collapse=True), top=11)
    by_key = {p.key: p for p in rep.players}
    # Whatever group K joins, it is the only link from that group to the other one.
    assert (
        by_key["person:K"].sole_bridges
        + by_key["person:A0"].sole_bridges
        + by_key["person:B0"].sole_bridges
        >= 1
    )
    assert all(by_key[f"person:A{i}"].sole_bridges == 0 for i in range(1, 5))
    assert all(by_key[f"person:A{i}"].groups_reached == 0 for i in range(1, 5))


def test_unowned_hubs_are_left_out_and_listed() -> None:
    b = CaseBuilder()
    for n in ("A", "B", "C"):
        b.add_person(Person(n, n, "suspect", phones=(f"+{n}",)))
    # Everyone calls the same unowned number (a taxi firm); A and B also call each other.
    callers = ["+A", "+B", "+C", "+A"]
    callees = ["+TAXI", "+TAXI", "+TAXI", "+B"]
    b.add_calls([f"c{i}" for i in range(4)], ["2024-01-01"] * 4, callers, callees)
    g = build_graph(b.build(), collapse=True)
    with_hub = key_players(g, hub_degree=None)
    assert {p.key for p in with_hub.players} == {"person:A", "person:B", "person:C"}
    rep = key_players(g, hub_degree=2)
    assert rep.hubs == [("phone:+TAXI", 3)]
    assert {p.key for p in rep.players} == {"person:A", "person:B"}  # C only touched the hub
