"""The Network tab's national linkage section: the suggestion that a person of this
case is a person of another case, decided in the browser's forms; the decision shows at
once although the rest of the tab's body is kept between requests."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.web import national_seeding

from palermo.security.permissions import SYSTEM, Actor
from palermo.services import cases
from palermo.services import national_linkage as nl
from palermo.services.context import Context
from palermo.store.models import Role
from palermo.web.fragments import fragments

Login = Callable[[TestClient, str], TestClient]


def _row(html: str, link_id: int) -> str:
    match = re.search(rf'<tr id="national-{link_id}".*?</tr>', html, re.S)
    assert match, "the suggestion's row is missing"
    return match.group(0)


def test_national_link_is_shown_decided_and_reopened(
    ctx: Context,
    prosecutor: Actor,
    unit_id: int,
    client: TestClient,
    login: Login,
    csrf: Callable[[str], str],
) -> None:
    linked = national_seeding.build(ctx, prosecutor, unit_id)
    (link,) = [
        v
        for v in nl.national_links(ctx, prosecutor, linked.here)
        if v.person_id == linked.person_here
    ]
    assert link.other_person_id == linked.person_there and link.status == "suggested"
    login(client, "prosecutor")
    page = client.get(f"/cases/{linked.here}/network")
    assert page.status_code == 200
    html = page.text
    # the section follows the links to other cases, before the duplicates
    assert (
        html.index('id="cross-case"') < html.index('id="national"') < html.index('id="duplicates"')
    )
    row = _row(html, link.id)
    assert "Dmytro Kovalenkov" in row and "Kovalenkov Dmytro" in row
    assert f'href="/cases/{linked.there}/network#national"' in row
    assert f"{round(link.probability * 100):.0f}%" in row
    assert "name:" in row and "phones, accounts and other identifiers:" in row
    assert "Suggestion, not yet decided" in row
    assert ">Confirm<" in row and ">Reject<" in row and ">Reopen<" not in row
    # the section is rendered per request, outside the tab's kept body
    client.get(f"/cases/{linked.here}/network")  # the first view kept is its own key
    rendered = fragments.rendered
    again = client.get(f"/cases/{linked.here}/network").text
    assert fragments.rendered == rendered and _row(again, link.id) == row
    kept = [html for _, html in fragments._entries.values()]
    assert kept and not any('id="national' in body for body in kept)

    response = client.post(
        f"/cases/{linked.here}/network/national",
        data={"csrf_token": csrf(html), "link_id": str(link.id), "decision": "same"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{linked.here}/network#national-{link.id}"
    html = client.get(f"/cases/{linked.here}/network").text
    row = _row(html, link.id)
    assert "Confirmed: same person" in row and "by prosecutor" in row
    assert ">Confirm<" not in row and ">Reject<" in row and ">Reopen<" in row
    # the other case's copy is decided too
    there = client.get(f"/cases/{linked.there}/network").text
    (mirror,) = [
        v
        for v in nl.national_links(ctx, prosecutor, linked.there)
        if v.person_id == linked.person_there
    ]
    assert "Confirmed: same person" in _row(there, mirror.id)

    response = client.post(
        f"/cases/{linked.here}/network/national",
        data={"csrf_token": csrf(html), "link_id": str(link.id), "decision": "undo"},
    )
    assert response.status_code == 303
    html = client.get(f"/cases/{linked.here}/network").text
    row = _row(html, link.id)
    assert "Suggestion, not yet decided" in row and ">Reopen<" not in row

    response = client.post(
        f"/cases/{linked.here}/network/national",
        data={"csrf_token": csrf(html), "link_id": str(link.id), "decision": "apart"},
    )
    assert response.status_code == 303
    row = _row(client.get(f"/cases/{linked.here}/network").text, link.id)
    assert "Rejected: not the same" in row and ">Reject<" not in row and ">Reopen<" in row
    assert nl.national_links(ctx, prosecutor, linked.there)[0].status == "rejected"


def test_national_decision_needs_the_form_token_and_a_known_decision(
    ctx: Context,
    prosecutor: Actor,
    unit_id: int,
    client: TestClient,
    login: Login,
    csrf: Callable[[str], str],
) -> None:
    linked = national_seeding.build(ctx, prosecutor, unit_id)
    link = nl.national_links(ctx, prosecutor, linked.here)[0]
    login(client, "prosecutor")
    html = client.get(f"/cases/{linked.here}/network").text
    url = f"/cases/{linked.here}/network/national"
    refused = client.post(url, data={"link_id": str(link.id), "decision": "same"})
    assert refused.status_code in (400, 403)
    bad = client.post(
        url, data={"csrf_token": csrf(html), "link_id": str(link.id), "decision": "maybe"}
    )
    assert bad.status_code == 422
    assert nl.national_links(ctx, prosecutor, linked.here)[0].status == "suggested"


def test_without_the_right_to_decide_no_buttons_and_no_decision(
    ctx: Context,
    prosecutor: Actor,
    make_user: Callable[..., Actor],
    unit_id: int,
    client: TestClient,
    login: Login,
    csrf: Callable[[str], str],
) -> None:
    # Analysts may decide suggestions; an advocate reads the case but may not.
    advocate = make_user(Role.ADVOCATE, "advocate")
    linked = national_seeding.build(ctx, prosecutor, unit_id)
    for ref in (linked.here, linked.there):
        cases.add_member(ctx, SYSTEM, ref, "advocate")
    link = nl.national_links(ctx, advocate, linked.here)[0]
    login(client, "advocate")
    html = client.get(f"/cases/{linked.here}/network").text
    row = _row(html, link.id)
    assert "Suggestion, not yet decided" in row
    assert "<button" not in row and "network/national" not in row
    refused = client.post(
        f"/cases/{linked.here}/network/national",
        data={"csrf_token": csrf(html), "link_id": str(link.id), "decision": "same"},
    )
    assert refused.status_code == 403
    assert nl.national_links(ctx, prosecutor, linked.here)[0].status == "suggested"
