"""The casework JSON API: the same rules as the browser, refusals naming each field."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import users
from palermo.services.context import Context
from palermo.store.models import Role

MakeUser = Callable[..., Actor]


def test_case_people_charge_outcome_through_the_api(
    ctx: Context, client: TestClient, prosecutor: Actor, make_user: MakeUser
) -> None:
    auth = {"Authorization": "Bearer " + users.create_api_token(ctx, prosecutor, "t")}
    bad = client.post(
        "/api/cases",
        headers=auth,
        json={
            "reference": "A-1",
            "title": "x",
            "unit": "test-unit",
            "jurisdiction": "US",
            "statutes": ["made-up"],
        },
    )
    assert bad.status_code == 422
    assert bad.json()["detail"]["errors"] == [
        {"field": "statutes", "message": "unknown statute 'made-up' (not in the law data)"}
    ]
    made = client.post(
        "/api/cases",
        headers=auth,
        json={
            "reference": "A-1",
            "title": "Lantern",
            "unit": "test-unit",
            "jurisdiction": "US",
            "statutes": ["us-18-1591"],
            "opened_on": "2024-01-02",
        },
    )
    assert made.status_code == 201, made.text
    advocate = make_user(Role.ADVOCATE, "adv")
    member = client.post(
        "/api/cases/A-1/members", headers=auth, json={"username": "adv", "case_role": "advocate"}
    )
    assert member.status_code == 200, member.text
    person = client.post(
        "/api/cases/A-1/people", headers=auth, json={"kind": "suspect", "name": "Ion Pop"}
    )
    assert person.status_code == 201
    charge = client.post(
        "/api/cases/A-1/charges",
        headers=auth,
        json={
            "person_id": person.json()["id"],
            "statute_id": "us-18-1591",
            "counts": 2,
            "filed_on": "2024-03-01",
        },
    )
    assert charge.status_code == 201
    early = client.post(
        "/api/cases/A-1/outcomes",
        headers=auth,
        json={"charge_id": charge.json()["id"], "verdict": "convicted", "verdict_on": "2024-02-01"},
    )
    assert early.status_code == 422
    assert early.json()["detail"]["errors"][0]["field"] == "verdict_on"
    ok = client.post(
        "/api/cases/A-1/outcomes",
        headers=auth,
        json={
            "charge_id": charge.json()["id"],
            "verdict": "convicted",
            "verdict_on": "2024-09-01",
            "sentenced_on": "2024-10-01",
            "custodial_months": 100,
        },
    )
    assert ok.status_code == 201, ok.text
    assert "below the minimum" in ok.json()["warnings"][0]
    adv_auth = {"Authorization": "Bearer " + users.create_api_token(ctx, advocate, "t")}
    denied = client.post(
        "/api/cases/A-1/people", headers=adv_auth, json={"kind": "witness", "name": "W"}
    )
    assert denied.status_code == 403
