"""Restitution and compensation per jurisdiction, as data.

One YAML file per legal order (``us.yaml``, ``uk.yaml``, ``eu.yaml``, ``intl.yaml``):
the case jurisdictions it applies to, its currency, the minimum-wage table (a key of
``palermo/law/money/minimum_wages.yaml``), the paper size and date style its documents
use, and its schemes (statute, method, summary, notes). The method names the worksheet
:mod:`palermo.analysis.restitution` computes:

- ``greater_of_gain_and_labour``: 18 U.S.C. 1593(b)(3), the greater of the defendant's
  gross gain and the labour's value at the minimum wage with overtime;
- ``loss_of_earnings``: the labour's value at the minimum wage less wages paid, with the
  defendant's gain beside it (UK reparation and compensation orders, EU art. 17);
- ``national_law``: no worksheet; national law must be chosen.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from palermo.law.concepts import LawDataError, pydantic_key, read_yaml

HERE = Path(__file__).parent
METHODS = ("greater_of_gain_and_labour", "loss_of_earnings", "national_law")


class Scheme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    method: Literal["greater_of_gain_and_labour", "loss_of_earnings", "national_law"]
    source: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``Slavery and trafficking reparation order (Modern Slavery Act 2015 ss. 8-10)``."""
        return f"{self.title} ({self.citation})"


class Regime(BaseModel):
    """The restitution law of one legal order and how its documents are laid out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    label: str = Field(min_length=1)
    applies_to: tuple[str, ...] = Field(min_length=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    paper: Literal["A4", "letter"]
    date_style: Literal["day-month-year", "month-day-year"]
    wage_table: str | None
    schemes: tuple[Scheme, ...] = Field(min_length=1)

    @property
    def main(self) -> Scheme:
        return self.schemes[0]


@lru_cache(maxsize=1)
def load_regimes() -> tuple[Regime, ...]:
    """Every regime shipped; each file checked, wage tables checked against the book."""
    return _load(sorted(HERE.glob("*.yaml")))


def _load(paths: list[Path]) -> tuple[Regime, ...]:
    from palermo.law.money import load_wages

    wages = load_wages()
    out: list[Regime] = []
    claimed: dict[str, Path] = {}
    for path in paths:
        try:
            regime = Regime.model_validate(read_yaml(path))
        except ValidationError as exc:
            raise LawDataError(path, *pydantic_key(exc)) from exc
        table = regime.wage_table
        if table is not None:
            if table not in wages.jurisdictions:
                raise LawDataError(path, "wage_table", f"no minimum-wage table {table!r}")
            if wages.jurisdictions[table].currency != regime.currency:
                raise LawDataError(path, "wage_table", f"{table!r} is not in {regime.currency}")
        for i, code in enumerate(regime.applies_to):
            if code in claimed:
                raise LawDataError(
                    path, f"applies_to[{i}]", f"{code!r} is already in {claimed[code].name}"
                )
            claimed[code] = path
        out.append(regime)
    return tuple(out)


def regime_for(jurisdiction: str | None) -> Regime | None:
    """The regime of a case's jurisdiction (``US-CA`` falls back to ``US``), or None."""
    if not jurisdiction:
        return None
    code = jurisdiction.strip().upper()
    for candidate in (code, code.split("-", 1)[0]):
        for regime in load_regimes():
            if candidate in regime.applies_to:
                return regime
    return None


def wage_table_for(regime: Regime, jurisdiction: str | None) -> str | None:
    """The case's own minimum-wage table when one exists in the regime's currency (a US
    state), else the regime's."""
    from palermo.law.money import load_wages

    book = load_wages().jurisdictions
    code = (jurisdiction or "").strip()
    if code in book and book[code].currency == regime.currency and regime.wage_table:
        return code
    return regime.wage_table


def format_day(day: object, style: str) -> str:
    """``2 March 2024`` (day-month-year) or ``March 2, 2024`` (month-day-year)."""
    from datetime import date

    if not isinstance(day, date):
        return ""
    month = day.strftime("%B")
    if style == "month-day-year":
        return f"{month} {day.day}, {day.year}"
    return f"{day.day} {month} {day.year}"
