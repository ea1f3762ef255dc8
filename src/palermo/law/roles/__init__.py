"""Roles in a trafficking network as data: explainable signals with weights (``roles.yaml``).

The interpreter lives in :mod:`palermo.analysis.roles`; this module only reads and
validates the data. Each signal names a generic ``kind`` (a fact concept, a payment
filter, contact before travel, ...) and its parameters, so a new role or signal
is a YAML edit, not code.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from palermo.law.concepts import LawDataError, load_concepts, pydantic_key, read_yaml

ROLES_PATH = Path(__file__).parent / "roles.yaml"

SignalKind = Literal[
    "fact",
    "first_contact_before_travel",
    "contact_around_travel",
    "books_trips_for",
    "payments",
    "calls_to_adverts",
    "contacts_of_kind",
]


class SignalSpec(BaseModel):
    """One explainable signal. Unused parameters are ignored by the signal kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: SignalKind
    weight: float = Field(gt=0, le=1)
    because: str
    # fact
    concepts: tuple[str, ...] = ()
    # fact: only facts whose sentence names a person as the one the act was done to
    # ("drove us", "moved the women"), not a thing ("transport is free", "bring the cash")
    person_object: bool = False
    # fact: only facts whose quoted sentence matches one of these (case-insensitive)
    quote_patterns: tuple[str, ...] = ()
    # contact/travel
    max_days: float = 120
    days_before: float = 3
    days_after: float = 3
    traveller_kinds: tuple[str, ...] = ("victim",)
    via: tuple[Literal["booked_by", "paid_by"], ...] = ("booked_by", "paid_by")
    # payments
    direction: Literal["in", "out"] = "in"
    counterpart_kinds: tuple[str, ...] = ()
    counterpart_patterns: tuple[str, ...] = ()
    reference_patterns: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    cross_border: bool = False
    # thresholds
    min_count: int = Field(default=1, ge=1)
    min_total: float = 0.0
    min_distinct: int = Field(default=1, ge=1)
    # Fires only for people whose count is at least this share of the highest count any
    # person has for the signal in the case: where the evidence concentrates.
    min_share_of_top: float = Field(default=0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _needs(self) -> SignalSpec:
        if self.kind == "fact" and not self.concepts:
            raise ValueError("a 'fact' signal needs 'concepts'")
        return self


class RoleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = ""
    label: str
    description: str = ""
    elements: tuple[str, ...] = Field(min_length=1)
    # Who may hold the role: person kinds. Empty = anyone except those in exclude_kinds.
    subject_kinds: tuple[str, ...] = ()
    exclude_kinds: tuple[str, ...] = ("victim",)
    threshold: float | None = None
    signals: tuple[SignalSpec, ...] = Field(min_length=1)


class RoleBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(default=0.5, gt=0)
    max_evidence: int = Field(default=25, ge=1)
    roles: dict[str, RoleSpec]


def load_roles(path: Path | None = None) -> RoleBook:
    """Load and validate ``roles.yaml`` (or ``path``); concept ids must exist."""
    p = path or ROLES_PATH
    if path is None:
        return _default_roles()
    return _load(p)


@lru_cache(maxsize=1)
def _default_roles() -> RoleBook:
    return _load(ROLES_PATH)


def _load(path: Path) -> RoleBook:
    raw = read_yaml(path)
    roles = raw.get("roles")
    if isinstance(roles, dict):
        raw = {**raw, "roles": {k: {**(v or {}), "id": k} for k, v in roles.items()}}
    try:
        book = RoleBook.model_validate(raw)
    except ValidationError as exc:
        key, msg = pydantic_key(exc)
        raise LawDataError(path, key, msg) from exc
    concepts = load_concepts()
    for rid, role in book.roles.items():
        for el in role.elements:
            if el not in concepts:
                raise LawDataError(path, f"roles.{rid}.elements", f"unknown concept {el!r}")
        seen: set[str] = set()
        for sig in role.signals:
            if sig.id in seen:
                raise LawDataError(path, f"roles.{rid}.signals", f"duplicate id {sig.id!r}")
            seen.add(sig.id)
            for field_name in ("quote_patterns", "reference_patterns", "counterpart_patterns"):
                for pattern in getattr(sig, field_name):
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        raise LawDataError(
                            path,
                            f"roles.{rid}.signals.{sig.id}.{field_name}",
                            f"bad pattern {pattern!r}: {exc}",
                        ) from exc
            for c in sig.concepts:
                if c not in concepts:
                    raise LawDataError(
                        path, f"roles.{rid}.signals.{sig.id}", f"unknown concept {c!r}"
                    )
    return book


__all__ = ["ROLES_PATH", "RoleBook", "RoleSpec", "SignalSpec", "load_roles"]
