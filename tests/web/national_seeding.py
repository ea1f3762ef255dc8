"""Two cases of one prosecutor that record one suspect twice (the name spelt
differently, the same phone), linked by the national linkage on DuckDB; shared by the
web and browser tests of the Network tab's national section."""

from __future__ import annotations

from dataclasses import dataclass

from palermo.security.permissions import SYSTEM, Actor
from palermo.services import cases
from palermo.services import national_linkage as nl
from palermo.services.context import Context

OTHERS = [
    ("Maria Popescu", "+40721110001"),
    ("Chinedu Okafor", "+23480111002"),
    ("Oksana Melnyk", "+38050111003"),
    ("Florin Dumitru", "+40721110004"),
]
MORE = [
    ("Blessing Adeyemi", "+23480222001"),
    ("Taras Bondarenko", "+38050222002"),
    ("Ioana Rusu", "+40721220003"),
    ("Emeka Nwosu", "+23480222004"),
]


@dataclass(frozen=True)
class Linked:
    here: str  # the case opened in the tests
    there: str  # the other case
    person_here: int
    person_there: int


def build(ctx: Context, owner: Actor, unit_id: int) -> Linked:
    """The two cases (``owner`` a member of both), their people, and one linkage run."""
    refs = ("NAT-WEB-1", "NAT-WEB-2")
    for ref, title in zip(refs, ("Harbour bar", "Night buses"), strict=True):
        cases.create_case(
            ctx, owner, reference=ref, title=title, jurisdiction="US", unit_id=unit_id
        )
    for ref, people in zip(refs, (OTHERS, MORE), strict=True):
        for name, phone in people:
            cases.add_person(
                ctx, SYSTEM, ref, kind="witness", name=name, identifiers=[("phone", phone)]
            )
    here = cases.add_person(
        ctx,
        SYSTEM,
        refs[0],
        kind="suspect",
        name="Dmytro Kovalenkov",
        identifiers=[("phone", "+385912345678")],
    )
    there = cases.add_person(
        ctx,
        SYSTEM,
        refs[1],
        kind="suspect",
        name="Kovalenkov Dmytro",
        identifiers=[("phone", "+385912345678")],
    )
    nl.link_nationally(ctx, SYSTEM, engine="duckdb")
    return Linked(refs[0], refs[1], here.id, there.id)
