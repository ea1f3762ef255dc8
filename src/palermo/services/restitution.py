"""Restitution under the case's own law: the regime of the case's jurisdiction
(:mod:`palermo.law.restitution`) picks the scheme, its method, currency and minimum-wage
table; the Money service supplies the traced gain and the victim's period
(:func:`palermo.services.money.restitution`), and :mod:`palermo.analysis.restitution`
computes the worksheet of the scheme's method.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from palermo.analysis.restitution import WorkPeriod, scheme_worksheet
from palermo.law.money import load_wages
from palermo.law.restitution import Regime, Scheme, regime_for, wage_table_for
from palermo.security.permissions import Actor
from palermo.services import money
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput

GAIN_ROW = "Gross income or value to the defendant of the victim's labour"


def case_regime(ctx: Context, actor: Actor, reference: str) -> tuple[str, Regime | None]:
    """The case's jurisdiction and its restitution regime (None: no regime for it)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        jurisdiction = case.jurisdiction
    return jurisdiction, regime_for(jurisdiction)


def choose_scheme(regime: Regime, scheme_id: str | None) -> Scheme:
    if not scheme_id:
        return regime.main
    for scheme in regime.schemes:
        if scheme.id == scheme_id:
            return scheme
    known = ", ".join(s.id for s in regime.schemes)
    raise InvalidInput(f"scheme must be one of {known} for {regime.label}")


def wage_tables(regime: Regime) -> list[tuple[str, str]]:
    """The minimum-wage tables in the regime's currency, as (key, label)."""
    return [
        (key, table.label)
        for key, table in load_wages().jurisdictions.items()
        if table.currency == regime.currency
    ]


def case_restitution(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    victim_id: int,
    defendant_id: int | None = None,
    hours_per_week: float = 60.0,
    start: date | None = None,
    end: date | None = None,
    wage_table: str | None = None,
    scheme_id: str | None = None,
    wages_paid: Decimal | float = 0,
    liquidated_damages: bool = False,
    loaded: Any = None,
) -> tuple[Regime, Scheme, money.RestitutionView]:
    """The worksheet of one victim against one defendant under the case's law. Fails
    with a clear message when the jurisdiction has no regime, the scheme computes
    nothing (national law decides) or a wage table of another currency is asked for."""
    jurisdiction, regime = case_regime(ctx, actor, reference)
    if regime is None:
        raise InvalidInput(
            f"no restitution law is recorded for the jurisdiction {jurisdiction!r}; "
            "set the case's jurisdiction (US, UK, EU) on the case details"
        )
    scheme = choose_scheme(regime, scheme_id)
    if scheme.method == "national_law":
        raise InvalidInput(" ".join(scheme.summary.split()))
    table = wage_table or wage_table_for(regime, jurisdiction)
    tables = dict(wage_tables(regime))
    if table not in tables:
        raise InvalidInput(
            f"the minimum-wage table must be one of {', '.join(tables)} ({regime.currency}) "
            f"for a case under {regime.label}"
        )
    view = money.restitution(
        ctx,
        actor,
        reference,
        victim_id=victim_id,
        defendant_id=defendant_id,
        hours_per_week=hours_per_week,
        start=start,
        end=end,
        jurisdiction=table,
        wages_paid=wages_paid,
        liquidated_damages=liquidated_damages,
        loaded=loaded,
    )
    sheet = view.worksheet
    if scheme.method != "greater_of_gain_and_labour":
        evidence = next(
            (r.inputs.get("evidence", "") for r in sheet.rows if r.label == GAIN_ROW), ""
        )
        try:
            sheet = scheme_worksheet(
                scheme,
                victim=view.victim,
                defendant=view.defendant,
                periods=[WorkPeriod(view.start, view.end, Decimal(str(view.hours_per_week)))],
                gross_gain=view.gross_gain,
                wage_table=table,
                wages_paid=wages_paid,
                gain_evidence=[evidence] if evidence else [],
            )
        except ValueError as error:
            raise InvalidInput(str(error)) from error
    return regime, scheme, replace(view, worksheet=sheet, jurisdictions=list(tables.items()))
