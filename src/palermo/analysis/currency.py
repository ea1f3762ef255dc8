"""Payments in several currencies, made comparable: converted to one currency at a rate
from a table supplied as data, or excluded and counted. Never silently mixed.

Amounts are only ever added up in one currency. :func:`convert_payments` converts every
payment to the target currency (by default the case's most common currency by count) at
the annual rate of the payment's year, from an :class:`~palermo.law.money.ExchangeRates`
table: the bundled ECB annual averages, or a user's own table in the same format. The
report gives, per source currency, the number of payments, their total in that currency,
the rates used (currency, year, rate, source), and the payments left out because there is
no rate for that currency or year, with their count and original total. A payment dated
before the first or after the last year listed for its currency is converted at the
nearest listed year's rate, and the report says so.

:func:`usable_payments` leaves out what flow analysis cannot use: zero and negative amounts
(a negative amount is a refund or reversal, kept as evidence at ingest), undated payments
and amounts that are not numbers. Each is counted. :func:`amounts_for_flows` does both, and
:meth:`Conversion.apply` gives the case with only the converted payments, every amount in
the target currency, for the flow and pattern cores.

How to call it, from a service that has loaded a case's ``CaseData``::

    from palermo.analysis.currency import amounts_for_flows
    from palermo.analysis.money import trace
    from palermo.law.money import load_exchange_rates

    rates = load_exchange_rates()            # or load_exchange_rates(user_path)
    conversion = amounts_for_flows(data, rates)          # target=None: most common currency
    flows = trace(conversion.apply(data), seeds)         # every amount in conversion.target
    note = conversion.report.summary()                   # one plain-English line to show
    for line in conversion.report.lines:                 # per source currency
        line.currency, line.payments, line.total, line.uses, line.excluded, line.reasons

``convert_payments(data, rates, "EUR", rows=mask)`` converts only (``rows`` picks the
payments to consider), ``usable_payments(data)`` only excludes. Everything is numpy: 5
million payments convert in about half a second on one core.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from palermo.analysis.data import (
    CaseData,
    Coded,
    FloatArray,
    IntArray,
    Interner,
    PaymentTable,
    uniq_inverse,
)
from palermo.law.money import ExchangeRates, load_exchange_rates

BoolArray = npt.NDArray[np.bool_]

UNDATED = 0  # ``t`` of an undated record in CaseData (as graph.py reads undated links)
NO_CURRENCY = ""  # the currency code of a payment whose currency was not given
_NO_YEAR = 0  # the year given to undated payments while grouping


# --- reports ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateUse:
    """Payments of one currency converted at one pair of table rates.

    Rates are units per 1 ``base`` (EUR for the ECB table): an amount in ``currency``
    becomes ``amount / source_rate * target_rate`` in ``target``. A leg that is the base
    itself has rate 1 and year None.
    """

    currency: str
    target: str
    base: str
    source_year: int | None  # table year of the currency's rate
    source_rate: Decimal
    target_year: int | None  # table year of the target's rate
    target_rate: Decimal
    payment_years: tuple[int, ...]  # years the converted payments are dated in
    payments: int
    nearest_payments: int  # dated in a year the table does not list: nearest year's rate
    nearest_years: tuple[int, ...]  # those payments' years
    total: float  # in ``currency``
    converted: float  # in ``target``
    label: str  # the table's short name, e.g. "ECB"
    source: str  # the table's full source

    @property
    def factor(self) -> float:
        return float(self.target_rate) / float(self.source_rate)

    @property
    def nearest(self) -> bool:
        """Some payments are dated outside the years the table lists for a leg."""
        return self.nearest_payments > 0

    def rate_text(self) -> str:
        """'4.9467 RON per EUR', '1.0813 USD per EUR' or '4.9467 RON and 1.0813 USD per EUR'."""
        legs = []
        if self.source_year is not None:
            legs.append(f"{_dec(self.source_rate)} {self.currency}")
        if self.target_year is not None:
            legs.append(f"{_dec(self.target_rate)} {self.target}")
        return f"{' and '.join(legs)} per {self.base}"

    def year_text(self) -> str:
        """'2023', or '2024 for RON and 2023 for USD' when the two legs differ."""
        if (
            self.source_year is not None
            and self.target_year is not None
            and self.source_year != self.target_year
        ):
            return (
                f"{self.source_year} for {self.currency} and {self.target_year} for {self.target}"
            )
        return str(self.source_year if self.source_year is not None else self.target_year)


@dataclass(frozen=True, slots=True)
class CurrencyLine:
    """One source currency: what was converted (or was already in the target) and what
    was left out for want of a rate."""

    currency: str  # "" = no currency given
    payments: int  # converted, or already in the target currency
    total: float  # their total in ``currency``
    converted: float  # the same payments' total in the target currency
    uses: tuple[RateUse, ...] = ()  # empty for the target currency itself
    excluded: int = 0  # left out: no rate (or no currency, or undated)
    excluded_total: float = 0.0  # their total in ``currency``
    reasons: tuple[str, ...] = ()  # why, e.g. "no rate", "no rate for 2021", "undated"


@dataclass(frozen=True, slots=True, eq=False)
class Unusable:
    """What flow analysis leaves out, and why. Each payment is counted once, under the
    first reason that applies in the order: no amount, zero, negative, undated."""

    usable: BoolArray  # per payment row: True = kept for flows
    no_amount: int = 0  # not a finite number
    zero: int = 0
    negative: int = 0
    negative_totals: tuple[tuple[str, float], ...] = ()  # per currency, never summed across
    undated: int = 0

    @property
    def excluded(self) -> int:
        return self.no_amount + self.zero + self.negative + self.undated

    def summary(self) -> str:
        """'Left out of money flows: 2 payments with a zero amount, ...', or '' if none."""
        parts = []
        if self.zero:
            parts.append(f"{_n(self.zero)} with a zero amount")
        if self.negative:
            totals = ", ".join(
                f"{_money(v)} {c or '(no currency)'}" for c, v in self.negative_totals
            )
            word = "totals" if len(self.negative_totals) > 1 else "total"
            parts.append(
                f"{_n(self.negative)} with a negative amount "
                f"(refunds or reversals; {word} {totals})"
            )
        if self.undated:
            parts.append(_n(self.undated, "undated "))
        if self.no_amount:
            parts.append(f"{_n(self.no_amount)} with no usable amount")
        if not parts:
            return ""
        return f"Left out of money flows: {_join(parts)}."


@dataclass(frozen=True, slots=True)
class ConversionReport:
    """Per source currency: counts, totals, the rates used and what was left out."""

    target: str
    lines: tuple[CurrencyLine, ...]
    label: str  # the rate table's short name ("ECB")
    source: str  # the rate table's source
    checked: bool  # the table was checked against its primary source
    assumed: int = 0  # payments with no currency, taken to be in ``assumed_currency``
    assumed_currency: str | None = None
    unusable: Unusable | None = None  # filled by amounts_for_flows

    @property
    def payments(self) -> int:
        """Payments in the target currency after conversion."""
        return sum(line.payments for line in self.lines)

    @property
    def converted(self) -> int:
        """Payments converted from another currency."""
        return sum(line.payments for line in self.lines if line.uses)

    @property
    def excluded(self) -> int:
        """Payments left out for want of a rate (not counting ``unusable``)."""
        return sum(line.excluded for line in self.lines)

    @property
    def total(self) -> float:
        """The kept payments' total in the target currency."""
        return sum(line.converted for line in self.lines)

    def summary(self) -> str:
        """One plain-English line: what was converted at which rates, what was left out."""
        target = self.target or "one unknown currency"
        clauses: list[str] = []
        for line in self.lines:
            if line.uses:
                clauses.append(_converted_clause(line, target))
        same = [line for line in self.lines if line.payments and not line.uses]
        if same:
            n = sum(line.payments for line in same)
            if self.target == NO_CURRENCY:
                clauses.append(
                    f"{_n(n)} with no currency given, taken to be all in the same currency"
                )
            elif not clauses:
                clauses.append(f"all {_n(n)} in {target}, nothing converted")
            else:
                clauses.append(f"{_n(n)} already in {target}")
        if self.assumed:
            clauses.append(
                f"{_n(self.assumed)} with no currency given taken to be in "
                f"{self.assumed_currency}, as instructed"
            )
        for line in self.lines:
            if line.excluded:
                code = line.currency or ""
                what = f"{_n(line.excluded, (code + ' ') if code else '')}"
                total = f"total {_money(line.excluded_total)}{' ' + code if code else ''}"
                clauses.append(f"excluded {what} ({total}): {', '.join(line.reasons)}")
        text = _sentence("; ".join(clauses)) if clauses else "No payments to convert."
        if not self.checked and self.converted:
            text += f" The {self.label} rates are not yet checked against the official publication."
        if self.unusable is not None and self.unusable.excluded:
            text += " " + self.unusable.summary()
        return text


