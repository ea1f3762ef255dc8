"""Money rules as data: laundering-pattern thresholds, minimum-wage and exchange-rate tables.

- ``patterns.yaml``: thresholds of the explainable pattern rules in
  :mod:`palermo.analysis.patterns`.
- ``minimum_wages.yaml``: hourly minimum-wage rates per jurisdiction and date, for
  the restitution worksheet in :mod:`palermo.analysis.restitution`.
- ``exchange_rates.yaml``: annual average exchange rates against the euro (ECB
  reference rates), for converting payments to one currency in
  :mod:`palermo.analysis.currency`. A user's own table in the same format is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from palermo.law.concepts import LawDataError, pydantic_key, read_yaml

HERE = Path(__file__).parent
PATTERNS_PATH = HERE / "patterns.yaml"
WAGES_PATH = HERE / "minimum_wages.yaml"
RATES_PATH = HERE / "exchange_rates.yaml"
M = TypeVar("M", bound=BaseModel)


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    label: str
    why: str  # what the rule means, shown with every hit


class FanRule(_Rule):
    window_days: float = Field(gt=0)
    min_counterparts: int = Field(ge=2)
    min_total: float = 0.0
    min_avg_amount: float = 0.0


class CycleRule(_Rule):
    window_days: float = Field(gt=0)
    min_length: int = Field(default=3, ge=2)
    max_length: int = Field(default=4, ge=2, le=6)
    min_hop_ratio: float = Field(default=0.8, gt=0)
    max_hop_ratio: float = Field(default=1.0, gt=0)
    min_amount: float = 0.0
    max_candidates: int = 30_000_000  # guard against join blow-up on dense data


class ScatterGatherRule(_Rule):
    window_days: float = Field(gt=0)
    min_intermediates: int = Field(ge=2)
    min_hop_ratio: float = Field(default=0.8, gt=0)
    max_hop_ratio: float = Field(default=1.0, gt=0)
    min_amount: float = 0.0
    max_candidates: int = 30_000_000


class GatherScatterRule(_Rule):
    window_days: float = Field(gt=0)
    min_in: int = Field(ge=2)
    min_out: int = Field(ge=2)


class FunnelRule(_Rule):
    window_days: float = Field(gt=0)
    min_locations: int = Field(ge=2)
    channels_in: tuple[str, ...] = ("cash", "bank", "mto")
    # Where a deposit was made: the payer's country plus the first group captured by
    # one of these patterns in the reference (a branch or city), when present.
    location_patterns: tuple[str, ...] = ()


class StructuringRule(_Rule):
    window_days: float = Field(gt=0)
    min_count: int = Field(ge=2)
    margin: float = Field(gt=0, lt=1)  # "just under": within this fraction below the threshold
    channels: tuple[str, ...] = ("cash",)
    thresholds: dict[str, float]  # currency -> reporting threshold
    sources: dict[str, str] = Field(default_factory=dict)


class MatchRule(_Rule):
    """Payments whose payee name or reference matches; grouped by payer in a window."""

    window_days: float = Field(default=36500, gt=0)
    min_count: int = Field(default=1, ge=1)
    min_payees: int = Field(default=1, ge=1)
    payee_patterns: tuple[str, ...] = ()
    reference_patterns: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _some(self) -> MatchRule:
        if not (self.payee_patterns or self.reference_patterns or self.channels):
            raise ValueError("needs payee_patterns, reference_patterns or channels")
        return self


class OfficialRule(_Rule):
    payee_kinds: tuple[str, ...] = ("official",)
    payee_patterns: tuple[str, ...] = ()


class PatternBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fan_in: FanRule
    fan_out: FanRule
    cycle: CycleRule
    scatter_gather: ScatterGatherRule
    gather_scatter: GatherScatterRule
    funnel_account: FunnelRule
    structuring: StructuringRule
    advertising: MatchRule
    rent_for_many: MatchRule
    prepaid_cards: MatchRule
    official_payment: OfficialRule


class WageRate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    since: date
    rate: Decimal
    source: str
    checked: bool = False  # checked against the primary source


class Jurisdiction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    currency: str
    # US states: the FLSA rate applies where it is higher (29 U.S.C. 218(a)).
    floor: str | None = None
    overtime_after_hours: Decimal | None = Decimal(40)
    overtime_multiplier: Decimal = Decimal("1.5")
    note: str = ""
    rates: tuple[WageRate, ...] = Field(min_length=1)

    def rate_on(self, day: date) -> WageRate | None:
        best = None
        for r in self.rates:
            if r.since <= day and (best is None or r.since > best.since):
                best = r
        return best


class WageBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    jurisdictions: dict[str, Jurisdiction]


_CURRENCY = re.compile(r"[A-Z]{3,8}")  # ISO 4217, or a crypto ticker (USDT)
PositiveRate = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


@dataclass(frozen=True, slots=True)
class AnnualRate:
    """The rate used for one currency and year: units of ``currency`` per 1 ``base``.

    ``year`` is the table year whose rate is used; ``asked`` the year of the payment.
    They differ when the payment's year lies before the first or after the last year
    listed for the currency (``nearest`` is then True).
    """

    currency: str
    base: str
    year: int
    asked: int
    rate: Decimal
    label: str  # the table's short name, e.g. "ECB"
    source: str

    @property
    def nearest(self) -> bool:
        return self.year != self.asked


class ExchangeRates(BaseModel):
    """Annual average exchange rates: units of each currency per 1 ``base``, by year.

    ``base`` itself is 1 in every year. A currency or year not listed has no rate (never
    guessed); a year before the first or after the last listed for a currency takes the
    nearest listed year's rate, and :class:`AnnualRate` says so.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)  # short name used in sentences: "the ECB 2023 ..."
    source: str = Field(min_length=1)
    base: str = "EUR"
    checked: bool = False  # checked against the primary source
    rates: dict[str, dict[int, PositiveRate]]
    # Currencies whose rates come from another source than the table's: code ->
    # {"label": short name, "source": full source}; every converted figure names it.
    sources: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("base")
    @classmethod
    def _base_code(cls, value: str) -> str:
        if not _CURRENCY.fullmatch(value):
            raise ValueError(f"{value!r} is not an ISO 4217 code (three capital letters)")
        return value

    @field_validator("rates")
    @classmethod
    def _rate_codes(cls, value: dict[str, dict[int, Decimal]]) -> dict[str, dict[int, Decimal]]:
        for code, years in value.items():
            if not _CURRENCY.fullmatch(code):
                raise ValueError(f"{code!r} is not an ISO 4217 code (three capital letters)")
            if not years:
                raise ValueError(f"{code}: no years listed")
            bad = [y for y in years if not 1900 <= y <= 2200]
            if bad:
                raise ValueError(f"{code}: {bad[0]} is not a plausible year")
        return value

    @model_validator(mode="after")
    def _base_is_one(self) -> ExchangeRates:
        for year, rate in self.rates.get(self.base, {}).items():
            if rate != 1:
                raise ValueError(
                    f"{self.base} is the base: its rate must be 1, not {rate} in {year}"
                )
        return self

    def currencies(self) -> list[str]:
        """Codes with a rate, the base included."""
        return sorted({self.base, *self.rates})

    def rate(self, currency: str, year: int) -> AnnualRate | None:
        """The rate of ``currency`` for a payment in ``year``, or None (no rate).

        The year's own rate if listed; the first (last) listed year's rate if ``year``
        is before (after) every listed year; None for an unlisted currency or a year
        missing inside the listed span.
        """
        if currency == self.base:
            return AnnualRate(currency, self.base, year, year, Decimal(1), self.label, self.source)
        years = self.rates.get(currency)
        if not years:
            return None
        used = year
        if year not in years:
            first, last = min(years), max(years)
            if first < year < last:
                return None
            used = first if year <= first else last
        own = self.sources.get(currency, {})
        return AnnualRate(
            currency,
            self.base,
            used,
            year,
            years[used],
            own.get("label", self.label),
            own.get("source", self.source),
        )


