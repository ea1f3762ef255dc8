"""Key players: contacts first, then records, then brokerage between equals (Burt's
constraint as shown, then betweenness); role evidence and money; explanations say why."""

from __future__ import annotations

import itertools

import numpy as np

from palermo.analysis.data import CaseBuilder, CaseData, Person
from palermo.analysis.graph import build_graph
from palermo.analysis.keyplayers import key_players, structural_key
from palermo.analysis.roles import RoleSuggestion


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
    # A0 and B0 have the most contacts (5) and bridge too: they lead; among the members
    # with 4 contacts none brokers, and K with 2 comes last but one is reached in 2 steps
    # by everyone.
    assert {p.key for p in rep.players[:2]} == {"person:A0", "person:B0"}
    k = next(p for p in rep.players if p.key == "person:K")
    assert k.degree == 2
    assert k.betweenness == 25 / 55  # 25 of the 55 pairs of other nodes
    assert any("shortest paths" in e for e in k.explanations)
    assert any("the only link between its group" in e or "reaches" in e for e in k.explanations)
    assert k.reach2 == 10  # everyone else within two steps
    assert any("within two steps" in e for e in k.explanations)


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


def _chain_with_equal_degrees() -> CaseData:
    """A path P1-P2-P3-P4-P5 and a triangle hanging off P3 (P3-T1, P3-T2, T1-T2): P2, P4,
    T1 and T2 all have two contacts; P2 and P4 broker between the ends and the rest."""
    b = CaseBuilder()
    names = ["P1", "P2", "P3", "P4", "P5", "T1", "T2"]
    for n in names:
        b.add_person(Person(n, n, "suspect", phones=(f"+{n}",), accounts=(f"AC{n}",)))
    ties = [("P1", "P2"), ("P2", "P3"), ("P3", "P4"), ("P4", "P5"), ("P3", "T1"), ("P3", "T2")]
    ties.append(("T1", "T2"))
    b.add_calls(
        [f"c{i}" for i in range(len(ties))],
        ["2024-01-01"] * len(ties),
        [f"+{a}" for a, _ in ties],
        [f"+{t}" for _, t in ties],
    )
    return b.build()


def test_brokerage_orders_people_with_as_many_contacts() -> None:
    rep = key_players(build_graph(_chain_with_equal_degrees(), collapse=True), top=7)
    order = [p.key.removeprefix("person:") for p in rep.players]
    assert order[0] == "P3"  # four contacts
    # P2 and P4 (two contacts, who do not know each other's contacts: brokers) before T1
    # and T2 (two contacts, in a closed triangle with P3); the ends last.
    assert set(order[1:3]) == {"P2", "P4"}
    assert set(order[3:5]) == {"T1", "T2"}
    assert set(order[5:]) == {"P1", "P5"}
    by_key = {p.key: p for p in rep.players}
    p2, t1 = by_key["person:P2"], by_key["person:T1"]
    assert p2.constraint < t1.constraint
    assert p2.score > t1.score
    assert by_key["person:P4"].score == p2.score  # the same position, the same score
    assert any(
        "3 others have as many contacts: ordered among them by records (2), then by brokerage" in e
        for e in p2.explanations
    )
    assert not any("as many contacts" in e for e in by_key["person:P3"].explanations)
    # k-core depth is reported, not scored
    assert any("belongs to a 2-core" in e for e in t1.explanations)
    assert any("belongs to a 1-core" in e for e in p2.explanations)


