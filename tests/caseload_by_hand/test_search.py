"""Search across the caller's cases; sealed victim names found only through the blind
index and only by roles allowed to see them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases, casework, search
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.store.models import Role
from palermo.store.models.caseload import PersonNameKey

MakeUser = Callable[..., Actor]
Login = Callable[[TestClient, str], TestClient]


@pytest.fixture
def people(ctx: Context, prosecutor: Actor, case_ref: str, unit_id: int) -> None:
    casework.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name="Ioana Stancu",
        aliases=["Nana"],
        identifiers=[("phone", "+40721555666")],
    )
    casework.add_person(
        ctx, prosecutor, case_ref, kind="suspect", name="Marius Pavel", aliases=["Bossu"]
    )
    cases.create_case(
        ctx,
        prosecutor,
        reference="OTHER-9",
        title="Pavel brothers",
        jurisdiction="US",
        unit_id=unit_id,
    )


def test_search_finds_people_identifiers_and_cases(
    ctx: Context, prosecutor: Actor, people: None
) -> None:
    r = search.search(ctx, prosecutor, "pavel")
    assert [c.reference for c in r.cases] == ["OTHER-9"]
    assert [(p.label, p.matched) for p in r.people] == [("Marius Pavel", "name")]
    assert [p.label for p in search.search(ctx, prosecutor, "bossu").people] == ["Marius Pavel"]
    sealed = search.search(ctx, prosecutor, "ioana stancu").people
    assert [(p.label, p.matched) for p in sealed] == [("V-01", "sealed name")]
    assert search.search(ctx, prosecutor, "nana").people[0].label == "V-01"
    assert search.search(ctx, prosecutor, "+40721555").identifiers[0].person == "V-01"
    assert search.search(ctx, prosecutor, "+40 721 555 666").identifiers
    assert r.by_case == {"OTHER-9": 1, "TEST-001": 1}
    with pytest.raises(InvalidInput, match="at least two"):
        search.search(ctx, prosecutor, "x")
    with ctx.db.session() as session:
        keys = list(session.scalars(sa.select(PersonNameKey.key)))
    assert keys and all(len(k) == 64 and "stancu" not in k for k in keys)


def test_roles_and_membership_bound_the_search(
    ctx: Context, prosecutor: Actor, make_user: MakeUser, case_ref: str, people: None
) -> None:
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    assert search.search(ctx, analyst, "stancu").people == []
    assert search.search(ctx, analyst, "pavel").people[0].label == "Marius Pavel"
    outsider = make_user(Role.PROSECUTOR)
    assert search.search(ctx, outsider, "pavel").people == []
    # The index is rebuilt from the sealed identities.
    with ctx.db.session() as session:
        session.execute(sa.delete(PersonNameKey))
    assert search.reindex(ctx) == 2
    assert search.search(ctx, prosecutor, "stancu").people[0].label == "V-01"


def test_search_page(client: TestClient, login: Login, people: None) -> None:
    login(client, "prosecutor")
    page = client.get("/search?q=pavel").text
    assert "Marius Pavel" in page and "OTHER-9" in page
    narrowed = client.get("/search?q=pavel&case=OTHER-9").text
    assert "Marius Pavel" not in narrowed and "Pavel brothers" in narrowed
    short = client.get("/search?q=a")
    assert short.status_code == 200 and "at least two characters" in short.text
