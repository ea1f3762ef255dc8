"""Clusters from scored pairs by average linkage.

Connected components at a threshold (the default of
:func:`palermo.analysis.resolution.resolve`) let one strong but wrong pair join two
people's records, and leave a record apart whose pairs with a person's records are each
a little short of the threshold. Average linkage, as hierarchical clustering for
deduplication does, merges two clusters when the mean match probability over all pairs
of their records (pairs not suggested count as 0) is at least the threshold, the most
likely merge first, until none is left: a cluster joins another on the weight of all
its records' evidence, not on one pair.

Two rules use what a cluster knows that no single pair does:

* **Confirmed identifiers conflict** (with ``identifiers``): an identifier seen on at
  least :data:`CONFIRMED` records of a cluster is that person's (a phone typed once
  may be a new phone, a typo or someone else's; the same phone on two records is
  theirs). Two clusters that each have confirmed identifiers of one kind (phone,
  account, e-mail, identity document), none of which is on any record of the other,
  are two people and are not merged, whatever the names and dates of birth say: the
  pairs between them stay suggestions for a person to review. A single record never
  confirms anything, so a lone record is never kept out this way.
* **No strong pair left alone** (with ``attach_at``): a record that average linkage
  leaves alone but whose strongest pair is at or above ``attach_at`` (the threshold at
  which one pair links by itself) joins the cluster of that pair's other record. Its
  other pairs with that cluster are weak only because each of those records carries
  other fields (a typo here, a missing date of birth there).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

# the records of a cluster an identifier must be on to be the cluster's own
CONFIRMED = 2


def average_linkage(
    keys: Sequence[str],
    edges: Iterable[tuple[str, str, float]],
    threshold: float,
    identifiers: Mapping[str, Sequence[str]] | None = None,
    attach_at: float | None = None,
) -> dict[str, str]:
    """Every key's cluster (the smallest key in it) by average linkage at ``threshold``.

    ``edges`` are ``(key_a, key_b, probability)``; a pair given twice counts once, with
    its larger probability. ``identifiers``: each key's tagged identifiers
    (``"phone:+40..."``, as the records' features hold them), for the rule on
    confirmed identifiers; ``attach_at``: see the module doc. Deterministic: ties are
    broken by key.
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
    ids = _Identifiers(identifiers, sums)
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
        if ids.conflict(a, b):
            continue  # two people (pushed again if either cluster grows)
        # merge the later key's cluster into the earlier one's (ids stay smallest keys)
        keep, gone = (a, b) if a < b else (b, a)
        size[keep] += size.pop(gone)
        members.setdefault(keep, [keep]).extend(members.pop(gone, [gone]))
        ids.merge(keep, gone)
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
    if attach_at is not None:
        # pairs at or above the threshold are all still in ``best``
        _attach_lone_records(cluster_of, best, max(attach_at, threshold))
    return cluster_of


class _Identifiers:
    """Per cluster, how many of its records carry each identifier, by kind."""

    def __init__(self, identifiers: Mapping[str, Sequence[str]] | None, keys: Iterable[str]):
        self.counts: dict[str, dict[str, Counter[str]]] = {}
        if identifiers is None:
            return
        for k in keys:
            by_kind: dict[str, Counter[str]] = {}
            for tagged in set(identifiers.get(k) or ()):
                by_kind.setdefault(tagged.split(":", 1)[0], Counter())[tagged] += 1
            if by_kind:
                self.counts[k] = by_kind

    def confirmed(self, cluster: str, kind: str) -> set[str]:
        return {v for v, n in self.counts[cluster][kind].items() if n >= CONFIRMED}

    def conflict(self, a: str, b: str) -> bool:
        ca, cb = self.counts.get(a), self.counts.get(b)
        if not ca or not cb:
            return False
        for kind in ca.keys() & cb.keys():
            mine, theirs = self.confirmed(a, kind), self.confirmed(b, kind)
            # each has its own, and neither's own is on a record of the other
            if mine and theirs and not (mine | theirs) & ca[kind].keys() & cb[kind].keys():
                return True
        return False

    def merge(self, keep: str, gone: str) -> None:
        moved = self.counts.pop(gone, None)
        if not moved:
            return
        into = self.counts.setdefault(keep, {})
        for kind, counter in moved.items():
            into.setdefault(kind, Counter()).update(counter)


def _attach_lone_records(
    cluster_of: dict[str, str], best: Mapping[tuple[str, str], float], attach_at: float
) -> None:
    """A record alone joins the cluster of its strongest pair at or above ``attach_at``
    (its partner's cluster as average linkage left it; ties broken by key). Two records
    alone with such a pair between them do not occur: average linkage merges them."""
    sizes = Counter(cluster_of.values())
    strongest: dict[str, tuple[float, str]] = {}
    for (a, b), p in best.items():
        if p < attach_at:
            continue
        for lone, other in ((a, b), (b, a)):
            if sizes[cluster_of[lone]] != 1:
                continue
            got = strongest.get(lone)
            if got is None or p > got[0] or (p == got[0] and other < got[1]):
                strongest[lone] = (p, other)
    new_id: dict[str, str] = {}
    joined: dict[str, str] = {}
    for lone, (_p, other) in sorted(strongest.items()):
        cid = cluster_of[other]
        if sizes[cid] > 1:
            joined[lone] = cid
            new_id[cid] = min(new_id.get(cid, cid), lone)
    for lone, cid in joined.items():
        cluster_of[lone] = cid
    # a cluster's id stays its smallest key
    if any(new != cid for cid, new in new_id.items()):
        for k, cid in cluster_of.items():
            if cid in new_id:
                cluster_of[k] = new_id[cid]


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
