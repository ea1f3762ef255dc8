"""A unit's own exchange rates: loaded from a CSV file (CLI or browser), used by the Money
tab instead of the bundled rates for the currencies they cover, and named as the source
of every figure converted with them.

The file has a header with ``currency``, ``year`` or ``date``, and ``rate`` (units of the
currency per 1 ``base``), and optionally ``base`` (default EUR, the bundled table's base;
any currency with a bundled rate for that year is accepted) and ``source``. Rates for
days are averaged by year (the analysis converts at annual rates) and the source says
so. A bad line refuses the whole file, naming the line and column: rates are few, and a
half-loaded table would convert some payments with the wrong source.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from palermo.law.money import ExchangeRates, load_exchange_rates
from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services import analysis_jobs
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.store.models import Case, CaseMember
from palermo.store.models.formats import UserRate
from palermo.values.amount import parse_amount
from palermo.values.currency import is_code
from palermo.values.dates import parse_datetime

MAX_RATE_ROWS = 100_000
USER_LABEL = "your rates"


@dataclass(frozen=True)
class RateRow:
    currency: str
    base: str
    year: int
    day: date | None
    rate: Decimal
    source: str


def parse_rates(text: str, file: str, table: ExchangeRates) -> list[RateRow]:
    """The rows of a rates CSV, converted to the table's base; InvalidInput naming the
    file, line and column of the first problem."""
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    reader.fieldnames = fields
    if "currency" not in fields or "rate" not in fields or not {"year", "date"} & set(fields):
        raise InvalidInput(f"{file}, line 1: the header needs currency, year or date, and rate")
    rows: list[RateRow] = []
    for number, cells in enumerate(reader, start=2):
        if number > MAX_RATE_ROWS:
            raise InvalidInput(f"{file}: more than {MAX_RATE_ROWS:,} rates")

        def bad(column: str, why: str, line: int = number) -> InvalidInput:
            return InvalidInput(f"{file}, line {line}, column '{column}': {why}")

        code = (cells.get("currency") or "").strip().upper()
        if not is_code(code):
            raise bad("currency", f"{code!r} is not an ISO 4217 code or a known crypto asset")
        base = (cells.get("base") or table.base).strip().upper()
        if not is_code(base):
            raise bad("base", f"{base!r} is not a currency code")
        day: date | None = None
        if cells.get("date"):
            when = parse_datetime(cells["date"])
            if not hasattr(when, "year"):
                raise bad("date", f"{when} (write dates as 2024-03-01)")
            day = when.date()  # type: ignore[union-attr]
            year = day.year
        else:
            try:
                year = int((cells.get("year") or "").strip())
            except ValueError:
                raise bad("year", "not a year") from None
        value = parse_amount(cells.get("rate") or "", ".")
        if not isinstance(value, Decimal) or value <= 0:
            raise bad("rate", f"{cells.get('rate')!r} is not a positive number (decimal point)")
        if base != table.base:
            via = table.rate(base, year)
            if via is None or via.nearest:
                raise bad("base", f"no bundled {base} rate for {year} to convert through")
            value = value * via.rate
        source = (cells.get("source") or "").strip() or file
        rows.append(RateRow(code, table.base, year, day, value, source[:500]))
    if not rows:
        raise InvalidInput(f"{file}: no rates")
    return rows


def load_rates(ctx: Context, actor: Actor, reference: str, text: str, file: str) -> int:
    """Replace the unit's rates for the currencies in the file; returns how many rows."""
    table = load_exchange_rates()
    rows = parse_rates(text, file, table)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        codes = sorted({r.currency for r in rows})
        session.execute(
            delete(UserRate).where(UserRate.unit_id == case.unit_id, UserRate.currency.in_(codes))
        )
        session.add_all(
            UserRate(
                unit_id=case.unit_id,
                currency=r.currency,
                base=r.base,
                year=r.year,
                day=r.day,
                rate=r.rate,
                source=r.source,
                created_by=actor.user_id,
            )
            for r in rows
        )
        # The money views of all the unit's cases are filed under its rates: analyse again
        # those this person works on (an analysis runs as them, and only opens theirs).
        for case_id in _unit_cases_of(session, actor, case):
            analysis_jobs.analyse_after_commit(ctx, session, actor, case_id)
        audit.record(
            session,
            actor=actor,
            action="rates.load",
            case_id=case.id,
            object_type="unit",
            object_id=case.unit_id,
            details={"file": file[:300], "rows": len(rows), "currencies": codes},
        )
    return len(rows)


def _unit_cases_of(session: Session, actor: Actor, case: Case) -> list[int]:
    """The case, and the other cases of its unit that ``actor`` is a member of."""
    others = select(Case.id).where(Case.unit_id == case.unit_id, Case.id != case.id)
    if not actor.is_system:
        others = others.join(CaseMember, CaseMember.case_id == Case.id).where(
            CaseMember.user_id == actor.user_id
        )
    return [case.id, *session.scalars(others.order_by(Case.id))]


def unit_rates(session: Session, unit_id: int) -> ExchangeRates:
    """The bundled table with the unit's own rates in place of the bundled ones for the
    currencies they cover (all years of such a currency come from the unit's rates)."""
    table = load_exchange_rates()
    found = session.scalars(select(UserRate).where(UserRate.unit_id == unit_id)).all()
    if not found:
        return table
    sums: dict[str, dict[int, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    daily: dict[str, int] = defaultdict(int)
    sources: dict[str, set[str]] = defaultdict(set)
    for row in found:
        sums[row.currency][row.year].append(Decimal(row.rate))
        daily[row.currency] += row.day is not None
        sources[row.currency].add(row.source)
    rates = dict(table.rates)
    own = dict(table.sources)
    for code, years in sums.items():
        if code == table.base:
            continue
        rates[code] = {y: sum(v, Decimal(0)) / len(v) for y, v in years.items()}
        note = "; ".join(sorted(sources[code]))
        if daily[code]:
            note += f" (annual averages of {daily[code]:,} dated rates)"
        own[code] = {"label": USER_LABEL, "source": note}
    return table.model_copy(update={"rates": rates, "sources": own})


def list_unit_rates(ctx: Context, actor: Actor, reference: str) -> list[UserRate]:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        rows = session.scalars(
            select(UserRate)
            .where(UserRate.unit_id == case.unit_id)
            .order_by(UserRate.currency, UserRate.year, UserRate.day)
        ).all()
        session.expunge_all()
        return list(rows)