def test_records_order_people_with_as_many_contacts() -> None:
    """A and B have two contacts each; A called each of its contacts five times, B once.
    A's contacts know each other and B's do not, so B is the better broker, but records
    come first."""
    b = CaseBuilder()
    for n in ("A", "B", "X", "Y", "Z"):
        b.add_person(Person(n, n, "suspect", phones=(f"+{n}",)))
    ties = [("A", "X")] * 5 + [("A", "Y")] * 5 + [("X", "Y"), ("B", "Y"), ("B", "Z")]
    b.add_calls(
        [f"c{i}" for i in range(len(ties))],
        ["2024-01-01"] * len(ties),
        [f"+{s}" for s, _ in ties],
        [f"+{d}" for _, d in ties],
    )
    rep = key_players(build_graph(b.build(), collapse=True), top=5)
    by_key = {p.key.removeprefix("person:"): p for p in rep.players}
    a, bb = by_key["A"], by_key["B"]
    assert a.degree == bb.degree == 2
    assert a.strength == 10 and bb.strength == 2
    assert a.constraint > bb.constraint  # B is the better broker ...
    assert a.score > bb.score  # ... but A has five times the records


def _clique_and_a_broker() -> CaseData:
    """A clique of seven (Q0..Q6, six contacts each) tied through Q0 to K, who also
    reaches four people nobody else reaches (L1..L4): K has five contacts, the clique
    members six, but K and Q0 lie on every path between the clique and the L's."""
    b = CaseBuilder()
    names = [f"Q{i}" for i in range(7)] + ["K"] + [f"L{i}" for i in range(1, 5)]
    for n in names:
        b.add_person(Person(n, n, "suspect", phones=(f"+{n}",)))
    ties = [(f"Q{i}", f"Q{j}") for i, j in itertools.combinations(range(7), 2)]
    ties += [("K", "Q0")] + [("K", f"L{i}") for i in range(1, 5)]
    b.add_calls(
        [f"c{i}" for i in range(len(ties))],
        ["2024-01-01"] * len(ties),
        [f"+{a}" for a, _ in ties],
        [f"+{t}" for _, t in ties],
    )
    return b.build()


def test_contacts_come_before_brokerage() -> None:
    rep = key_players(build_graph(_clique_and_a_broker(), collapse=True), top=12)
    order = [p.key.removeprefix("person:") for p in rep.players]
    by_key = {p.key.removeprefix("person:"): p for p in rep.players}
    assert by_key["K"].degree == 5 and by_key["Q1"].degree == 6
    # Q0 has the most contacts (seven); K lies between the clique and the L's, more than
    # any clique member but Q0, but has fewer contacts, so comes after all seven.
    assert order[0] == "Q0"
    assert set(order[1:7]) == {f"Q{i}" for i in range(1, 7)}
    assert order[7] == "K"
    assert by_key["K"].betweenness > by_key["Q1"].betweenness
    assert by_key["K"].score < by_key["Q1"].score
    assert any("5 others have as many contacts" in e for e in by_key["Q1"].explanations)


def test_role_evidence_and_money_lift_a_person() -> None:
    case = _chain_with_equal_degrees()
    plain = key_players(build_graph(case, collapse=True), top=7)
    assert all(not p.role and p.money == 0 for p in plain.players)
    score_plain = {p.key: p.score for p in plain.players}
    assert score_plain["person:T1"] == score_plain["person:T2"]  # the same position
    roles = [
        RoleSuggestion("T1", "T1", "suspect", "exploiter", "Exploiter", 0.9, ("x",)),
        RoleSuggestion("T1", "T1", "suspect", "buyer", "Buyer", 0.3, ("x",)),
    ]
    rep = key_players(build_graph(case, collapse=True), top=7, roles=roles)
    t1 = next(p for p in rep.players if p.key == "person:T1")
    assert (t1.role, t1.role_score) == ("Exploiter", 0.9)
    assert any("suggested role: Exploiter (0.90)" in e for e in t1.explanations)
    score = {p.key: p.score for p in rep.players}
    # a quarter of the score is evidence: T1, suggested as the exploiter, now leads its
    # twin T2 and the ends, but not P3 (twice its contacts); the others keep their
    # structural order
    assert score_plain["person:T1"] < score_plain["person:P2"] < score_plain["person:P3"]
    assert score["person:P3"] > score["person:T1"] > score["person:T2"] > score["person:P1"]
    assert score["person:P2"] > score["person:T2"]

    b = CaseBuilder()
    for n in ["P1", "P2", "P3", "P4", "P5", "T1", "T2"]:
        b.add_person(Person(n, n, "suspect", phones=(f"+{n}",), accounts=(f"AC{n}",)))
    b.add_calls(["c0", "c1"], ["2024-01-01"] * 2, ["+P1", "+T2"], ["+P2", "+P5"])
    b.add_payments(
        ["m1", "m2"], ["2024-02-01"] * 2, ["ACP1", "ACP2"], ["ACT2", "ACT2"], [900.0, 100.0]
    )
    moneyed = key_players(build_graph(b.build(), collapse=True), top=7)
    t2 = next(p for p in moneyed.players if p.key == "person:T2")
    assert t2.money == 1000.0
    assert any("1,000.00 in payments" in e for e in t2.explanations)


