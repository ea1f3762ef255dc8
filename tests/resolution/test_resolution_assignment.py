"""One-to-one links between lists (an assignment); households and crowded addresses."""

from __future__ import annotations

import random

import pytest

from palermo.analysis.resolution import PersonRecord, resolve
from palermo.analysis.resolution.assignment import one_to_one_links, one_to_one_probabilities
from palermo.analysis.resolution.levels import ADDRESS
from palermo.analysis.resolution.records import feature_columns, feature_rows


def _partners(links: list[tuple[str, str]], dataset: dict[str, str]) -> dict[tuple[str, str], int]:
    count: dict[tuple[str, str], int] = {}
    for a, b in links:
        for x, y in ((a, b), (b, a)):
            count[(x, dataset[y])] = count.get((x, dataset[y]), 0) + 1
    return count


def test_an_assignment_links_more_than_strongest_first() -> None:
    # b1 is the best candidate of both a1 and a2; a1 also fits b2 almost as well:
    # strongest first would link a1-b1 alone, the assignment links both a1 and a2
    dataset = {"a1": "A", "a2": "A", "b1": "B", "b2": "B"}
    edges = [("a1", "b1", 0.99), ("a1", "b2", 0.98), ("a2", "b1", 0.97)]
    assert sorted(one_to_one_links(edges, dataset)) == [("a1", "b2"), ("a2", "b1")]


def test_an_assignment_never_pairs_a_record_twice_with_one_list() -> None:
    rng = random.Random(5)
    for _ in range(50):
        lists = ["A", "B", "C"][: rng.choice([2, 3])]
        keys = [f"{name}{i}" for name in lists for i in range(rng.randrange(1, 8))]
        dataset = {k: k[0] for k in keys}
        edges = [
            (a, b, round(rng.uniform(0.5, 1.0), 3))
            for a in keys
            for b in keys
            if a < b and dataset[a] != dataset[b] and rng.random() < 0.4
        ]
        links = one_to_one_links(edges, dataset)
        assert all(n == 1 for n in _partners(links, dataset).values())
        assert set(links) <= {(a, b) for a, b, _ in edges}
        # an unlinked pair would have both records free: the matching is maximal
        partnered = _partners(links, dataset)
        for a, b, _ in edges:
            assert (a, dataset[b]) in partnered or (b, dataset[a]) in partnered
        # the same links whatever the order of the pairs
        assert sorted(one_to_one_links(list(reversed(edges)), dataset)) == sorted(links)


def test_an_assignment_refuses_a_pair_within_one_list() -> None:
    with pytest.raises(ValueError, match="same list"):
        one_to_one_links([("a1", "a2", 0.9)], {"a1": "A", "a2": "A"})


def test_resolve_one_to_one_links_the_lists_by_assignment() -> None:
    def person(key: str, dataset: str, first: str, dob: str) -> PersonRecord:
        return PersonRecord(
            key,
            first_name=first,
            last_name="Okonkwo",
            date_of_birth=dob,
            address="4 Mill Road, Leeds",
            dataset=dataset,
        )

    records = [
        person("a1", "A", "Chinedu", "1990-02-03"),
        person("a2", "A", "Chinedu", "1990-03-02"),
        person("b1", "B", "Chinedu", "1990-02-03"),
        person("b2", "B", "Chinedu", "1990-03-02"),
    ]
    result = resolve(records, link_type="link_only", one_to_one=True)
    assert result.links is not None
    assert set(result.links) == {("a1", "b1"), ("a2", "b2")}
    assert result.clusters["a1"] == result.clusters["b1"] != result.clusters["a2"]


def _address_level(a: PersonRecord, b: PersonRecord) -> str:
    feats = feature_rows(feature_columns([a, b]))
    return ADDRESS.level_for(feats[a.key], feats[b.key]).key


def test_a_shared_address_with_another_first_name_is_a_household() -> None:
    address = "12 Mill Road, Leeds LS6 2AB"
    adaeze = PersonRecord("a", "Adaeze Okafor", address=address)
    assert _address_level(adaeze, PersonRecord("b", "Ngozi Okafor", address=address)) == (
        "household"
    )
    assert _address_level(adaeze, PersonRecord("c", "Okafor", address=address)) == "household"
    # the same person: a typo or an initial of the first name, or another surname
    for other in ("Adaze Okafor", "A. Okafor", "Ngozi Obi"):
        assert _address_level(adaeze, PersonRecord("d", other, address=address)) == "exact"


