"""Anticipated defences and the confirmed evidence that answers each.

Pure code over plain values. Five defences a trafficking prosecution meets: consent,
lack of knowledge, the victim's credibility, "only a driver", and a debt the victim took
on freely. For each, the kinds of fact (legal concepts) that answer it, and up to
three pieces of confirmed evidence, one per independent source. A defence nothing
answers yet is said so plainly. Credibility is answered per victim by what corroborates
them: independent sources other than their own statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from palermo.reports.facts import citation, short

ANSWERS_PER_DEFENCE = 3

# key -> (title, what the defence says, concepts whose confirmed facts answer it)
DEFENCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "consent",
        "Consent",
        "The victim agreed to the work or to sex work.",
        (
            "means.force",
            "means.threat",
            "means.coercion",
            "means.deception",
            "means.fraud",
            "means.document_retention",
            "means.debt_bondage",
            "means.abuse_of_vulnerability",
            "victim.minor",
        ),
    ),
    (
        "knowledge",
        "Lack of knowledge",
        "The defendant did not know how the victims were recruited, held or used.",
        ("mental.knowledge", "mental.reckless_disregard", "act.agreement", "mental.intent"),
    ),
    (
        "driver",
        "“He was only a driver”",
        "The defendant only drove or carried people and had no part in the venture.",
        (
            "benefit.financial",
            "act.agreement",
            "means.document_retention",
            "means.threat",
            "means.force",
            "act.advertising",
            "act.harbouring",
        ),
    ),
    (
        "debt",
        "A debt paid of the victim's own will",
        "The victim owed money and chose to pay it back by working.",
        (
            "means.debt_bondage",
            "means.withholding_wages",
            "means.payments_to_controller",
            "means.deception",
            "means.coercion",
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class DefenceFact:
    concept: str
    concept_label: str
    suspect: str
    victim: str | None
    quote: str
    file: str | None
    locator: str | None
    source_id: str


@dataclass(frozen=True, slots=True)
class Answer:
    suspect: str
    concept_label: str
    quote: str
    cite: str


@dataclass(frozen=True, slots=True)
class Defence:
    key: str
    title: str
    claim: str
    answers: tuple[Answer, ...]
    sources: int  # independent sources among all confirmed facts that answer it


@dataclass(frozen=True, slots=True)
class Corroboration:
    victim: str
    own_statements: int  # facts resting on the victim's own statements
    other_sources: int  # independent sources other than the victim's statements
    examples: tuple[str, ...]  # citations of the first of them


@dataclass(frozen=True, slots=True)
class Defences:
    defences: tuple[Defence, ...]
    credibility: tuple[Corroboration, ...]


def _answer(facts: list[DefenceFact]) -> tuple[tuple[Answer, ...], int]:
    ranked = sorted(facts, key=lambda f: (not citation(f.file, f.locator), not f.quote.strip()))
    out: list[Answer] = []
    seen: set[str] = set()
    for f in ranked:
        if f.source_id in seen:
            continue
        seen.add(f.source_id)
        if len(out) < ANSWERS_PER_DEFENCE:
            cite = citation(f.file, f.locator) or "note in the case file"
            out.append(Answer(f.suspect, f.concept_label, short(f.quote), cite))
    return tuple(out), len(seen)


def anticipated_defences(facts: Iterable[DefenceFact]) -> Defences:
    """What the defence will say and what in the confirmed evidence answers it."""
    confirmed = list(facts)
    defences = []
    for key, title, claim, concepts in DEFENCES:
        wanted = set(concepts)
        answers, sources = _answer([f for f in confirmed if f.concept in wanted])
        defences.append(Defence(key, title, claim, answers, sources))
    own: dict[str, int] = defaultdict(int)
    others: dict[str, dict[str, str]] = defaultdict(dict)
    for f in confirmed:
        if not f.victim:
            continue
        if f.source_id == f"statement:{f.victim}":
            own[f.victim] += 1
        else:
            others[f.victim].setdefault(f.source_id, citation(f.file, f.locator))
    victims = sorted(set(own) | set(others))
    credibility = tuple(
        Corroboration(
            victim=v,
            own_statements=own.get(v, 0),
            other_sources=len(others.get(v, {})),
            examples=tuple(c for c in list(others.get(v, {}).values()) if c)[:3],
        )
        for v in victims
    )
    return Defences(tuple(defences), credibility)
