"""Money: accounts and owners, flow tracing, tables by counterpart and country, proceeds.

Tracing rule (stated so a court can follow it): **pro-rata by running balance**.
Payments are taken in booking order. A traced amount that reaches an account
joins a pool; each later payment out of that account carries the share
``pool * amount / max(balance_before, amount)``, where ``balance_before`` is the
account's inflows minus outflows inside the window before that payment (an
account paying out more than we saw come in is taken to pay from the pool
first). Backward tracing mirrors it: money that left an account is attributed
to the account's earlier inflows in proportion to their amounts.

Why not first-in-first-out or the lowest intermediate balance rule: both need the
opening balance and the exact intra-day order of every booking, which seized
statements rarely give; pro-rata does not depend on the order of entries
booked at the same time and is the rateable approach courts use for mixed funds.
Every traced unit stays accounted for: amounts under ``min_amount`` stop moving
and are reported where they rest, so the tables always add up to the traced total.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from palermo.analysis.data import (
    CHANNELS,
    NODE_KINDS,
    CaseData,
    FloatArray,
    IntArray,
    epoch_of,
    iso_day,
    uniq_counts,
    uniq_inverse,
)


@dataclass(slots=True)
class Account:
    node: int
    key: str
    owner_key: str | None
    owner_name: str | None
    owner_kind: str | None  # person kind / "organisation" / None
    country: str


def account_countries(case: CaseData, nodes: Iterable[int] | None = None) -> dict[int, str]:
    """Country per account node (or per node in ``nodes``): its most frequent payment country."""
    p = case.payments
    node_arr = np.r_[p.src, p.dst].astype(np.int64)
    ctry = np.r_[p.country_from, p.country_to].astype(np.int64)
    keep = ctry > 0
    if nodes is not None:
        want = np.zeros(case.n_nodes, dtype=bool)
        want[list(nodes)] = True
        keep &= want[node_arr]
    pairs, n = uniq_counts(node_arr[keep] * (1 << 20) + ctry[keep])
    if len(pairs) == 0:
        return {}
    node_of = pairs >> 20
    # Most frequent country per node: sort by (node, -count) and take the first.
    order = np.lexsort((-n, node_of))
    first = order[np.r_[True, node_of[order][1:] != node_of[order][:-1]]]
    keys = case.countries.keys
    return {int(node_of[i]): keys[int(pairs[i] & ((1 << 20) - 1))] for i in first.tolist()}


def accounts(case: CaseData) -> list[Account]:
    """All account and cash nodes with their owner (via ownership facts) and country."""
    kinds = {NODE_KINDS.index("account"), NODE_KINDS.index("cash")}
    ctry = account_countries(case)
    pkinds = case.person_kind_of_node()
    out = []
    for node in np.flatnonzero(np.isin(case.node_kind, list(kinds))).tolist():
        own = int(case.owner[node])
        owner_kind = None
        if own >= 0:
            owner_kind = pkinds[own] or NODE_KINDS[int(case.node_kind[own])]
        out.append(
            Account(
                node=node,
                key=case.nodes.keys[node],
                owner_key=case.nodes.keys[own] if own >= 0 else None,
                owner_name=case.labels[own] if own >= 0 else None,
                owner_kind=owner_kind,
                country=ctry.get(node, ""),
            )
        )
    return out


def holder_label(case: CaseData, node: int) -> str:
    own = int(case.owner[node])
    acct = case.nodes.keys[node]
    return f"{case.labels[own]} ({acct})" if own >= 0 else acct


# -- tracing -----------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    key: str
    label: str
    amount: float
    share: float


@dataclass(slots=True)
class FlowTrace:
    direction: Literal["forward", "backward"]
    seeds: list[str]
    start: str | None
    end: str | None
    total: float  # the traced amount (seed outflows forward, seed inflows backward)
    tx_amounts: dict[str, float]  # transaction id -> traced share carried
    tx_rows: dict[int, float]  # the same by payment row (index into CaseData.payments)
    links: list[tuple[str, str, float]]  # (from node key, to node key, traced amount)
    ends: dict[str, float]  # node key -> amount resting there (forward) / originating (back)
    by_counterpart: list[Row]  # first hop from/to the seeds
    by_holder: list[Row]  # where it ends, by owner (person/organisation/account)
    by_country: list[Row]
    notes: list[str] = field(default_factory=list)

    def sankey(self, max_links: int | None = 200) -> dict[str, Any]:
        """``{"nodes": [{"id", "label"}], "links": [{"source", "target", "value"}]}`` (indices)."""
        links = sorted(self.links, key=lambda x: -x[2])
        if max_links is not None:
            links = links[:max_links]
        ids: dict[str, int] = {}
        nodes: list[dict[str, Any]] = []
        out = []
        for a, b, v in links:
            for k in (a, b):
                if k not in ids:
                    ids[k] = len(nodes)
                    nodes.append({"id": k, "label": k.split(":", 1)[-1]})
            out.append({"source": ids[a], "target": ids[b], "value": round(v, 2)})
        return {"nodes": nodes, "links": out}


def _rows(amounts: dict[str, float], labels: dict[str, str], total: float) -> list[Row]:
    rows = [
        Row(k, labels.get(k, k), round(v, 2), (v / total) if total else 0.0)
        for k, v in amounts.items()
        if v > 0
    ]
    rows.sort(key=lambda r: -r.amount)
    return rows


@dataclass(slots=True)
class Prepared:
    """Payments of a window sorted for tracing in one direction (reusable across seeds)."""

    direction: Literal["forward", "backward"]
    start: Any
    end: Any
    idx: IntArray  # rank -> payment row
    frm: IntArray
    to: IntArray
    amt: FloatArray
    denom: FloatArray
    order: IntArray
    starts: IntArray
    mixed_currency: bool = False
    countries: dict[int, str] | None = None  # account -> country, filled on first use


def prepare(
    case: CaseData,
    direction: Literal["forward", "backward"] = "forward",
    *,
    start: Any = None,
    end: Any = None,
    currency: str | None = None,
) -> Prepared:
    """Sort and index the window's payments once; pass to :func:`trace` for many seeds."""
    p = case.payments
    s = epoch_of(start) if start is not None else None
    e = epoch_of(end) if end is not None else None
    keep = np.ones(len(p), dtype=bool)
    if s is not None:
        keep &= p.t >= s
    if e is not None:
        keep &= p.t < e
    if currency is not None:
        keep &= p.currency == case.currencies.get(currency)
    idx = np.flatnonzero(keep)
    # rank r -> payment row idx[r]; ties in time keep row order (stable on a unique key)
    idx = idx[np.argsort(p.t[idx] * len(p) + idx)]
    fwd = direction == "forward"
    # Forward: money leaves `frm` for `to`; backward: demand moves from payee to payer.
    frm = (p.src if fwd else p.dst)[idx].astype(np.int64)
    to = (p.dst if fwd else p.src)[idx].astype(np.int64)
    amt = p.amount[idx].astype(np.float64)
    n = len(idx)
    # Denominator per row (for the `frm` side), see module docstring.
    denom = _balance_before(frm, to, amt) if fwd else _cum_inflow(frm, amt)
    # Rows per `frm` account in processing order (ascending forward, descending backward).
    within = np.arange(n, dtype=np.int64) if fwd else (n - 1 - np.arange(n, dtype=np.int64))
    order = np.argsort(frm * max(n, 1) + within)
    starts = np.searchsorted(frm[order], np.arange(case.n_nodes + 1))
    cur = p.currency[idx]
    mixed = bool(len(cur) and (cur != cur[0]).any())
    return Prepared(direction, start, end, idx, frm, to, amt, denom, order, starts, mixed)