@dataclass(frozen=True, slots=True, eq=False)
class Conversion:
    """Amounts per payment row in ``target`` (NaN where excluded) and the report."""

    target: str
    amounts: FloatArray  # one per payment row; NaN where ``mask`` is False
    mask: BoolArray  # rows converted (and usable, from amounts_for_flows)
    report: ConversionReport

    def apply(self, case: CaseData) -> CaseData:
        """``case`` with only the kept payments, every amount in ``target`` (other tables
        shared, not copied). The flow, pattern and proceeds cores then cannot mix."""
        p = case.payments
        n = len(p)
        if len(self.mask) != n:
            raise ValueError(f"conversion is for {len(self.mask)} payments, the case has {n}")
        idx = np.flatnonzero(self.mask)
        currencies = Interner(case.currencies.keys)
        code = currencies.code(self.target)
        payments = PaymentTable(
            ids=_take(p.ids, idx, n),
            t=p.t[idx],
            src=p.src[idx],
            dst=p.dst[idx],
            amount=self.amounts[idx],
            currency=np.full(len(idx), code, np.int32),
            channel=p.channel[idx],
            country_from=p.country_from[idx],
            country_to=p.country_to[idx],
            payer_name=p.payer_name[idx],
            payee_name=p.payee_name[idx],
            reference=_take(p.reference, idx, n),
        )
        return replace(case, payments=payments, currencies=currencies)


