"""Money rules as data: laundering-pattern thresholds and minimum-wage tables.

- ``patterns.yaml``: thresholds of the explainable pattern rules in
  :mod:`palermo.analysis.patterns`.
- ``minimum_wages.yaml``: hourly minimum-wage rates per jurisdiction and date, for
  the restitution worksheet in :mod:`palermo.analysis.restitution`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from palermo.law.concepts import LawDataError, pydantic_key, read_yaml

HERE = Path(__file__).parent
PATTERNS_PATH = HERE / "patterns.yaml"
WAGES_PATH = HERE / "minimum_wages.yaml"
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


__all__ = [
    "CycleRule",
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
    "load_patterns",
    "load_wages",
]
