"""The Elements tab and its API: matrix, drill-down, decisions, links, access, pseudonyms."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases, elements
from palermo.services.context import Context
from palermo.store.models import Role

Seed = Callable[..., Any]
Login = Callable[..., Any]
Csrf = Callable[[str], str]
MakeUser = Callable[..., Actor]


def _page(client: TestClient, reference: str) -> str:
    response = client.get(f"/cases/{reference}/elements")
    assert response.status_code == 200, response.text
    return response.text


def _means_cell(html: str) -> str:
    match = re.search(
        r'<td class="el-cell el-cell-([a-z_]+)">\s*<a href="#el-S-01-palermo-art3-means"', html
    )
    assert match, "no means cell for S-01"
    return match.group(1)


def test_page_shows_matrix_and_confirming_through_the_page_changes_it(
    ctx: Context, prosecutor: Actor, seed: Seed, client: TestClient, login: Login, csrf: Csrf
) -> None:
    s = seed()
    s.ingest(ctx, prosecutor, "statement_ana.txt", s.STATEMENT)
    login(client, "prosecutor")
    html = _page(client, s.reference)
    assert "Elements of the offence" in html and "Palermo Protocol Art. 3" in html
    assert _means_cell(html) == "supported_if_confirmed"
    assert "Supported if confirmed" in html and "Suggestion, not confirmed" in html
    assert "took my passport" in html and "statement_ana.txt" in html and "page 1" in html
    ids = sorted(set(re.findall(r'name="assertion_id" value="(\d+)"', html)))
    assert ids
    for assertion_id in ids:
        response = client.post(
            f"/cases/{s.reference}/elements/decide",
            data={"assertion_id": assertion_id, "decision": "confirmed",
                  "csrf_token": csrf(html), "back": "el-S-01-palermo-art3-means"},
        )  # fmt: skip
        assert response.status_code == 303
        assert response.headers["location"].endswith("/elements#el-S-01-palermo-art3-means")
    html = _page(client, s.reference)
    assert _means_cell(html) == "single_source"
    assert "rests only on the victim&#39;s statement" in html
    # Without the CSRF token nothing changes.
    assert (
        client.post(
            f"/cases/{s.reference}/elements/decide",
            data={"assertion_id": ids[0], "decision": "rejected"},
        ).status_code
        == 403
    )


def test_child_victim_waiver_is_explained_on_the_page(
    ctx: Context, prosecutor: Actor, seed: Seed, client: TestClient, login: Login
) -> None:
    s = seed(minor=True)
    s.ingest(ctx, prosecutor, "statement_ana.txt", s.STATEMENT)
    login(client, "prosecutor")
    html = _page(client, s.reference)
    # The suspect is linked to the child only by a suggestion: the waiver is pending.
    assert "Would apply if confirmed" in html
    api = client.get(f"/api/cases/{s.reference}/elements").json()
    for el in api["suspects"][0]["statutes"][0]["elements"]:
        for fact in el["suggested"]:
            if fact["assertion_id"]:
                client.post(
                    f"/api/cases/{s.reference}/elements/decide",
                    json={"assertion_id": fact["assertion_id"], "decision": "confirmed"},
                    headers={"X-CSRF-Token": _token(client)},
                )
    html = _page(client, s.reference)
    assert _means_cell(html) == "waived"
    assert "Means waived: victim V-01 is a child (under 18)" in html


def _token(client: TestClient) -> str:
    html = client.get("/cases").text
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match
    return match.group(1)


def test_manual_link_and_unlink_through_the_page(
    ctx: Context, prosecutor: Actor, seed: Seed, client: TestClient, login: Login, csrf: Csrf
) -> None:
    s = seed()
    login(client, "prosecutor")
    html = _page(client, s.reference)
    assert _means_cell(html) == "missing"
    response = client.post(
        f"/cases/{s.reference}/elements/link",
        data={"target": f"{s.suspect_id}|palermo-art3|means", "concept": "means.threat",
              "quote": "Officer's note: he threatened her family in my presence.",
              "assertion_id": "", "record_id": "", "victim_id": "",  # as a browser sends them
              "csrf_token": csrf(html)},
    )  # fmt: skip
    assert response.status_code == 303
    html = _page(client, s.reference)
    assert _means_cell(html) == "single_source"
    assert "linked by hand" in html and "threatened her family" in html
    link_id = re.search(r'name="link_id" value="(\d+)"', html).group(1)  # type: ignore[union-attr]
    response = client.post(
        f"/cases/{s.reference}/elements/unlink",
        data={"link_id": link_id, "csrf_token": csrf(html)},
    )
    assert response.status_code == 303
    html = _page(client, s.reference)
    assert _means_cell(html) == "missing" and "Withdrawn" in html
    with ctx.db.session() as session:
        from sqlalchemy import select

        from palermo.store.models import AuditEntry

        rows = session.execute(
            select(AuditEntry.action, AuditEntry.username).where(
                AuditEntry.action.in_(["element.link", "element.unlink"])
            )
        ).all()
    assert sorted(rows) == [("element.link", "prosecutor"), ("element.unlink", "prosecutor")]


def test_statute_picker(
    ctx: Context, prosecutor: Actor, seed: Seed, client: TestClient, login: Login, csrf: Csrf
) -> None:
    s = seed()
    login(client, "prosecutor")
    html = _page(client, s.reference)
    response = client.post(
        f"/cases/{s.reference}/elements/statutes",
        data={"suspect_id": str(s.suspect_id), "statute": ["palermo-art3", "us-18-1589"],
              "csrf_token": csrf(html)},
    )  # fmt: skip
    assert response.status_code == 303
    html = _page(client, s.reference)
    assert "18 U.S.C. § 1589" in html or "1589" in html
    assert 'value="us-18-1589" checked' in html


def test_non_member_gets_404(
    ctx: Context, seed: Seed, client: TestClient, login: Login, make_user: MakeUser
) -> None:
    s = seed()
    make_user(Role.PROSECUTOR, "outsider")
    login(client, "outsider")
    assert client.get(f"/cases/{s.reference}/elements").status_code == 404
    assert client.get(f"/api/cases/{s.reference}/elements").status_code == 404


def test_analyst_never_sees_victim_names(
    ctx: Context,
    prosecutor: Actor,
    seed: Seed,
    client: TestClient,
    login: Login,
    make_user: MakeUser,
) -> None:
    s = seed()
    s.ingest(ctx, prosecutor, "police_report.txt", f"{s.SUSPECT} took the passport of {s.VICTIM}.")
    make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, s.reference, "analyst")
    login(client, "analyst")
    html = _page(client, s.reference)
    api = client.get(f"/api/cases/{s.reference}/elements")
    assert api.status_code == 200
    # The passage is shown, with the victim's name replaced by her pseudonym.
    assert "took the passport of V-01" in html
    for text in (html, api.text):
        assert "Popescu" not in text and "Ana " not in text
        assert "V-01" in text
    # A prosecutor sees the document's own words.
    quotes = [f.quote for f in elements.assess(ctx, prosecutor, s.reference).unattributed]
    quotes += [
        f.quote
        for st in elements.assess(ctx, prosecutor, s.reference).suspects[0].statutes
        for e in st.elements
        for f in e.suggested
    ]
    assert f"{s.SUSPECT} took the passport of {s.VICTIM}." in quotes


def test_api_links_and_decisions(
    ctx: Context, prosecutor: Actor, seed: Seed, client: TestClient, login: Login
) -> None:
    s = seed()
    s.ingest(ctx, prosecutor, "statement_ana.txt", s.STATEMENT)
    login(client, "prosecutor")
    headers = {"X-CSRF-Token": _token(client)}
    url = f"/api/cases/{s.reference}/elements"
    body = client.get(url).json()
    assert body["readiness"] == "not ready" and body["victims"][0]["pseudonym"] == "V-01"
    means = next(
        e for e in body["suspects"][0]["statutes"][0]["elements"] if e["element_id"] == "means"
    )
    assert means["status"] == "supported_if_confirmed"
    response = client.post(
        f"{url}/links",
        json={"suspect_id": s.suspect_id, "statute_id": "palermo-art3", "element_id": "means",
              "concept": "means.threat", "quote": "Seen by the officer."},
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    link_id = response.json()["id"]
    means = next(
        e
        for e in client.get(url).json()["suspects"][0]["statutes"][0]["elements"]
        if e["element_id"] == "means"
    )
    assert means["status"] == "single_source" and means["confirmed"][0]["link_id"] == link_id
    assert client.post(f"{url}/links/{link_id}/unlink", headers=headers).status_code == 200
    assert client.get(url).json()["links"][0]["status"] == "rejected"
    # Bad input is a 422, not a crash; no CSRF header is a 403.
    bad = client.post(
        f"{url}/links",
        json={"suspect_id": s.suspect_id, "statute_id": "palermo-art3", "element_id": "nope"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert client.post(f"{url}/links/{link_id}/unlink").status_code == 403
