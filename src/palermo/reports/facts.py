"""The statement of facts: a chronological narrative built only from confirmed facts.

Pure code over plain values. Each sentence comes from a template per fact kind (the
legal concept a fact shows), never from free text; the only words taken from the case
are the people's display names and short quotes of the evidence, each with where it
is (file and page or row). Facts are grouped per (phase, concept, suspect), naming every
victim concerned, so one sentence stands for all the sources that show the same thing;
the phases run in the order a prosecutor tells a trafficking case: recruitment, travel,
arrival, exploitation, control, money, arrest, and what the defendants knew. No fact
kind tells an arrest yet, so that phase stays empty until one does.

Unconfirmed suggestions are never written as facts: they are counted and left out.
Confirmed facts with no file to cite (a free note) are left out and counted too, so
every sentence carries a citation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

PHASES: tuple[tuple[str, str], ...] = (
    ("recruitment", "Recruitment"),
    ("travel", "Travel"),
    ("arrival", "Arrival and harbouring"),
    ("exploitation", "Exploitation"),
    ("control", "Control"),
    ("money", "Money"),
    ("arrest", "Arrest"),
    ("knowledge", "What the defendants knew"),
)
_PHASE_ORDER = {key: i for i, (key, _) in enumerate(PHASES)}

# concept -> (phase, sentence). {suspect} is a display name, {victim} a pseudonym or
# "a victim". One table owns these words; a concept not here has no sentence.
TEMPLATES: dict[str, tuple[str, str]] = {
    "act.recruitment": ("recruitment", "{suspect} recruited or enticed {victim}"),
    "means.deception": (
        "recruitment",
        "{suspect} deceived {victim} about the work, the pay or the conditions",
    ),
    "means.fraud": ("recruitment", "{suspect} used fraud towards {victim}"),
    "means.abuse_of_vulnerability": (
        "recruitment",
        "{suspect} took advantage of the vulnerable position of {victim}",
    ),
    "act.transportation": ("travel", "{suspect} transported {victim}"),
    "jurisdiction.travel": ("travel", "{victim} was moved into, out of or within the country"),
    "jurisdiction.interstate_commerce": (
        "travel",
        "{suspect}'s conduct was in or affected interstate or foreign commerce",
    ),
    "act.transfer": ("arrival", "{suspect} took over or handed on control of {victim}"),
    "act.receipt": ("arrival", "{suspect} received {victim}"),
    "act.harbouring": ("arrival", "{suspect} harboured or housed {victim}"),
    "act.advertising": ("exploitation", "{suspect} advertised {victim} for sale"),
    "act.patronizing": ("exploitation", "{suspect} sought to buy sex with {victim}"),
    "act.providing_labour": ("exploitation", "{suspect} obtained the labour of {victim}"),
    "purpose.commercial_sex_act": (
        "exploitation",
        "{victim} was made to engage in commercial sex acts for {suspect}",
    ),
    "purpose.sexual_exploitation": ("exploitation", "{suspect} sexually exploited {victim}"),
    "purpose.forced_labour": ("exploitation", "{suspect} forced {victim} to work"),
    "purpose.servitude": ("exploitation", "{suspect} held {victim} in servitude"),
    "purpose.forced_criminality": (
        "exploitation",
        "{suspect} made {victim} commit criminal activities",
    ),
    "victim.minor": ("exploitation", "{victim} was under 18"),
    "means.force": ("control", "{suspect} used force against {victim}"),
    "means.threat": ("control", "{suspect} threatened {victim} with harm"),
    "means.coercion": ("control", "{suspect} coerced, restricted or isolated {victim}"),
    "means.abduction": ("control", "{suspect} abducted {victim}"),
    "means.abuse_of_power": ("control", "{suspect} abused a position of power over {victim}"),
    "means.abuse_of_legal_process": (
        "control",
        "{suspect} threatened {victim} with the law or legal process",
    ),
    "means.debt_bondage": ("control", "{suspect} held {victim} in debt bondage"),
    "means.document_retention": ("control", "{suspect} kept the identity documents of {victim}"),
    "aggravating.serious_violence": ("control", "{suspect} seriously harmed {victim}"),
    "aggravating.kidnapping": ("control", "{suspect} kidnapped or confined {victim}"),
    "means.withholding_wages": ("money", "{suspect} withheld the wages of {victim}"),
    "means.payments_to_controller": (
        "money",
        "{suspect}, who had control over {victim}, received payments for {victim}",
    ),
    "benefit.financial": ("money", "{suspect} benefited financially"),
    "mental.knowledge": ("knowledge", "{suspect} knew of the means used or the exploitation"),
    "mental.reckless_disregard": (
        "knowledge",
        "{suspect} acted in reckless disregard of how {victim} was treated",
    ),
    "act.agreement": ("knowledge", "{suspect} agreed with others to commit the offence"),
}

QUOTE_CHARS = 140
_RECORD = re.compile(r"^(?:payment|trip|call|message) (?:\d{4}-\d{2}-\d{2}|undated)")
CITES_PER_SENTENCE = 3


@dataclass(frozen=True, slots=True)
class FactItem:
    """One fact as the memo sees it; ``suspect`` and ``victim`` are already redacted."""

    concept: str
    suspect: str
    victim: str | None
    confirmed: bool
    quote: str
    file: str | None
    locator: str | None
    when: datetime | None = None


@dataclass(frozen=True, slots=True)
class Sentence:
    phase: str
    text: str
    quote: str
    citations: tuple[str, ...]
    more_sources: int
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True, slots=True)
class Phase:
    key: str
    title: str
    sentences: tuple[Sentence, ...]


@dataclass(slots=True)
class StatementOfFacts:
    phases: list[Phase] = field(default_factory=list)
    unconfirmed: int = 0  # suggestions left out
    uncited: int = 0  # confirmed facts with nothing to cite, left out
    no_template: int = 0  # confirmed facts of a kind the narrative does not tell

    @property
    def sentences(self) -> list[Sentence]:
        return [s for p in self.phases for s in p.sentences]


def citation(file: str | None, locator: str | None) -> str:
    """``file, page 3`` / ``file, row 12``; empty when there is no file."""
    if not file:
        return ""
    return f"{file}, {locator}" if locator else file


def short(quote: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(quote.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _day(value: datetime, style: str | None) -> str:
    """ISO by default; the jurisdiction's style (``2 March 2024``) when given."""
    if style is None:
        return f"{value:%Y-%m-%d}"
    from palermo.law.restitution import format_day

    return format_day(value.date(), style)


