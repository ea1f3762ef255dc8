"""One-to-one links between lists: an assignment on the scored pairs.

When each list holds a person at most once (two registers without duplicates inside
them, say), a record may be linked to at most one record of each other list. Of the
pairs at or above the threshold, the links kept are those of a maximum-weight
matching, found separately for every two lists and every connected group of their
candidate pairs with SciPy's linear assignment solver (the Hungarian method,
``scipy.optimize.linear_sum_assignment``). A pair's weight is its match probability,
so the links kept are those with the most matches expected among them: where one
record is the best candidate of two others, the assignment links each of the three
to someone rather than the strongest pair alone.

Dedupe within one list never goes through here: a case's people may well appear twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment

WeightedEdge = tuple[str, str, float]


def one_to_one_links(
    edges: Iterable[WeightedEdge], dataset: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The links of a maximum-weight one-to-one assignment between every two lists.

    ``edges`` are ``(key_a, key_b, weight)`` with positive weights (the pairs' match
    probabilities) and ``dataset`` names each key's list. A pair within one list is
    refused (ValueError). Returns the kept ``(key_a, key_b)`` in the order given; each
    key ends with at most one partner in each other list. Deterministic: the same
    edges give the same links whatever their order.
    """
    given = list(edges)
    by_lists: dict[tuple[str, str], nx.Graph] = {}
    for a, b, w in given:
        da, db = dataset[a], dataset[b]
        if da == db:
            raise ValueError(f"{a} and {b} are in the same list {da!r}")
        if not w > 0:
            raise ValueError("one-to-one weights must be positive")
        lists = (da, db) if da < db else (db, da)
        graph = by_lists.setdefault(lists, nx.Graph())
        if graph.has_edge(a, b):
            w = max(w, graph.edges[a, b]["weight"])
        graph.add_edge(a, b, weight=w)
    kept: set[frozenset[str]] = set()
    for (left_list, _), graph in sorted(by_lists.items()):
        for component in nx.connected_components(graph):
            nodes = sorted(component)
            if len(nodes) == 2:
                kept.add(frozenset(nodes))
                continue
            left = [k for k in nodes if dataset[k] == left_list]
            right = [k for k in nodes if dataset[k] != left_list]
            col = {k: j for j, k in enumerate(right)}
            weights = np.zeros((len(left), len(right)))
            for i, a in enumerate(left):
                for b, data in graph.adj[a].items():
                    weights[i, col[b]] = data["weight"]
            rows, cols = linear_sum_assignment(weights, maximize=True)
            for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
                if weights[i, j] > 0:  # a record left without a partner is paired with 0
                    kept.add(frozenset((left[i], right[j])))
    out: list[tuple[str, str]] = []
    for a, b, _ in given:
        pair = frozenset((a, b))
        if pair in kept:
            kept.discard(pair)  # each link once, even if given twice
            out.append((a, b))
    return out


# the most of the smaller list that may be estimated to have a partner in the other: a
# little room is always left for a record without one (chosen on FEBRL 1 to 3, never 4)
MAX_LINKED_SHARE = 0.99
_FIXED_POINT_STEPS = 100


def one_to_one_probabilities(
    pairs: Iterable[tuple[str, str, float]],
    dataset: Mapping[str, str],
    prior: float,
) -> dict[tuple[str, str], float]:
    """Match probabilities of pairs between lists that hold each person at most once.

    ``pairs`` are ``(key_a, key_b, bayes_factor)``: the comparisons' evidence without the
    prior, for every scored pair (the weak ones too: they are the competition).
    ``prior`` is the model's chance that two random records match.

    Scored one by one, a pair's probability ignores that a record has at most one
    partner in the other list: a record whose only plausible candidate is weak is
    left alone even when nearly everyone in its list has a partner, and a record with
    two strong candidates has both called likely. Here, as in Bayesian one-to-one
    linkage, a record of list A has a partner in list B with chance ``r = M / |A|``
    (``M`` matches between the two lists), any of B's records equally likely; then the
    chance that its partner is ``b`` is ``π·BF(a,b) / ((1 - r) + π·Σ_c BF(a,c))`` with
    ``π = M / (|A|·|B|)``, the sum over a's candidates. The same is worked out from b's
    side and the smaller of the two kept. ``M`` is estimated from the pairs as
    expectation maximisation would (the sum of the probabilities, to a fixed point,
    starting from ``prior``), at most :data:`MAX_LINKED_SHARE` of the smaller list.
    With few matches expected (``r`` small) this is the pair's usual probability.
    """
    by_lists: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
    for a, b, bf in pairs:
        da, db = dataset[a], dataset[b]
        if da == db:
            raise ValueError(f"{a} and {b} are in the same list {da!r}")
        if da > db:
            a, b, da, db = b, a, db, da
        by_lists.setdefault((da, db), []).append((a, b, bf))
    sizes: dict[str, int] = {}
    for name in dataset.values():
        sizes[name] = sizes.get(name, 0) + 1
    out: dict[tuple[str, str], float] = {}
    for (la, lb), group in sorted(by_lists.items()):
        n_a, n_b = sizes[la], sizes[lb]
        left = [a for a, _, _ in group]
        right = [b for _, b, _ in group]
        factors = np.asarray([x for _, _, x in group], dtype=float)
        li = np.unique(left, return_inverse=True)[1]
        ri = np.unique(right, return_inverse=True)[1]
        # the sums of a record's Bayes factors, record by record (the competition)
        sum_a = np.bincount(li, weights=factors)[li]
        sum_b = np.bincount(ri, weights=factors)[ri]
        most = MAX_LINKED_SHARE * min(n_a, n_b)
        m = min(max(prior * n_a * n_b, 1e-9), most)
        p = np.zeros_like(factors)
        for _ in range(_FIXED_POINT_STEPS):
            pi = m / (n_a * n_b)
            p_a = pi * factors / ((1 - m / n_a) + pi * sum_a)
            p_b = pi * factors / ((1 - m / n_b) + pi * sum_b)
            p = np.minimum(p_a, p_b)
            new_m = min(max(float(p.sum()), 1e-9), most)
            if abs(new_m - m) < 1e-6 * max(m, 1.0):
                m = new_m
                break
            m = new_m
        pi = m / (n_a * n_b)
        p = np.minimum(
            pi * factors / ((1 - m / n_a) + pi * sum_a), pi * factors / ((1 - m / n_b) + pi * sum_b)
        )
        for (a, b, _), prob in zip(group, p.tolist(), strict=True):
            key = (a, b) if a < b else (b, a)
            out[key] = min(max(prob, 0.0), 1.0)
    return out