def _load_model(path: Path, model: type[M]) -> M:
    try:
        return model.model_validate(read_yaml(path))
    except ValidationError as exc:
        key, msg = pydantic_key(exc)
        raise LawDataError(path, key, msg) from exc


def load_patterns(path: Path | None = None) -> PatternBook:
    return _default_patterns() if path is None else _load_model(path, PatternBook)


@lru_cache(maxsize=1)
def _default_patterns() -> PatternBook:
    return _load_model(PATTERNS_PATH, PatternBook)


def load_wages(path: Path | None = None) -> WageBook:
    return _default_wages() if path is None else _load_model(path, WageBook)


@lru_cache(maxsize=1)
def _default_wages() -> WageBook:
    return _load_model(WAGES_PATH, WageBook)


def load_exchange_rates(path: Path | str | None = None) -> ExchangeRates:
    """The bundled ECB table, or a table of your own in the same format (LawDataError
    naming the file and key when it is malformed)."""
    return _default_rates() if path is None else _load_model(Path(path), ExchangeRates)


@lru_cache(maxsize=1)
def _default_rates() -> ExchangeRates:
    return _load_model(RATES_PATH, ExchangeRates)


__all__ = [
    "AnnualRate",
    "CycleRule",
    "ExchangeRates",
    "FanRule",
    "FunnelRule",
    "GatherScatterRule",
    "Jurisdiction",
    "MatchRule",
    "OfficialRule",
    "PatternBook",
    "ScatterGatherRule",
    "StructuringRule",
    "WageBook",
    "WageRate",
    "load_exchange_rates",
    "load_patterns",
    "load_wages",
]


LAUNDERING_PATH = HERE / "laundering.yaml"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecurringRule(_Part):
    min_payments: int = Field(ge=2)
    min_span_days: float = Field(ge=0)
    max_spread: float = Field(gt=0)  # standard deviation of log amounts


class BaselineRule(_Part):
    quantile: float = Field(gt=0, le=1)


class UnusualRule(_Part):
    min_amount: float = Field(ge=0)
    over_typical: float = Field(gt=0)


class ThroughRule(_Part):
    window_days: float = Field(gt=0)
    min_share: float = Field(gt=0)
    min_balance: float = Field(ge=0, le=1)
    group_days: float = Field(gt=0)
    max_lead_payments: int = Field(ge=2)
    split_flow_days: float = Field(gt=0)


class ScoreRule(_Part):
    min_score: float = Field(ge=0, le=1)
    threshold_margin: float = Field(gt=0, lt=1)
    thresholds: dict[str, float] = Field(default_factory=dict)
    quick_hours: float = Field(gt=0)
    max_leads: int = Field(ge=1)


class LaunderingBook(BaseModel):
    """Thresholds of the laundering ranking (:mod:`palermo.analysis.laundering`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    recurring: RecurringRule
    baseline: BaselineRule
    unusual: UnusualRule
    through: ThroughRule
    score: ScoreRule


def load_laundering(path: Path | None = None) -> LaunderingBook:
    return _default_laundering() if path is None else _load_model(path, LaunderingBook)


@lru_cache(maxsize=1)
def _default_laundering() -> LaunderingBook:
    return _load_model(LAUNDERING_PATH, LaunderingBook)
