"""Key players and brokers: degree, (sampled) betweenness, Burt's constraint, group bridging.

Each measure comes with a sentence an investigator can read. Betweenness is exact
up to ``exact_limit`` active nodes, otherwise estimated from ``samples`` random
source nodes (subset betweenness scaled by n / samples; Brandes and Pich 2007):
an estimate whose top ranks are indicative, not exact; raise ``samples`` for more
precision (each source is one breadth-first search over the graph). Groups come from
Leiden (modularity) on the evidence-weighted graph.

Hubs: an identifier that nobody in the case owns and that touches more than
``hub_degree`` others (a supermarket's account, a call-centre number) would sit on
every shortest path and say nothing; such hubs are left out of the measures and
listed in the report. Burt's constraint costs the sum of the neighbours' degrees
per node, so it is computed for the ``candidates`` best-placed nodes only.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import igraph as ig
import numpy as np

from palermo.analysis.data import I32, NODE_KINDS, FloatArray, IntArray, uniq_counts
from palermo.analysis.graph import CaseGraph


@dataclass(slots=True)
class KeyPlayer:
    node: int
    key: str
    label: str
    kind: str
    degree: int
    strength: float
    betweenness: float  # share of shortest paths (0..1), estimated when sampled
    constraint: float  # Burt's constraint (low = broker); nan for isolates
    group: int
    groups_reached: int  # distinct other groups among neighbours
    sole_bridges: int  # other groups reached only through this node from its group
    score: float  # mean of percentile ranks of degree, betweenness and brokerage
    explanations: list[str] = field(default_factory=list)


@dataclass(slots=True)
class KeyPlayerReport:
    players: list[KeyPlayer]
    n_groups: int
    betweenness_method: str
    membership: I32  # group per node code (-1 for inactive nodes and hubs)
    hubs: list[tuple[str, int]] = field(default_factory=list)  # (node key, degree) left out
    seconds: dict[str, float] = field(default_factory=dict)  # time per step


def _pct_rank(x: FloatArray) -> FloatArray:
    """Percentile rank in [0, 1]; ties share their average rank."""
    if len(x) == 0:
        return x
    s = np.sort(x)
    lo = np.searchsorted(s, x, side="left")
    hi = np.searchsorted(s, x, side="right") - 1
    return np.asarray((lo + hi) / 2 / max(len(x) - 1, 1), dtype=np.float64)


def key_players(
    graph: CaseGraph,
    *,
    top: int = 20,
    kinds: Iterable[str] | None = ("person", "organisation"),
    samples: int = 16,
    exact_limit: int = 3000,
    seed: int = 0,
    resolution: float = 1.0,
    hub_degree: int | None = 2000,
    candidates: int = 500,
    leiden_iterations: int = 1,
) -> KeyPlayerReport:
    """Rank nodes of ``kinds`` (None = all) by their position in ``graph``."""
    case = graph.case
    clock = [time.perf_counter()]
    seconds: dict[str, float] = {}

    def lap(step: str) -> None:
        now = time.perf_counter()
        seconds[step] = now - clock[0]
        clock[0] = now

    full_deg = graph.degree()
    hubs: list[tuple[str, int]] = []
    emask = np.ones(graph.n_edges, dtype=bool)
    if hub_degree is not None:
        owned_or_owner = case.owner >= 0
        owner_kinds = {NODE_KINDS.index("person"), NODE_KINDS.index("organisation")}
        is_owner = np.isin(case.node_kind, list(owner_kinds))
        hub = (full_deg > hub_degree) & ~owned_or_owner & ~is_owner
        hubs = [(case.nodes.keys[i], int(full_deg[i])) for i in np.flatnonzero(hub).tolist()]
        emask = ~hub[graph.src] & ~hub[graph.dst]
    src, dst = graph.src[emask], graph.dst[emask]
    present = np.zeros(graph.n_nodes, dtype=bool)
    present[src] = True
    present[dst] = True
    active = np.flatnonzero(present)
    n_act = len(active)
    membership = np.full(graph.n_nodes, -1, dtype=np.int32)
    if n_act == 0:
        return KeyPlayerReport([], 0, "none", membership, hubs, seconds)
    local = np.full(graph.n_nodes, -1, dtype=np.int64)
    local[active] = np.arange(n_act)
    edges = np.stack([local[src], local[dst]], axis=1)
    g = ig.Graph(n=n_act, directed=False)
    g.add_edges(edges)  # faster than the constructor for numpy input
    w = graph.count[emask].astype(np.float64)
    g.es["weight"] = w
    lap("build")

    deg = np.asarray(g.degree(), dtype=np.int64)
    strength = np.asarray(g.strength(weights="weight"), dtype=np.float64)

    # Betweenness (unweighted: evidence counts are closeness, not distance).
    pairs = max(n_act * (n_act - 1) / 2, 1.0)
    if n_act <= exact_limit:
        btw = np.asarray(g.betweenness(directed=False), dtype=np.float64) / pairs
        method = "exact"
    else:
        rng = np.random.default_rng(seed)
        k = min(samples, n_act)
        src = rng.choice(n_act, size=k, replace=False).tolist()
        raw = np.asarray(g.betweenness(directed=False, sources=src), dtype=np.float64)
        btw = raw * (n_act / k) / pairs
        method = f"sampled from {k} random sources"
    lap("betweenness")

    comm = g.community_leiden(
        objective_function="modularity",
        weights="weight",
        resolution=resolution,
        n_iterations=leiden_iterations,
    )
    lap("groups")
    memb = np.asarray(comm.membership, dtype=np.int64)
    n_groups = int(memb.max()) + 1 if len(memb) else 0
    membership[active] = memb.astype(np.int32)

    groups_reached, sole = _bridging(edges, memb, n_act, n_groups)

    wanted = None if kinds is None else {NODE_KINDS.index(k) for k in kinds}
    cand = np.arange(n_act)
    if wanted is not None:
        cand = cand[np.isin(case.node_kind[active], list(wanted))]
    # Brokerage: bridging between groups, then low constraint for the best candidates.
    bridging = _pct_rank(sole.astype(float) + groups_reached * 0.01)
    pre = (_pct_rank(deg.astype(float)) + _pct_rank(btw) + bridging / 2) / 3
    short = cand[np.argsort(-pre[cand], kind="stable")][: max(candidates, top)]
    cons = np.full(n_act, np.nan)
    if len(short):
        cons[short] = g.constraint(short.tolist(), weights="weight")
    cons_rank = np.zeros(n_act)
    cons_rank[short] = _pct_rank(-np.where(np.isnan(cons[short]), 1.0, cons[short]))
    score = (_pct_rank(deg.astype(float)) + _pct_rank(btw) + (bridging + cons_rank) / 4) / 3
    order = short[np.argsort(-score[short], kind="stable")][:top]
    lap("bridging and constraint")
    deg_rank = _rank_desc(deg)
    btw_rank = _rank_desc(btw)
    players = []
    for i in order.tolist():
        node = int(active[i])
        contacts = f"{deg[i]} other" + ("s" if deg[i] != 1 else "")
        records = f"{int(strength[i])} record" + ("s" if int(strength[i]) != 1 else "")
        expl = [
            f"in direct contact with {contacts} (rank {deg_rank[i]} of {n_act}), {records}",
            (
                f"lies on about {btw[i]:.1%} of shortest paths between others "
                f"(rank {btw_rank[i]}; {method})"
                if btw[i] > 0
                else "lies on no shortest path between others"
            ),
        ]
        if sole[i] > 0:
            expl.append(
                f"the only link between its group and {sole[i]} other group"
                f"{'s' if sole[i] > 1 else ''} (reaches {groups_reached[i]} groups in all)"
            )
        elif groups_reached[i] > 0:
            expl.append(f"reaches {groups_reached[i]} other groups, each also linked by others")
        if not np.isnan(cons[i]):
            expl.append(
                f"constraint {cons[i]:.2f}: "
                + (
                    "its contacts are mostly not in touch with each other (broker)"
                    if cons[i] < 0.3
                    else "its contacts also deal with each other (embedded)"
                )
            )
        players.append(
            KeyPlayer(
                node=node,
                key=case.nodes.keys[node],
                label=case.labels[node],
                kind=NODE_KINDS[int(case.node_kind[node])],
                degree=int(deg[i]),
                strength=float(strength[i]),
                betweenness=float(btw[i]),
                constraint=float(cons[i]),
                group=int(memb[i]),
                groups_reached=int(groups_reached[i]),
                sole_bridges=int(sole[i]),
                score=float(score[i]),
                explanations=expl,
            )
        )
    return KeyPlayerReport(players, n_groups, method, membership, hubs, seconds)


def _rank_desc(x: FloatArray | IntArray) -> IntArray:
    order = np.argsort(-np.asarray(x, dtype=np.float64), kind="stable")
    rank = np.empty(len(x), dtype=np.int64)
    rank[order] = np.arange(1, len(x) + 1)
    return rank


def _bridging(edges: IntArray, memb: IntArray, n: int, n_groups: int) -> tuple[IntArray, IntArray]:
    """Per node: other groups among its neighbours, and those it alone links to its group."""
    u = np.r_[edges[:, 0], edges[:, 1]]
    v = np.r_[edges[:, 1], edges[:, 0]]
    cu, cv = memb[u], memb[v]
    out = cu != cv
    u, cu, cv = u[out], cu[out], cv[out]
    reached = np.zeros(n, dtype=np.int64)
    sole = np.zeros(n, dtype=np.int64)
    if len(u) == 0:
        return reached, sole
    g = max(n_groups, 1)
    # Edges from group a to group b in all, and from node x to group b.
    pair_key = cu * g + cv
    pk, pcount = uniq_counts(pair_key)
    node_key = u * g + cv
    nk, ncount = uniq_counts(node_key)
    node_of = nk // g
    grp_of = nk % g
    reached = np.bincount(node_of, minlength=n).astype(np.int64)
    total = pcount[np.searchsorted(pk, memb[node_of] * g + grp_of)]
    sole = np.bincount(node_of, weights=(total == ncount), minlength=n).astype(np.int64)
    return reached, sole
