"""Restitution and compensation as worksheets whose every number shows its inputs.

Which law applies is data (:mod:`palermo.law.restitution`): :func:`scheme_worksheet`
computes the worksheet of a scheme's method. 18 U.S.C. 1593 first:

§1593(b)(3): the victim's losses include the GREATER of (a) the gross income or
value to the defendant of the victim's services or labour and (b) the value of
the labour under the FLSA minimum-wage and overtime guarantees. Liquidated
damages (an equal amount, 29 U.S.C. 216(b)) may be added to (b): US v. Edwards
(4th Cir. 2021). Rates come from ``palermo/law/money/minimum_wages.yaml``.

Conventions (stated on the worksheet): a workweek is a block of seven days from
the period's start; a final partial week counts its share of the weekly hours;
the rate is the one in force on the first day of each workweek; where a state
rate is lower than the federal one, the federal rate applies (29 U.S.C. 218(a)).
Money is Decimal, rounded half-up to cents at each row.

England and Wales (reparation orders, Modern Slavery Act 2015 ss. 8-10, and compensation
orders) and the EU (Directive 2011/36/EU art. 17) leave the amount to the court on the
evidence: :func:`loss_of_earnings` gives the guide figure a prosecutor puts forward, the
labour's value at the national minimum wage less what was paid, with the defendant's
gain from the victim beside it (it bounds a UK reparation order through the
confiscation order, s.9(4)).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from palermo import words
from palermo.law.money import Jurisdiction, WageBook, load_wages
from palermo.law.restitution import Scheme
from palermo.reports import csv_safe

CENT = Decimal("0.01")
CSV_HEADER = ["Row", "Formula", "Inputs", "Value", "Currency"]


def money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class WorkPeriod:
    """Days worked from ``start`` to ``end`` inclusive at ``hours_per_week``."""

    start: date
    end: date
    hours_per_week: Decimal | float | int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"work period ends before it starts: {self.start} > {self.end}")


@dataclass(slots=True)
class WorksheetRow:
    label: str
    formula: str
    inputs: dict[str, str]
    value: Decimal


@dataclass(slots=True)
class Worksheet:
    title: str
    currency: str
    rows: list[WorksheetRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, label: str, formula: str, result: Decimal, **inputs: Any) -> Decimal:
        self.rows.append(
            WorksheetRow(label, formula, {k: str(v) for k, v in inputs.items()}, result)
        )
        return result

    def value(self, label: str) -> Decimal:
        for r in self.rows:
            if r.label == label:
                return r.value
        raise KeyError(label)

    @property
    def total(self) -> Decimal:
        return self.rows[-1].value if self.rows else Decimal(0)

    def to_csv(self) -> str:
        """The worksheet as CSV, in words: each input named as on the page
        ("Hours per week=40.00"), notes as rows named "Note"."""
        rows: list[list[object]] = []
        for r in self.rows:
            inputs = "; ".join(f"{words.human(k)}={v}" for k, v in r.inputs.items())
            rows.append([r.label, r.formula, inputs, f"{r.value:.2f}", self.currency])
        rows.extend(["Note", n, "", "", ""] for n in self.notes)
        return csv_safe.to_text(CSV_HEADER, rows)


def _rate(book: WageBook, jur: Jurisdiction, day: date) -> tuple[Decimal, str]:
    r = jur.rate_on(day)
    best, source = (r.rate, r.source) if r else (Decimal(0), "")
    checked = r.checked if r else False
    if jur.floor:
        fl = book.jurisdictions[jur.floor].rate_on(day)
        if fl and fl.rate > best:
            best, source, checked = fl.rate, f"{fl.source} (federal floor)", fl.checked
    if best == 0:
        raise ValueError(f"no minimum-wage rate for {jur.label} on {day}")
    return best, source + ("" if checked else " [not checked against primary source]")


def _weeks(periods: Sequence[WorkPeriod]) -> list[tuple[date, Decimal]]:
    """(first day, hours) per workweek; a final partial week gets its share of hours."""
    out = []
    for p in periods:
        hours = Decimal(str(p.hours_per_week))
        d = p.start
        while d <= p.end:
            days = min(7, (p.end - d).days + 1)
            out.append((d, hours * days / 7))
            d += timedelta(days=7)
    return out


def flsa_value(
    periods: Sequence[WorkPeriod],
    jurisdiction: str = "US-federal",
    *,
    book: WageBook | None = None,
    sheet: Worksheet | None = None,
) -> tuple[Decimal, Worksheet]:
    """Value of the labour at minimum wage with overtime, row per run of equal weeks."""
    book = book or load_wages()
    if jurisdiction not in book.jurisdictions:
        raise KeyError(f"unknown jurisdiction {jurisdiction!r}")
    jur = book.jurisdictions[jurisdiction]
    ws = sheet or Worksheet(f"Minimum-wage value ({jur.label})", jur.currency)
    ot_after = jur.overtime_after_hours
    mult = jur.overtime_multiplier
    groups: list[list[Any]] = []  # [first day, last day, n weeks, hours, rate, source]
    for day, hours in _weeks(periods):
        rate, source = _rate(book, jur, day)
        g = groups[-1] if groups else None
        if g and g[3] == hours and g[4] == rate and (day - g[1]).days == 7:
            g[1], g[2] = day, g[2] + 1
        else:
            groups.append([day, day, 1, hours, rate, source])
    total = Decimal(0)
    for first, last, n, hours, rate, source in groups:
        span = f"{first.isoformat()} to {(last + timedelta(days=6)).isoformat()}"
        regular_h = min(hours, ot_after) if ot_after is not None else hours
        over_h = max(hours - ot_after, Decimal(0)) if ot_after is not None else Decimal(0)
        total += ws.add(
            f"Regular hours, weeks of {span}",
            "weeks x regular hours per week x hourly rate",
            money(n * regular_h * rate),
            weeks=n,
            hours_per_week=f"{regular_h:.2f}",
            rate=f"{rate:.2f}",
            rate_source=source,
        )
        if over_h > 0:
            total += ws.add(
                f"Overtime hours, weeks of {span}",
                f"weeks x hours over {ot_after} per week x {mult} x hourly rate",
                money(n * over_h * mult * rate),
                weeks=n,
                overtime_hours_per_week=f"{over_h:.2f}",
                multiplier=mult,
                rate=f"{rate:.2f}",
            )
    ws.add(
        "Value of the labour at minimum wage and overtime",
        "sum of the rows above",
        money(total),
        rows=len(ws.rows),
    )
    if ot_after is None:
        ws.notes.append(f"{jur.label}: no statutory overtime premium; all hours at the rate")
    if jur.note:
        ws.notes.append(jur.note)
    return money(total), ws


def restitution_1593(
    *,
    victim: str,
    defendant: str,
    periods: Sequence[WorkPeriod],
    gross_gain: Decimal | float | int,
    jurisdiction: str = "US-federal",
    wages_paid: Decimal | float | int = 0,
    liquidated_damages: bool = False,
    gain_evidence: Iterable[str] = (),
    book: WageBook | None = None,
) -> Worksheet:
    """The §1593(b)(3) worksheet: greater of gross gain and FLSA value (with options)."""
    book = book or load_wages()
    jur = book.jurisdictions[jurisdiction]
    ws = Worksheet(f"Restitution, 18 U.S.C. 1593: {victim} against {defendant}", jur.currency)
    value, _ = flsa_value(periods, jurisdiction, book=book, sheet=ws)
    paid = money(Decimal(str(wages_paid)))
    ws.add("Wages actually paid to the victim", "input", paid)
    unpaid = ws.add(
        "Unpaid minimum wage and overtime",
        "max(0, value of the labour - wages paid)",
        money(max(value - paid, Decimal(0))),
        labour_value=value,
        wages_paid=paid,
    )
    ld = Decimal(0)
    if liquidated_damages:
        ld = ws.add(
            "Liquidated damages (29 U.S.C. 216(b))",
            "equal to the unpaid minimum wage and overtime",
            unpaid,
            authority="US v. Edwards, 4th Cir. 2021",
        )
    flsa = ws.add(
        "FLSA measure",
        "unpaid minimum wage and overtime + liquidated damages",
        money(unpaid + ld),
        unpaid=unpaid,
        liquidated_damages=ld,
    )
    ev = list(gain_evidence)
    gain = ws.add(
        "Gross income or value to the defendant of the victim's labour",
        "input (traced proceeds)",
        money(Decimal(str(gross_gain))),
        evidence=", ".join(ev[:20]) + (f" (+{len(ev) - 20} more)" if len(ev) > 20 else ""),
    )
    which = "gross gain" if gain >= flsa else "FLSA measure"
    ws.add(
        "Restitution under 18 U.S.C. 1593(b)(3)",
        "greater of the gross gain and the FLSA measure",
        max(gain, flsa),
        gross_gain=gain,
        flsa_measure=flsa,
        chosen=which,
    )
    if paid:
        ws.notes.append("Wages paid were deducted from the FLSA value; courts differ on this.")
    ws.notes.append(
        "Workweeks are 7-day blocks from the start of each period; the rate in force on "
        "a week's first day applies."
    )
    return ws


def loss_of_earnings(
    *,
    scheme: Scheme,
    victim: str,
    defendant: str,
    periods: Sequence[WorkPeriod],
    gross_gain: Decimal | float | int,
    wage_table: str,
    wages_paid: Decimal | float | int = 0,
    gain_evidence: Iterable[str] = (),
    book: WageBook | None = None,
) -> Worksheet:
    """The guide figure of a scheme that compensates the harm (method ``loss_of_earnings``):
    the labour at the minimum wage of ``wage_table`` less the wages paid. The defendant's
    gain is a row of its own, not part of the total."""
    book = book or load_wages()
    if wage_table not in book.jurisdictions:
        raise KeyError(f"unknown minimum-wage table {wage_table!r}")
    jur = book.jurisdictions[wage_table]
    ws = Worksheet(
        f"{scheme.title} ({scheme.citation}): {victim} against {defendant}", jur.currency
    )
    value, _ = flsa_value(periods, wage_table, book=book, sheet=ws)
    paid = ws.add("Wages actually paid to the victim", "input", money(Decimal(str(wages_paid))))
    ev = list(gain_evidence)
    ws.add(
        "Gain to the defendant from the victim (for comparison, not added)",
        "input (traced proceeds)",
        money(Decimal(str(gross_gain))),
        evidence=", ".join(ev[:20]) + (f" (+{len(ev) - 20} more)" if len(ev) > 20 else ""),
    )
    ws.add(
        f"Loss of earnings: guide figure under {scheme.citation}",
        "max(0, value of the labour at the minimum wage - wages paid)",
        money(max(value - paid, Decimal(0))),
        labour_value=value,
        wages_paid=paid,
    )
    ws.notes.extend(scheme.notes)
    ws.notes.append(
        "Workweeks are 7-day blocks from the start of each period; the rate in force on "
        "a week's first day applies."
    )
    return ws


def scheme_worksheet(
    scheme: Scheme,
    *,
    victim: str,
    defendant: str,
    periods: Sequence[WorkPeriod],
    gross_gain: Decimal | float | int,
    wage_table: str,
    wages_paid: Decimal | float | int = 0,
    liquidated_damages: bool = False,
    gain_evidence: Iterable[str] = (),
    book: WageBook | None = None,
) -> Worksheet:
    """The worksheet of ``scheme``'s method. ``national_law`` has none (ValueError)."""
    if scheme.method == "greater_of_gain_and_labour":
        return restitution_1593(
            victim=victim,
            defendant=defendant,
            periods=periods,
            gross_gain=gross_gain,
            jurisdiction=wage_table,
            wages_paid=wages_paid,
            liquidated_damages=liquidated_damages,
            gain_evidence=gain_evidence,
            book=book,
        )
    if scheme.method == "loss_of_earnings":
        return loss_of_earnings(
            scheme=scheme,
            victim=victim,
            defendant=defendant,
            periods=periods,
            gross_gain=gross_gain,
            wage_table=wage_table,
            wages_paid=wages_paid,
            gain_evidence=gain_evidence,
            book=book,
        )
    raise ValueError(f"{scheme.citation}: no worksheet; the national law that applies decides")
