"""Laundering and trafficking money patterns as explainable rules over time windows.

Thresholds live in ``palermo/law/money/patterns.yaml``. Each rule is vectorised
over the payment columns (numpy) so five million payments take seconds; each hit
lists its transactions and a sentence saying why it matched.

Windows: counts are taken on two calendar grids of ``window_days`` offset by half
a window, and overlapping hits on the same account are merged. A burst shorter
than half a window is always inside one cell; a longer one may be split.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from palermo.analysis.data import (
    CHANNELS,
    DAY,
    I32,
    CaseData,
    iso_day,
    regex_rows,
    uniq,
    uniq_inverse,
)
from palermo.law.money import (
    CycleRule,
    FanRule,
    FunnelRule,
    GatherScatterRule,
    MatchRule,
    OfficialRule,
    PatternBook,
    ScatterGatherRule,
    StructuringRule,
    load_patterns,
)

BoolArray = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.integer[Any]]
_CENT_SHIFT = np.int64(1) << np.int64(40)  # node * 2^40 + cents fits in int64
_BUCKETS = np.int64(1) << np.int64(24)  # group * 2^24 + window number


@dataclass(slots=True)
class PatternHit:
    pattern: str
    label: str
    account: str  # the focal account (node key)
    accounts: list[str]  # every account involved
    transactions: list[str]
    start: str
    end: str
    total: float
    why: str


def _regex_rows(values: Sequence[str], codes: I32 | None, patterns: Iterable[str]) -> BoolArray:
    """Rows whose value matches one of ``patterns`` (case-insensitive), evaluated per unique."""
    pats = list(patterns)
    if not pats:
        n = len(codes) if codes is not None else len(values)
        return np.zeros(n, dtype=bool)
    rx = re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE)
    if codes is not None:  # values = interned strings
        hit = np.fromiter((bool(rx.search(v)) for v in values), bool, len(values))
        return np.asarray(hit[codes], dtype=bool)
    return regex_rows(values, rx)


def _grid(
    group: Ints,
    t: Ints,
    rows: Ints,
    window_days: float,
    counters: Sequence[Ints] = (),
    min_distinct: int = 1,
    min_count: int = 1,
    limit: int = 1000,
    dropped: list[int] | None = None,
    amounts: npt.NDArray[np.float64] | None = None,
    min_avg: float = 0.0,
) -> list[tuple[int, Ints]]:
    """Cells (group, window) of payment ``rows`` with enough rows and distinct counterparts.

    ``group``, ``t`` and ``counters`` are indexed by payment row. A cell passes when
    the largest distinct count among ``counters`` reaches ``min_distinct``. Returns
    (group, rows) per hit, merged across the two grids.
    """
    hits = _cells(
        group[rows],
        t[rows],
        [c[rows] for c in counters],
        window_days,
        min_distinct,
        min_count,
        limit,
        dropped,
        amounts[rows] if amounts is not None else None,
        min_avg,
    )
    return [(g, np.asarray(rows[local], dtype=np.int64)) for g, local in hits]


def _cell_table(
    g: Ints, tt: Ints, counters: Sequence[Ints], w: int, off: int
) -> tuple[Ints, Ints, Ints, Ints]:
    """Cells (group, absolute window) of aligned rows: keys, row->cell, counts, distinct."""
    b = (tt.astype(np.int64) + off) // w
    key = g.astype(np.int64) * _BUCKETS + b
    ukey, inv, cnt = uniq_inverse(key)
    best = cnt.copy()
    if counters:
        best = np.zeros(len(ukey), dtype=np.int64)
        for c in counters:
            pair = uniq(inv.astype(np.int64) * (1 << 32) + c.astype(np.int64))
            best = np.maximum(best, np.bincount(pair >> 32, minlength=len(ukey)))
    return ukey, inv, cnt, best


def _rows_of_cells(inv: Ints, cells: Ints) -> list[Ints]:
    """Local row indices of each cell in ``cells`` (cell ids into the table)."""
    want = np.zeros(int(inv.max()) + 1 if len(inv) else 0, dtype=bool)
    want[cells] = True
    sel = np.flatnonzero(want[inv])
    sel = sel[np.argsort(inv[sel], kind="stable")]
    bounds = np.r_[np.searchsorted(inv[sel], np.sort(cells)), len(sel)]
    return [sel[bounds[i] : bounds[i + 1]] for i in range(len(cells))]


def _merge(found: list[tuple[int, int, int, Ints]]) -> list[tuple[int, Ints]]:
    """Merge cells of the same group whose time spans overlap (the two grids)."""
    found.sort(key=lambda x: (x[0], x[1]))
    merged: list[tuple[int, Ints]] = []
    cur: tuple[int, int, int, Ints] | None = None
    for item in found:
        if cur is not None and item[0] == cur[0] and item[1] <= cur[2]:
            cur = (cur[0], cur[1], max(cur[2], item[2]), np.union1d(cur[3], item[3]))
        else:
            if cur is not None:
                merged.append((cur[0], cur[3]))
            cur = item
    if cur is not None:
        merged.append((cur[0], cur[3]))
    return merged


def _cells(
    g: Ints,
    tt: Ints,
    counters: Sequence[Ints],
    window_days: float,
    min_distinct: int,
    min_count: int,
    limit: int = 1000,
    dropped: list[int] | None = None,
    amounts: npt.NDArray[np.float64] | None = None,
    min_avg: float = 0.0,
) -> list[tuple[int, Ints]]:
    """As :func:`_grid` on aligned arrays; returns (group, local indices).

    At most ``limit`` cells per grid are kept, the strongest (most distinct
    counterparts) first; the number left out is appended to ``dropped``.
    """
    if len(g) == 0:
        return []
    w = max(int(window_days * DAY), 1)
    found: list[tuple[int, int, int, Ints]] = []
    for off in (0, w // 2):
        ukey, inv, cnt, best = _cell_table(g, tt, counters if min_distinct > 1 else (), w, off)
        ok = (cnt >= min_count) & (best >= min_distinct)
        if amounts is not None and min_avg > 0:
            ok &= np.bincount(inv, weights=amounts, minlength=len(ukey)) >= min_avg * cnt
        cells = np.flatnonzero(ok)
        if len(cells) > limit:
            if dropped is not None and off == 0:
                dropped.append(len(cells) - limit)
            cells = cells[np.argsort(-best[cells], kind="stable")[:limit]]
        cells = np.sort(cells)
        for cell, part in zip(cells.tolist(), _rows_of_cells(inv, cells), strict=True):
            found.append(
                (int(ukey[cell] // _BUCKETS), int(tt[part].min()), int(tt[part].max()), part)
            )
    return _merge(found)


class _Detector:
    def __init__(self, case: CaseData, book: PatternBook, limit: int) -> None:
        self.limit = limit
        self.dropped: dict[str, int] = {}
        self.case = case
        self.book = book
        self.p = case.payments
        self.n = len(self.p)
        self.all_rows = np.arange(self.n, dtype=np.int64)

    def key(self, node: int) -> str:
        return self.case.nodes.keys[node]

    def hit(self, pattern: str, label: str, focal: int, rows: Ints, why: str) -> PatternHit:
        p = self.p
        rows = rows[np.argsort(p.t[rows], kind="stable")]
        nodes = np.unique(np.r_[p.src[rows], p.dst[rows]])
        return PatternHit(
            pattern=pattern,
            label=label,
            account=self.key(focal),
            accounts=[self.key(int(x)) for x in nodes.tolist()],
            transactions=[p.ids[int(i)] for i in rows.tolist()],
            start=iso_day(p.t[rows[0]]),
            end=iso_day(p.t[rows[-1]]),
            total=round(float(p.amount[rows].sum()), 2),
            why=why,
        )

    def span(self, rows: Ints) -> str:
        t = self.p.t[rows]
        return f"between {iso_day(t.min())} and {iso_day(t.max())}"

    # -- rules -------------------------------------------------------------------------
    def fan(self, name: str, rule: FanRule, inbound: bool) -> list[PatternHit]:
        p = self.p
        group, cp = (p.dst, p.src) if inbound else (p.src, p.dst)
        rows = self.all_rows[group != cp]
        out = []
        drop: list[int] = []
        cells = _grid(
            group,
            p.t,
            rows,
            rule.window_days,
            [cp],
            rule.min_counterparts,
            1,
            self.limit,
            drop,
            p.amount,
            rule.min_avg_amount,
        )
        if drop:
            self.dropped[name] = drop[0]
        for g, part in cells:
            k = len(np.unique(cp[part]))
            total = float(p.amount[part].sum())
            if total < rule.min_total or total / len(part) < rule.min_avg_amount:
                continue
            verb = f"{k} different accounts paid" if inbound else "paid"
            tail = "" if inbound else f" {k} different accounts"
            why = (
                f"{verb} {self.key(g)}{tail} {len(part)} times, {total:,.2f} in all, "
                f"{self.span(part)} (rule: at least {rule.min_counterparts} in "
                f"{rule.window_days:g} days); {rule.why}"
            )
            out.append(self.hit(name, rule.label, g, part, why))
        return out

    def _sorted_by_payer_amount(self, min_amount: float) -> tuple[Ints, Ints]:
        p = self.p
        rows = self.all_rows[(p.amount >= min_amount) & (p.src != p.dst)]
        cents = np.round(p.amount[rows] * 100).astype(np.int64)
        keys = p.src[rows].astype(np.int64) * _CENT_SHIFT + cents
        order = np.argsort(keys, kind="stable")
        return rows[order], keys[order]

    def _next_hops(
        self,
        cur: Ints,
        amt: npt.NDArray[np.float64],
        rows_sorted: Ints,
        keys_sorted: Ints,
        lo_ratio: float,
        hi_ratio: float,
        cap: int,
    ) -> tuple[Ints, Ints]:
        """For each path (current account, last amount): payments out of the account whose
        amount is within [lo_ratio, hi_ratio] of the last. Returns (path index, row)."""
        base = cur.astype(np.int64) * _CENT_SHIFT
        lo = np.searchsorted(keys_sorted, base + np.ceil(amt * lo_ratio * 100).astype(np.int64))
        hi = np.searchsorted(
            keys_sorted, base + np.floor(amt * hi_ratio * 100).astype(np.int64), side="right"
        )
        cnt = np.maximum(hi - lo, 0)
        total = int(cnt.sum())
        if total > cap:
            raise ValueError(f"pattern join too large ({total:,} candidates > {cap:,})")
        path = np.repeat(np.arange(len(cur)), cnt)
        offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        return path, rows_sorted[np.repeat(lo, cnt) + offs]

    def cycle(self, rule: CycleRule) -> list[PatternHit]:
        p = self.p
        rows_s, keys_s = self._sorted_by_payer_amount(rule.min_amount)
        w = int(rule.window_days * DAY)
        # Paths as columns: rows of each hop; start node, current node, start time.
        hops = [rows_s.copy()]
        start = p.src[rows_s].astype(np.int64)
        out: list[PatternHit] = []
        seen: set[tuple[str, ...]] = set()
        for length in range(2, rule.max_length + 1):
            last = hops[-1]
            path, nxt = self._next_hops(
                p.dst[last],
                p.amount[last],
                rows_s,
                keys_s,
                rule.min_hop_ratio,
                rule.max_hop_ratio,
                rule.max_candidates,
            )
            ok = (p.t[nxt] >= p.t[last[path]]) & (p.t[nxt] - p.t[hops[0][path]] <= w)
            ok &= nxt != last[path]
            # Simple paths only: the next payee is not an intermediate node already visited.
            for h in hops[1:]:
                ok &= p.dst[nxt] != p.src[h[path]]
            path, nxt = path[ok], nxt[ok]
            closed = p.dst[nxt] == start[path]
            if length >= rule.min_length:
                for i in np.flatnonzero(closed).tolist():
                    rows = np.asarray([h[path[i]] for h in hops] + [nxt[i]], dtype=np.int64)
                    ids = tuple(sorted(p.ids[int(r)] for r in rows.tolist()))
                    if ids in seen:
                        continue
                    seen.add(ids)
                    names = " -> ".join(self.key(int(p.src[r])) for r in rows.tolist())
                    why = (
                        f"{names} -> back to {self.key(int(start[path[i]]))} in {length} payments "
                        f"{self.span(rows)}, each carrying {rule.min_hop_ratio:.0%}-"
                        f"{rule.max_hop_ratio:.0%} of the previous; {rule.why}"
                    )
                    out.append(self.hit("cycle", rule.label, int(start[path[i]]), rows, why))
            path, nxt = path[~closed], nxt[~closed]
            hops = [h[path] for h in hops] + [nxt]
            start = start[path]
            if len(nxt) == 0:
                break
        return out

    def scatter_gather(self, rule: ScatterGatherRule) -> list[PatternHit]:
        p = self.p
        rows_s, keys_s = self._sorted_by_payer_amount(rule.min_amount)
        w = int(rule.window_days * DAY)
        path, nxt = self._next_hops(
            p.dst[rows_s],
            p.amount[rows_s],
            rows_s,
            keys_s,
            rule.min_hop_ratio,
            rule.max_hop_ratio,
            rule.max_candidates,
        )
        first = rows_s[path]
        ok = (p.t[nxt] >= p.t[first]) & (p.t[nxt] - p.t[first] <= w)
        ok &= p.dst[nxt] != p.src[first]
        first, nxt = first[ok], nxt[ok]
        if len(first) == 0:
            return []
        a = p.src[first].astype(np.int64)
        c = p.dst[nxt].astype(np.int64)
        n = self.case.n_nodes
        # Cells: (source, destination, window of the first hop).
        pair = a * n + c
        hits = _cells(
            pair,
            p.t[first],
            [p.dst[first].astype(np.int64)],
            rule.window_days,
            rule.min_intermediates,
            1,
        )
        out = []
        for key, local in hits:
            src, dst = divmod(key, n)
            rows = np.unique(np.r_[first[local], nxt[local]])
            k = len(np.unique(p.dst[first[local]]))
            why = (
                f"{self.key(src)} paid {k} intermediaries who each passed "
                f"{rule.min_hop_ratio:.0%}-{rule.max_hop_ratio:.0%} of it on to "
                f"{self.key(dst)} within {rule.window_days:g} days, {self.span(rows)}; {rule.why}"
            )
            out.append(self.hit("scatter_gather", rule.label, dst, rows, why))
        return out

    def gather_scatter(self, rule: GatherScatterRule) -> list[PatternHit]:
        p = self.p
        rows = self.all_rows[p.src != p.dst]
        w = max(int(rule.window_days * DAY), 1)
        t = p.t[rows]
        found: list[tuple[int, int, int, Ints]] = []
        for off in (0, w // 2):
            k_in, inv_in, _, d_in = _cell_table(p.dst[rows], t, [p.src[rows]], w, off)
            k_out, inv_out, _, d_out = _cell_table(p.src[rows], t, [p.dst[rows]], w, off)
            both = np.intersect1d(k_in[d_in >= rule.min_in], k_out[d_out >= rule.min_out])
            if len(both) > self.limit:
                self.dropped.setdefault("gather_scatter", len(both) - self.limit)
                both = both[: self.limit]
            c_in = np.searchsorted(k_in, both)
            c_out = np.searchsorted(k_out, both)
            for key, ins, outs in zip(
                both.tolist(),
                _rows_of_cells(inv_in, c_in),
                _rows_of_cells(inv_out, c_out),
                strict=True,
            ):
                if t[outs].max() < t[ins].min():
                    continue  # paid out before anything came in
                part = np.union1d(rows[ins], rows[outs])
                found.append(
                    (key // int(_BUCKETS), int(p.t[part].min()), int(p.t[part].max()), part)
                )
        hits = []
        for g, allr in _merge(found):
            ins_r = allr[p.dst[allr] == g]
            outs_r = allr[p.src[allr] == g]
            why = (
                f"{self.key(g)} received from {len(np.unique(p.src[ins_r]))} accounts and "
                f"paid {len(np.unique(p.dst[outs_r]))} others {self.span(allr)} "
                f"(rule: at least {rule.min_in} in and {rule.min_out} out within "
                f"{rule.window_days:g} days); {rule.why}"
            )
            hits.append(self.hit("gather_scatter", rule.label, g, allr, why))
        return hits

    def funnel(self, rule: FunnelRule) -> list[PatternHit]:
        p, case = self.p, self.case
        chans = [CHANNELS.index(c) for c in rule.channels_in if c in CHANNELS]
        rows = self.all_rows[np.isin(p.channel, chans) & (p.src != p.dst)]
        if len(rows) == 0:
            return []
        refs = [p.reference[int(i)] for i in rows.tolist()]
        rxs = [re.compile(x) for x in rule.location_patterns]

        def place(ref: str) -> str:
            for rx in rxs:
                m = rx.search(ref)
                if m:
                    return m.group(1)
            return ""

        uniq, inv = np.unique(np.asarray(refs, dtype=object), return_inverse=True)
        places = [place(str(u)) for u in uniq]
        cf = p.country_from[rows]
        loc_keys = [
            f"{case.countries.keys[int(c)]}|{places[int(j)]}"
            for c, j in zip(cf.tolist(), inv.tolist(), strict=True)
        ]
        loc = np.zeros(self.n, dtype=np.int64)
        loc_codes = {k: i for i, k in enumerate(dict.fromkeys(loc_keys))}
        loc[rows] = [loc_codes[k] for k in loc_keys]
        w = int(rule.window_days * DAY)
        out = []
        for g, part in _grid(p.dst, p.t, rows, rule.window_days, [loc], rule.min_locations):
            dep_countries = set(p.country_from[part].tolist())
            t0, t1 = p.t[part].min() - w, p.t[part].max() + w
            outs = self.all_rows[(p.src == g) & (p.t >= t0) & (p.t <= t1)]
            away_mask = ~np.isin(p.country_to[outs], list(dep_countries))
            outs = outs[away_mask & (p.country_to[outs] > 0)]
            if len(outs) == 0:
                continue
            allr = np.union1d(part, outs)
            where = sorted(
                {
                    k.replace("|", " ").strip()
                    for k, c in loc_codes.items()
                    if c in set(loc[part].tolist())
                }
            )
            away = sorted({case.countries.keys[int(c)] for c in p.country_to[outs].tolist()})
            why = (
                f"{len(part)} deposits into {self.key(g)} in {len(where)} places "
                f"({', '.join(where[:6])}) and {len(outs)} withdrawals or transfers in "
                f"{', '.join(away)} {self.span(allr)}; {rule.why}"
            )
            out.append(self.hit("funnel_account", rule.label, g, allr, why))
        return out

    def structuring(self, rule: StructuringRule) -> list[PatternHit]:
        p, case = self.p, self.case
        chans = [CHANNELS.index(c) for c in rule.channels if c in CHANNELS]
        out = []
        for cur, threshold in rule.thresholds.items():
            code = case.currencies.get(cur)
            if code < 0:
                continue
            band = (p.amount >= threshold * (1 - rule.margin)) & (p.amount < threshold)
            mask = band & (p.currency == code)
            if chans:
                mask &= np.isin(p.channel, chans)
            rows = self.all_rows[mask]
            for g, part in _grid(p.dst, p.t, rows, rule.window_days, (), 1, rule.min_count):
                why = (
                    f"{len(part)} deposits into {self.key(g)} of "
                    f"{p.amount[part].min():,.2f}-{p.amount[part].max():,.2f} {cur}, just under "
                    f"the {threshold:,.0f} {cur} reporting threshold, {self.span(part)} "
                    f"(rule: {rule.min_count} within {rule.window_days:g} days, within "
                    f"{rule.margin:.0%} below); {rule.why}"
                )
                out.append(self.hit("structuring", rule.label, g, part, why))
        return out

    def match(self, name: str, rule: MatchRule) -> list[PatternHit]:
        p, case = self.p, self.case
        mask = _regex_rows(case.names.keys, p.payee_name, rule.payee_patterns)
        if rule.reference_patterns:
            mask |= _regex_rows(p.reference, None, rule.reference_patterns)
        if rule.channels:
            mask &= np.isin(p.channel, [CHANNELS.index(c) for c in rule.channels])
        rows = self.all_rows[mask]
        ref_codes = np.zeros(self.n, dtype=np.int64)
        if len(rows):
            _, inv = np.unique(
                np.asarray([p.reference[int(i)] for i in rows.tolist()], dtype=object),
                return_inverse=True,
            )
            ref_codes[rows] = inv
        out = []
        for g, part in _grid(
            p.src,
            p.t,
            rows,
            rule.window_days,
            [p.dst, ref_codes],
            rule.min_payees,
            rule.min_count,
        ):
            payees = sorted(
                {
                    case.names.keys[int(x)] or self.key(int(d))
                    for x, d in zip(p.payee_name[part].tolist(), p.dst[part].tolist(), strict=True)
                }
            )
            n_refs = len(np.unique(ref_codes[part]))
            more = " ..." if len(payees) > 5 else ""
            why = (
                f"{self.key(g)} made {len(part)} matching payments "
                f"({float(p.amount[part].sum()):,.2f}) to {', '.join(payees[:5])}{more} with "
                f"{n_refs} different references {self.span(part)}; {rule.why}"
            )
            out.append(self.hit(name, rule.label, g, part, why))
        return out

    def official(self, rule: OfficialRule) -> list[PatternHit]:
        p, case = self.p, self.case
        officials = [
            case.person_node(x.id) for x in case.persons.values() if x.kind in rule.payee_kinds
        ]
        own_dst = case.owner[p.dst]
        mask = np.isin(own_dst, officials) & (case.owner[p.src] != own_dst)
        if rule.payee_patterns:
            mask |= _regex_rows(case.names.keys, p.payee_name, rule.payee_patterns)
        rows = self.all_rows[mask]
        out = []
        for g, part in _grid(p.dst, p.t, rows, 36500, (), 1, 1):
            own = int(case.owner[g])
            who = case.labels[own] if own >= 0 else self.key(g)
            payers = sorted({case.names.keys[int(x)] for x in p.payer_name[part].tolist()} - {""})
            why = (
                f"{len(part)} payments ({float(p.amount[part].sum()):,.2f}) to {who}, "
                f"a public official, from {', '.join(payers[:5]) or 'other accounts'} "
                f"{self.span(part)}; {rule.why}"
            )
            out.append(self.hit("official_payment", rule.label, g, part, why))
        return out


PATTERN_NAMES: tuple[str, ...] = (
    "fan_in",
    "fan_out",
    "cycle",
    "scatter_gather",
    "gather_scatter",
    "funnel_account",
    "structuring",
    "advertising",
    "rent_for_many",
    "prepaid_cards",
    "official_payment",
)


def detect_patterns(
    case: CaseData,
    book: PatternBook | None = None,
    *,
    patterns: Iterable[str] | None = None,
    max_hits: int = 1000,
    dropped: dict[str, int] | None = None,
) -> list[PatternHit]:
    """Run the enabled pattern rules (all, or those named) and return their hits.

    Window rules keep at most ``max_hits`` cells each, the strongest first; how many
    were left out per pattern is written into ``dropped`` when given.
    """
    book = book or load_patterns()
    d = _Detector(case, book, max_hits)
    if d.n == 0:
        return []
    runners: dict[str, Callable[[], list[PatternHit]]] = {
        "fan_in": lambda: d.fan("fan_in", book.fan_in, True),
        "fan_out": lambda: d.fan("fan_out", book.fan_out, False),
        "cycle": lambda: d.cycle(book.cycle),
        "scatter_gather": lambda: d.scatter_gather(book.scatter_gather),
        "gather_scatter": lambda: d.gather_scatter(book.gather_scatter),
        "funnel_account": lambda: d.funnel(book.funnel_account),
        "structuring": lambda: d.structuring(book.structuring),
        "advertising": lambda: d.match("advertising", book.advertising),
        "rent_for_many": lambda: d.match("rent_for_many", book.rent_for_many),
        "prepaid_cards": lambda: d.match("prepaid_cards", book.prepaid_cards),
        "official_payment": lambda: d.official(book.official_payment),
    }
    wanted = list(patterns) if patterns is not None else list(PATTERN_NAMES)
    out: list[PatternHit] = []
    for name in wanted:
        if name not in runners:
            raise KeyError(f"unknown pattern {name!r}")
        if getattr(book, name).enabled:
            out.extend(runners[name]())
    if dropped is not None:
        dropped.update(d.dropped)
    return out
