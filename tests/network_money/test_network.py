"""The Network tab and its API over a simulated case loaded through ingest."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from palermo.security.permissions import Actor
from palermo.services import cases, network
from palermo.services.context import Context
from palermo.store.models import Assertion, AuditEntry, Role

API = "/api/cases/NET-001/network"


def _network(client: TestClient, url: str = API) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def test_api_returns_nodes_and_edges(signed_in: TestClient) -> None:
    data = _network(signed_in)
    graph = data["graph"]
    assert len(graph["nodes"]) > 20 and len(graph["edges"]) > 20
    ids = {n["id"] for n in graph["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])
    assert {"call", "message", "payment"} <= {k for e in graph["edges"] for k in e["kinds"]}


def test_minor_roles_appear_with_evidence(signed_in: TestClient, sim: Any) -> None:
    data = _network(signed_in)
    by_role: dict[str, set[int]] = {}
    for r in data["roles"]:
        by_role.setdefault(r["role"], set()).add(r["person_id"])
        for s in r["signals"]:
            assert s["evidence"], (r["role"], s["signal"])
    assert sim.ids[sim.person("transporter")["id"]] in by_role["transporter"]
    assert sim.ids[sim.person("complicit_official")["id"]] in by_role["complicit_official"]
    buyers = {sim.ids[p["id"]] for p in sim.truth["persons"] if "buyer" in p["roles"]}
    assert buyers & by_role["buyer"]
    transporter = next(r for r in data["roles"] if r["role"] == "transporter")
    ev = transporter["signals"][0]["evidence"][0]
    assert ev["record_id"] and ev["file"] in {"trips.csv", "calls.csv"} and ev["row"] >= 2


def test_uncharged_recruiter_is_culpable_but_not_charged(signed_in: TestClient, sim: Any) -> None:
    data = _network(signed_in)
    recruiter = sim.ids[sim.person("recruiter", charged=False)["id"]]
    charged = sim.ids[sim.person("recruiter", charged=True)["id"]]
    rows = {u["person_id"]: u for u in data["culpable"]}
    assert recruiter in rows and charged not in rows
    assert rows[recruiter]["roles"][0][0] == "Recruiter"
    assert "act.recruitment" in rows[recruiter]["concepts"] and rows[recruiter]["evidence"]


def test_role_decision_persists_and_is_audited(
    ctx: Context, signed_in: TestClient, csrf: Any, sim: Any
) -> None:
    page = signed_in.get("/cases/NET-001/network")
    assert page.status_code == 200
    assert "Suggestion, not yet decided" in page.text
    person = sim.ids[sim.person("transporter")["id"]]
    response = signed_in.post(
        "/cases/NET-001/network/roles",
        data={
            "person_id": person,
            "role": "transporter",
            "decision": "confirmed",
            "csrf_token": csrf(page.text),
        },
    )
    assert response.status_code == 303
    data = _network(signed_in)
    row = next(r for r in data["roles"] if r["person_id"] == person and r["role"] == "transporter")
    assert row["decision"]["status"] == "confirmed" and row["decision"]["by"] == "prosecutor"
    node = next(n for n in data["graph"]["nodes"] if n["id"] == f"person:{person}")
    assert node["role"] == "transporter" and node["confirmed"] is True
    assert "✔ Confirmed" in signed_in.get("/cases/NET-001/network").text
    with ctx.db.session() as session:
        kept = session.scalars(select(Assertion).where(Assertion.predicate == "role")).all()
        assert [(a.subject_id, a.value, a.status) for a in kept] == [
            (person, "transporter", "confirmed")
        ]
        assert kept[0].decided_by is not None and kept[0].decided_at is not None
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "network.role_decision")
        ).all()
        assert actions == ["network.role_decision"]


def test_rejected_role_leaves_culpable_list(ctx: Context, prosecutor: Actor, sim: Any) -> None:
    recruiter = sim.ids[sim.person("recruiter", charged=False)["id"]]
    network.decide_role(
        ctx, prosecutor, "NET-001", person_id=recruiter, role="recruiter", decision="rejected"
    )
    view = network.network_view(ctx, prosecutor, "NET-001")
    assert recruiter not in {u.person_id for u in view.culpable}
    row = next(r for r in view.roles if r.person_id == recruiter and r.role == "recruiter")
    assert row.decision is not None and row.decision.status == "rejected"


def test_cross_case_link_only_for_members_of_both(
    ctx: Context,
    prosecutor: Actor,
    unit_id: int,
    make_user: Any,
    client: TestClient,
    login: Any,
    sim: Any,
) -> None:
    shared = sim.person("recruiter", charged=False)["phones"][0]
    cases.create_case(
        ctx,
        prosecutor,
        reference="NET-OTHER-9",
        title="Another ring",
        jurisdiction="US",
        unit_id=unit_id,
    )
    cases.add_person(
        ctx,
        prosecutor,
        "NET-OTHER-9",
        kind="suspect",
        name="Someone Else",
        identifiers=[("phone", shared)],
    )
    colleague = make_user(Role.INVESTIGATOR, "colleague")
    cases.add_member(ctx, prosecutor, "NET-001", "colleague")
    mine = network.network_view(ctx, prosecutor, "NET-001").cross_links
    assert [(c.kind, c.value, c.other_case) for c in mine] == [("phone", shared, "NET-OTHER-9")]
    assert network.network_view(ctx, colleague, "NET-001").cross_links == []
    login(client, "colleague")
    assert "NET-OTHER-9" not in client.get(API).text
    assert "NET-OTHER-9" not in client.get("/cases/NET-001/network").text


def test_non_member_gets_404(make_user: Any, client: TestClient, login: Any, sim: Any) -> None:
    make_user(Role.PROSECUTOR, "outsider")
    login(client, "outsider")
    assert client.get(API).status_code == 404
    assert client.get("/cases/NET-001/network").status_code == 404


def test_analyst_never_sees_a_victims_name(
    ctx: Context, prosecutor: Actor, make_user: Any, client: TestClient, login: Any, sim: Any
) -> None:
    make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, "NET-001", "analyst")
    # A second record of a victim: the duplicate's reasons would quote the name.
    first = next(p for p in sim.truth["persons"] if p["kind"] == "victim")
    cases.add_person(ctx, prosecutor, "NET-001", kind="victim", name=first["name"])
    login(client, "analyst")
    assert any(
        "hidden: victim identity" in r for d in _network(client)["duplicates"] for r in d["reasons"]
    )
    texts = [
        client.get(API).text,
        client.get(API + "?reveal=true").text,
        client.get("/cases/NET-001/network").text,
        client.get("/cases/NET-001/network?reveal=1").text,
    ]
    victims = [p for p in sim.truth["persons"] if p["kind"] == "victim"]
    for text in texts:
        for v in victims:
            for name in [v["name"], *v.get("aliases", [])]:
                assert len(name) < 8 or name not in text, name
    assert "V-01" in texts[0]


def test_prosecutor_sees_names_only_when_asking(signed_in: TestClient, sim: Any) -> None:
    victim = next(p for p in sim.truth["persons"] if p["kind"] == "victim")
    assert victim["name"] not in signed_in.get(API).text
    assert victim["name"] in signed_in.get(API + "?reveal=true").text


def test_page_has_canvas_tables_and_no_inline_script(signed_in: TestClient) -> None:
    html = signed_in.get("/cases/NET-001/network").text
    for marker in (
        'id="nw-canvas"',
        'id="roles-table"',
        'id="culpable-table"',
        'id="keyplayers-table"',
        "/static/network/network.js",
    ):
        assert marker in html
    assert "<script>" not in html and " style=" not in html
    assert signed_in.get("/static/network/network.js").status_code == 200


def test_possible_duplicate_decision_is_kept_reversible_and_audited(
    ctx: Context, prosecutor: Actor, signed_in: TestClient, csrf: Any, sim: Any
) -> None:
    collector = sim.person("money_handler")
    twin = cases.add_person(
        ctx,
        prosecutor,
        "NET-001",
        kind="suspect",
        name=collector["name"],
        aliases=["Gigi"],
        nationality=collector["nationality"],
    )
    original = sim.ids[collector["id"]]
    data = _network(signed_in)
    pair = next(
        d for d in data["duplicates"] if {d["person_a"], d["person_b"]} == {original, twin.id}
    )
    assert pair["decision"] is None and pair["match_probability"] >= 0.5
    assert any("name" in r for r in pair["reasons"])
    page = signed_in.get("/cases/NET-001/network")
    assert 'id="duplicates-table"' in page.text
    response = signed_in.post(
        "/cases/NET-001/network/duplicates",
        data={
            "person_a": original,
            "person_b": twin.id,
            "decision": "same",
            "csrf_token": csrf(page.text),
        },
    )
    assert response.status_code == 303
    network.decide_duplicate(
        ctx, prosecutor, "NET-001", person_a=twin.id, person_b=original, same=False
    )
    pair = next(
        d
        for d in _network(signed_in)["duplicates"]
        if {d["person_a"], d["person_b"]} == {original, twin.id}
    )
    assert pair["decided_same"] is False and pair["decision"]["by"] == "prosecutor"
    with ctx.db.session() as session:
        kept = session.execute(
            select(Assertion.predicate, Assertion.status)
            .where(Assertion.predicate.in_(("same_as", "not_same_as")))
            .order_by(Assertion.id)
        ).all()
        assert [tuple(k) for k in kept] == [("same_as", "rejected"), ("not_same_as", "confirmed")]
        audited = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "network.duplicate_decision")
        ).all()
        assert len(audited) == 2
    # The people themselves are untouched: both still listed.
    ids = {p.id for p in cases.list_people(ctx, prosecutor, "NET-001")}
    assert {original, twin.id} <= ids