def trace(
    case: CaseData,
    seeds: Iterable[str],
    *,
    direction: Literal["forward", "backward"] = "forward",
    start: Any = None,
    end: Any = None,
    max_hops: int = 6,
    min_amount: float = 1.0,
    currency: str | None = None,
    prepared: Prepared | None = None,
) -> FlowTrace:
    """Trace money forward from (or backward into) ``seeds``.

    ``seeds``: person ids (``P01``), organisation ids, or node keys (``account:GB..``);
    a person or organisation stands for all accounts they own. The traced total is
    every payment out of (forward) or into (backward) the seed accounts in the
    window, excluding transfers between seed accounts. ``prepared`` (from
    :func:`prepare`) replaces direction, window and currency and saves the sorting.
    """
    seed_nodes = _seed_nodes(case, seeds)
    pr = prepared or prepare(case, direction, start=start, end=end, currency=currency)
    direction, start, end = pr.direction, pr.start, pr.end
    idx, frm, to, amt, denom, order, starts = (
        pr.idx,
        pr.frm,
        pr.to,
        pr.amt,
        pr.denom,
        pr.order,
        pr.starts,
    )
    fwd = direction == "forward"
    n = len(idx)
    is_seed = np.zeros(case.n_nodes, dtype=bool)
    is_seed[list(seed_nodes)] = True

    pool = np.zeros(case.n_nodes)
    hops = np.full(case.n_nodes, max_hops + 1, dtype=np.int64)
    carried = np.zeros(n)
    heap: list[tuple[int, int, int]] = []  # (priority, position in `order`, node)
    scheduled = np.zeros(case.n_nodes, dtype=bool)

    def prio(r: int) -> int:
        return r if fwd else -r

    def schedule(node: int, after_rank: int) -> None:
        if scheduled[node] or is_seed[node] or hops[node] >= max_hops:
            return
        lo, hi = int(starts[node]), int(starts[node + 1])
        ranks = order[lo:hi]
        if fwd:
            pos = lo + int(np.searchsorted(ranks, after_rank, side="right"))
        else:  # ranks descending: first rank < after_rank
            pos = lo + int(np.searchsorted(-ranks, -after_rank, side="right"))
        if pos < hi:
            heapq.heappush(heap, (prio(int(order[pos])), pos, node))
            scheduled[node] = True

    total = 0.0
    first_hop: dict[str, float] = {}
    seed_rows = np.flatnonzero(is_seed[frm] & ~is_seed[to])
    for r in seed_rows.tolist():
        carried[r] = amt[r]
        total += amt[r]
        b = int(to[r])
        key = case.nodes.keys[b]
        first_hop[key] = first_hop.get(key, 0.0) + amt[r]
    # Seed rows are released in time order, interleaved with propagation.
    seed_heap = [(prio(r), r) for r in seed_rows.tolist()]
    heapq.heapify(seed_heap)
    while heap or seed_heap:
        if seed_heap and (not heap or seed_heap[0][0] <= heap[0][0]):
            _, r = heapq.heappop(seed_heap)
            b = int(to[r])
            pool[b] += amt[r]
            hops[b] = min(hops[b], 1)
            schedule(b, r)
            continue
        _, pos, a = heapq.heappop(heap)
        scheduled[a] = False
        r = int(order[pos])
        x = amt[r]
        share = pool[a] * min(1.0, x / max(float(denom[r]), x)) if x > 0 else 0.0
        b = int(to[r])
        if share >= min_amount:
            pool[a] -= share
            pool[b] += share
            carried[r] += share
            hops[b] = min(hops[b], hops[a] + 1)
            schedule(b, r)
        if pool[a] >= min_amount and pos + 1 < int(starts[a + 1]):
            heapq.heappush(heap, (prio(int(order[pos + 1])), pos + 1, a))
            scheduled[a] = True
    if pr.countries is None:
        pr.countries = account_countries(case)
    return _finish(
        case,
        seed_nodes,
        direction,
        start,
        end,
        idx,
        frm,
        to,
        carried,
        pool,
        total,
        first_hop,
        min_amount,
        pr.countries,
        pr.mixed_currency,
    )


