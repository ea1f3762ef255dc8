"""Editing a case's details and a person in the browser: a refused form comes back (422)
with the values entered and the message next to its field (no sealed value echoed); a saved
one redirects (303) to its tab with a note."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.helpers import csrf_from

from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.store.models import Case, Person

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


def test_edit_case_details_refused_then_saved(
    ctx: Context, client: TestClient, login: Login, prosecutor: Actor, case_ref: str
) -> None:
    login(client, "prosecutor")
    page = f"/cases/{case_ref}/details"
    form = {
        "title": "Operation Harbour Light",
        "jurisdiction": "US",
        "typology": "labour_agriculture",
        "statutes": ["us-18-1589"],
        "summary": "Farm crews held by debt.",
    }
    token = csrf_from(client.get(page).text)
    refused = client.post(page, data={**form, "opened_on": "31/12/2024", "csrf_token": token})
    assert refused.status_code == 422
    assert "is not a date; use YYYY-MM-DD" in refused.text
    assert "Operation Harbour Light" in refused.text
    token = csrf_from(client.get(page).text)
    saved = client.post(page, data={**form, "opened_on": "2025-02-03", "csrf_token": token})
    assert saved.status_code == 303
    assert saved.headers["location"] == page + "?saved=case"
    with ctx.db.session() as session:
        case = session.scalars(sa.select(Case).where(Case.reference == case_ref)).one()
        assert case.title == "Operation Harbour Light"
        assert case.opened_on is not None and case.opened_on.isoformat() == "2025-02-03"
