"""What a unit would have entered by hand for a simulated case, taken from its plan.

The simulator writes an answer key (``ground_truth.json``) beside the evidence. Only
this module (and the scoring in :mod:`palermo.simulate.evaluate`) reads it, and from it
only what an investigator knows at intake: the case's title, jurisdiction and statutes,
and the people with their names, identifiers and charges. Roles, facts, patterns and
criminal records stay in the key, for scoring only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ANSWER_KEY = "ground_truth.json"
PERSON_KINDS = {"suspect", "victim", "witness", "official", "other"}


@dataclass(frozen=True, slots=True)
class PersonIntake:
    key: str  # the simulator's person id, to score against the answer key
    kind: str
    name: str
    aliases: list[str] = field(default_factory=list)
    date_of_birth: str = ""
    is_minor: bool = False
    sex: str | None = None
    nationality: str | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    charges: list[str] = field(default_factory=list)  # statutes, if charged

    @property
    def birth_year(self) -> int | None:
        return int(self.date_of_birth[:4]) if self.date_of_birth[:4].isdigit() else None


@dataclass(frozen=True, slots=True)
class CaseIntake:
    title: str | None
    jurisdiction: str
    statutes: list[str]
    base_date: date
    people: list[PersonIntake]


def intake(truth: dict[str, Any]) -> CaseIntake:
    """The intake part of an answer key."""
    people = []
    for person in truth.get("persons", []):
        kind = person.get("kind") if person.get("kind") in PERSON_KINDS else "other"
        identifiers = [("phone", p) for p in person.get("phones", [])]
        identifiers += [("account", a) for a in person.get("accounts", [])]
        identifiers += [("email", e) for e in person.get("emails", [])]
        people.append(
            PersonIntake(
                key=str(person["id"]),
                kind=str(kind),
                name=str(person["name"]),
                aliases=list(person.get("aliases", [])),
                date_of_birth=str(person.get("birth_date") or ""),
                is_minor=bool(person.get("is_minor")),
                sex=person.get("sex"),
                nationality=person.get("nationality"),
                identifiers=identifiers,
                charges=list(person.get("charges", [])) if person.get("charged") else [],
            )
        )
    return CaseIntake(
        title=truth.get("title"),
        jurisdiction=str(truth.get("jurisdiction", "US")),
        statutes=list(truth.get("statutes", [])),
        base_date=date.fromisoformat(str(truth.get("base_date", "2024-01-01"))[:10]),
        people=people,
    )


def set_key_aside(folder: Path, keep_as: Path) -> CaseIntake:
    """Move the answer key out of an evidence folder (it is not evidence) to ``keep_as``
    and return the case's intake."""
    (folder / ANSWER_KEY).replace(keep_as)
    return intake(json.loads(keep_as.read_text()))


def simulated_intake(typology: str, size: int, seed: int, folder: Path, name: str) -> CaseIntake:
    """Simulate a case's evidence into ``folder``, keep its answer key beside the folder
    (as ``<name>.ground_truth.json``, never ingested) and return only the intake."""
    from palermo.simulate import simulate

    simulate(typology, size, seed, folder)
    return set_key_aside(folder, folder.with_name(f"{name}.{ANSWER_KEY}"))
