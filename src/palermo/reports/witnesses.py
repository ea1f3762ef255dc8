"""Witnesses: who proves what, how available and at risk each victim-witness is, and what
corroborates each of them.

Pure code over plain values. A witness "proves" what their own statements show: the
confirmed facts whose source is their statement, grouped per kind of fact and suspect,
with the elements those facts serve and where they are. What corroborates a victim:
the independent sources other than their own statements that show facts about them;
what corroborates another witness: other sources showing the same kind of fact about the
same suspect. Care (availability, consent, contacts, support, intimidation and the risk
rating) comes from the advocate's victim-witness records, as the service passes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from palermo.reports.facts import citation

CITES_PER_PROOF = 2
EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class WitnessFact:
    """A confirmed fact; ``suspect`` and ``victim`` as the memo shows them (redacted)."""

    concept_label: str
    suspect: str
    victim: str | None  # pseudonym key of the victim the fact is about
    source_id: str  # ``statement:<pseudonym>`` for what a person said
    file: str | None
    locator: str | None
    elements: tuple[str, ...] = ()  # "citation: element" the fact serves


@dataclass(frozen=True, slots=True)
class WitnessCare:
    level: str  # high | medium | low (the caseload's risk rating)
    reasons: tuple[str, ...]
    details: bool  # the role may see the advocate's records
    available: bool | None = None
    consent: str = ""  # "yes", "no", "withdrawn on ...", "" (not recorded)
    last_contact: str = ""
    contacts: int = 0
    support: tuple[str, ...] = ()
    intimidation: int = 0
    location: str = ""  # "" = not recorded or not shown


@dataclass(frozen=True, slots=True)
class WitnessInput:
    key: str  # pseudonym, as facts name the victim and statements' sources
    name: str  # as the reader may see it
    kind: str  # victim | witness
    is_minor: bool = False
    care: WitnessCare | None = None


@dataclass(frozen=True, slots=True)
class Proof:
    what: str  # "Threat (S-01)"
    elements: tuple[str, ...]
    cites: tuple[str, ...]
    facts: int


@dataclass(frozen=True, slots=True)
class WitnessEntry:
    name: str
    kind: str
    is_minor: bool
    proves: tuple[Proof, ...]
    own_facts: int
    corroborating_sources: int
    corroboration: tuple[str, ...]  # citations of the first independent sources
    care: WitnessCare | None

    @property
    def uncorroborated(self) -> bool:
        return self.own_facts > 0 and self.corroborating_sources == 0


def witnesses(people: Iterable[WitnessInput], facts: Iterable[WitnessFact]) -> list[WitnessEntry]:
    """One entry per victim and witness: victims first, then those whose statements prove
    most, then by name."""
    facts = list(facts)
    out: list[WitnessEntry] = []
    for person in people:
        own_source = f"statement:{person.key}"
        own = [f for f in facts if f.source_id == own_source]
        groups: dict[tuple[str, str], list[WitnessFact]] = defaultdict(list)
        for f in own:
            groups[(f.concept_label, f.suspect)].append(f)
        proves = []
        for (label, suspect), items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            cites: list[str] = []
            for f in items:
                c = citation(f.file, f.locator)
                if c and c not in cites:
                    cites.append(c)
            elements = sorted({e for f in items for e in f.elements})
            what = f"{label} ({suspect})" if suspect else label
            proves.append(Proof(what, tuple(elements), tuple(cites[:CITES_PER_PROOF]), len(items)))
        if person.kind == "victim":
            others = [f for f in facts if f.victim == person.key and f.source_id != own_source]
        else:
            shown = {(f.concept_label, f.suspect) for f in own}
            others = [
                f
                for f in facts
                if f.source_id != own_source and (f.concept_label, f.suspect) in shown
            ]
        sources: dict[str, str] = {}
        for f in others:
            sources.setdefault(f.source_id, citation(f.file, f.locator))
        out.append(
            WitnessEntry(
                name=person.name,
                kind=person.kind,
                is_minor=person.is_minor,
                proves=tuple(proves),
                own_facts=len(own),
                corroborating_sources=len(sources),
                corroboration=tuple(c for c in sources.values() if c)[:EXAMPLES],
                care=person.care,
            )
        )
    out.sort(key=lambda w: (w.kind != "victim", -w.own_facts, w.name))
    return out
