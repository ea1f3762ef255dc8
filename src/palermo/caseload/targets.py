"""Unit targets: YAML defaults, overridable per unit through ``Unit.settings``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

TARGETS_FILE = Path(__file__).with_name("targets.yaml")
SETTINGS_KEY = "caseload_targets"


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_days_between_hearings: int = Field(14, ge=1)
    decision_within_days_of_arraignment: int = Field(180, ge=1)
    witness_no_contact_weeks: int = Field(4, ge=1)
    upcoming_days: int = Field(14, ge=1)
    deadline_warning_days: int = Field(7, ge=0)
    max_days_in_stage: dict[str, int] = Field(default_factory=dict)


@lru_cache(maxsize=1)
def default_targets() -> Targets:
    data = yaml.safe_load(TARGETS_FILE.read_text(encoding="utf-8")) or {}
    return Targets.model_validate(data)


def targets_for(unit_settings: dict[str, Any] | None) -> Targets:
    """Defaults overlaid with ``unit_settings["caseload_targets"]`` (validated)."""
    base = default_targets()
    override = (unit_settings or {}).get(SETTINGS_KEY) or {}
    if not override:
        return base
    merged = base.model_dump()
    for key, value in override.items():
        if key == "max_days_in_stage" and isinstance(value, dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return Targets.model_validate(merged)
