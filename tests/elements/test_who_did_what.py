"""A fact goes to the suspect the sentence names as the doer, resolved to the case's
people through the mentions in the agent's words: coordinated doers each get it, a
bystander named in the same sentence does not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.elements import attributed_facts
from palermo.store.models import Case

Seed = Callable[..., Any]
OTHER = "Ion Vasile"


def _facts(ctx: Context, reference: str, concept: str) -> list[tuple[int, str]]:
    with ctx.db.session() as s:
        case = s.scalars(select(Case).where(Case.reference == reference)).one()
        return sorted(
            (f.suspect_id, f.attribution) for f in attributed_facts(ctx, s, case)
            if f.concept == concept
        )  # fmt: skip


def test_the_doer_named_by_the_sentence_gets_the_fact(
    ctx: Context, prosecutor: Actor, seed: Seed
) -> None:
    s = seed()
    other = cases.add_person(ctx, prosecutor, s.reference, kind="suspect", name=OTHER)
    s.ingest(
        ctx,
        prosecutor,
        "indictment.txt",
        f"Count one.\n{OTHER} watched as {s.SUSPECT} confiscated the passport of {s.VICTIM}.\n"
        f"Count two.\n{s.SUSPECT} and {OTHER} recruited {s.VICTIM} in Bucharest with the "
        "promise of a job as a waitress.\n",
    )
    retention = _facts(ctx, s.reference, "means.document_retention")
    assert [sid for sid, _ in retention] == [s.suspect_id]
    assert "suspect named as the one who did it" in retention[0][1]
    recruitment = _facts(ctx, s.reference, "act.recruitment")
    assert sorted({sid for sid, _ in recruitment}) == sorted([s.suspect_id, other.id])
    assert all("suspect named as the one who did it" in why for _, why in recruitment)


def test_the_one_who_worked_unpaid_is_the_victim_not_the_doer(
    ctx: Context, prosecutor: Actor, seed: Seed
) -> None:
    """ "Ana worked for four years unpaid": the worker is who it was done to; the
    suspect of the earlier clause did it."""
    s = seed()
    s.ingest(
        ctx,
        prosecutor,
        "indictment.txt",
        f"{s.SUSPECT} recruited the women in Bucharest, and {s.VICTIM} then worked for four "
        "years unpaid.\n",
    )
    with ctx.db.session() as session:
        case = session.scalars(select(Case).where(Case.reference == s.reference)).one()
        wages = [
            f for f in attributed_facts(ctx, session, case)
            if f.concept == "means.withholding_wages"
        ]  # fmt: skip
    assert [(f.suspect_id, f.victim_id) for f in wages] == [(s.suspect_id, s.victim_id)]
    assert "suspect named as the one who did it" in wages[0].attribution
    assert "victim named as the one it was done to" in wages[0].attribution
