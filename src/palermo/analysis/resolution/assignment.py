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
