"""Simulated cases: the loader, flows, and roles and money measured through the product's path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from palermo.analysis.graph import build_graph, to_json
from palermo.analysis.money import trace
from palermo.security.permissions import Actor
from palermo.services import cases, money, network
from palermo.services.context import Context
from palermo.services.demo import enter_people
from palermo.services.ingest import ingest_path
from palermo.simulate import simulate
from palermo.simulate.evaluate import TEST_SEEDS, role_scores
from palermo.simulate.intake import intake
from palermo.simulate.loaders import load_simulated, load_truth


@pytest.fixture(scope="module", params=["escort_ads", "agricultural_debt_bondage"])
def simulated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(request.param)
    simulate(request.param, 4000, 7, out)
    return out


def test_loader_reads_every_record(simulated: Path) -> None:
    case = load_simulated(simulated)
    lines = {
        k: sum(1 for _ in (simulated / f"{k}.csv").open()) - 1
        for k in ("calls", "messages", "payments", "trips")
    }
    assert (len(case.calls), len(case.messages), len(case.payments), len(case.trips)) == (
        lines["calls"],
        lines["messages"],
        lines["payments"],
        lines["trips"],
    )
    truth = load_truth(simulated)
    assert len(case.persons) == len(truth["persons"])
    assert len(case.facts) == len(truth["facts"])


# Measured through the product's path (simulate -> ingest -> extraction -> roles and
# money), the answer key only scoring. Roles are measured on the frozen test seeds
# (simulate.evaluate.TEST_SEEDS), never used to tune role inference; the floors sit a
# little under what they gave (network benchmark, --roles):
#   escort ads          precision 1.000, recall 0.944 (tp 68, fp 0, fn 4)
#   debt bondage        precision 1.000, recall 0.875 (tp 35, fp 0, fn 5)
# The misses: the victim who recruits (her message to a newcomer is not read for
# indicators: only suspects' messages are) and once an uncharged recruiter abroad.
# On the development seeds before this round (seed 7 among them): 0.867 / 0.722 and
# 0.700 / 0.700, transporters over-called from "transport is free" and "bring the cash".
ROLE_FLOORS = {"escort_ads": (0.95, 0.90), "agricultural_debt_bondage": (0.95, 0.85)}
# Money: 11 of 12 planted patterns touched by a lead or an indicator, every flagged
# payment a criminal one, on both (seed 7).
MONEY_FLOORS = {"escort_ads": (0.95, 0.85), "agricultural_debt_bondage": (0.95, 0.85)}


@dataclass(frozen=True, slots=True)
class _Suggested:
    person_id: str
    role: str


def _enter_case(
    ctx: Context, prosecutor: Actor, unit_id: int, out: Path, name: str, seed: int
) -> tuple[str, dict[str, Any], dict[int, str]]:
    """A simulated case as an investigator loads it: the people with their identifiers
    and the charges entered by hand, then the evidence files ingested. Nothing of the
    answer key (roles, facts, patterns) goes in."""
    simulate(name, 300, seed, out)
    truth: dict[str, Any] = json.loads((out / "ground_truth.json").read_text())
    reference = f"SIM-{name[:8].upper()}-{seed}"
    cases.create_case(
        ctx,
        prosecutor,
        reference=reference,
        title=f"Simulated {name}",
        jurisdiction="US",
        unit_id=unit_id,
        typology=name,
        statutes=list(truth.get("statutes", [])),
    )
    ids = enter_people(ctx, prosecutor, reference, intake(truth).people)
    ingest_path(ctx, prosecutor, reference, out)
    return reference, truth, {v: k for k, v in ids.items()}


@pytest.fixture(params=["escort_ads", "agricultural_debt_bondage"])
def product_case(
    request: pytest.FixtureRequest,
    ctx: Context,
    prosecutor: Actor,
    unit_id: int,
    tmp_path: Path,
) -> tuple[str, str, dict[str, Any], dict[int, str]]:
    name = request.param
    reference, truth, truth_id = _enter_case(ctx, prosecutor, unit_id, tmp_path / "sim", name, 7)
    return name, reference, truth, truth_id


@pytest.mark.parametrize("name", ["escort_ads", "agricultural_debt_bondage"])
def test_roles_through_the_product_path(
    ctx: Context, prosecutor: Actor, unit_id: int, tmp_path: Path, name: str
) -> None:
    tp = fp = fn = 0
    for seed in TEST_SEEDS:
        reference, truth, truth_id = _enter_case(
            ctx, prosecutor, unit_id, tmp_path / str(seed), name, seed
        )
        view = network.network_view(ctx, prosecutor, reference)
        suggested = [_Suggested(truth_id[r.person_id], r.role) for r in view.roles]
        scores = role_scores(truth, suggested)  # type: ignore[arg-type]
        tp += sum(s.tp for s in scores)
        fp += sum(s.fp for s in scores)
        fn += sum(s.fn for s in scores)
        truth_roles = {p["id"]: (p.get("kind"), p.get("roles", [])) for p in truth["persons"]}
        for sug in suggested:
            if sug.role not in truth_roles[sug.person_id][1]:
                print(f"  seed {seed}: suggested {sug.role} for {truth_roles[sug.person_id]}")
        # every suggestion keeps its reasons: the evidence behind each signal
        assert all(r.signals and all(sig.evidence for sig in r.signals) for r in view.roles)
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    print(f"{name} roles micro precision {precision:.3f} recall {recall:.3f} (test seeds)")
    floor_p, floor_r = ROLE_FLOORS[name]
    assert precision >= floor_p and recall >= floor_r


def test_money_through_the_product_path(
    ctx: Context, prosecutor: Actor, product_case: tuple[str, str, dict[str, Any], dict[int, str]]
) -> None:
    name, reference, truth, _ = product_case
    view = money.money_view(ctx, prosecutor, reference)
    criminal = set(truth.get("criminal_records", {}).get("payments", []))
    shown = [{ref.key for ref in lead.transactions} for lead in view.leads]
    shown += [{ref.key for ref in p.transactions} for p in view.patterns]
    flagged = set().union(*shown) if shown else set()
    planted = [set(p["transactions"]) for p in truth.get("patterns", [])]
    found = sum(1 for g in planted if any(g & s for s in shown))
    precision = len(flagged & criminal) / max(len(flagged), 1)
    recall = found / max(len(planted), 1)
    print(
        f"{name} money: {len(view.leads)} leads, {len(view.patterns)} indicator hits; "
        f"planted patterns touched {found}/{len(planted)}; flagged payments that are "
        f"criminal {len(flagged & criminal)}/{len(flagged)}"
    )
    floor_p, floor_r = MONEY_FLOORS[name]
    assert precision >= floor_p and recall >= floor_r


def test_flows_from_the_collector_add_up(simulated: Path) -> None:
    case = load_simulated(simulated)
    truth = load_truth(simulated)
    mh = next(p["id"] for p in truth["persons"] if "money_handler" in p["roles"])
    ben = next(p["id"] for p in truth["persons"] if "beneficiary" in p["roles"])
    tr = trace(case, [mh])
    assert tr.total > 0
    assert sum(r.amount for r in tr.by_holder) == pytest.approx(tr.total, abs=0.05)
    assert sum(r.amount for r in tr.by_country) == pytest.approx(tr.total, abs=0.05)
    holders = [r.key for r in tr.by_holder[:3]]
    assert f"person:{ben}" in holders  # the beneficiary abroad is a main destination


def test_network_json_for_the_web_view(simulated: Path) -> None:
    case = load_simulated(simulated)
    view = to_json(build_graph(case, collapse=True), max_nodes=50)
    assert len(view["nodes"]) == 50 and view["truncated"]
    ids = {n["id"] for n in view["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in view["edges"])