# --- the work ----------------------------------------------------------------------------


def usable_payments(case: CaseData, *, undated: BoolArray | None = None) -> Unusable:
    """Which payments flow analysis can use: a positive amount and a date.

    ``undated`` marks undated rows; by default those whose time is ``UNDATED`` (0). The
    database loader leaves undated payments out before they reach CaseData; load them
    with ``t = 0`` to have them counted here.
    """
    p = case.payments
    amount = p.amount
    finite = np.isfinite(amount)
    positive = finite & (amount > 0)
    zero = finite & (amount == 0)
    negative = finite & (amount < 0)
    no_date = (p.t == UNDATED) if undated is None else np.asarray(undated, dtype=bool)
    usable = positive & ~no_date
    totals: tuple[tuple[str, float], ...] = ()
    n_negative = int(negative.sum())
    if n_negative:
        keys = case.currencies.keys
        sums = np.bincount(p.currency[negative], weights=amount[negative], minlength=len(keys))
        counts = np.bincount(p.currency[negative], minlength=len(keys))
        totals = tuple(
            (keys[c], float(sums[c])) for c in sorted(np.flatnonzero(counts), key=lambda c: keys[c])
        )
    return Unusable(
        usable=usable,
        no_amount=int((~finite).sum()),
        zero=int(zero.sum()),
        negative=n_negative,
        negative_totals=totals,
        undated=int((positive & no_date).sum()),
    )


def convert_payments(
    case: CaseData,
    rates: ExchangeRates | None = None,
    target: str | None = None,
    *,
    rows: BoolArray | None = None,
    missing_currency: str | None = None,
) -> Conversion:
    """Convert the case's payments to ``target`` (default: the most common currency by
    count among the rows considered). See :func:`convert_columns`."""
    p = case.payments
    return convert_columns(
        p.amount,
        p.currency,
        case.currencies.keys,
        p.t,
        rates,
        target,
        rows=rows,
        missing_currency=missing_currency,
    )


