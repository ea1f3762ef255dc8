"""Laundering leads ranked against each account's own ordinary behaviour.

Payroll runs, rent, bills and busy shops are fan-ins and fan-outs too, so counting
counterparts in a window buries the few real patterns. This core works the other way:

1. **Ordinary behaviour.** A pair of accounts that pays again and again over months
   (salary, rent, a utility, a regular supplier, a shop banking its takings) is
   *recurring*. Each account's *typical* large payment is a high quantile of its
   recurring payments (its baseline).
2. **Unusual payments.** A payment off the recurring pairs, of some size, and well
   above the payer's typical payment (a cash deposit is judged against the payee).
3. **Passed on.** An unusual payment out of an account that received unusual money
   shortly before (or into an account that sends it on shortly after), carrying a
   good share of it, at an account whose unusual money in and out balance over the
   case (pass-through ratio). Cash points never count as pass-through accounts.
4. **Leads.** Connected groups of such payments (igraph components), scored and
   ranked, each with the typology its shape resembles (cycle, fan-in, fan-out,
   scatter-gather, gather-scatter, stack/layering, bipartite, random walk,
   structuring, funnel, rapid pass-through) and the sentences that explain it.

Everything is numpy over the payment columns (five million payments in seconds); the
thresholds are data (``palermo/law/money/laundering.yaml``). Amounts must be in one
currency (see :func:`palermo.analysis.currency.amounts_for_flows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import numpy as np
import numpy.typing as npt

from palermo.analysis.data import CHANNELS, DAY, NODE_KINDS, CaseData, iso_day, uniq_inverse
from palermo.law.money import LaunderingBook, load_laundering

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
_CASH = NODE_KINDS.index("cash")
_CASH_CHANNEL = CHANNELS.index("cash")
_SHIFT = np.int64(1) << np.int64(34)  # account * 2^34 + seconds since the first payment
_SHOWN = 500  # transactions listed per lead (``rows`` has them all)
_SHAPE_LIMIT = 400  # larger leads are a ring of accounts; their shape is not analysed

TYPOLOGY_LABELS: dict[str, str] = {
    "cycle": "Cycle",
    "fan_in": "Fan-in",
    "fan_out": "Fan-out",
    "scatter_gather": "Scatter-gather",
    "gather_scatter": "Gather-scatter",
    "stack": "Stack / layering",
    "bipartite": "Bipartite",
    "random_walk": "Random walk",
    "structuring": "Structuring",
    "funnel": "Funnel account",
    "pass_through": "Rapid pass-through",
    "chain": "Chain of transfers",
    "ring": "Ring of accounts",
}
TYPOLOGY_MEANING: dict[str, str] = {
    "cycle": "money goes round through other accounts back to where it started",
    "fan_in": "several accounts pass money to one account",
    "fan_out": "one account spreads money it just received over several accounts",
    "scatter_gather": "money is split across intermediaries who all pass it to one account",
    "gather_scatter": "an account collects from several accounts and pays it out to several",
    "stack": "money passes through several layers of accounts, split and re-split",
    "bipartite": "a group of accounts pays another group, many to many",
    "random_walk": "money wanders through a small group of accounts, some used twice",
    "structuring": "cash deposits just under the reporting line, then moved on",
    "funnel": "cash deposited in several places, taken out or sent elsewhere soon after",
    "pass_through": "large sums arrive and leave the same account within hours",
    "chain": "money passes along a chain of accounts",
    "ring": "many accounts pass unusual money among themselves, again and again",
}


@dataclass(frozen=True, slots=True)
class Lead:
    rank: int
    score: float
    typology: str
    label: str
    resembles: str
    account: str  # the focal account (node key): the busiest pass-through account
    accounts: list[str]
    transactions: list[str]
    rows: list[int]  # payment rows (into the analysed case's payment table)
    start: str
    end: str
    total: float
    why: list[str]


@dataclass(frozen=True, slots=True)
class LaunderingReport:
    leads: list[Lead]
    score: F64  # per payment row: the score of its lead, 0 when in none
    group: I64  # per payment row: its lead group (any order), -1 when in none
    recurring: Bools  # per payment row
    unusual: Bools  # per payment row
    typical: F64  # per node: typical large recurring payment out, NaN when unknown

    def flagged(self, min_score: float) -> Bools:
        return self.score >= min_score


def _sorted_keys(acct: I64, t: I64) -> tuple[I64, I64]:
    """Keys account * 2^34 + time, and the order that sorts them."""
    key = acct * _SHIFT + t
    order = np.argsort(key, kind="stable")
    return key, order


def _window_sums(
    hay: tuple[I64, I64], vals: F64, needles: tuple[I64, I64], lo: int, hi: int
) -> F64:
    """For each needle key (account, time): the sum of ``vals`` of hay rows of the same
    account whose time is within [time + lo, time + hi]. Keys from :func:`_sorted_keys`."""
    h_key, h_order = hay
    q_key, q_order = needles
    if len(h_key) == 0 or len(q_key) == 0:
        return np.zeros(len(q_key))
    sorted_hay = h_key[h_order]
    cum = np.r_[0.0, np.cumsum(vals[h_order])]
    q = q_key[q_order]
    out = np.empty(len(q_key))
    start = np.searchsorted(sorted_hay, q + lo, side="left")
    end = np.searchsorted(sorted_hay, q + hi, side="right")
    out[q_order] = cum[end] - cum[start]
    return out


def _search(hay: I64, needles: I64, side: str = "left") -> I64:
    """``np.searchsorted`` with the needles sorted first (far fewer cache misses)."""
    order = np.argsort(needles, kind="stable")
    out = np.empty(len(needles), dtype=np.int64)
    out[order] = np.searchsorted(hay, needles[order], side=side)  # type: ignore[call-overload]
    return out


def _group_quantile(group: I64, values: F64, n_groups: int, q: float) -> F64:
    out = np.full(n_groups, np.nan)
    if len(group) == 0:
        return out
    order = np.lexsort((values, group))
    g, v = group[order], values[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    counts = np.diff(np.r_[starts, len(g)])
    out[g[starts]] = v[starts + np.floor(q * (counts - 1)).astype(np.int64)]
    return out


class _Ranker:
    def __init__(self, case: CaseData, book: LaunderingBook) -> None:
        self.case, self.book = case, book
        p = case.payments
        self.p = p
        self.n = len(p)
        self.src = p.src.astype(np.int64)
        self.dst = p.dst.astype(np.int64)
        self.t0 = int(p.t.min()) if self.n else 0
        self.t = (p.t - self.t0).astype(np.int64)
        self.amount = np.asarray(p.amount, dtype=np.float64)
        kinds = case.node_kind
        self.cash_node = np.zeros(case.n_nodes, dtype=bool)
        self.cash_node[: len(kinds)] = kinds == _CASH

    # -- 1. ordinary behaviour -------------------------------------------------------------
    def recurring(self) -> Bools:
        rule = self.book.recurring
        pair = self.src * np.int64(self.case.n_nodes) + self.dst
        _, inv, cnt = uniq_inverse(pair)
        first = np.full(len(cnt), np.iinfo(np.int64).max)
        last = np.zeros(len(cnt), dtype=np.int64)
        np.minimum.at(first, inv, self.t)
        np.maximum.at(last, inv, self.t)
        logs = np.log(np.maximum(self.amount, 0.01))
        mean = np.bincount(inv, weights=logs) / cnt
        var = np.bincount(inv, weights=(logs - mean[inv]) ** 2) / cnt
        ok = (cnt >= rule.min_payments) & (last - first >= rule.min_span_days * DAY)
        ok &= np.sqrt(var) <= rule.max_spread
        return np.asarray(ok[inv], dtype=bool)

    def typical(self, recurring: Bools) -> tuple[F64, F64]:
        """Per account: typical large recurring payment out, and cash deposit in."""
        rows = np.flatnonzero(recurring)
        q, n = self.book.baseline.quantile, self.case.n_nodes
        cash = rows[self.cash_node[self.src[rows]]]
        return (
            _group_quantile(self.src[rows], self.amount[rows], n, q),
            _group_quantile(self.dst[cash], self.amount[cash], n, q),
        )

    # -- 2. unusual payments ---------------------------------------------------------------
    def unusual(self, recurring: Bools, typical_out: F64, typical_in: F64) -> Bools:
        rule = self.book.unusual
        base = np.where(self.cash_node[self.src], typical_in[self.dst], typical_out[self.src])
        base = np.nan_to_num(base, nan=0.0)
        # Cash withdrawals: against the account's usual withdrawal (ATM amounts vary).
        out_cash = np.flatnonzero(self.cash_node[self.dst])
        if len(out_cash):
            usual = _group_quantile(
                self.src[out_cash], self.amount[out_cash], self.case.n_nodes, 0.5
            )
            base[out_cash] = np.maximum(base[out_cash], 2 * usual[self.src[out_cash]])
        return (
            (~recurring)
            & (self.amount >= rule.min_amount)
            & (self.amount >= rule.over_typical * base)
            & (self.src != self.dst)
        )

    # -- 3. passed on ----------------------------------------------------------------------
    def passed_on(self, unusual: Bools, recurring: Bools) -> tuple[F64, F64]:
        rule = self.book.through
        w = int(rule.window_days * DAY)
        u = np.flatnonzero(unusual)
        s, d, t, a = self.src[u], self.dst[u], self.t[u], self.amount[u]
        n_nodes = self.case.n_nodes
        u_in = np.bincount(d, weights=a, minlength=n_nodes)
        u_out = np.bincount(s, weights=a, minlength=n_nodes)
        big = np.maximum(u_in, u_out)
        balance = np.divide(np.minimum(u_in, u_out), big, out=np.zeros(n_nodes), where=big > 0)
        through = (balance >= rule.min_balance) & ~self.cash_node
        # Accounts with no ordinary life at all (fresh mules, shells, one-off accounts
        # abroad), cash points and pass-through accounts are where laundered money goes
        # and comes from; a shop or a friend with a life of their own is not.
        ordinary = np.zeros(n_nodes, dtype=bool)
        rec = np.flatnonzero(recurring)
        ordinary[self.src[rec]] = True
        ordinary[self.dst[rec]] = True
        other_end = through | ~ordinary | self.cash_node
        by_payee, by_payer = _sorted_keys(d, t), _sorted_keys(s, t)
        # Out of an account that received unusual money in the window before.
        before = _window_sums(by_payee, a, by_payer, -w, 0)
        # Into an account that sends unusual money on in the window after.
        after = _window_sums(by_payer, a, by_payee, 0, w)
        fed = through[s] & other_end[d] & (before >= rule.min_share * a)
        passed = through[d] & other_end[s] & (after >= rule.min_share * a)
        # Evidence per payment: passed on at both ends, at one, plus whether the other
        # end has no ordinary life of its own (fresh mule, shell, one-off account).
        fresh = (~ordinary[s] & ~self.cash_node[s]) | (~ordinary[d] & ~self.cash_node[d])
        ev = np.where(fed & passed, 1.0, np.where(fed | passed, 0.6, 0.0))
        ev = np.where(ev > 0, np.minimum(1.0, ev + 0.3 * fresh), 0.0)
        evidence = np.zeros(self.n)
        evidence[u] = ev
        return evidence, balance

    # -- 4. leads --------------------------------------------------------------------------
    def leads(self, evidence: F64, balance: F64) -> tuple[list[Lead], F64, I64]:
        rows = np.flatnonzero(evidence > 0)
        score = np.zeros(self.n)
        group = np.full(self.n, -1, dtype=np.int64)
        if len(rows) == 0:
            return [], score, group
        comp = self.groups(rows)
        # A ring that reuses its accounts for months becomes one huge group; split
        # those into the bursts an analyst can read (same account, days apart).
        sizes = np.bincount(comp)
        big = np.flatnonzero(sizes[comp] > self.book.through.max_lead_payments)
        if len(big):
            sub = self.groups(rows[big], flow_days=self.book.through.split_flow_days)
            comp[big] = comp.max() + 1 + sub
        # Lead score: each payment's evidence adds up like independent signs.
        n_comp = int(comp.max()) + 1
        log_keep = np.bincount(comp, weights=np.log1p(-0.5 * evidence[rows]), minlength=n_comp)
        comp_score = np.round(1 - np.exp(log_keep), 3)
        score[rows] = comp_score[comp]
        group[rows] = comp
        # Explain the strongest leads only (the rest keep their score per payment).
        top = np.argsort(-comp_score, kind="stable")[: self.book.score.max_leads]
        order = np.argsort(comp, kind="stable")
        starts = np.searchsorted(comp[order], top, side="left")
        ends = np.searchsorted(comp[order], top, side="right")
        ranked = [
            self.describe(rows[order[a:b]], balance, float(comp_score[c]), k + 1)
            for k, (c, a, b) in enumerate(
                zip(top.tolist(), starts.tolist(), ends.tolist(), strict=True)
            )
        ]
        return ranked, score, group

    def groups(self, rows: I64, flow_days: float | None = None) -> I64:
        """Group flagged payments into leads. Two payments are linked when money could
        have flowed from one into the other (into an account, then the next payment
        out of it within the window, or the last one in before a payment out) or when
        they leave or reach the same account at most ``group_days`` apart. Cash points
        link nothing. An account used again later starts another lead."""
        m = len(rows)
        rule = self.book.through
        w = int((rule.window_days if flow_days is None else flow_days) * DAY)
        near = int(rule.group_days * DAY)
        s, d, t = self.src[rows], self.dst[rows], self.t[rows]
        local = np.arange(m)
        links: list[I64] = []
        for ends in (s, d):  # siblings: same payer, or same payee, close in time
            keep = ~self.cash_node[ends]
            e, i, tt = ends[keep], local[keep], t[keep]
            order = np.lexsort((tt, e))
            e, i, tt = e[order], i[order], tt[order]
            ok = (e[1:] == e[:-1]) & (tt[1:] - tt[:-1] <= near)
            links.append(np.c_[i[:-1][ok], i[1:][ok]])
        out_keep = ~self.cash_node[s]
        out_i = local[out_keep]
        out_key = s[out_keep] * _SHIFT + t[out_keep]
        order = np.argsort(out_key, kind="stable")
        out_key, out_i = out_key[order], out_i[order]
        in_i = local[~self.cash_node[d]]
        q = d[in_i] * _SHIFT + t[in_i]
        # The next payment out of the payee after each payment in.
        j = _search(out_key, q, "left")
        ok = j < len(out_key)
        jj = np.minimum(j, len(out_key) - 1)
        ok &= (out_key[jj] // _SHIFT == d[in_i]) & (out_key[jj] - q <= w) if len(out_key) else ok
        links.append(np.c_[in_i[ok], out_i[jj[ok]]] if len(out_key) else np.zeros((0, 2), np.int64))
        # The last payment into the payer before each payment out.
        in_key = d[in_i] * _SHIFT + t[in_i]
        order = np.argsort(in_key, kind="stable")
        in_key, in_sorted = in_key[order], in_i[order]
        qo = s[out_i] * _SHIFT + t[out_i]
        j = _search(in_key, qo, "right") - 1
        ok = j >= 0
        jj = np.maximum(j, 0)
        if len(in_key):
            ok &= (in_key[jj] // _SHIFT == s[out_i]) & (qo - in_key[jj] <= w)
            links.append(np.c_[in_sorted[jj[ok]], out_i[ok]])
        pairs = np.concatenate(links) if links else np.zeros((0, 2), np.int64)
        g = ig.Graph(n=m, edges=pairs.tolist(), directed=False)
        return np.asarray(g.connected_components(mode="weak").membership, dtype=np.int64)

    def describe(self, part: I64, balance: F64, sc: float, rank: int) -> Lead:
        p, case = self.p, self.case
        part = part[np.argsort(self.t[part], kind="stable")]
        s, d, t, a = self.src[part], self.dst[part], self.t[part], self.amount[part]
        nodes = np.unique(np.r_[s, d])
        real = nodes[~self.cash_node[nodes]]
        mids = real[np.isin(real, s) & np.isin(real, d)]
        typology, detail = self.typology(part)
        focal = (
            int(mids[np.argmax(balance[mids])])
            if len(mids)
            else int(np.bincount(np.r_[s, d]).argmax())
        )
        k = len(part)
        w = self.book.through.window_days
        why = [
            f"{k} payments ({float(a.sum()):,.2f} in all) off the accounts' recurring "
            f"counterparts and above what each payer usually pays",
            f"{len(mids)} account(s) passed on what they received within {w:g} days",
            detail,
        ]
        if len(mids):
            shown = ", ".join(
                f"{case.nodes.keys[int(x)].split(':', 1)[-1]} ({balance[int(x)]:.0%})"
                for x in mids[:5]
            )
            why.append(f"pass-through ratio (unusual money out / in): {shown}")
        return Lead(
            rank=rank,
            score=sc,
            typology=typology,
            label=TYPOLOGY_LABELS[typology],
            resembles=TYPOLOGY_MEANING[typology],
            account=case.nodes.keys[focal],
            accounts=[case.nodes.keys[int(x)] for x in real.tolist()],
            transactions=[p.ids[int(r)] for r in part[:_SHOWN].tolist()],
            rows=part.tolist(),
            start=iso_day(int(t.min()) + self.t0),
            end=iso_day(int(t.max()) + self.t0),
            total=round(float(a.sum()), 2),
            why=why,
        )

    def typology(self, part: I64) -> tuple[str, str]:
        """The typology a lead's shape resembles, and a sentence saying why."""
        if len(part) > _SHAPE_LIMIT:
            n = len(np.unique(np.r_[self.src[part], self.dst[part]]))
            return "ring", f"{n} accounts passed unusual money among themselves"
        s, d, t = self.src[part], self.dst[part], self.t[part]
        cash_in = self.cash_node[s] & (self.p.channel[part] == _CASH_CHANNEL)
        real_s, real_d = s[~self.cash_node[s]], d[~self.cash_node[d]]
        nodes = np.unique(np.r_[real_s, real_d])
        idx = {int(x): i for i, x in enumerate(nodes.tolist())}
        edges = [
            (idx[int(x)], idx[int(y)])
            for x, y in zip(s.tolist(), d.tolist(), strict=True)
            if int(x) in idx and int(y) in idx
        ]
        g = ig.Graph(n=len(nodes), edges=edges, directed=True)
        outdeg = np.asarray(g.outdegree()) if len(nodes) else np.zeros(0)
        indeg = np.asarray(g.indegree()) if len(nodes) else np.zeros(0)
        n_out = {x: len(np.unique(d[s == x])) for x in np.unique(s).tolist()}
        n_in = {x: len(np.unique(s[d == x])) for x in np.unique(d).tolist()}
        max_out = max(n_out.values(), default=0)
        max_in = max((v for k, v in n_in.items() if not self.cash_node[k]), default=0)
        deposits = int(cash_in.sum())
        if len(edges) and not g.is_dag():
            revisits = len(edges) > len(nodes)
            kind = (
                "random_walk" if revisits and len(nodes) >= 3 and not _simple_cycle(g) else "cycle"
            )
            return (
                kind,
                f"the money returns to an account it passed through ({len(nodes)} accounts)",
            )
        margin = self.book.score.threshold_margin
        if deposits >= 3:
            near = ((self.amount[part] >= (1 - margin) * 10_000) & (self.amount[part] < 10_000))[
                cash_in
            ]
            refs = {str(self.p.reference[int(r)]) for r in part[cash_in].tolist()}
            if near.sum() >= 3:
                return "structuring", f"{int(near.sum())} cash deposits just under 10,000"
            if len(refs) >= 3:
                return "funnel", f"{deposits} cash deposits in {len(refs)} places, then moved on"
        depth = _depth(g) if len(edges) else 0
        if len(edges) and depth >= 3 and max_out >= 2:
            return "stack", f"money passed through {depth} layers of accounts"
        srcs = [x for x in nodes.tolist() if indeg[idx[x]] == 0]
        sinks = [x for x in nodes.tolist() if outdeg[idx[x]] == 0]
        if max_out >= 3 and max_in >= 3:
            mid_ok = len(srcs) == 1 and len(sinks) == 1
            if mid_ok:
                return (
                    "scatter_gather",
                    f"one account split money over {max_out} accounts who paid one account",
                )
            return (
                "gather_scatter",
                f"an account took money from {max_in} accounts and paid {max_out}",
            )
        if len(srcs) >= 2 and len(sinks) >= 2 and len(edges) > max(len(srcs), len(sinks)):
            return "bipartite", f"{len(srcs)} accounts paid {len(sinks)} accounts"
        if max_out >= 3:
            return "fan_out", f"one account paid {max_out} accounts soon after money came in"
        if max_in >= 3:
            return "fan_in", f"{max_in} accounts passed money on to one account"
        quick = self.book.score.quick_hours * 3600
        gaps = np.diff(t)
        if len(gaps) and float(np.median(gaps)) <= quick:
            return "pass_through", "money left within hours of arriving"
        if len(edges) >= 2 and len(nodes) >= 3:
            return "chain", f"money passed along {len(nodes)} accounts"
        return "pass_through", "money arrived and was sent on"


def _simple_cycle(g: ig.Graph) -> bool:
    return all(x == 1 for x in g.outdegree()) and all(x == 1 for x in g.indegree())


def _depth(g: ig.Graph) -> int:
    """The longest path (in payments) of a directed acyclic graph."""
    order = g.topological_sorting()
    dist = dict.fromkeys(order, 0)
    for v in order:
        for w in g.successors(v):
            dist[w] = max(dist[w], dist[v] + 1)
    return max(dist.values(), default=0)


def rank_laundering(case: CaseData, book: LaunderingBook | None = None) -> LaunderingReport:
    """Rank the case's money flows by how much they look like laundering (see module)."""
    book = book or load_laundering()
    r = _Ranker(case, book)
    if r.n == 0:
        z = np.zeros(0)
        return LaunderingReport(
            [], z, z.astype(np.int64), z.astype(bool), z.astype(bool), np.full(case.n_nodes, np.nan)
        )
    recurring = r.recurring()
    typical, typical_in = r.typical(recurring)
    unusual = r.unusual(recurring, typical, typical_in)
    evidence, balance = r.passed_on(unusual, recurring)
    leads, score, group = r.leads(evidence, balance)
    return LaunderingReport(leads, score, group, recurring, unusual, typical)
