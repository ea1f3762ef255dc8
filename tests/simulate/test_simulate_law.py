"""The ground truth against the elements engine: every charge of every charged suspect is
supported by the planted facts (none of its required elements is missing)."""

from __future__ import annotations

from typing import Any

import pytest

from palermo.law.engine import ElementStatus, assess_case
from palermo.law.facts import Fact, Suspect, Victim
from palermo.simulate import TYPOLOGIES

from .simulate_helpers import Generated


def _facts(truth: dict[str, Any], drop: set[str] | None = None) -> list[Fact]:
    out = []
    for i, f in enumerate(truth["facts"]):
        if drop and f["concept"].split(".")[0] in drop:
            continue
        file = f["source"]["file"]
        # one victim's statements are one source; a file of records is one source
        source = f"statement:{f['victim']}" if "statement_" in file else file
        out.append(
            Fact(
                id=str(i),
                concept=f["concept"],
                suspect=f["suspect"],
                victim=f["victim"],
                status="confirmed",
                source_id=source,
                quote=f["quote"],
            )
        )
    return out


def _missing(truth: dict[str, Any], facts: list[Fact]) -> list[tuple[str, str, str]]:
    suspects = [Suspect(p["id"], tuple(p["charges"])) for p in truth["persons"] if p["charged"]]
    victims = [Victim(p["id"], p["is_minor"]) for p in truth["persons"] if "victim" in p["roles"]]
    result = assess_case(facts, suspects, victims, case_jurisdiction=truth["jurisdiction"])
    return [
        (a.suspect, a.statute_id, el.element_id)
        for a in result.results
        for el in a.by_status(ElementStatus.MISSING)
    ]


@pytest.mark.parametrize("typology", sorted(TYPOLOGIES))
def test_every_charge_is_supported_by_the_planted_facts(
    sim_cases: dict[str, Generated], typology: str
) -> None:
    truth = sim_cases[typology].truth
    assert _missing(truth, _facts(truth)) == []
    # without the means facts, charges that need means lose an element (not so for children,
    # nor under the UK Act, where the circumstances are not a required element)
    if typology not in ("child_sex", "domestic_servitude"):
        assert _missing(truth, _facts(truth, {"means"}))
