"""A small simulated escort-ads case loaded through the ordinary ingest path, with its
people and charges added by ``palermo.services.demo.enter_people`` (shared by the Network
and Money tests and benchmarks)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palermo.security.permissions import Actor
from palermo.services import cases, elements
from palermo.services.context import Context
from palermo.services.demo import enter_people
from palermo.services.ingest import ingest_path
from palermo.simulate import simulate
from palermo.simulate.intake import intake

REFERENCE = "NET-001"
_CACHE: dict[str, Path] = {}


@dataclass(slots=True)
class SimCase:
    reference: str
    truth: dict[str, Any]
    ids: dict[str, int]  # ground-truth person id (P01) -> store person id

    def person(self, role: str, charged: bool | None = None) -> dict[str, Any]:
        for p in self.truth["persons"]:
            if role in p.get("roles", []) and (charged is None or p["charged"] == charged):
                return p
        raise LookupError(role)


def folder(base: Path) -> Path:
    """The simulated folder, made once per test session."""
    if "sim" not in _CACHE:
        out = base / "sim-escort"
        if out.exists():
            shutil.rmtree(out)
        simulate("escort_ads", 300, 7, out)
        _CACHE["sim"] = out
    return _CACHE["sim"]


def build(
    ctx: Context, actor: Actor, unit_id: int, source: Path, reference: str = REFERENCE
) -> SimCase:
    truth: dict[str, Any] = json.loads((source / "ground_truth.json").read_text())
    cases.create_case(
        ctx,
        actor,
        reference=reference,
        title="Simulated escort-ads case",
        jurisdiction="US",
        unit_id=unit_id,
        typology="escort_ads",
        statutes=list(truth.get("statutes", [])),
    )
    ids = enter_people(ctx, actor, reference, intake(truth).people)
    ingest_path(ctx, actor, reference, source)
    sim = SimCase(reference, truth, ids)
    # The uncharged recruiter's recruiting message, tied to them by hand as an analyst
    # would on the Elements tab.
    recruiter = sim.person("recruiter", charged=False)
    elements.link_fact(
        ctx,
        actor,
        reference,
        suspect_id=ids[recruiter["id"]],
        statute_id="us-18-1591",
        element_id="act",
        concept="act.recruitment",
        quote="I have hostess and dancing work for you",
    )
    return sim
