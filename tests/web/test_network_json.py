"""The network API writes the case's graph once per kept view and adds the viewer's own
part (links to their other cases) on each read: the same document as the plain payload,
and a viewer who may not see victims' names never gets the JSON written for one who may."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.testclient import TestClient
from tests.network_money import simcase

from palermo.security.permissions import Actor
from palermo.services import cases, network
from palermo.services.context import Context
from palermo.store.models import Role

Login = Callable[[TestClient, str], TestClient]
MakeUser = Callable[..., Actor]


@pytest.fixture(scope="module")
def sim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simcase.folder(tmp_path_factory.mktemp("network-json-sim"))


def test_network_json_is_the_payload_written_once_per_view_and_viewer_kind(
    ctx: Context,
    client: TestClient,
    prosecutor: Actor,
    unit_id: int,
    sim_folder: Path,
    login: Login,
    make_user: MakeUser,
) -> None:
    sim = simcase.build(ctx, prosecutor, unit_id, sim_folder)
    analyst = make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, sim.reference, analyst.username)

    for actor, reveal in ((prosecutor, True), (prosecutor, False), (analyst, True)):
        plain = jsonable_encoder(network.network_payload(ctx, actor, sim.reference, reveal=reveal))
        for _ in range(2):  # written, then read back from what was written
            body = json.loads(
                network.network_payload_json(ctx, actor, sim.reference, reveal=reveal)
            )
            assert body.pop("cached") is True  # the view was computed by the first call
            assert body == {k: v for k, v in plain.items() if k != "cached"}

    victims = [p["name"] for p in sim.truth["persons"] if "victim" in p.get("roles", [])]
    assert victims
    shown = network.network_payload_json(ctx, prosecutor, sim.reference, reveal=True).decode()
    hidden = network.network_payload_json(ctx, analyst, sim.reference, reveal=True).decode()
    assert any(name in shown for name in victims)
    assert not any(name in hidden for name in victims)

    login(client, "analyst")
    response = client.get(f"/api/cases/{sim.reference}/network?reveal=true")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["graph"]["nodes"]
    assert not any(name in response.text for name in victims)
