"""Key players and brokers: reach, brokerage, role evidence and money, each explained.

The structural order of people is by their number of direct contacts; among people with
as many contacts, by the records that tie them to others (weighted degree); among people
equal on both, by brokerage: first Burt's constraint as it is shown to the investigator
(two decimals, lowest first: their contacts are not in touch with each other), then, when
that shows no difference, the share of shortest paths between others that run through
them (betweenness, highest first). Organisers are often the best-connected people of a
covert network, and among equals they are the ones whose contacts depend on them
(Morselli 2009, *Inside Criminal Networks*, ch. 1; Krebs 2002). Contacts come first
because on the real networks of the key-player benchmark (``benchmarks/network.py
--keyplayers``) bonuses for brokers that let them overtake busier people helped on some
networks and hurt on others, while breaking ties helped on most and hurt on a few by a
little (see ``benchmarks/data/README.md``). Constraint is compared as shown because a
difference the investigator cannot see (0.175 against 0.172) is no evidence of brokerage
and could not be explained; betweenness then decides, and it is shown with its rank. K-core
depth and reach within two steps are reported in each explanation but do not enter the
score. When the case holds role suggestions or payments, a quarter of the score is
evidence: the person's strongest evidence of organising (a role's score times how much
that role says about running the network: exploiter and beneficiary fully, buyer and
victim not at all) and the percentile of the money through their accounts.
Each measure comes with a sentence an investigator can read. Betweenness is exact up to
``exact_limit`` active nodes, otherwise estimated from ``samples`` random source nodes
(subset betweenness scaled by n / samples; Brandes and Pich 2007): an estimate whose top
ranks are indicative, not exact; raise ``samples`` for more precision (each source is
one breadth-first search over the graph). Groups come from Leiden (modularity) on the
evidence-weighted graph.

Hubs: an identifier that nobody in the case owns and that touches more than
``hub_degree`` others (a supermarket's account, a call-centre number) would sit on
every shortest path and say nothing; such hubs are left out of the measures and
listed in the report. Burt's constraint and reach within two steps cost the sum of the
neighbours' degrees per node, so they are computed for the ``candidates`` best-placed
nodes only.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import igraph as ig
import numpy as np

from palermo.analysis.data import I32, NODE_KINDS, CaseData, FloatArray, IntArray, uniq_counts
from palermo.analysis.graph import CaseGraph
from palermo.analysis.roles import RoleSuggestion
from palermo.words import counted


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
    score: float  # structure (reach and brokerage), blended with evidence when present
    explanations: list[str] = field(default_factory=list)
    reach2: int = 0  # others within two steps
    role: str = ""  # strongest suggested role, if any
    role_score: float = 0.0
    money: float = 0.0  # payments in and out of the person's accounts


@dataclass(slots=True)
class KeyPlayerReport:
    players: list[KeyPlayer]
    n_groups: int
    betweenness_method: str
    membership: I32  # group per node code (-1 for inactive nodes and hubs)
    hubs: list[tuple[str, int]] = field(default_factory=list)  # (node key, degree) left out
    seconds: dict[str, float] = field(default_factory=dict)  # time per step


def percentile_rank(x: FloatArray) -> FloatArray:
    """Percentile rank in [0, 1]; ties share their average rank."""
    if len(x) == 0:
        return x
    s = np.sort(x)
    lo = np.searchsorted(s, x, side="left")
    hi = np.searchsorted(s, x, side="right") - 1
    return np.asarray((lo + hi) / 2 / max(len(x) - 1, 1), dtype=np.float64)


EVIDENCE_SHARE = 0.25  # of the score, when the case has role suggestions or payments
# How much a suggested role says about organising the network (role keys of
# palermo/law/roles/roles.yaml; unlisted roles count half): those who exploit and
# profit run it; buyers are its clients and victims who recruit are its victims.
ORGANISING_WEIGHT = {
    "exploiter": 1.0,
    "beneficiary": 1.0,
    "money_handler": 0.75,
    "buyer": 0.0,
    "victim_recruiter": 0.0,
}
DEFAULT_ORGANISING_WEIGHT = 0.5


CONSTRAINT_DECIMALS = 2  # constraint is compared as shown; smaller differences are ties
BETWEENNESS_DECIMALS = 12  # float noise between people in the same position


def structural_key(
    degree: FloatArray,
    strength: FloatArray,
    constraint: FloatArray,
    betweenness: FloatArray | None = None,
) -> FloatArray:
    """One key per person that orders by contacts, then records, then brokerage: Burt's
    constraint as shown (``CONSTRAINT_DECIMALS``; lower first; nan counts as no
    brokerage), then betweenness (higher first); equal people get equal keys."""
    cons = np.nan_to_num(np.asarray(constraint, dtype=np.float64), nan=np.inf)
    # the value the explanation shows, so that every difference that orders is visible
    shown = np.array([float(f"{c:.{CONSTRAINT_DECIMALS}f}") for c in cons.tolist()])
    btw = np.zeros(len(cons)) if betweenness is None else np.asarray(betweenness, float)
    rows = np.stack(
        [
            np.asarray(degree, dtype=np.float64),
            np.asarray(strength, dtype=np.float64),
            -shown,
            np.round(btw, BETWEENNESS_DECIMALS),
        ]
    )
    if rows.shape[1] == 0:
        return np.zeros(0, dtype=np.float64)
    # the dense rank of each person's (contacts, records, -constraint, betweenness)
    _, rank = np.unique(rows.T, axis=0, return_inverse=True)
    return np.asarray(rank.ravel(), dtype=np.float64)


def key_players(
    graph: CaseGraph,
    *,
    top: int = 20,
    roles: Sequence[RoleSuggestion] | None = None,
    kinds: Iterable[str] | None = ("person", "organisation"),
    samples: int = 16,
    exact_limit: int = 3000,
    seed: int = 0,
    resolution: float = 1.0,
    hub_degree: int | None = 2000,
    candidates: int = 500,
    leiden_iterations: int = 1,
) -> KeyPlayerReport:
    """Rank nodes of ``kinds`` (None = all) by their position in ``graph`` and, when given
    or present, the ``roles`` suggested for them and the money through their accounts."""
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

    with _seeded(seed):  # the same case gives the same groups and ranking
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
    coreness = np.asarray(g.coreness(), dtype=np.float64)
    # Burt's constraint costs the sum of the neighbours' degrees per node, so the
    # shortlist is the best by contacts and records, and constraint (and reach within two
    # steps) is computed for it alone.
    lead = cand[np.lexsort((-strength[cand], -deg[cand]))]
    short = lead[: max(candidates, top)]
    reach2 = np.zeros(n_act, dtype=np.int64)
    score = np.zeros(n_act, dtype=np.float64)
    cons = np.full(n_act, np.nan)
    key = np.zeros(n_act, dtype=np.float64)
    role_of, role_score, organising = _role_evidence(case, active, roles)
    money = _money(case, active)
    if len(short):
        reach2[short] = np.asarray(g.neighborhood_size(short.tolist(), order=2)) - 1
        cons[short] = g.constraint(short.tolist(), weights="weight")
        key[short] = structural_key(
            deg[short].astype(float), strength[short], cons[short], btw[short]
        )
        structure = percentile_rank(key[short])
        parts = []
        if role_score[short].any():
            parts.append(organising[short])
        if money[short].any():
            parts.append(percentile_rank(money[short]))
        blended = structure
        if parts:
            evidence = sum(parts) / len(parts)
            blended = (1 - EVIDENCE_SHARE) * structure + EVIDENCE_SHARE * evidence
        score[short] = blended
    # people of the shortlist with as many contacts, for the explanation of the order
    same_deg = dict(zip(*np.unique(deg[short], return_counts=True), strict=True))
    order = short[np.argsort(-score[short], kind="stable")][:top]
    lap("bridging and constraint")
    deg_rank = _rank_desc(deg)
    btw_rank = _rank_desc(btw)
    reach2_rank = _rank_desc(reach2)
    money_rank = _rank_desc(money)
    players = []
    for i in order.tolist():
        node = int(active[i])
        records = counted(int(strength[i]), "record")
        expl = [
            f"in direct contact with {counted(int(deg[i]), 'other', zero='no')}"
            f" (rank {deg_rank[i]} of {n_act}), {records}",
            (
                f"lies on about {btw[i]:.1%} of shortest paths between others "
                f"(rank {btw_rank[i]}; {method})"
                if btw[i] > 0
                else "lies on no shortest path between others"
            ),
        ]
        if sole[i] > 0:
            expl.append(
                f"the only link between its group and {counted(int(sole[i]), 'other group')}"
                f" (reaches {counted(int(groups_reached[i]), 'group')} in all)"
            )
        elif groups_reached[i] > 0:
            expl.append(
                f"reaches {counted(int(groups_reached[i]), 'other group')},"
                " each also linked by others"
            )
        expl.append(
            f"reaches {counted(int(reach2[i]), 'other')} within two steps (rank {reach2_rank[i]})"
        )
        if role_of[i]:
            expl.append(
                f"suggested role: {role_of[i]} ({role_score[i]:.2f}); as evidence of"
                f" organising the network: {organising[i]:.2f}"
            )
        if money[i] > 0:
            expl.append(
                f"{money[i]:,.2f} in payments through their accounts (rank {money_rank[i]})"
            )
        peers = int(same_deg.get(deg[i], 1)) - 1
        if peers > 0:
            expl.append(
                f"{counted(peers, 'other')} ha{'ve' if peers != 1 else 's'} as many contacts:"
                f" ordered among them by records ({int(strength[i])}), then by brokerage:"
                f" constraint {cons[i]:.{CONSTRAINT_DECIMALS}f} (lower first), then, at the"
                f" same constraint, the share of shortest paths through them ({btw[i]:.1%},"
                " higher first)"
            )
        expl.append(
            f"belongs to a {int(coreness[i])}-core, a circle in which everyone has at least"
            f" {int(coreness[i])} contacts inside the circle (deepest here: {int(coreness.max())})"
        )
        if not np.isnan(cons[i]):
            expl.append(
                f"constraint {cons[i]:.{CONSTRAINT_DECIMALS}f}: "
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
                reach2=int(reach2[i]),
                role=role_of[i],
                role_score=float(role_score[i]),
                money=float(money[i]),
            )
        )
    return KeyPlayerReport(players, n_groups, method, membership, hubs, seconds)


_RNG_LOCK = threading.Lock()


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """igraph's random numbers from ``random.Random(seed)`` for the block, then back."""
    with _RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            yield
        finally:
            ig.set_random_number_generator(random)


