"""Cases with people, some of whom are one person recorded in two cases."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from palermo.security.permissions import SYSTEM, Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import Role

FIRST = ["Ion", "Maria", "Andrei", "Elena", "Chinedu", "Ngozi", "Oksana", "Dmytro", "Ana"]
FIRST += ["Florin", "Blessing", "Olena", "Mihai", "Joy", "Taras", "Ioana", "Emeka", "Irina"]
LAST = ["Popescu", "Ionescu", "Okafor", "Adeyemi", "Shevchenko", "Kovalenko", "Dumitru"]
LAST += ["Eze", "Bondarenko", "Stan", "Nwosu", "Melnyk", "Rusu", "Obi", "Tkachenko", "Lungu"]
CASES = 8
PEOPLE_PER_CASE = 25


@dataclass
class Cases:
    references: list[str]
    # (reference, person id) pairs that are one person, in two cases
    planted: list[tuple[tuple[str, int], tuple[str, int]]] = field(default_factory=list)
    victims: list[tuple[str, int]] = field(default_factory=list)
    member: Actor | None = None  # a member of every case
    outsider: Actor | None = None  # a member of the first case only


@pytest.fixture
def linked_cases(ctx: Context, make_user: object, unit_id: int) -> Cases:
    """Eight cases of 25 people each; six people are recorded again in another case
    (the name spelt or ordered differently, or an alias, and the same phone), and one
    victim is recorded in two cases under the same name."""
    rng = random.Random(20261204)
    member = make_user(Role.PROSECUTOR, "national-member")  # type: ignore[operator]
    outsider = make_user(Role.PROSECUTOR, "national-outsider")  # type: ignore[operator]
    names = rng.sample([(f, la) for f in FIRST for la in LAST], CASES * PEOPLE_PER_CASE)
    refs = []
    ids: dict[str, list[int]] = {}
    for c in range(CASES):
        ref = f"NAT-{c + 1:02d}"
        cases.create_case(
            ctx, member, reference=ref, title=f"Case {c + 1}", jurisdiction="US", unit_id=unit_id
        )
        refs.append(ref)
        ids[ref] = []
        for first, last in names[c * PEOPLE_PER_CASE : (c + 1) * PEOPLE_PER_CASE]:
            person = cases.add_person(
                ctx,
                SYSTEM,
                ref,
                kind=rng.choice(["suspect", "witness", "other"]),
                name=f"{first} {last}",
                nationality=rng.choice(["RO", "NG", "UA", None]),
                identifiers=[("phone", f"+4072{rng.randrange(10**7):07d}")]
                if rng.random() < 0.5
                else None,
            )
            ids[ref].append(person.id)
    cases.add_member(ctx, SYSTEM, refs[0], "national-outsider")
    out = Cases(refs, member=member, outsider=outsider)
    variants = [
        lambda f, la: f"{la} {f}",  # order swapped
        lambda f, la: f"{f[:-1]}a {la}" if not f.endswith("a") else f"{f[:-1]}o {la}",  # a typo
        lambda f, la: f"{f} {la}",  # the same name
    ]
    for k in range(6):
        a_ref, b_ref = refs[k], refs[(k + 3) % CASES]
        first, last = rng.choice(FIRST), f"Planted{k}escu"
        phone = f"+3859{k:08d}"
        a = cases.add_person(
            ctx,
            SYSTEM,
            a_ref,
            kind="suspect",
            name=f"{first} {last}",
            identifiers=[("phone", phone)],
        )
        b = cases.add_person(
            ctx,
            SYSTEM,
            b_ref,
            kind="suspect",
            name=variants[k % 3](first, last),
            identifiers=[("phone", phone)],
        )
        out.planted.append(((a_ref, a.id), (b_ref, b.id)))
    for ref in (refs[1], refs[2]):
        victim = cases.add_person(
            ctx,
            SYSTEM,
            ref,
            kind="victim",
            name="Svetlana Victimova",
            identifiers=[("phone", "+380501234567")],
            sealed_fields={"date_of_birth": "2001-02-03"},
        )
        out.victims.append((ref, victim.id))
    return out
