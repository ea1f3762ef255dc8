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