def _role_evidence(
    case: CaseData, active: IntArray, roles: Sequence[RoleSuggestion] | None
) -> tuple[list[str], FloatArray, FloatArray]:
    """Per active node: the label and score of the person's strongest suggested role, and
    the strongest evidence of organising (role score times ``ORGANISING_WEIGHT``)."""
    label = [""] * len(active)
    score = np.zeros(len(active), dtype=np.float64)
    organising = np.zeros(len(active), dtype=np.float64)
    if not roles:
        return label, score, organising
    local = {int(node): i for i, node in enumerate(active.tolist())}
    for s in roles:
        i = local.get(case.person_node(s.person_id), -1)
        if i < 0:
            continue
        if s.score > score[i]:
            score[i], label[i] = s.score, s.label
        weight = ORGANISING_WEIGHT.get(s.role, DEFAULT_ORGANISING_WEIGHT)
        organising[i] = max(organising[i], s.score * weight)
    return label, score, organising


def _money(case: CaseData, active: IntArray) -> FloatArray:
    """Per active node: the amount of payments in and out of the person's accounts."""
    p = case.payments
    out = np.zeros(len(active), dtype=np.float64)
    if len(p) == 0:
        return out
    total = np.zeros(case.n_nodes, dtype=np.float64)
    amount = np.abs(np.asarray(p.amount, dtype=np.float64))
    for side in (case.resolved(p.src), case.resolved(p.dst)):
        ok = side >= 0
        total += np.bincount(side[ok], weights=amount[ok], minlength=case.n_nodes)
    is_person = case.node_kind[active] == NODE_KINDS.index("person")
    out[is_person] = total[active[is_person]]
    return out


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
