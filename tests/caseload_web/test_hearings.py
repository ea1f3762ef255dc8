"""The case tab "Hearings & witnesses": history, forms with field errors, witness panel."""

from __future__ import annotations

import re
from types import ModuleType

from fastapi.testclient import TestClient

from palermo.security.permissions import Actor

Login = object


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_tab_shows_history_hearings_deadlines_and_witnesses(
    client: TestClient, login: Login, seeded: dict[str, Actor], seed: ModuleType, h: ModuleType
) -> None:
    login(client, "pros")  # type: ignore[operator]
    html = client.get("/cases/TRIAL-1/hearings").text
    assert re.search(r'aria-current="page" aria-label="Hearings &amp; witnesses">Hearings<', html)
    stages = [r[2] for r in h.table_rows(html, "transitions-table")]
    assert stages == ["Investigation", "Charged", "Pre-trial", "Trial"]
    hearings = h.table_rows(html, "hearings-table")
    assert len(hearings) == 6
    adjourned = [r for r in hearings if "Adjourned" in r[2]]
    assert [(r[3], r[4]) for r in adjourned] == [
        ("Defence", "counsel unavailable"),
        ("Court", "judge on leave"),
        ("Defence", "new counsel appointed"),
    ]
    assert "defence requested 2 of 3 adjournments" in html
    alert = html[html.find('id="over-target"') : html.find('class="dash-grid"')]
    assert f"45 days between hearings ({seed.d(-40)} to {seed.d(5)}); target 14" in alert
    assert "Custody time limit" in h.section(html, "deadlines")
    witnesses = h.section(html, "witnesses")
    assert "V1" in witnesses and "High risk" in witnesses and "Low risk" in witnesses
    assert "Shelter North" in witnesses and "intimidation reported (1)" in witnesses
    assert "Move the case to a new stage" in html


def test_analyst_sees_the_rating_only(
    client: TestClient, login: Login, seeded: dict[str, Actor], h: ModuleType
) -> None:
    login(client, "anal")  # type: ignore[operator]
    html = client.get("/cases/TRIAL-1/hearings").text
    witnesses = h.section(html, "witnesses")
    assert "V1" in witnesses and "High risk" in witnesses
    assert "Shelter North" not in html and "intimidation reported" not in html
    assert "Move the case to a new stage" not in html  # no EDIT_CASE
    api = client.get("/api/cases/TRIAL-1/hearings").json()
    v1 = next(w for w in api["witnesses"] if w["pseudonym"] == "V1")
    assert (v1["level"], v1["details"], v1["reasons"], v1["location"]) == ("high", False, [], None)


def test_non_member_gets_404(client: TestClient, login: Login, seeded: dict[str, Actor]) -> None:
    login(client, "pros")  # type: ignore[operator]
    assert client.get("/cases/OTHER-3/hearings").status_code == 404
    assert client.get("/api/cases/OTHER-3/hearings").status_code == 404
    token = _token(client.get("/cases/TRIAL-1/hearings").text)
    response = client.post(
        "/cases/OTHER-3/hearings/stage",
        data={"csrf_token": token, "to_stage": "verdict", "on": "2026-01-01"},
    )
    assert response.status_code == 404


def test_bad_date_names_the_field(
    client: TestClient, login: Login, seeded: dict[str, Actor]
) -> None:
    login(client, "pros")  # type: ignore[operator]
    token = _token(client.get("/cases/TRIAL-1/hearings").text)
    response = client.post(
        "/cases/TRIAL-1/hearings/stage",
        data={"csrf_token": token, "to_stage": "verdict", "on": "2026-13-45", "reason": "x"},
    )
    assert response.status_code == 422
    assert 'id="err-stage-on"' in response.text
    assert "&#39;2026-13-45&#39; is not a date; use YYYY-MM-DD" in response.text
    assert 'value="2026-13-45"' in response.text  # the entry is kept for correction


def test_service_errors_are_shown_per_field(
    client: TestClient, login: Login, seeded: dict[str, Actor], seed: ModuleType
) -> None:
    login(client, "pros")  # type: ignore[operator]
    token = _token(client.get("/cases/TRIAL-1/hearings").text)
    early = seed.d(-200).isoformat()
    response = client.post(
        "/cases/TRIAL-1/hearings/stage",
        data={"csrf_token": token, "to_stage": "verdict", "on": early},
    )
    assert response.status_code == 422
    assert 'id="err-stage-on"' in response.text
    assert f"{early} is before the previous stage change on {seed.d(-100)}" in response.text
    diverted = client.post(
        "/cases/TRIAL-1/hearings/stage",
        data={"csrf_token": token, "to_stage": "diverted", "on": seed.d(0).isoformat()},
    )
    assert diverted.status_code == 422
    assert 'id="err-stage-reason"' in diverted.text and "diversion needs a reason" in diverted.text
    assert 'id="err-stage-diversion_kind"' in diverted.text


def test_stage_move_and_hearing_are_saved(
    client: TestClient, login: Login, seeded: dict[str, Actor], seed: ModuleType, h: ModuleType
) -> None:
    login(client, "pros")  # type: ignore[operator]
    token = _token(client.get("/cases/TRIAL-1/hearings").text)
    moved = client.post(
        "/cases/TRIAL-1/hearings/stage",
        data={"csrf_token": token, "to_stage": "verdict", "on": seed.d(-1).isoformat()},
    )
    assert moved.status_code == 303
    page = client.get(moved.headers["location"]).text
    assert "Stage changed." in page
    assert h.table_rows(page, "transitions-table")[-1][2] == "Verdict"

    missing_party = client.post(
        "/cases/TRIAL-1/hearings/add",
        data={
            "csrf_token": token,
            "held_on": seed.d(9).isoformat(),
            "kind": "trial",
            "adjourned": "1",
        },
    )
    assert missing_party.status_code == 422
    assert 'id="err-hearing-requested_by"' in missing_party.text
    assert "an adjournment must say who asked for it" in missing_party.text
    saved = client.post(
        "/cases/TRIAL-1/hearings/add",
        data={
            "csrf_token": token,
            "held_on": seed.d(9).isoformat(),
            "kind": "trial",
            "adjourned": "1",
            "requested_by": "defence",
            "reason": "defendant ill",
        },
    )
    assert saved.status_code == 303
    page = client.get("/cases/TRIAL-1/hearings").text
    assert "defence requested 3 of 4 adjournments" in page
    assert ["Defence", "defendant ill"] in [r[3:5] for r in h.table_rows(page, "hearings-table")]


def test_forms_need_the_csrf_token(
    client: TestClient, login: Login, seeded: dict[str, Actor]
) -> None:
    login(client, "pros")  # type: ignore[operator]
    response = client.post(
        "/cases/TRIAL-1/hearings/stage", data={"to_stage": "verdict", "on": "2026-01-01"}
    )
    assert response.status_code == 403