def amounts_for_flows(
    case: CaseData,
    rates: ExchangeRates | None = None,
    target: str | None = None,
    *,
    missing_currency: str | None = None,
    undated: BoolArray | None = None,
) -> Conversion:
    """What flow analysis should read: usable payments only (:func:`usable_payments`),
    converted to one currency (:func:`convert_payments`); the report says both."""
    unusable = usable_payments(case, undated=undated)
    conversion = convert_payments(
        case, rates, target, rows=unusable.usable, missing_currency=missing_currency
    )
    return replace(conversion, report=replace(conversion.report, unusable=unusable))


def convert_columns(
    amount: FloatArray,
    currency: npt.NDArray[np.integer[Any]],
    codes: Sequence[str],
    t: IntArray,
    rates: ExchangeRates | None = None,
    target: str | None = None,
    *,
    rows: BoolArray | None = None,
    missing_currency: str | None = None,
) -> Conversion:
    """Convert payment columns to one currency.

    ``amount`` (float), ``currency`` (codes into ``codes``; "" = not given) and ``t``
    (epoch seconds, ``UNDATED`` = no date) are per payment. ``rows`` picks the payments to
    consider (default all); the others come back NaN and are not in the report. Payments
    with no currency are excluded unless ``missing_currency`` says which currency they
    are in (the report then counts them); if no payment has a currency, they are all
    kept as they are and the report says they are taken to be in one currency.

    Each payment uses the rate of its year (nearest listed year outside the table's
    years). Excluded (NaN, ``mask`` False, counted in the report): a currency or year
    with no rate, no currency given, or an undated payment in a currency other than
    the target.
    """
    table = rates if rates is not None else load_exchange_rates()
    n = len(amount)
    amount = np.asarray(amount, dtype=np.float64)
    cur = np.asarray(currency, dtype=np.int64)
    consider = np.ones(n, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    names = list(codes)
    assumed = 0
    if missing_currency and NO_CURRENCY in names:
        empty = names.index(NO_CURRENCY)
        if missing_currency not in names:
            names.append(missing_currency)
        hit = cur == empty
        assumed = int((hit & consider).sum())
        cur = np.where(hit, names.index(missing_currency), cur)
    sel = np.flatnonzero(consider) if rows is not None else None
    cur_s = cur if sel is None else cur[sel]
    amt_s = amount if sel is None else amount[sel]
    t_s = np.asarray(t, dtype=np.int64)
    t_s = t_s if sel is None else t_s[sel]
    if target is None:
        target = _most_common(names, np.bincount(cur_s, minlength=len(names)), table.base)
    if target not in names:
        names.append(target)
    tcode = names.index(target)

    out = np.full(n, np.nan)
    mask = np.zeros(n, dtype=bool)
    lines: list[CurrencyLine] = []
    if len(cur_s):
        gc, gy, inv = _groups(cur_s, _years(t_s))
        factor_g = np.full(len(gc), np.nan)
        legs: list[tuple[Any, Any] | str | None] = []
        for k in range(len(gc)):
            legs.append(_legs(table, names[gc[k]], int(gy[k]), target, gc[k] == tcode))
            leg = legs[-1]
            if leg is None:
                factor_g[k] = 1.0
            elif not isinstance(leg, str):
                factor_g[k] = float(leg[1].rate) / float(leg[0].rate)
        factor = factor_g[inv]
        ok = ~np.isnan(factor)
        converted = np.where(ok, amt_s * np.where(ok, factor, 0.0), 0.0)
        if sel is None:
            out[ok] = converted[ok]
            mask = ok
        else:
            out[sel[ok]] = converted[ok]
            mask[sel[ok]] = True
        count_g = np.bincount(inv, minlength=len(gc))
        total_g = np.bincount(inv, weights=amt_s, minlength=len(gc))
        conv_g = np.bincount(inv, weights=converted, minlength=len(gc))
        lines = _lines(table, names, target, gc, gy, legs, count_g, total_g, conv_g)
    report = ConversionReport(
        target=target,
        lines=tuple(lines),
        label=table.label,
        source=table.source,
        checked=table.checked,
        assumed=assumed,
        assumed_currency=missing_currency if assumed else None,
    )
    return Conversion(target=target, amounts=out, mask=mask, report=report)


# --- helpers -----------------------------------------------------------------------------


def _most_common(names: Sequence[str], counts: IntArray, base: str) -> str:
    """The most frequent given currency (ties: alphabetical); "" if none is given."""
    known = [(-int(counts[i]), names[i]) for i in range(len(counts)) if counts[i] > 0]
    given = [k for k in known if k[1] != NO_CURRENCY]
    if given:
        return min(given)[1]
    return NO_CURRENCY if known else base


def _years(t: IntArray) -> IntArray:
    """Calendar year (UTC) of each epoch second; ``_NO_YEAR`` for ``UNDATED``."""
    if len(t) == 0:
        return np.zeros(0, dtype=np.int64)

    def year_of(x: int) -> int:
        return int(np.datetime64(x, "s").astype("datetime64[Y]").astype(np.int64)) + 1970

    lo, hi = year_of(int(t.min())), year_of(int(t.max()))
    if hi - lo <= 2000:
        # Searching the year boundaries is four times faster than datetime64 arithmetic.
        starts = (np.arange(lo + 1, hi + 1) - 1970).astype("datetime64[Y]")
        bounds = starts.astype("datetime64[s]").astype(np.int64)
        years = lo + np.searchsorted(bounds, t, side="right").astype(np.int64)
    else:
        years = t.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
    years[t == UNDATED] = _NO_YEAR
    return years


def _groups(cur: IntArray, year: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """The distinct (currency, year) pairs present and each row's index into them."""
    lo, hi = int(year.min()), int(year.max())
    span = hi - lo + 1
    n_codes = int(cur.max()) + 1
    key = cur * span + (year - lo)
    if n_codes * span <= max(1 << 20, 2 * len(cur)):
        cells = np.bincount(key, minlength=n_codes * span)
        present = np.flatnonzero(cells)
        remap = np.full(n_codes * span, -1, dtype=np.int64)
        remap[present] = np.arange(len(present))
        return present // span, present % span + lo, remap[key]
    uniq, inv, _ = uniq_inverse(key)
    return uniq // span, uniq % span + lo, inv


def _legs(
    table: ExchangeRates, code: str, year: int, target: str, same: bool
) -> tuple[Any, Any] | str | None:
    """None (already in the target), the (source, target) AnnualRates, or why not."""
    if same:
        return None
    if code == NO_CURRENCY:
        return "no currency given"
    if year == _NO_YEAR:
        return "undated, so no year for the rate"
    source = table.rate(code, year)
    if source is None:
        return f"no rate for {year}" if code in table.rates else "no rate"
    goal = table.rate(target, year) if target != NO_CURRENCY else None
    if goal is None:
        if target in table.rates:
            return f"no rate for {target} in {year}"
        return f"no rate for {target or 'an unknown currency'}"
    return source, goal


def _lines(
    table: ExchangeRates,
    names: Sequence[str],
    target: str,
    gc: IntArray,
    gy: IntArray,
    legs: list[tuple[Any, Any] | str | None],
    count_g: IntArray,
    total_g: npt.NDArray[Any],
    conv_g: npt.NDArray[Any],
) -> list[CurrencyLine]:
    acc: dict[int, dict[str, Any]] = {}
    for k in range(len(gc)):
        a = acc.setdefault(
            int(gc[k]),
            {"n": 0, "total": 0.0, "conv": 0.0, "uses": {}, "x": 0, "xtotal": 0.0, "why": {}},
        )
        leg, count, total = legs[k], int(count_g[k]), float(total_g[k])
        if isinstance(leg, str):
            a["x"] += count
            a["xtotal"] += total
            a["why"].setdefault(leg, None)
            continue
        a["n"] += count
        a["total"] += total
        a["conv"] += float(conv_g[k])
        if leg is None:
            continue
        source, goal = leg
        key = (
            None if source.currency == table.base else source.year,
            None if goal.currency == table.base else goal.year,
        )
        u = a["uses"].setdefault(
            key, {"n": 0, "total": 0.0, "conv": 0.0, "years": set(), "near": 0, "far": set()}
        )
        u["legs"] = leg
        u["n"] += count
        u["total"] += total
        u["conv"] += float(conv_g[k])
        u["years"].add(int(gy[k]))
        if source.nearest or goal.nearest:
            u["near"] += count
            u["far"].add(int(gy[k]))
    lines = []
    for code, a in acc.items():
        uses = tuple(
            RateUse(
                currency=names[code],
                target=target,
                base=table.base,
                source_year=key[0],
                source_rate=u["legs"][0].rate,
                target_year=key[1],
                target_rate=u["legs"][1].rate,
                payment_years=tuple(sorted(u["years"])),
                payments=u["n"],
                nearest_payments=u["near"],
                nearest_years=tuple(sorted(u["far"])),
                total=u["total"],
                converted=u["conv"],
                label=_leg_text(table, u["legs"], "label"),
                source=_leg_text(table, u["legs"], "source"),
            )
            for key, u in sorted(a["uses"].items(), key=lambda kv: min(kv[1]["years"]))
        )
        lines.append(
            CurrencyLine(
                currency=names[code],
                payments=a["n"],
                total=a["total"],
                converted=a["conv"],
                uses=uses,
                excluded=a["x"],
                excluded_total=a["xtotal"],
                reasons=tuple(a["why"]),
            )
        )
    lines.sort(key=lambda line: (-(line.payments + line.excluded), line.currency))
    return lines


def _converted_clause(line: CurrencyLine, target: str) -> str:
    """'converted 12 RON payments to EUR at the ECB 2023 annual average (4.9467 RON per
    EUR)', with one entry per year when several rates were used."""
    head = f"converted {_n(line.payments, line.currency + ' ')} to {target}"
    if len(line.uses) == 1:
        use = line.uses[0]
        note = _nearest_note(use)
        return (
            f"{head} at the {use.label} {use.year_text()} annual average "
            f"({use.rate_text()}{'; ' + note if note else ''})"
        )
    label = line.uses[0].label
    parts = []
    for use in line.uses:
        note = _nearest_note(use)
        parts.append(
            f"{use.year_text()} ({_n(use.payments)}, {use.rate_text()}"
            f"{'; ' + note if note else ''})"
        )
    return f"{head} at the {label} annual averages of {_join(parts)}"


def _nearest_note(use: RateUse) -> str:
    if not use.nearest:
        return ""
    years = _join(str(y) for y in use.nearest_years)
    return f"{_n(use.nearest_payments)} dated {years}: nearest year in the table"


def _take(seq: Sequence[str], idx: IntArray, n: int) -> Sequence[str]:
    if len(idx) == n or len(seq) != n:
        return seq
    if isinstance(seq, Coded):
        return Coded(seq.values, seq.codes[idx])
    return _Taken(seq, idx)


class _Taken(Sequence[str]):
    """Rows ``idx`` of a sequence, looked up on access (no copy of millions of ids)."""

    def __init__(self, seq: Sequence[str], idx: IntArray) -> None:
        self.seq, self.idx = seq, idx

    def __len__(self) -> int:
        return len(self.idx)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self.seq[int(j)] for j in self.idx[i].tolist()]
        return self.seq[int(self.idx[int(i)])]


def _dec(value: Decimal) -> str:
    return format(value, "f")


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _n(count: int, what: str = "") -> str:
    """'1 payment', '3 RON payments'."""
    return f"{count:,} {what}payment{'s' if count != 1 else ''}"


def _join(parts: Iterable[str]) -> str:
    items = list(parts)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


__all__ = [
    "NO_CURRENCY",
    "UNDATED",
    "Conversion",
    "ConversionReport",
    "CurrencyLine",
    "RateUse",
    "Unusable",
    "amounts_for_flows",
    "convert_columns",
    "convert_payments",
    "usable_payments",
]


def _leg_text(table: ExchangeRates, legs: Sequence[Any], attr: str) -> str:
    """The label (or source) of the rates a conversion used: the table's, or each leg's
    own where a currency's rates come from elsewhere ("ECB and Fed G.5A")."""
    own = [
        str(getattr(leg, attr)) for leg in legs if leg is not None and leg.currency != table.base
    ]
    unique = list(dict.fromkeys(own)) or [str(getattr(table, attr))]
    return (" and " if attr == "label" else "; ").join(unique)
