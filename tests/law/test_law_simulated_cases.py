"""The simulator's ground truth, fed to the engine as confirmed facts, supports the charges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from palermo.law import (
    ElementStatus,
    Fact,
    Suspect,
    Victim,
    assess_case,
    load_concepts,
    load_statutes,
)
from palermo.simulate import TYPOLOGIES, simulate

KIND_BY_FILE = {
    "messages.csv": "chat",
    "calls.csv": "phone_record",
    "payments.csv": "bank_record",
    "trips.csv": "travel_record",
}


def _source_kind(file: str) -> str:
    if file in KIND_BY_FILE:
        return KIND_BY_FILE[file]
    if "statement" in file:
        return "victim_statement"
    return "chat" if any(k in file for k in ("whatsapp", "telegram", "sms")) else "other"


def _case(truth: dict[str, Any]) -> tuple[list[Fact], list[Suspect], list[Victim]]:
    facts = [
        Fact(
            id=f"gt{i}",
            concept=f["concept"],
            suspect=f.get("suspect"),
            victim=f.get("victim"),
            status="confirmed",
            source_id=f["source"]["file"],  # one evidence file = one independent source
            source_kind=_source_kind(f["source"]["file"]),
            quote=f.get("quote"),
        )
        for i, f in enumerate(truth["facts"])
    ]
    people = truth["persons"]
    suspects = [Suspect(p["id"], tuple(p["charges"])) for p in people if p.get("charged")]
    victims = [Victim(p["id"], bool(p.get("is_minor"))) for p in people if p["kind"] == "victim"]
    return facts, suspects, victims


@pytest.mark.parametrize("typology", sorted(TYPOLOGIES))
def test_ground_truth_supports_every_charged_element(typology: str, tmp_path: Path) -> None:
    simulate(typology, 300, 11, tmp_path)
    truth = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
    facts, suspects, victims = _case(truth)
    assert suspects and facts
    concepts = load_concepts()
    book = load_statutes()
    result = assess_case(facts, suspects, victims, case_jurisdiction=truth["jurisdiction"])
    assert len(result.results) == sum(len(s.statutes) for s in suspects)

    everyone = {f.concept for f in facts}
    case_wide = {f.concept for f in facts if f.suspect is None}
    checked = 0
    for a in result.results:
        assert a.warning is None, a.warning  # the simulator picks statutes that fit
        own = {f.concept for f in facts if f.suspect == a.suspect} | {
            c for c in case_wide if concepts[c].kind in ("jurisdiction", "other")
        }
        statute = book.get(a.statute_id)
        for el, res in zip(statute.elements, a.elements, strict=True):
            supported = set(el.satisfied_by) & (everyone if el.scope == "venture" else own)
            if supported:
                checked += 1
                assert res.status != ElementStatus.MISSING, (a.suspect, a.statute_id, el.id)
                assert res.evidence_status in (ElementStatus.PROVED, ElementStatus.SINGLE_SOURCE)
    assert checked > 0
    # Where a minor victim is tied to a suspect charged under a statute with a child
    # waiver, the means element comes out waived with the explanation.
    minors = {v.key for v in victims if v.is_minor}
    for a in result.results:
        tied = {f.victim for f in facts if f.suspect == a.suspect} & minors
        waivers = [r for r in book.get(a.statute_id).rules if r.kind == "waiver"]
        if tied and waivers:
            means = a.element(waivers[0].waives[0])
            assert means.status == ElementStatus.WAIVED
            assert means.waived_by is not None
            assert means.waived_by.explanation.startswith("Means waived: victim")
