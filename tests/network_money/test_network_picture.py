"""What the interactive picture gets beyond the graph: groups, kinds of people, and the
phones and accounts drawn inside their holders, with a victim's values hidden unless the
viewer may see them and asks to."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import Role

API = "/api/cases/NET-001/network"


def _nodes(client: TestClient, url: str = API) -> list[dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    nodes: list[dict[str, Any]] = response.json()["graph"]["nodes"]
    return nodes


def _victim_values(sim: Any) -> list[str]:
    victims = [p for p in sim.truth["persons"] if p["kind"] == "victim"]
    return [v for p in victims for k in ("phones", "accounts", "emails") for v in p.get(k, [])]


def test_nodes_carry_groups_kinds_and_held_identifiers(signed_in: TestClient, sim: Any) -> None:
    nodes = _nodes(signed_in)
    people = [n for n in nodes if n["type"] == "person"]
    assert people and all(n["kind"] for n in people)
    groups = {n["community"] for n in nodes if n["community"] >= 0}
    assert len(groups) >= 2
    collector = next(p for p in sim.truth["persons"] if "money_handler" in p.get("roles", []))
    node = next(n for n in people if n["id"] == f"person:{sim.ids[collector['id']]}")
    held = {h["label"] for h in node["holds"]}
    assert set(collector["phones"]) <= held
    assert {h["type"] for h in node["holds"]} >= {"phone"}
    # No node key of a held identifier is sent: a key carries its value.
    assert all(set(h) == {"type", "label"} for n in nodes for h in n.get("holds", []))


def test_victims_phones_are_hidden_unless_revealed(signed_in: TestClient, sim: Any) -> None:
    values = _victim_values(sim)
    assert values
    hidden = signed_in.get(API).text
    assert not [v for v in values if v in hidden]
    victims = [n for n in _nodes(signed_in) if n["kind"] == "victim" and n.get("holds")]
    assert victims and all(h["label"] == "" for n in victims for h in n["holds"])
    shown = signed_in.get(API + "?reveal=true").text
    assert [v for v in values if v in shown]


def test_analyst_never_gets_a_victims_phone(
    ctx: Context, prosecutor: Actor, make_user: Any, client: TestClient, login: Any, sim: Any
) -> None:
    make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, "NET-001", "analyst")
    login(client, "analyst")
    values = _victim_values(sim)
    for url in (API, API + "?reveal=true"):
        text = client.get(url).text
        assert not [v for v in values if v in text], url
