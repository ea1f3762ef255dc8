"""Average-linkage clusters of scored pairs, and resolve(..., clustering="average")."""

from __future__ import annotations

import random

import pytest

from palermo.analysis.resolution import PersonRecord, apply_decisions, cluster_keys, resolve
from palermo.analysis.resolution.clustering import average_linkage


def test_one_wrong_pair_does_not_join_two_people() -> None:
    # a1-a2-a3 and b1-b2-b3 are two people; a3-b1 is one strong pair between them
    edges = [
        ("a1", "a2", 0.99),
        ("a2", "a3", 0.99),
        ("a1", "a3", 0.98),
        ("b1", "b2", 0.99),
        ("b2", "b3", 0.99),
        ("b1", "b3", 0.97),
        ("a3", "b1", 0.95),
    ]
    keys = ["a1", "a2", "a3", "b1", "b2", "b3"]
    components = cluster_keys(keys, [(a, b) for a, b, p in edges if p >= 0.9])
    assert len(set(components.values())) == 1
    clusters = average_linkage(keys, edges, 0.3)
    assert clusters == {"a1": "a1", "a2": "a1", "a3": "a1", "b1": "b1", "b2": "b1", "b3": "b1"}


def test_several_middling_pairs_join_a_record_that_no_single_pair_would() -> None:
    keys = ["a1", "a2", "a3", "x"]
    edges = [("a1", "a2", 0.99), ("a1", "a3", 0.99), ("a2", "a3", 0.99)]
    edges += [("x", "a1", 0.6), ("x", "a2", 0.55), ("x", "a3", 0.5)]
    assert len(set(cluster_keys(keys, [(a, b) for a, b, p in edges if p >= 0.9]).values())) == 2
    assert set(average_linkage(keys, edges, 0.5).values()) == {"a1"}
    # the mean is 0.55: not enough at a higher threshold
    assert average_linkage(keys, edges, 0.6)["x"] == "x"


def test_average_linkage_is_deterministic_and_ids_are_smallest_keys() -> None:
    rng = random.Random(3)
    keys = [f"k{i:02d}" for i in range(30)]
    edges = [
        (a, b, round(rng.random(), 2)) for a in keys for b in keys if a < b and rng.random() < 0.2
    ]
    first = average_linkage(keys, edges, 0.4)
    assert average_linkage(list(reversed(keys)), list(reversed(edges)), 0.4) == first
    for key, cid in first.items():
        assert cid == min(k for k, c in first.items() if c == cid)
        assert cid <= key


def test_resolve_with_average_linkage_links_what_clusters_it() -> None:
    people = [
        PersonRecord("p1", "Ion Popescu", date_of_birth="1980-02-03", address="1 Strada Mare"),
        PersonRecord("p2", "Ion Popescu", date_of_birth="1980-02-03", identifiers=("+40700",)),
        PersonRecord("p3", "I. Popescu", identifiers=("+40700",)),
        PersonRecord("q1", "Maria Ionescu", date_of_birth="1991-05-17"),
    ]
    result = resolve(people, threshold=0.3, clustering="average")
    assert result.clusters["p1"] == result.clusters["p2"] == result.clusters["p3"]
    assert result.clusters["q1"] == "q1"
    assert result.links is not None
    # the machine's links rebuild the same clusters under human decisions
    assert dict(apply_decisions(result, []).entities) == dict(result.clusters)
    with pytest.raises(ValueError, match="clustering"):
        resolve(people, clustering="single")  # type: ignore[arg-type]


def _two_households() -> tuple[list[str], list[tuple[str, str, float]]]:
    # a1-a2 and b1-b2 are each one person; every pair between them is middling-strong
    keys = ["a1", "a2", "b1", "b2"]
    edges = [("a1", "a2", 0.99), ("b1", "b2", 0.99)]
    edges += [(a, b, 0.8) for a in ("a1", "a2") for b in ("b1", "b2")]
    return keys, edges


def test_confirmed_identifiers_of_one_kind_with_none_shared_keep_two_people_apart() -> None:
    keys, edges = _two_households()
    assert set(average_linkage(keys, edges, 0.3).values()) == {"a1"}
    phones = {
        "a1": ["phone:+40700000001"],
        "a2": ["phone:+40700000001", "account:RO01"],
        "b1": ["phone:+40700000002"],
        "b2": ["phone:+40700000002"],
    }
    clusters = average_linkage(keys, edges, 0.3, identifiers=phones)
    assert clusters == {"a1": "a1", "a2": "a1", "b1": "b1", "b2": "b1"}
    # one phone in common: nothing says two people
    shared = {**phones, "b2": ["phone:+40700000002", "phone:+40700000001"]}
    assert set(average_linkage(keys, edges, 0.3, identifiers=shared).values()) == {"a1"}
    # another kind confirmed on one side only: no conflict either
    accounts = {**phones, "b1": ["account:RO02"], "b2": ["account:RO02"]}
    assert set(average_linkage(keys, edges, 0.3, identifiers=accounts).values()) == {"a1"}


def test_a_phone_seen_once_is_not_a_conflict() -> None:
    # b1 alone carries another phone (a new phone, a typo): it still joins a1-a2
    keys = ["a1", "a2", "b1"]
    edges = [("a1", "a2", 0.99), ("a1", "b1", 0.8), ("a2", "b1", 0.8)]
    ids = {"a1": ["phone:+1"], "a2": ["phone:+1"], "b1": ["phone:+2"]}
    assert set(average_linkage(keys, edges, 0.3, identifiers=ids).values()) == {"a1"}


def test_a_record_left_alone_joins_the_cluster_of_its_strong_pair() -> None:
    keys = ["a1", "a2", "a3", "a4", "0x"]
    edges = [(a, b, 0.99) for a in keys[:4] for b in keys[:4] if a < b]
    edges.append(("0x", "a1", 0.95))  # the mean with a1-a4 is under 0.3
    assert average_linkage(keys, edges, 0.3)["0x"] == "0x"
    clusters = average_linkage(keys, edges, 0.3, attach_at=0.9)
    # every key of the cluster, the new one included, maps to its smallest key
    assert clusters == dict.fromkeys(keys, "0x")
    # a pair under attach_at does not
    weaker = [*edges[:-1], ("0x", "a1", 0.85)]
    assert average_linkage(keys, weaker, 0.3, attach_at=0.9)["0x"] == "0x"
