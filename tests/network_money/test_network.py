"""The Network tab and its API over a simulated case loaded through ingest."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from palermo.security.permissions import Actor
from palermo.services import cases, network
from palermo.services.context import Context
from palermo.store.models import Assertion, AuditEntry, Identifier, Record, Role

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
    assert ("phone", shared, "NET-OTHER-9") in [(c.kind, c.value, c.other_case) for c in mine]
    assert {c.other_case for c in mine} == {"NET-OTHER-9"}
    # the resolution model may also suggest the person with that phone, and says why
    for c in mine:
        if c.kind == "person":
            assert c.probability is not None and c.probability >= 0.5
            assert any(e.comparison == "ids" and e.level == "shared" for e in c.evidence)
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


# -- confirmed merges ----------------------------------------------------------------------


def _unattributed_phone(ctx: Context) -> str:
    """The call endpoint with the most records that no person of the case uses."""
    with ctx.db.session() as session:
        known = set(
            session.scalars(select(Identifier.value).where(Identifier.person_id.is_not(None)))
        )
        counts: Counter[str] = Counter()
        for source, target in session.execute(
            select(Record.source, Record.target).where(Record.kind == "call")
        ):
            counts.update(v for v in (source, target) if v and v not in known)
    return counts.most_common(1)[0][0]


def _neighbours(data: dict[str, Any], node: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in data["graph"]["edges"]:
        if node in (e["source"], e["target"]):
            other = e["target"] if e["source"] == node else e["source"]
            out[other] = out.get(other, 0) + e["weight"]
    return out


def test_confirmed_merge_draws_one_node_with_both_peoples_evidence_until_undone(
    ctx: Context, prosecutor: Actor, signed_in: TestClient, csrf: Any, sim: Any
) -> None:
    collector = sim.person("money_handler")
    original = sim.ids[collector["id"]]
    phone = _unattributed_phone(ctx)
    twin = cases.add_person(
        ctx, prosecutor, "NET-001", kind="suspect", name="Unknown caller", aliases=["Gigi"],
        identifiers=[("phone", phone)],
    )  # fmt: skip
    a, b = f"person:{original}", f"person:{twin.id}"
    before = _network(signed_in)
    nodes = {n["id"] for n in before["graph"]["nodes"]}
    assert {a, b} <= nodes
    around_a, around_b = _neighbours(before, a), _neighbours(before, b)
    assert around_b, "the twin's phone has calls of its own"
    page = signed_in.get("/cases/NET-001/network")
    assert 'id="merged-table"' not in page.text
    response = signed_in.post(
        "/cases/NET-001/network/duplicates",
        data={"person_a": twin.id, "person_b": original, "decision": "same",
              "csrf_token": csrf(page.text)},
    )  # fmt: skip
    assert response.status_code == 303

    merged = _network(signed_in)
    ids = {n["id"] for n in merged["graph"]["nodes"]}
    assert a in ids and b not in ids  # the charged person's id is kept
    node = next(n for n in merged["graph"]["nodes"] if n["id"] == a)
    assert "merged from" in node["label"]
    assert any(twin.pseudonym in m for m in node["merged_from"])
    assert any(collector["name"] in m for m in node["merged_from"])
    around = _neighbours(merged, a)
    expected = dict(around_a)
    for other, weight in around_b.items():
        if other != a:
            expected[other] = expected.get(other, 0) + weight
    expected.pop(b, None)
    assert around == expected  # every record of both people, on the one node
    assert b not in merged["people"] and "merged from" in merged["people"][a]
    assert [(m["person_id"], len(m["members"])) for m in merged["merges"]] == [(original, 2)]
    assert all(r["person_id"] != twin.id for r in merged["roles"])
    assert all(p["key"] != b for p in merged["key_players"])
    # The pair stays listed as decided, so it can be changed; the rows are untouched.
    pair = next(
        d for d in merged["duplicates"] if {d["person_a"], d["person_b"]} == {original, twin.id}
    )
    assert pair["decided_same"] is True
    assert {original, twin.id} <= {p.id for p in cases.list_people(ctx, prosecutor, "NET-001")}
    page = signed_in.get("/cases/NET-001/network")
    assert 'id="merged-table"' in page.text and "Undo decision" in page.text

    response = signed_in.post(
        "/cases/NET-001/network/duplicates",
        data={"person_a": original, "person_b": twin.id, "decision": "undo",
              "csrf_token": csrf(page.text)},
    )  # fmt: skip
    assert response.status_code == 303
    undone = _network(signed_in)
    assert {a, b} <= {n["id"] for n in undone["graph"]["nodes"]}
    assert _neighbours(undone, a) == around_a and _neighbours(undone, b) == around_b
    assert undone["merges"] == []
    # Undecided again: listed only while the machine suggests the pair (it does not).
    assert all(
        d["decision"] is None
        for d in undone["duplicates"]
        if {d["person_a"], d["person_b"]} == {original, twin.id}
    )
    with ctx.db.session() as session:
        kept = session.execute(
            select(Assertion.predicate, Assertion.status).where(Assertion.predicate == "same_as")
        ).all()
        assert [tuple(k) for k in kept] == [("same_as", "rejected")]
        audited = session.scalars(
            select(AuditEntry.details)
            .where(AuditEntry.action == "network.duplicate_decision")
            .order_by(AuditEntry.seq)
        ).all()
        assert [d["same"] for d in audited] == [True, None]


def test_roles_and_culpable_list_use_the_merged_person(
    ctx: Context, prosecutor: Actor, sim: Any
) -> None:
    recruiter = sim.person("recruiter", charged=False)
    uncharged = sim.ids[recruiter["id"]]
    # A second record of the same man, charged under it.
    twin = cases.add_person(
        ctx, prosecutor, "NET-001", kind="suspect", name=recruiter["name"], aliases=["Chris"]
    )
    cases.add_charge(
        ctx, prosecutor, "NET-001", person_id=twin.id, statute_id="us-18-1591", status="charged"
    )
    view = network.network_view(ctx, prosecutor, "NET-001")
    assert uncharged in {u.person_id for u in view.culpable}
    role = next(r for r in view.roles if r.person_id == uncharged and r.role == "recruiter")
    assert role.merged_from == []

    network.decide_duplicate(
        ctx, prosecutor, "NET-001", person_a=uncharged, person_b=twin.id, same=True
    )
    merged = network.network_view(ctx, prosecutor, "NET-001")
    # The charged record is the representative: the recruiter is charged, so not listed.
    assert {uncharged, twin.id}.isdisjoint({u.person_id for u in merged.culpable})
    row = next(r for r in merged.roles if r.role == "recruiter" and r.person_id == twin.id)
    assert all(r.person_id != uncharged for r in merged.roles)
    assert {s.signal for s in row.signals} >= {s.signal for s in role.signals}
    assert len(row.merged_from) == 2 and any(twin.pseudonym in m for m in row.merged_from)
    assert merged.merges[0].person_id == twin.id

    # Kept apart (the decision reversed): two people again, the recruiter culpable.
    network.decide_duplicate(
        ctx, prosecutor, "NET-001", person_a=uncharged, person_b=twin.id, same=False
    )
    apart = network.network_view(ctx, prosecutor, "NET-001")
    assert uncharged in {u.person_id for u in apart.culpable} and apart.merges == []


def test_merges_are_transitive_and_a_keep_apart_decision_wins(
    ctx: Context, prosecutor: Actor, sim: Any
) -> None:
    collector = sim.ids[sim.person("money_handler")["id"]]
    one, two = (
        cases.add_person(ctx, prosecutor, "NET-001", kind="other", name=f"Alias {n}").id
        for n in (1, 2)
    )
    network.decide_duplicate(ctx, prosecutor, "NET-001", person_a=one, person_b=two, same=False)
    network.decide_duplicate(
        ctx, prosecutor, "NET-001", person_a=collector, person_b=one, same=True
    )
    network.decide_duplicate(
        ctx, prosecutor, "NET-001", person_a=collector, person_b=two, same=True
    )
    view = network.network_view(ctx, prosecutor, "NET-001")
    assert [(m.person_id, sorted(p for p, _ in m.members)) for m in view.merges] == [
        (collector, sorted([collector, one]))
    ]
    assert len(view.merge_conflicts) == 1 and "kept apart" in view.merge_conflicts[0]
    network.decide_duplicate(ctx, prosecutor, "NET-001", person_a=one, person_b=two, same=None)
    view = network.network_view(ctx, prosecutor, "NET-001")
    assert [sorted(p for p, _ in m.members) for m in view.merges] == [sorted([collector, one, two])]
    assert view.merge_conflicts == []
    nodes = {n["id"] for n in view.graph["nodes"]}
    assert f"person:{one}" not in nodes and f"person:{two}" not in nodes


# -- the per-case cache --------------------------------------------------------------------


def test_view_is_cached_until_the_case_changes(ctx: Context, prosecutor: Actor, sim: Any) -> None:
    first = network.network_view(ctx, prosecutor, "NET-001")
    again = network.network_view(ctx, prosecutor, "NET-001")
    assert not first.cached and again.cached and again.graph == first.graph
    cases.add_person(ctx, prosecutor, "NET-001", kind="suspect", name="New Face")
    assert not network.network_view(ctx, prosecutor, "NET-001").cached
    assert network.network_view(ctx, prosecutor, "NET-001").cached
    person = sim.ids[sim.person("transporter")["id"]]
    network.decide_role(
        ctx, prosecutor, "NET-001", person_id=person, role="transporter", decision="confirmed"
    )
    view = network.network_view(ctx, prosecutor, "NET-001")
    assert not view.cached
    network.decide_role(
        ctx, prosecutor, "NET-001", person_id=person, role="transporter", decision="rejected"
    )
    view = network.network_view(ctx, prosecutor, "NET-001")
    assert not view.cached
    row = next(r for r in view.roles if r.person_id == person and r.role == "transporter")
    assert row.decision is not None and row.decision.status == "rejected"
    with ctx.db.session() as session:
        reads = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "network.view")
        ).all()
    assert [d["cached"] for d in reads] == [False, True, False, True, False, False]


def test_cache_never_shows_a_name_to_a_role_that_may_not_see_it(
    ctx: Context, prosecutor: Actor, make_user: Any, client: TestClient, login: Any, sim: Any
) -> None:
    analyst = make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, "NET-001", "analyst")
    victim = next(p for p in sim.truth["persons"] if p["kind"] == "victim")
    shown = network.network_view(ctx, prosecutor, "NET-001", reveal=True)
    assert victim["name"] in shown.people.values()
    assert network.network_view(ctx, prosecutor, "NET-001", reveal=True).cached
    for actor in (analyst, prosecutor):
        view = network.network_view(ctx, actor, "NET-001", reveal=actor is analyst)
        assert victim["name"] not in view.people.values() and not view.cached
    login(client, "analyst")
    for url in (API + "?reveal=true", "/cases/NET-001/network?reveal=1"):
        assert victim["name"] not in client.get(url).text


def test_page_and_its_api_compute_the_view_once(signed_in: TestClient, ctx: Context) -> None:
    assert signed_in.get("/cases/NET-001/network").status_code == 200
    assert _network(signed_in)["cached"] is True
    with ctx.db.session() as session:
        reads = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "network.view")
        ).all()
    assert [d["cached"] for d in reads] == [False, True]


def test_case_view_cache_computes_once_per_key_and_context(ctx: Context, settings: Any) -> None:
    from palermo.services.viewcache import CaseViewCache

    cache: CaseViewCache[int] = CaseViewCache(max_entries=3)
    calls: list[int] = []

    def slow() -> int:
        time.sleep(0.2)
        calls.append(1)
        return len(calls)

    results: list[Any] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(cache.get_or_compute(ctx, 1, "fp1", "v", slow))
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and sorted(r.hit for r in results) == [False, True, True]
    assert {r.value for r in results} == {1}
    # Another context (another database) never sees the entry.
    other = Context.create(settings, migrate=False)
    try:
        assert not cache.get_or_compute(other, 1, "fp1", "v", lambda: 99).hit
    finally:
        other.db.dispose()
    # A new fingerprint drops the case's older entries; the size stays bounded.
    assert cache.get_or_compute(ctx, 1, "fp2", "v", lambda: 2).value == 2
    assert cache.get_or_compute(ctx, 1, "fp1", "v", lambda: 3).value == 3
    for case_id in range(2, 6):
        cache.get_or_compute(ctx, case_id, "fp", "v", lambda: 0)
    assert len(cache) == 3