def test_buyers_are_not_lifted_as_organisers() -> None:
    case = _chain_with_equal_degrees()
    plain = {p.key: p.score for p in key_players(build_graph(case, collapse=True), top=7).players}
    as_buyer = [RoleSuggestion("T1", "T1", "suspect", "buyer", "Buyer", 0.9, ("x",))]
    rep = key_players(build_graph(case, collapse=True), top=7, roles=as_buyer)
    t1 = next(p for p in rep.players if p.key == "person:T1")
    # the role is shown, but a client of the network is no evidence of running it
    assert (t1.role, t1.role_score) == ("Buyer", 0.9)
    assert any("as evidence of organising the network: 0.00" in e for e in t1.explanations)
    score = {p.key: p.score for p in rep.players}
    assert score["person:T1"] == score["person:T2"]  # no lift over its twin
    assert score["person:T1"] < plain["person:T1"]  # evidence now weighs, and T1 has none
    as_handler = [RoleSuggestion("T1", "T1", "suspect", "money_handler", "Money", 0.8, ("x",))]
    rep = key_players(build_graph(case, collapse=True), top=7, roles=as_handler)
    t1 = next(p for p in rep.players if p.key == "person:T1")
    assert any("as evidence of organising the network: 0.60" in e for e in t1.explanations)


def test_constraint_is_compared_as_shown_then_betweenness_decides() -> None:
    """Four people with as many contacts and records: A and B differ in constraint only in
    the third decimal (both show 0.17), so the one more paths run through (B) comes first;
    C shows a lower constraint (0.15) and comes before both whatever its betweenness; D is
    in A's position exactly and gets A's key."""
    degree = np.array([3.0, 3.0, 3.0, 3.0])
    records = np.array([5.0, 5.0, 5.0, 5.0])
    constraint = np.array([0.172, 0.174, 0.15, 0.172])
    betweenness = np.array([0.10, 0.20, 0.01, 0.10])
    key = structural_key(degree, records, constraint, betweenness)
    a, b, c, d = key.tolist()
    assert c > b > a == d
    # without betweenness, A and B are equal: the difference in constraint is not shown
    plain = structural_key(degree, records, constraint)
    assert plain[0] == plain[1] < plain[2]
    # contacts and records still come first
    more = structural_key(np.array([4.0, 3.0]), np.array([4.0, 9.0]), np.array([0.9, 0.1]))
    assert more[0] > more[1]
    # no constraint (an isolate) counts as no brokerage
    iso = structural_key(np.array([1.0, 1.0]), np.array([1.0, 1.0]), np.array([np.nan, 0.9]))
    assert iso[1] > iso[0]


def test_explanation_says_how_equals_are_ordered() -> None:
    rep = key_players(build_graph(_chain_with_equal_degrees(), collapse=True), top=7)
    p2 = next(p for p in rep.players if p.key == "person:P2")
    line = next(e for e in p2.explanations if "as many contacts" in e)
    assert f"constraint {p2.constraint:.2f} (lower first)" in line
    assert "then, at the same constraint, the share of shortest paths through them" in line
    assert f"({p2.betweenness:.1%}, higher first)" in line