def _seed_nodes(case: CaseData, seeds: Iterable[str]) -> set[int]:
    out: set[int] = set()
    for s in seeds:
        if ":" in s:
            node = case.nodes.get(s)
            if node < 0:
                raise KeyError(f"unknown node {s!r}")
            kind = NODE_KINDS[int(case.node_kind[node])]
            if kind in ("person", "organisation"):
                out.update(np.flatnonzero(case.owner == node).tolist())
            else:
                out.add(node)
            continue
        for prefix in ("person", "organisation"):
            node = case.nodes.get(f"{prefix}:{s}")
            if node >= 0:
                out.update(np.flatnonzero(case.owner == node).tolist())
                break
        else:
            raise KeyError(f"unknown person or organisation {s!r}")
    acct = {NODE_KINDS.index("account"), NODE_KINDS.index("cash")}
    return {n for n in out if int(case.node_kind[n]) in acct}


def _balance_before(frm: IntArray, to: IntArray, amt: FloatArray) -> FloatArray:
    """Per row: the paying account's inflows minus outflows before this row (>= 0)."""
    n = len(frm)
    if n == 0:
        return np.zeros(0)
    ranks = np.arange(n, dtype=np.int64)
    acct = np.r_[to, frm].astype(np.int64)
    pos = np.r_[ranks, ranks]
    typ = np.r_[np.zeros(n, np.int64), np.ones(n, np.int64)]
    delta = np.r_[amt, -amt]
    # One int64 key (account, position, in-before-out) sorts faster than lexsort.
    order = np.argsort(acct * (2 * n) + pos * 2 + typ)  # keys are unique: no need for stable
    d = delta[order]
    cs = np.cumsum(d)
    acct_o = acct[order]
    grp_start = np.r_[True, acct_o[1:] != acct_o[:-1]]
    base = np.maximum.accumulate(np.where(grp_start, np.arange(2 * n), 0))
    cs_group = cs - (cs[base] - d[base])  # inclusive cumulative within the account
    out = np.zeros(n)
    is_out = typ[order] == 1
    out[pos[order][is_out]] = cs_group[is_out] - d[is_out]
    return np.maximum(out, 0.0)