def _when(start: datetime | None, end: datetime | None, style: str | None = None) -> str:
    if start is None:
        return ""
    if end is None or end.date() == start.date():
        return f"On {_day(start, style)}, "
    return f"Between {_day(start, style)} and {_day(end, style)}, "


def _victims(items: list[FactItem]) -> str:
    names = sorted({i.victim for i in items if i.victim})
    if not names:
        return "a victim"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _is_record(quote: str) -> bool:
    """A record's own description (``payment 2024-01-02 10:00: a -> b``), not words."""
    return bool(_RECORD.match(quote))


def _sentence(
    phase: str, template: str, items: list[FactItem], style: str | None = None
) -> Sentence:
    first = items[0]
    dated = sorted(i.when for i in items if i.when is not None)
    start, end = (dated[0], dated[-1]) if dated else (None, None)
    body = template.format(suspect=first.suspect, victim=_victims(items))
    lead = _when(start, end, style)
    text = lead + body
    # One citation per place, dated ones first, so the strongest spread of sources shows.
    cites: list[str] = []
    for item in sorted(items, key=lambda i: (i.when is None, i.when or datetime.min)):
        c = citation(item.file, item.locator)
        if c and c not in cites:
            cites.append(c)
    # What someone said or wrote speaks for itself; a record's description only when
    # nothing else is there.
    quotes = sorted((i for i in items if i.quote.strip()), key=lambda i: _is_record(i.quote))
    quote = short(quotes[0].quote) if quotes else ""
    return Sentence(
        phase=phase,
        text=text,
        quote=quote,
        citations=tuple(cites[:CITES_PER_SENTENCE]),
        more_sources=max(0, len(cites) - CITES_PER_SENTENCE),
        start=start,
        end=end,
    )


def statement_of_facts(
    facts: Iterable[FactItem], date_style: str | None = None
) -> StatementOfFacts:
    """The narrative of the confirmed facts, phase by phase, earliest first within a phase.
    Dates are ISO unless ``date_style`` (``day-month-year``, ``month-day-year``) is given."""
    out = StatementOfFacts()
    groups: dict[tuple[str, str, str], list[FactItem]] = defaultdict(list)
    for fact in facts:
        if not fact.confirmed:
            out.unconfirmed += 1
            continue
        if fact.concept not in TEMPLATES:
            out.no_template += 1
            continue
        if not citation(fact.file, fact.locator):
            out.uncited += 1
            continue
        phase, _ = TEMPLATES[fact.concept]
        groups[(phase, fact.concept, fact.suspect)].append(fact)
    by_phase: dict[str, list[Sentence]] = defaultdict(list)
    for (phase, concept, _), items in groups.items():
        by_phase[phase].append(_sentence(phase, TEMPLATES[concept][1], items, date_style))
    for key, title in PHASES:
        sentences = sorted(
            by_phase.get(key, []),
            key=lambda s: (s.start is None, s.start or datetime.min, s.text),
        )
        if sentences:
            out.phases.append(Phase(key, title, tuple(sentences)))
    return out