def test_an_address_many_share_weighs_less_than_a_rare_one() -> None:
    """A flat where many people of a case are registered (a shared accommodation) says
    less about two of them being one person than an address no one else has."""
    records = [
        PersonRecord(f"crowd{i}", f"Person{i} Name{i}", address="5 Strada Lunga, Iasi")
        for i in range(20)
    ]
    records += [
        PersonRecord(f"other{i}", f"Other{i} Someone{i}", address=f"{i} Calea Noua{i}, Cluj")
        for i in range(40)
    ]
    records += [
        PersonRecord("x1", "Maria Pop", date_of_birth="1990-01-02", address="5 Strada Lunga, Iasi"),
        PersonRecord("x2", "Maria Pop", date_of_birth="1990-01-02", address="5 Strada Lunga, Iasi"),
        PersonRecord("y1", "Ana Rus", date_of_birth="1991-03-04", address="9 Ulita Mica, Arad"),
        PersonRecord("y2", "Ana Rus", date_of_birth="1991-03-04", address="9 Ulita Mica, Arad"),
    ]
    result = resolve(records, min_probability=0.0)
    crowded, rare = result.pair("x1", "x2"), result.pair("y1", "y2")
    assert crowded is not None and rare is not None
    assert crowded.levels["address"] == rare.levels["address"] == "exact"
    crowded_weight, rare_weight = (
        next(w for c, _, w in s.outcome if c == "address") for s in (crowded, rare)
    )
    assert crowded_weight < rare_weight - 2


def test_one_to_one_probabilities_weigh_a_pair_against_its_competitors() -> None:
    # two lists of 100 in which (nearly) everyone has a partner: a1's only candidate is
    # weak on its own but the list says a1 has a partner somewhere; a2 has two strong
    # candidates of which one at most is its partner
    dataset = {f"a{i}": "A" for i in range(100)} | {f"b{i}": "B" for i in range(100)}
    prior = 1 / 100
    pairs = [(f"a{i}", f"b{i}", 2.0**20) for i in range(3, 100)]
    pairs += [("a1", "b1", 2.0**8), ("a2", "b2", 2.0**20), ("a2", "b0", 2.0**20)]
    got = one_to_one_probabilities(pairs, dataset, prior)
    alone = prior * 2.0**8 / (prior * 2.0**8 + 1 - prior)  # scored by itself: 0.72
    assert got[("a1", "b1")] > 0.9 > alone
    assert abs(got[("a2", "b2")] - 0.5) < 0.01 and abs(got[("a2", "b0")] - 0.5) < 0.01
    assert got[("a3", "b3")] > 0.999
    # few partners expected: a pair keeps about its own probability
    sparse = one_to_one_probabilities([("a1", "b1", 2.0**8)], dataset, 1e-6)
    assert sparse[("a1", "b1")] < 0.01
    with pytest.raises(ValueError, match="same list"):
        one_to_one_probabilities([("a1", "a2", 2.0)], dataset, prior)


def test_a_rival_with_a_strong_partner_of_its_own_competes_little() -> None:
    # a1's candidates are b1 (modest evidence) and b2 (stronger); b2 is all but certain
    # to be a2's partner, so a1's partner is b1 after all
    dataset = {f"a{i}": "A" for i in range(50)} | {f"b{i}": "B" for i in range(50)}
    pairs = [(f"a{i}", f"b{i}", 2.0**20) for i in range(3, 50)]
    pairs += [("a1", "b1", 2.0**9), ("a1", "b2", 2.0**12), ("a2", "b2", 2.0**24)]
    got = one_to_one_probabilities(pairs, dataset, 1 / 50)
    assert got[("a2", "b2")] > 0.999
    assert got[("a1", "b1")] > 0.9 > 0.1 > got[("a1", "b2")]
    # without a2, b2 is free: a1's stronger candidate wins
    alone = one_to_one_probabilities(
        [p for p in pairs if p[0] != "a2"], dataset | {"a2": "A"}, 1 / 50
    )
    assert alone[("a1", "b2")] > alone[("a1", "b1")]
