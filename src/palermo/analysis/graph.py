"""The case network: people, phones, accounts, organisations and the evidence between them.

Records are first aggregated into one edge per node pair with numpy (count per
evidence kind, first and last date, total amount), then handed to igraph.

Library choice: igraph (C core). Measured with ``benchmarks/network.py --networkx``
on the shared 2-core machine: the 1.7M aggregated edges of a 1M-call + 1M-payment
case become an igraph graph in 0.8 s and a networkx graph in 5.4 s (load average
3-4; 2.3-3.0 s against 8.7-18.9 s under load 6-8), and igraph then runs sampled
(subset) betweenness, Burt's constraint and Leiden in C where networkx runs Python.
rustworkx builds as fast but has no community detection or subset betweenness.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import numpy as np

from palermo.analysis.data import (
    I32,
    NODE_KINDS,
    CaseData,
    FloatArray,
    IntArray,
    epoch_of,
    iso_day,
)

EDGE_KINDS: tuple[str, ...] = ("call", "message", "payment", "trip", "owns", "link")
_BIT = {k: 1 << i for i, k in enumerate(EDGE_KINDS)}


@dataclass(slots=True)
class CaseGraph:
    """Aggregated undirected edges over the case's node codes (``src < dst``).

    With ``collapsed=True`` every identifier with a known owner was replaced by
    the owner, so calls between phones become edges between people.
    """

    case: CaseData
    collapsed: bool
    src: I32
    dst: I32
    count: IntArray  # evidence records behind the edge
    kinds: IntArray  # bit mask over EDGE_KINDS
    kind_counts: dict[str, IntArray]
    first: IntArray
    last: IntArray
    amount: FloatArray
    _ig: ig.Graph | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return self.case.n_nodes

    @property
    def n_edges(self) -> int:
        return len(self.src)

    def degree(self) -> IntArray:
        n = self.n_nodes
        return (np.bincount(self.src, minlength=n) + np.bincount(self.dst, minlength=n)).astype(
            np.int64
        )

    def strength(self) -> FloatArray:
        n = self.n_nodes
        w = self.count.astype(np.float64)
        both = np.bincount(self.src, w, minlength=n) + np.bincount(self.dst, w, minlength=n)
        return np.asarray(both, dtype=np.float64)

    def active_nodes(self) -> I32:
        """Nodes with at least one edge."""
        return np.flatnonzero(self.degree() > 0).astype(np.int32)

    def igraph(self) -> ig.Graph:
        if self._ig is None:
            edges = np.stack([self.src, self.dst], axis=1).astype(np.int64)
            g = ig.Graph(n=self.n_nodes, directed=False)
            g.add_edges(edges)  # faster than the constructor for numpy input
            g.es["weight"] = self.count.astype(np.float64)
            self._ig = g
        return self._ig

    def edge_kinds(self, i: int) -> list[str]:
        mask = int(self.kinds[i])
        return [k for k in EDGE_KINDS if mask & _BIT[k]]

    def counts_by_kind(self) -> dict[str, int]:
        return {k: int((self.kinds & _BIT[k] > 0).sum()) for k in EDGE_KINDS}


def _window(t: IntArray, start: int | None, end: int | None) -> Any:
    keep = np.ones(len(t), dtype=bool)
    if start is not None:
        keep &= t >= start
    if end is not None:
        keep &= t < end
    return keep


def build_graph(
    case: CaseData,
    *,
    start: Any = None,
    end: Any = None,
    collapse: bool = False,
    kinds: Iterable[str] = EDGE_KINDS,
) -> CaseGraph:
    """Aggregate the case's evidence into a :class:`CaseGraph`.

    ``start``/``end`` (inclusive/exclusive; ISO string, date or epoch) keep only
    dated records in the window; ownership edges are undated and always kept.
    """
    s = epoch_of(start) if start is not None else None
    e = epoch_of(end) if end is not None else None
    wanted = set(kinds)
    us: list[I32] = []
    vs: list[I32] = []
    ts: list[IntArray] = []
    amts: list[FloatArray] = []
    ks: list[IntArray] = []

    def res(codes: I32) -> I32:
        return case.resolved(codes) if collapse else codes

    def add(kind: str, u: I32, v: I32, t: IntArray, amount: FloatArray | None = None) -> None:
        us.append(u)
        vs.append(v)
        ts.append(t)
        amts.append(np.zeros(len(u)) if amount is None else amount)
        ks.append(np.full(len(u), _BIT[kind], dtype=np.int64))

    for kind, table in (("call", case.calls), ("message", case.messages)):
        if kind in wanted and len(table):
            m = _window(table.t, s, e)
            add(kind, res(table.src[m]), res(table.dst[m]), table.t[m])
    if "payment" in wanted and len(case.payments):
        p = case.payments
        m = _window(p.t, s, e)
        add("payment", res(p.src[m]), res(p.dst[m]), p.t[m], p.amount[m])
    if "trip" in wanted and len(case.trips):
        tr = case.trips
        m = _window(tr.t, s, e)
        for col in (tr.booked_by, tr.paid_by):
            mm = m & (col >= 0)
            add("trip", res(tr.src[mm]), res(col[mm]), tr.t[mm], tr.price[mm])
    if "link" in wanted and len(case.links):
        lk = case.links
        m = _window(lk.t, s, e) | (lk.t == 0)  # undated links (adverts without a date) stay
        add("link", res(lk.src[m]), res(lk.dst[m]), lk.t[m])
    if "owns" in wanted and not collapse:
        ident = np.flatnonzero(case.owner >= 0).astype(np.int32)
        add("owns", case.owner[ident], ident, np.zeros(len(ident), np.int64))

    if not us:
        z = np.zeros(0, np.int64)
        return CaseGraph(
            case,
            collapse,
            z.astype(np.int32),
            z.astype(np.int32),
            z,
            z,
            {k: z for k in EDGE_KINDS},
            z,
            z,
            np.zeros(0),
        )
    u = np.concatenate(us)
    v = np.concatenate(vs)
    t = np.concatenate(ts)
    amt = np.concatenate(amts)
    kb = np.concatenate(ks)
    keep = u != v  # a person calling themselves after collapsing says nothing
    u, v, t, amt, kb = u[keep], v[keep], t[keep], amt[keep], kb[keep]
    lo = np.minimum(u, v).astype(np.int64)
    hi = np.maximum(u, v).astype(np.int64)
    key = lo * case.n_nodes + hi
    order = np.argsort(key)  # order inside a pair does not matter to the aggregates
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, int)
    group = np.cumsum(np.r_[False, key[1:] != key[:-1]]) if len(key) else np.zeros(0, int)
    ts_o, amt_o, kb_o = t[order], amt[order], kb[order]
    # Undated evidence (t == 0) must not pull "first seen" back to 1970.
    t_first = np.where(ts_o > 0, ts_o, np.iinfo(np.int64).max)
    n_e = len(starts)
    count = np.diff(np.r_[starts, len(key)]).astype(np.int64)
    first = np.minimum.reduceat(t_first, starts) if n_e else np.zeros(0, np.int64)
    first = np.where(first == np.iinfo(np.int64).max, 0, first)
    last = np.maximum.reduceat(ts_o, starts) if n_e else np.zeros(0, np.int64)
    amount = np.add.reduceat(amt_o, starts) if n_e else np.zeros(0)
    kinds_mask = np.bitwise_or.reduceat(kb_o, starts) if n_e else np.zeros(0, np.int64)
    kind_counts = {
        k: np.bincount(group, weights=(kb_o == _BIT[k]), minlength=n_e).astype(np.int64)
        for k in EDGE_KINDS
    }
    ukey = key[starts]
    return CaseGraph(
        case=case,
        collapsed=collapse,
        src=(ukey // case.n_nodes).astype(np.int32),
        dst=(ukey % case.n_nodes).astype(np.int32),
        count=count,
        kinds=kinds_mask.astype(np.int64),
        kind_counts=kind_counts,
        first=first.astype(np.int64),
        last=last.astype(np.int64),
        amount=amount.astype(np.float64),
    )


def to_json(
    graph: CaseGraph,
    *,
    max_nodes: int | None = None,
    importance: Sequence[float] | FloatArray | None = None,
    roles: dict[str, str] | None = None,
    keep: Iterable[int] = (),
) -> dict[str, Any]:
    """A JSON-ready ``{"nodes": [...], "edges": [...]}`` for the web view.

    Nodes carry ``id`` (node key), ``type``, ``label``, ``role`` (from ``roles``:
    person id -> role) and ``importance``; edges carry ``weight`` (evidence
    count), ``kinds``, ``counts`` per kind, ``first``/``last`` dates and
    ``amount``. ``max_nodes`` keeps the most important nodes (default
    importance: weighted degree) plus any in ``keep``.
    """
    case = graph.case
    imp = graph.strength() if importance is None else np.asarray(importance, dtype=np.float64)
    active = graph.active_nodes()
    if max_nodes is not None and len(active) > max_nodes:
        forced = np.asarray(sorted(set(keep)), dtype=np.int32)
        top = active[np.argsort(-imp[active], kind="stable")[:max_nodes]]
        chosen = np.unique(np.r_[top, forced]).astype(np.int32)
    else:
        chosen = active
    inset = np.zeros(graph.n_nodes, dtype=bool)
    inset[chosen] = True
    emask = inset[graph.src] & inset[graph.dst]
    roles = roles or {}
    nodes = []
    for c in chosen.tolist():
        key = case.nodes.keys[c]
        kind = NODE_KINDS[int(case.node_kind[c])]
        pid = key.split(":", 1)[1] if kind == "person" else None
        nodes.append(
            {
                "id": key,
                "type": kind,
                "label": case.labels[c],
                "role": roles.get(pid) if pid else None,
                "importance": round(float(imp[c]), 4),
            }
        )
    edges = []
    for i in np.flatnonzero(emask).tolist():
        counts = {k: int(v[i]) for k, v in graph.kind_counts.items() if v[i]}
        edges.append(
            {
                "source": case.nodes.keys[int(graph.src[i])],
                "target": case.nodes.keys[int(graph.dst[i])],
                "weight": int(graph.count[i]),
                "kinds": graph.edge_kinds(i),
                "counts": counts,
                "first": iso_day(graph.first[i]) if graph.first[i] else None,
                "last": iso_day(graph.last[i]) if graph.last[i] else None,
                "amount": round(float(graph.amount[i]), 2),
            }
        )
    return {
        "nodes": nodes,
        "edges": edges,
        "truncated": bool(max_nodes is not None and len(active) > max_nodes),
        "total_nodes": len(active),
        "total_edges": int(graph.n_edges),
    }
