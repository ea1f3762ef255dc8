"""A hit is attributed to the suspect the sentence names as the doer, not to every
suspect named in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palermo.security.permissions import Actor
from palermo.services import cases, elements
from palermo.services.context import Context

Seed = Callable[..., Any]


def test_the_doer_named_in_the_sentence_gets_the_fact(
    ctx: Context, prosecutor: Actor, seed: Seed
) -> None:
    s = seed()
    other = cases.add_person(ctx, prosecutor, s.reference, kind="suspect", name="Ion Dumitru")
    text = (
        "Police report, page 1.\n"
        f"While Ion Dumitru drove the van, {s.SUSPECT} confiscated the passport of "
        f"{s.VICTIM} at the border.\n"
    )
    s.ingest(ctx, prosecutor, "police_report.txt", text)
    result = elements.assess(ctx, prosecutor, s.reference)
    facts = {
        (suspect.person_id, f.quote)
        for suspect in result.suspects
        for statute in suspect.statutes
        for e in statute.elements
        for f in e.suggested
        if "confiscated the passport" in f.quote
    }
    assert facts and all(pid == s.suspect_id for pid, _ in facts), facts
    assert all(pid != other.id for pid, _ in facts)
    fact = next(
        f
        for suspect in result.suspects
        for statute in suspect.statutes
        for e in statute.elements
        for f in e.suggested
        if "confiscated the passport" in f.quote
    )
    assert "suspect named as the one who did it" in fact.attribution
