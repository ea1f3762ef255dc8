"""Role inference: a generic interpreter of the signals in ``palermo/law/roles/roles.yaml``.

There is no code per role: each signal *kind* is one vectorised function over the
case's columns that returns, per person, how often it fired and the record or
fact ids behind it. A role's score is the sum of the weights of its fired
signals (capped at 1). Suggestions are leads for a person to confirm.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from palermo.analysis.data import (
    CHANNELS,
    DAY,
    I32,
    NODE_KINDS,
    CaseData,
    FloatArray,
    IntArray,
    chain_ids,
    regex_rows,
    uniq,
    uniq_counts,
)
from palermo.extract.indicators import find_indicators
from palermo.law.roles import RoleBook, RoleSpec, SignalSpec, load_roles

_T_SHIFT = np.int64(1) << np.int64(35)  # node * 2^35 + epoch seconds stays in int64


@dataclass(slots=True)
class SignalHit:
    signal: str
    kind: str
    weight: float
    because: str
    count: int
    total: float
    evidence: list[str]  # record ids / fact ids (at most max_evidence)
    detail: str = ""


@dataclass(slots=True)
class RoleSuggestion:
    person_id: str
    name: str
    person_kind: str
    role: str
    label: str
    score: float
    elements: tuple[str, ...]
    signals: list[SignalHit] = field(default_factory=list)

    @property
    def evidence(self) -> list[str]:
        return [e for s in self.signals for e in s.evidence]


@dataclass(slots=True)
class _Raw:
    """Per-person raw result of one signal: counts, totals, distinct counterparts, rows."""

    count: dict[int, int] = field(default_factory=dict)
    total: dict[int, float] = field(default_factory=dict)
    distinct: dict[int, int] = field(default_factory=dict)
    rows: dict[int, list[str]] = field(default_factory=dict)


class _Ctx:
    """Person-level views of the case shared by all signals (computed once, lazily)."""

    def __init__(self, case: CaseData, max_evidence: int) -> None:
        self.case = case
        self.max_evidence = max_evidence
        n = case.n_nodes
        kinds = sorted({p.kind for p in case.persons.values()})
        self.kind_names = kinds
        self.pkind = np.full(n, -1, dtype=np.int32)
        self.pid: dict[int, str] = {}
        for p in case.persons.values():
            node = case.nodes.index[f"person:{p.id}"]
            self.pkind[node] = kinds.index(p.kind)
            self.pid[node] = p.id
        self.is_person = case.node_kind == NODE_KINDS.index("person")

    def kind_mask(self, kinds: tuple[str, ...]) -> np.ndarray:
        codes = [self.kind_names.index(k) for k in kinds if k in self.kind_names]
        return np.isin(self.pkind, codes) if codes else np.zeros(len(self.pkind), bool)

    @cached_property
    def contacts(self) -> tuple[I32, I32, IntArray, Sequence[str], IntArray]:
        """Calls and messages at person level: a, b, t, ids, original source phones."""
        c, m = self.case.calls, self.case.messages
        a = self.case.resolved(np.r_[c.src, m.src].astype(np.int32))
        b = self.case.resolved(np.r_[c.dst, m.dst].astype(np.int32))
        t = np.r_[c.t, m.t].astype(np.int64)
        ids = chain_ids([c.ids, m.ids])
        raw_dst = np.r_[c.dst, m.dst].astype(np.int32)
        return a, b, t, ids, raw_dst

    @cached_property
    def pay_persons(self) -> tuple[I32, I32]:
        p = self.case.payments
        return self.case.resolved(p.src), self.case.resolved(p.dst)

    @cached_property
    def first_trip(self) -> dict[int, tuple[int, str]]:
        tr = self.case.trips
        out: dict[int, tuple[int, str]] = {}
        for i in np.argsort(tr.t, kind="stable").tolist():
            node = int(tr.src[i])
            if node not in out:
                out[node] = (int(tr.t[i]), tr.ids[i])
        return out

    _object_cache: dict[tuple[str, frozenset[str]], bool]

    def person_object(self, quote: str | None, concepts: set[str]) -> bool:
        """Does the sentence name a person as the one an act of ``concepts`` was done to?

        The sentence is read again as extraction read it: an indicator hit of one of the
        concepts whose clause has a person (a name, "us", "the women") as its object. A
        person confirmed the fact otherwise; a suggestion without one ("transport is
        free", "bring the cash to the usual place") is not evidence that people were
        moved."""
        if not quote:
            return False
        if not hasattr(self, "_object_cache"):
            self._object_cache = {}
        key = (quote, frozenset(concepts))
        if key not in self._object_cache:
            hits = find_indicators(quote, page=1)
            self._object_cache[key] = any(
                h.details.get("patient")
                for h in hits
                if concepts & set(h.details.get("concepts", ()))
            )
        return self._object_cache[key]

    def quote_matches(self, quote: str | None, patterns: tuple[str, ...]) -> bool:
        if not quote:
            return False
        rx = _compiled(patterns)
        return rx.search(quote) is not None

    _regex_cache: dict[tuple[str, tuple[str, ...]], np.ndarray]

    def regex_mask(self, column: str, patterns: tuple[str, ...]) -> np.ndarray:
        """Rows of payments whose column (payer/payee name or reference) matches."""
        if not hasattr(self, "_regex_cache"):
            self._regex_cache = {}
        key = (column, patterns)
        if key not in self._regex_cache:
            rx = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
            p = self.case.payments
            if column == "reference":
                self._regex_cache[key] = regex_rows(p.reference, rx)
            else:
                names = self.case.names.keys
                hit = np.fromiter((bool(rx.search(s)) for s in names), bool, len(names))
                codes = p.payer_name if column == "payer_name" else p.payee_name
                self._regex_cache[key] = hit[codes]
        return self._regex_cache[key]

    def collect(
        self,
        subject: I32,
        rows: IntArray,
        ids: Sequence[str],
        counterpart: npt.NDArray[np.integer[Any]] | None = None,
        amount: FloatArray | None = None,
    ) -> _Raw:
        """Group rows by subject person: counts, totals, distinct counterparts, first ids."""
        raw = _Raw()
        if len(rows) == 0:
            return raw
        subj = subject[rows]
        order = np.argsort(subj, kind="stable")
        subj_o = subj[order]
        rows_o = rows[order]
        bounds = np.flatnonzero(np.r_[True, subj_o[1:] != subj_o[:-1], True])
        for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            node = int(subj_o[s])
            grp = rows_o[s:e]
            raw.count[node] = e - s
            raw.total[node] = float(amount[grp].sum()) if amount is not None else 0.0
            raw.distinct[node] = len(uniq(counterpart[grp])) if counterpart is not None else e - s
            raw.rows[node] = [ids[i] for i in grp[: self.max_evidence].tolist()]
        return raw


_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    rx = _PATTERNS.get(patterns)
    if rx is None:
        rx = _PATTERNS[patterns] = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    return rx


# -- signal kinds ---------------------------------------------------------------------------


def _sig_fact(ctx: _Ctx, sig: SignalSpec) -> _Raw:
    raw = _Raw()
    wanted = set(sig.concepts)
    for f in ctx.case.facts:
        if f.concept not in wanted or f.suspect is None or f.status == "rejected":
            continue
        if sig.person_object and f.status != "confirmed" and not ctx.person_object(f.quote, wanted):
            continue
        if sig.quote_patterns and not ctx.quote_matches(f.quote, sig.quote_patterns):
            continue
        node = ctx.case.person_node(f.suspect)
        if node < 0:
            continue
        raw.count[node] = raw.count.get(node, 0) + 1
        ev = raw.rows.setdefault(node, [])
        if len(ev) < ctx.max_evidence:
            ev.append(f.id)
    for node in raw.count:
        raw.distinct[node] = raw.count[node]
    return raw


def _victim_contacts(ctx: _Ctx, kinds: tuple[str, ...]) -> tuple[IntArray, I32, I32, IntArray]:
    """Contact rows touching a traveller of ``kinds``: (row, traveller, other, t)."""
    a, b, t, _, _ = ctx.contacts
    km = ctx.kind_mask(kinds)
    rows_a = np.flatnonzero(km[a] & ctx.is_person[b] & (a != b))
    rows_b = np.flatnonzero(km[b] & ctx.is_person[a] & (a != b))
    rows = np.r_[rows_a, rows_b]
    trav = np.r_[a[rows_a], b[rows_b]].astype(np.int32)
    other = np.r_[b[rows_a], a[rows_b]].astype(np.int32)
    return rows, trav, other, t[rows]


def _sig_first_contact(ctx: _Ctx, sig: SignalSpec) -> _Raw:
    raw = _Raw()
    _, _, _, ids, _ = ctx.contacts
    rows, trav, other, t = _victim_contacts(ctx, sig.traveller_kinds)
    if len(rows) == 0:
        return raw
    order = np.lexsort((t, trav))
    trav_o = trav[order]
    firsts = order[np.r_[True, trav_o[1:] != trav_o[:-1]]]
    for i in firsts.tolist():
        victim = int(trav[i])
        trip = ctx.first_trip.get(victim)
        if trip is None:
            continue
        gap = (trip[0] - int(t[i])) / DAY
        if not 0 <= gap <= sig.max_days:
            continue
        node = int(other[i])
        raw.count[node] = raw.count.get(node, 0) + 1
        raw.distinct[node] = raw.count[node]
        ev = raw.rows.setdefault(node, [])
        if len(ev) < ctx.max_evidence:
            ev.extend([ids[int(rows[i])], trip[1]])
    return raw


def _sig_contact_travel(ctx: _Ctx, sig: SignalSpec) -> _Raw:
    _, _, _, ids, _ = ctx.contacts
    rows, trav, other, t = _victim_contacts(ctx, sig.traveller_kinds)
    tr = ctx.case.trips
    if len(rows) == 0 or len(tr) == 0:
        return _Raw()
    tkey = np.sort(tr.src.astype(np.int64) * _T_SHIFT + tr.t)
    ckey = trav.astype(np.int64) * _T_SHIFT + t
    lo = np.searchsorted(tkey, ckey - int(sig.days_after * DAY), side="left")
    hi = np.searchsorted(tkey, ckey + int(sig.days_before * DAY), side="right")
    near = hi > lo
    subject = np.full(len(ctx.contacts[0]), -1, dtype=np.int32)
    cp = np.full(len(ctx.contacts[0]), -1, dtype=np.int32)
    subject[rows[near]] = other[near]
    cp[rows[near]] = trav[near]
    sel = rows[near]
    sel = sel[ctx.pkind[subject[sel]] >= 0]
    return ctx.collect(subject, uniq(sel), ids, counterpart=cp)


def _sig_books_trips(ctx: _Ctx, sig: SignalSpec) -> _Raw:
    tr = ctx.case.trips
    raw = _Raw()
    if len(tr) == 0:
        return raw
    km = ctx.kind_mask(sig.traveller_kinds)
    for col_name in sig.via:
        col = tr.booked_by if col_name == "booked_by" else tr.paid_by
        ok = (col >= 0) & km[tr.src]
        who = np.full(len(tr), -1, dtype=np.int32)
        who[ok] = ctx.case.resolved(col[ok])
        rows = np.flatnonzero(ok & (who != tr.src) & (ctx.pkind[np.maximum(who, 0)] >= 0))
        part = ctx.collect(who, rows, tr.ids, counterpart=tr.src, amount=tr.price)
        _merge(raw, part, ctx.max_evidence)
    return raw


def _sig_payments(ctx: _Ctx, sig: SignalSpec) -> _Raw:
    p = ctx.case.payments
    if len(p) == 0:
        return _Raw()
    src_p, dst_p = ctx.pay_persons
    subject, cp = (dst_p, src_p) if sig.direction == "in" else (src_p, dst_p)
    mask = (ctx.pkind[subject] >= 0) & (subject != cp)
    if sig.counterpart_kinds:
        mask &= ctx.kind_mask(sig.counterpart_kinds)[cp]
    if sig.counterpart_patterns:
        col = "payer_name" if sig.direction == "in" else "payee_name"
        mask &= ctx.regex_mask(col, sig.counterpart_patterns)
    if sig.reference_patterns:
        mask &= ctx.regex_mask("reference", sig.reference_patterns)
    if sig.channels:
        mask &= np.isin(p.channel, [CHANNELS.index(c) for c in sig.channels if c in CHANNELS])
    if sig.cross_border:
        mask &= (p.country_from != p.country_to) & (p.country_from > 0) & (p.country_to > 0)
    # Counterparts without an owner are told apart by their account/name.
    cp_key = np.where(cp >= 0, cp, -1 - p.payee_name).astype(np.int32)
    return ctx.collect(subject, np.flatnonzero(mask), p.ids, counterpart=cp_key, amount=p.amount)


def _sig_adverts(ctx: _Ctx, sig: SignalSpec) -> _Raw:
    case = ctx.case
    lk = case.links
    adv = case.link_kinds.get("advertises")
    if adv < 0:
        return _Raw()
    ad_phones = np.unique(lk.dst[lk.kind == adv])
    a, _, _, ids, raw_dst = ctx.contacts
    hit = np.isin(raw_dst, ad_phones)
    own = case.owner[raw_dst]
    rows = np.flatnonzero(hit & (ctx.pkind[a] >= 0) & (own != a))
    return ctx.collect(a, rows, ids, counterpart=raw_dst)


def _sig_contacts_kind(ctx: _Ctx, sig: SignalSpec) -> _Raw:
    a, b, _, ids, _ = ctx.contacts
    km = ctx.kind_mask(sig.counterpart_kinds)
    ra = np.flatnonzero(km[b] & (ctx.pkind[a] >= 0) & (a != b))
    rb = np.flatnonzero(km[a] & (ctx.pkind[b] >= 0) & (a != b))
    subject = np.full(len(a), -1, dtype=np.int32)
    cp = np.full(len(a), -1, dtype=np.int32)
    subject[ra], cp[ra] = a[ra], b[ra]
    raw1 = ctx.collect(subject, ra, ids, counterpart=cp)
    subject2 = np.full(len(a), -1, dtype=np.int32)
    cp2 = np.full(len(a), -1, dtype=np.int32)
    subject2[rb], cp2[rb] = b[rb], a[rb]
    # Distinct counterparts across both directions: recount on the union.
    both_s = np.r_[subject[ra], subject2[rb]]
    both_c = np.r_[cp[ra], cp2[rb]]
    raw2 = ctx.collect(subject2, rb, ids, counterpart=cp2)
    _merge(raw1, raw2, ctx.max_evidence)
    if len(both_s):
        pairs = uniq(both_s.astype(np.int64) * (1 << 32) + both_c.astype(np.int64))
        nodes, cnt = uniq_counts(pairs >> 32)
        raw1.distinct = dict(zip(nodes.tolist(), cnt.tolist(), strict=True))
    return raw1


def _merge(into: _Raw, part: _Raw, cap: int) -> None:
    for node, c in part.count.items():
        into.count[node] = into.count.get(node, 0) + c
        into.total[node] = into.total.get(node, 0.0) + part.total.get(node, 0.0)
        into.distinct[node] = into.distinct.get(node, 0) + part.distinct.get(node, 0)
        ev = into.rows.setdefault(node, [])
        ev.extend(part.rows.get(node, [])[: max(cap - len(ev), 0)])


SIGNALS: dict[str, Callable[[_Ctx, SignalSpec], _Raw]] = {
    "fact": _sig_fact,
    "first_contact_before_travel": _sig_first_contact,
    "contact_around_travel": _sig_contact_travel,
    "books_trips_for": _sig_books_trips,
    "payments": _sig_payments,
    "calls_to_adverts": _sig_adverts,
    "contacts_of_kind": _sig_contacts_kind,
}


def _detail(sig: SignalSpec, count: int, distinct: int, total: float) -> str:
    parts = [f"{count} record{'s' if count != 1 else ''}"]
    if distinct and distinct != count:
        parts.append(f"{distinct} distinct counterpart{'s' if distinct != 1 else ''}")
    if total:
        parts.append(f"total {total:,.2f}")
    return ", ".join(parts)


def _eligible(ctx: _Ctx, role: RoleSpec, node: int) -> bool:
    if int(ctx.pkind[node]) < 0:
        return False
    kind = ctx.kind_names[int(ctx.pkind[node])]
    if role.subject_kinds and kind not in role.subject_kinds:
        return False
    return kind not in role.exclude_kinds


def infer_roles(
    case: CaseData,
    book: RoleBook | None = None,
    *,
    threshold: float | None = None,
    include_below: bool = False,
) -> list[RoleSuggestion]:
    """Role suggestions per person, best first; each lists every signal that fired.

    ``threshold`` overrides the per-role and global thresholds of the role book;
    ``include_below`` also returns scores under the threshold (for review screens).
    """
    book = book or load_roles()
    ctx = _Ctx(case, book.max_evidence)
    cache: dict[SignalSpec, _Raw] = {}
    out: list[RoleSuggestion] = []
    for rid, role in book.roles.items():
        limit = threshold if threshold is not None else (role.threshold or book.threshold)
        hits: dict[int, list[SignalHit]] = {}
        for sig in role.signals:
            if sig not in cache:
                cache[sig] = SIGNALS[sig.kind](ctx, sig)
            raw = cache[sig]
            top = max(raw.count.values(), default=0)
            for node, cnt in raw.count.items():
                if cnt < sig.min_share_of_top * top:
                    continue
                dist = raw.distinct.get(node, cnt)
                total = raw.total.get(node, 0.0)
                if cnt < sig.min_count or dist < sig.min_distinct or total < sig.min_total:
                    continue
                if not _eligible(ctx, role, node):
                    continue
                hits.setdefault(node, []).append(
                    SignalHit(
                        signal=sig.id,
                        kind=sig.kind,
                        weight=sig.weight,
                        because=sig.because,
                        count=cnt,
                        total=round(total, 2),
                        evidence=list(raw.rows.get(node, [])),
                        detail=_detail(sig, cnt, dist, total),
                    )
                )
        for node, sigs in hits.items():
            score = min(1.0, sum(s.weight for s in sigs))
            if score < limit and not include_below:
                continue
            pid = ctx.pid[node]
            person = case.persons[pid]
            out.append(
                RoleSuggestion(
                    person_id=pid,
                    name=person.name,
                    person_kind=person.kind,
                    role=rid,
                    label=role.label,
                    score=round(score, 4),
                    elements=role.elements,
                    signals=sigs,
                )
            )
    out.sort(key=lambda s: (-s.score, s.person_id, s.role))
    return out


def best_role(suggestions: list[RoleSuggestion]) -> dict[str, str]:
    """Person id -> their highest-scoring role (for the network view)."""
    best: dict[str, RoleSuggestion] = {}
    for s in suggestions:
        if s.person_id not in best or s.score > best[s.person_id].score:
            best[s.person_id] = s
    return {k: v.role for k, v in best.items()}


@dataclass(slots=True)
class UnchargedCulpable:
    """A person whose role scores meet the threshold but who faces no charge."""

    person_id: str
    name: str
    person_kind: str
    roles: list[tuple[str, float]]
    concepts: list[str]
    evidence: list[str]
    summary: str


def culpable_not_charged(
    case: CaseData,
    suggestions: list[RoleSuggestion],
    *,
    threshold: float | None = None,
    book: RoleBook | None = None,
) -> list[UnchargedCulpable]:
    """People with a role at or above threshold and no charge, with the concepts it meets."""
    book = book or load_roles()
    by_person: dict[str, list[RoleSuggestion]] = {}
    for s in suggestions:
        limit = (
            threshold
            if threshold is not None
            else (book.roles[s.role].threshold or book.threshold if s.role in book.roles else 0.5)
        )
        if s.score >= limit and not case.charges.get(s.person_id):
            by_person.setdefault(s.person_id, []).append(s)
    out = []
    for pid, sugg in by_person.items():
        sugg.sort(key=lambda s: -s.score)
        concepts = sorted({c for s in sugg for c in s.elements})
        evidence: list[str] = []
        for s in sugg:
            for e in s.evidence:
                if e not in evidence:
                    evidence.append(e)
        lines = [
            f"{s.label} ({s.score:.2f}): "
            + "; ".join(f"{h.because} [{h.detail}]" for h in s.signals)
            for s in sugg
        ]
        p = case.persons[pid]
        out.append(
            UnchargedCulpable(
                person_id=pid,
                name=p.name,
                person_kind=p.kind,
                roles=[(s.role, s.score) for s in sugg],
                concepts=concepts,
                evidence=evidence,
                summary=" | ".join(lines),
            )
        )
    out.sort(key=lambda u: -max(r[1] for r in u.roles))
    return out