def _cum_inflow(payee: IntArray, amt: FloatArray) -> FloatArray:
    """Per row: the receiving account's inflows up to and including this row."""
    n = len(payee)
    if n == 0:
        return np.zeros(0)
    order = np.argsort(payee.astype(np.int64) * n + np.arange(n))
    d = amt[order]
    cs = np.cumsum(d)
    p_o = payee[order]
    grp_start = np.r_[True, p_o[1:] != p_o[:-1]]
    base = np.maximum.accumulate(np.where(grp_start, np.arange(n), 0))
    out = np.zeros(n)
    out[order] = cs - (cs[base] - d[base])
    return out


def _country_of_node(case: CaseData, node: int, countries: dict[int, str]) -> str:
    if node in countries:
        return countries[node]
    label = case.labels[node]  # cash points are "in:RO" / "out:GB"
    return label.split(":")[-1] if case.node_kind[node] == NODE_KINDS.index("cash") else ""


def _finish(
    case: CaseData,
    seed_nodes: set[int],
    direction: Literal["forward", "backward"],
    start: Any,
    end: Any,
    idx: IntArray,
    frm: IntArray,
    to: IntArray,
    carried: FloatArray,
    pool: FloatArray,
    total: float,
    first_hop: dict[str, float],
    min_amount: float,
    countries: dict[int, str],
    mixed_currency: bool,
) -> FlowTrace:
    p = case.payments
    moved = np.flatnonzero(carried > 0)
    tx_rows = {int(idx[r]): float(carried[r]) for r in moved.tolist()}
    tx_amounts = {p.ids[i]: v for i, v in tx_rows.items()}
    src = p.src[idx[moved]].astype(np.int64)
    dst = p.dst[idx[moved]].astype(np.int64)
    key = src * case.n_nodes + dst
    uk, inv, _ = uniq_inverse(key)
    sums = np.bincount(inv, weights=carried[moved], minlength=len(uk))
    links = [
        (case.nodes.keys[int(k // case.n_nodes)], case.nodes.keys[int(k % case.n_nodes)], float(v))
        for k, v in zip(uk.tolist(), sums.tolist(), strict=True)
    ]
    held = np.flatnonzero(pool > 0)
    ends = {case.nodes.keys[n]: float(pool[n]) for n in held.tolist()}
    holder: dict[str, float] = {}
    labels: dict[str, str] = {}
    by_country: dict[str, float] = {}
    for n in held.tolist():
        own = int(case.owner[n])
        hk = case.nodes.keys[own] if own >= 0 else case.nodes.keys[n]
        if n in seed_nodes:
            hk = "(the traced accounts)"
        holder[hk] = holder.get(hk, 0.0) + float(pool[n])
        labels[hk] = case.labels[own] if own >= 0 else hk
        c = _country_of_node(case, n, countries) or "unknown"
        by_country[c] = by_country.get(c, 0.0) + float(pool[n])
    cp_labels = {k: holder_label(case, case.nodes.index[k]) for k in first_hop}
    notes = [
        "pro-rata by running balance; amounts under "
        f"{min_amount} stop moving and are counted where they rest"
    ]
    if mixed_currency:
        notes.append("several currencies are mixed: pass currency= to trace one")
    return FlowTrace(
        direction=direction,
        seeds=sorted(case.nodes.keys[n] for n in seed_nodes),
        start=iso_day(epoch_of(start)) if start is not None else None,
        end=iso_day(epoch_of(end)) if end is not None else None,
        total=float(total),
        tx_amounts=tx_amounts,
        tx_rows=tx_rows,
        links=links,
        ends=ends,
        by_counterpart=_rows(first_hop, cp_labels, total),
        by_holder=_rows(holder, labels, total),
        by_country=_rows(by_country, {}, total),
        notes=notes,
    )


# -- proceeds -------------------------------------------------------------------------------


@dataclass(slots=True)
class ProceedsRow:
    victim: str
    suspect: str
    direct: float  # payments from the victim's accounts to the suspect's
    traced: float  # victim money reaching the suspect's accounts by any path (pro-rata)
    transactions: list[str]


@dataclass(slots=True)
class ProceedsReport:
    rows: list[ProceedsRow]
    per_suspect: dict[str, float]  # traced victim money received
    per_victim: dict[str, float]  # victim money that left to others
    from_buyers: dict[str, float]  # payments by buyers into each person's accounts
    cash_in: dict[str, float]  # cash deposits / money-transfer pickups per person

    def gross_gain(self, suspect: str, victim: str | None = None) -> float:
        return sum(
            r.traced for r in self.rows if r.suspect == suspect and victim in (None, r.victim)
        )


def proceeds(
    case: CaseData,
    *,
    start: Any = None,
    end: Any = None,
    max_hops: int = 4,
    suspect_kinds: Sequence[str] = ("suspect",),
) -> ProceedsReport:
    """Estimated proceeds per suspect from each victim, by tracing the victim's outflows."""
    p = case.payments
    victims = [x for x in case.persons.values() if x.kind == "victim"]
    suspects = {x.id for x in case.persons.values() if x.kind in suspect_kinds}
    owner_pid: dict[int, str] = {}
    for x in case.persons.values():
        node = case.person_node(x.id)
        for a in np.flatnonzero(case.owner == node).tolist():
            owner_pid[a] = x.id
    rows: list[ProceedsRow] = []
    per_s: dict[str, float] = {}
    per_v: dict[str, float] = {}
    prepared = prepare(case, "forward", start=start, end=end)
    for v in victims:
        if not case.accounts_of(v.id):
            continue
        tr = trace(case, [v.id], max_hops=max_hops, prepared=prepared)
        per_v[v.id] = tr.total
        recv: dict[str, float] = {}
        direct: dict[str, float] = {}
        txs: dict[str, list[str]] = {}
        seeds = set(case.accounts_of(v.id))
        for i, amount in tr.tx_rows.items():
            tid = p.ids[i]
            pid = owner_pid.get(int(p.dst[i]))
            if pid in suspects:
                recv[pid] = recv.get(pid, 0.0) + amount
                txs.setdefault(pid, []).append(tid)
                if int(p.src[i]) in seeds:
                    direct[pid] = direct.get(pid, 0.0) + amount
        for pid, amount in recv.items():
            rows.append(
                ProceedsRow(v.id, pid, round(direct.get(pid, 0.0), 2), round(amount, 2), txs[pid])
            )
            per_s[pid] = per_s.get(pid, 0.0) + amount
    buyers = {case.person_node(x.id) for x in case.persons.values() if x.kind == "buyer"}
    from_buyers: dict[str, float] = {}
    cash_in: dict[str, float] = {}
    src_own = case.owner[p.src]
    dst_own = case.owner[p.dst]
    cash_ch = [CHANNELS.index("cash"), CHANNELS.index("mto")]
    for i in np.flatnonzero(np.isin(src_own, list(buyers)) | np.isin(p.channel, cash_ch)).tolist():
        pid = owner_pid.get(int(p.dst[i]))
        if pid is None or dst_own[i] < 0:
            continue
        if int(src_own[i]) in buyers:
            from_buyers[pid] = from_buyers.get(pid, 0.0) + float(p.amount[i])
        if int(p.channel[i]) in cash_ch:
            cash_in[pid] = cash_in.get(pid, 0.0) + float(p.amount[i])
    return ProceedsReport(rows, per_s, per_v, from_buyers, cash_in)
