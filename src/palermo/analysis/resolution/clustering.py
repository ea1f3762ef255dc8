"""Clusters from scored pairs by average linkage.

Connected components at a threshold (the default of
:func:`palermo.analysis.resolution.resolve`) let one strong but wrong pair join two
people's records, and leave a record apart whose pairs with a person's records are each
a little short of the threshold. Average linkage, as hierarchical clustering for
deduplication does, merges two clusters when the mean match probability over all pairs
of their records (pairs not suggested count as 0) is at least the threshold, the most
likely merge first, until none is left: a cluster joins another on the weight of all
its records' evidence, not on one pair.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence


def average_linkage(
    keys: Sequence[str], edges: Iterable[tuple[str, str, float]], threshold: float
) -> dict[str, str]:
    """Every key's cluster (the smallest key in it) by average linkage at ``threshold``.

    ``edges`` are ``(key_a, key_b, probability)``; a pair given twice counts once, with
    its larger probability. Deterministic: ties are broken by key.
    """
    best: dict[tuple[str, str], float] = {}
    for a, b, p in edges:
        if a == b:
            continue
        pair = (a, b) if a < b else (b, a)
        if p > best.get(pair, 0.0):
            best[pair] = p
    # two clusters merge only if a pair between them reaches the threshold (a mean at
    # least the threshold has one), so no cluster reaches beyond the connected parts of
    # the pairs at or above it: pairs between those parts never count
    part = _components(keys, [pair for pair, p in best.items() if p >= threshold])
    best = {(a, b): p for (a, b), p in best.items() if part[a] == part[b]}
    size = dict.fromkeys(keys, 1)
    sums: dict[str, dict[str, float]] = {}
    for (a, b), p in best.items():
        sums.setdefault(a, {})[b] = p
        sums.setdefault(b, {})[a] = p
    heap = [(-p, a, b) for (a, b), p in best.items() if p >= threshold]
    heapq.heapify(heap)
    cluster_of = {k: k for k in keys}
    members: dict[str, list[str]] = {}
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in sums or b not in sums.get(a, {}):
            continue  # merged away since
        if abs(sums[a][b] / (size[a] * size[b]) + neg) > 1e-12:
            continue  # an outdated score of this pair
        # merge the later key's cluster into the earlier one's (ids stay smallest keys)
        keep, gone = (a, b) if a < b else (b, a)
        size[keep] += size.pop(gone)
        members.setdefault(keep, [keep]).extend(members.pop(gone, [gone]))
        del sums[keep][gone]
        for other, s in sums.pop(gone).items():
            if other == keep:
                continue
            del sums[other][gone]
            total = sums[keep].get(other, 0.0) + s
            sums[keep][other] = total
            sums[other][keep] = total
        for other, s in sums[keep].items():
            score = s / (size[keep] * size[other])
            if score >= threshold:
                heapq.heappush(heap, (-score, min(keep, other), max(keep, other)))
    for cid, keys_in in members.items():
        for k in keys_in:
            cluster_of[k] = cid
    return cluster_of


def _components(keys: Sequence[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    parent = {k: k for k in keys}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    return {k: find(k) for k in keys}
