"""The casework forms in the browser's terms (HTTP): field errors with status 422, CSRF,
permissions per role, and a saved form redirecting with a note."""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.helpers import csrf_from

from palermo import clock
from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import Case, Person, Role

MakeUser = Callable[..., Actor]
Login = Callable[[TestClient, str], TestClient]


def _post(client: TestClient, page: str, action: str, data: dict[str, object]) -> object:
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def test_open_a_case_in_the_browser(
    ctx: Context, client: TestClient, login: Login, prosecutor: Actor, unit_id: int
) -> None:
    login(client, "prosecutor")
    form = client.get("/cases/new")
    assert form.status_code == 200 and "18 U.S.C. § 1591(a)(1)" in form.text
    refused = _post(
        client,
        "/cases/new",
        "/cases/new",
        {
            "reference": "bad ref",
            "title": "",
            "unit": str(unit_id),
            "jurisdiction": "US",
            "statutes": ["us-18-1591"],
            "opened_on": "31/12/2024",
        },
    )
    assert refused.status_code == 422  # type: ignore[attr-defined]
    html = refused.text  # type: ignore[attr-defined]
    assert 'id="err-f-opened_on"' in html and "is not a date" in html
    assert "no spaces" in html
    # The statute ticked is kept ticked.
    assert re.search(r'value="us-18-1591" checked', html)
    made = _post(
        client,
        "/cases/new",
        "/cases/new",
        {
            "reference": "HT-2025-031",
            "title": "Operation Lantern",
            "unit": str(unit_id),
            "jurisdiction": "US",
            "statutes": ["us-18-1591", "us-18-1594c"],
            "opened_on": "2025-01-15",
            "typology": "escort_ads",
        },
    )
    assert made.status_code == 303  # type: ignore[attr-defined]
    assert made.headers["location"] == "/cases/HT-2025-031/details?saved=created"  # type: ignore[attr-defined]
    page = client.get("/cases/HT-2025-031/details?saved=created").text
    assert "Case created" in page and "18 U.S.C. § 1594(c)" in page
    no_csrf = client.post("/cases/new", data={"reference": "X-2", "title": "x"})
    assert no_csrf.status_code == 403
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def test_members_people_charges_outcomes_notes_and_witnesses(
    ctx: Context,
    client: TestClient,
    login: Login,
    prosecutor: Actor,
    make_user: MakeUser,
    case_ref: str,
) -> None:
    make_user(Role.ADVOCATE, "advocate")
    analyst = make_user(Role.ANALYST, "analyst")
    login(client, "prosecutor")
    base = f"/cases/{case_ref}"
    added = _post(
        client,
        base + "/details",
        base + "/members/add",
        {"username": "advocate", "case_role": "advocate"},
    )
    assert added.status_code == 303  # type: ignore[attr-defined]
    unknown = _post(client, base + "/details", base + "/members/add", {"username": "nobody"})
    assert unknown.status_code == 422 and "no user named" in unknown.text  # type: ignore[attr-defined]
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)

    victim = _post(
        client,
        base + "/people/new",
        base + "/people/new",
        {
            "kind": "victim",
            "name": "Elena Marin",
            "aliases": "Leni",
            "date_of_birth": "2006-05-01",
            "identifiers": "phone: +40721000999",
        },
    )
    assert victim.status_code == 303  # type: ignore[attr-defined]
    suspect = _post(
        client,
        base + "/people/new",
        base + "/people/new",
        {"kind": "suspect", "name": "Dan Voicu", "birth_year": "19x"},
    )
    assert suspect.status_code == 422 and "not a whole number" in suspect.text  # type: ignore[attr-defined]
    _post(
        client, base + "/people/new", base + "/people/new", {"kind": "suspect", "name": "Dan Voicu"}
    )
    with ctx.db.session() as session:
        people = {p.kind: p for p in session.scalars(sa.select(Person))}
    assert people["victim"].name is None and b"Elena" not in (
        people["victim"].sealed_identity or b""
    )
    suspect_id = people["suspect"].id

    charged = _post(
        client,
        base + "/charges",
        base + "/charges/add",
        {
            "person_id": str(suspect_id),
            "statute_id": "us-18-1591",
            "counts": "3",
            "status": "filed",
            "filed_on": "2025-02-01",
        },
    )
    assert charged.status_code == 303  # type: ignore[attr-defined]
    charges_page = client.get(base + "/charges").text
    charge_id = re.search(r'<option value="(\d+)"[^>]*>Dan Voicu — 18 U.S.C', charges_page)
    assert charge_id
    early = _post(
        client,
        base + "/charges",
        base + "/outcomes/add",
        {"charge_id": charge_id.group(1), "verdict": "convicted", "verdict_on": "2025-01-20"},
    )
    assert early.status_code == 422  # type: ignore[attr-defined]
    assert "before the charge on 2025-02-01" in early.text  # type: ignore[attr-defined]
    assert 'id="err-f-outcome-verdict_on"' in early.text  # type: ignore[attr-defined]
    saved = _post(
        client,
        base + "/charges",
        base + "/outcomes/add",
        {
            "charge_id": charge_id.group(1),
            "verdict": "convicted",
            "plea": "not_guilty",
            "verdict_on": "2025-06-02",
            "sentenced_on": "2025-09-01",
            "custodial_months": "180",
            "restitution_ordered": "12,000",
            "currency": "USD",
        },
    )
    assert saved.status_code == 303, saved.text  # type: ignore[attr-defined]
    outcomes = client.get("/outcomes").text
    assert "Outcomes" in outcomes

    note = _post(client, base + "/hearings", base + "/notes/add", {"kind": "task", "text": ""})
    assert note.status_code == 422 and "write the note" in note.text  # type: ignore[attr-defined]
    deadline = _post(
        client,
        base + "/hearings",
        base + "/deadlines/add",
        {"kind": "custody_limit", "due_on": clock.today().isoformat()},
    )
    assert deadline.status_code == 303  # type: ignore[attr-defined]

    # The advocate records care for the victim; the analyst may not add a victim.
    client.cookies.clear()
    login(client, "advocate")
    victim_id = people["victim"].id
    record = _post(
        client,
        base + "/hearings",
        f"{base}/witnesses/{victim_id}/record",
        {"what": "intimidation", "on": clock.today().isoformat(), "notes": "threat"},
    )
    assert record.status_code == 303, record.text  # type: ignore[attr-defined]
    assert "Intimidation reports</dt><dd>1" in client.get(base + "/hearings").text
    client.cookies.clear()
    login(client, "analyst")
    form = client.get(base + "/people/new")
    assert form.status_code == 403


def test_caseload_filters_sorts_and_pages(
    ctx: Context, client: TestClient, login: Login, prosecutor: Actor, unit_id: int
) -> None:
    for i in range(60):
        cases.create_case(
            ctx,
            prosecutor,
            reference=f"HT-{i:03d}",
            title=f"Case {i}",
            jurisdiction="US",
            unit_id=unit_id,
            typology="escort_ads" if i % 2 else "domestic_servitude",
            statutes=["us-18-1591"] if i % 3 == 0 else ["us-18-1589"],
        )
    login(client, "prosecutor")
    first = client.get("/cases").text
    assert "1–50 of 60 cases" in first and 'rel="next"' in first
    second = client.get("/cases?page=2").text
    assert "51–60 of 60" in second and "HT-059" in second
    filtered = client.get("/cases?statute=us-18-1591&typology=escort_ads").text
    # i divisible by 3 and odd: 3, 9, 15, ..., 57 -> 10 cases
    assert "of 10 cases matching the filters" in filtered
    newest = client.get("/cases?sort=reference&desc=1").text
    assert newest.index("HT-059") < newest.index("HT-058")
    found = client.get("/cases?q=case 42").text
    assert "of 1 case" in found and "HT-042" in found
