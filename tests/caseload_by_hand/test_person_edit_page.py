"""Editing a person in the browser: a refused form comes back (422) with the message next
to its field and no sealed value echoed; a saved one redirects to the people tab."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.helpers import csrf_from

from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.store.models import Person

Login = Callable[[TestClient, str], TestClient]


def test_edit_a_person_refused_then_saved(
    ctx: Context, client: TestClient, login: Login, prosecutor: Actor, case_ref: str
) -> None:
    login(client, "prosecutor")
    base = f"/cases/{case_ref}"
    token = csrf_from(client.get(base + "/people/new").text)
    made = client.post(
        base + "/people/new",
        data={"kind": "suspect", "name": "Dan Voicu", "csrf_token": token},
    )
    assert made.status_code == 303
    with ctx.db.session() as session:
        person_id = session.scalars(sa.select(Person.id)).one()
    page = base + f"/people/{person_id}/edit"
    token = csrf_from(client.get(page).text)
    refused = client.post(
        page,
        data={
            "name": "Dan Voicu",
            "birth_year": "19x",
            "address": "Strada Secreta 7",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert "not a whole number" in refused.text
    assert "Strada Secreta 7" not in refused.text
    token = csrf_from(client.get(page).text)
    saved = client.post(
        page,
        data={
            "name": "Dan Voicu",
            "aliases": "Danut; DV",
            "birth_year": "1988",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == base + "/people?saved=person"
    with ctx.db.session() as session:
        person = session.get(Person, person_id)
        assert person is not None and person.birth_year == 1988
