"""Benchmark crimes (rape, kidnapping) per jurisdiction, from ``benchmark_crimes/*.yaml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

BENCHMARK_DIR = Path(__file__).with_name("benchmark_crimes")


class BenchmarkCrime(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    low_months: int = Field(ge=0)
    typical_months: int = Field(ge=0)

    @model_validator(mode="after")
    def _order(self) -> BenchmarkCrime:
        if self.typical_months < self.low_months:
            raise ValueError("typical_months must not be below low_months")
        return self


class BenchmarkSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    jurisdiction: str
    source: str = Field(min_length=10)
    checked: bool = False
    crimes: dict[str, BenchmarkCrime]


def load_benchmark_file(path: Path) -> BenchmarkSet:
    return BenchmarkSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def load_benchmarks() -> dict[str, BenchmarkSet]:
    """jurisdiction prefix (``us``, ``uk``) -> its benchmark set."""
    sets = [load_benchmark_file(p) for p in sorted(BENCHMARK_DIR.glob("*.yaml"))]
    return {s.jurisdiction: s for s in sets}
