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
    linkage, a record of list A has a partner in list B with chance ``r_A = M / |A|``
    (``M`` matches between the two lists), and a given pair are partners with chance
    ``π = M / (|A|·|B|)``. A pair's chance of being a link is weighed against the other
    ways its two records can be: each without a partner, or with another of its
    candidates, a candidate counting for less when it has a strong partner of its own
    (belief propagation over the candidate pairs, see :func:`_matching_marginals`).
    Where both lists have a partner for nearly every record, a lone candidate pair is
    then likely on modest evidence; a record with two strong candidates has each at
    about one half. (This replaces the smaller of the two one-sided chances, which read
    a pair as if only one of its records were known to have a partner: too cautious
    where both lists are nearly all matched.) ``M`` is estimated from the pairs as
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
        most = MAX_LINKED_SHARE * min(n_a, n_b)
        m = min(max(prior * n_a * n_b, 1e-9), most)
        p = _matching_marginals(li, ri, factors, m, n_a, n_b, most)
        for (a, b, _), prob in zip(group, p.tolist(), strict=True):
            key = (a, b) if a < b else (b, a)
            out[key] = min(max(prob, 0.0), 1.0)
    return out


def _matching_marginals(
    li: np.ndarray,
    ri: np.ndarray,
    factors: np.ndarray,
    m: float,
    n_a: int,
    n_b: int,
    most: float,
) -> np.ndarray:
    """Each pair's chance of being a link of the one-to-one matching, by belief
    propagation on the candidate pairs (exact where they form no cycle).

    A matching weighs ``π·BF`` per link and ``1 - r`` per record left without a partner.
    ``R(a\\b)``, the weight of ``a``'s options other than ``b`` relative to ``a`` being
    taken, is ``(1 - r_A) + Σ_c π·BF(a,c) / R(c\\a)`` over ``a``'s other candidates;
    a pair's odds are ``π·BF(a,b) / (R(a\\b)·R(b\\a))``. A rival that has a strong
    partner of its own thus competes little. ``M`` (hence ``π`` and ``r``) is
    re-estimated from the marginals at every step, as expectation maximisation would,
    at most ``most``.
    """
    # messages R(a\b) (from a's side) and R(b\a) (from b's side), one per pair
    from_a = np.ones_like(factors)
    from_b = np.ones_like(factors)
    p = np.zeros_like(factors)
    for _ in range(_FIXED_POINT_STEPS):
        pi = m / (n_a * n_b)
        weights = pi * factors
        new_a = (1 - m / n_a) + _sum_of_others(li, weights / from_b)
        new_b = (1 - m / n_b) + _sum_of_others(ri, weights / from_a)
        # damped (geometric mean with the last step): loopy propagation may oscillate
        from_a, from_b = np.sqrt(from_a * new_a), np.sqrt(from_b * new_b)
        new_p = weights / (weights + from_a * from_b)
        new_m = min(max(float(new_p.sum()), 1e-9), most)
        done = float(np.max(np.abs(new_p - p), initial=0.0)) < 1e-7
        p, m = new_p, new_m
        if done:
            break
    # a record has one partner at most: its chances never add up to more than 1 (the
    # propagation only approaches that where the candidates form cycles)
    total_a = np.bincount(li, weights=p)[li]
    total_b = np.bincount(ri, weights=p)[ri]
    return p / np.maximum(1.0, np.maximum(total_a, total_b))


def _sum_of_others(group: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """For every term, the sum of the other terms of its group: the largest of a group
    is kept apart so that leaving out one term never subtracts two huge numbers."""
    n = int(group.max()) + 1 if len(group) else 0
    largest = np.zeros(n)
    np.maximum.at(largest, group, terms)
    is_top = terms >= largest[group]
    # one top term per group (the first), the rest summed exactly
    order = np.flatnonzero(is_top)
    first_top = np.full(n, -1)
    first_top[group[order[::-1]]] = order[::-1]
    top = np.zeros(len(terms), dtype=bool)
    top[first_top[first_top >= 0]] = True
    rest = np.bincount(group, weights=np.where(top, 0.0, terms), minlength=n)
    return np.where(top, rest[group], rest[group] - terms + largest[group])
