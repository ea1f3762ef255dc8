"""People and organisations through the JSON API: the same rules as the browser."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from PIL import Image

from palermo.security.permissions import Actor
from palermo.services import casework, users
from palermo.services.context import Context
from palermo.store.models import Role

MakeUser = Callable[..., Actor]


def test_merge_undo_split_organisations_and_photos_through_the_api(
    ctx: Context, client: TestClient, prosecutor: Actor, make_user: MakeUser, case_ref: str
) -> None:
    auth = {"Authorization": "Bearer " + users.create_api_token(ctx, prosecutor, "t")}
    base = f"/api/cases/{case_ref}"
    a = client.post(base + "/people", headers=auth, json={"kind": "suspect", "name": "Ion"})
    b = client.post(
        base + "/people",
        headers=auth,
        json={"kind": "suspect", "name": "Ioan", "aliases": ["Boss"], "nationality": "MD"},
    )
    a_id, b_id = a.json()["id"], b.json()["id"]
    preview = client.get(f"{base}/people/{a_id}/merge/{b_id}", headers=auth)
    assert preview.status_code == 200
    assert [c["field"] for c in preview.json()["conflicts"]] == ["name"]
    unanswered = client.post(
        f"{base}/people/{a_id}/merge", headers=auth, json={"absorbed_id": b_id}
    )
    assert unanswered.status_code == 422
    assert unanswered.json()["detail"]["errors"][0]["field"] == "keep_name"
    merged = client.post(
        f"{base}/people/{a_id}/merge",
        headers=auth,
        json={"absorbed_id": b_id, "keep": {"name": "absorbed"}},
    )
    assert merged.status_code == 201, merged.text
    person = client.get(f"{base}/people/{a_id}", headers=auth).json()
    assert person["display_name"] == "Ioan" and person["aliases"] == ["Ion", "Boss"]
    assert person["nationality"] == "MD" and person["merges"][0]["absorbed"] == "S-02"
    undone = client.post(f"{base}/merges/{merged.json()['id']}/undo", headers=auth)
    assert undone.status_code == 200 and undone.json()["id"] == b_id
    split = client.post(
        f"{base}/people/{b_id}/split", headers=auth, json={"name": "Boss Man", "aliases": ["Boss"]}
    )
    assert split.status_code == 201
    assert client.get(f"{base}/people/{b_id}", headers=auth).json()["aliases"] == []

    bad = client.post(base + "/organisations", headers=auth, json={"name": "", "kind": "x"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["detail"]["errors"]} == {"name", "kind"}
    org = client.post(
        base + "/organisations", headers=auth, json={"name": "Lantern SRL", "kind": "company"}
    )
    assert org.status_code == 201
    link = client.post(
        f"{base}/people/{a_id}/organisations",
        headers=auth,
        json={"organisation_id": org.json()["id"], "relation": "owner"},
    )
    assert link.status_code == 201
    listed = client.get(base + "/organisations", headers=auth).json()
    assert listed[0]["links"][0]["relation"] == "owner"
    assert (
        client.delete(f"{base}/organisation-links/{link.json()['id']}", headers=auth).status_code
        == 204
    )

    victim = casework.add_person(ctx, prosecutor, case_ref, kind="victim", name="Elena", aliases=[])
    png = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(png, format="PNG")
    photo = client.post(
        f"{base}/people/{victim}/photos",
        headers=auth,
        files={"photo": ("e.png", png.getvalue(), "image/png")},
    )
    assert photo.status_code == 201, photo.text
    got = client.get(f"{base}/photos/{photo.json()['id']}", headers=auth)
    assert got.status_code == 200 and got.content == png.getvalue()
    analyst = make_user(Role.ANALYST, "an")
    casework.add_member(ctx, prosecutor, case_ref, "an", "analyst")
    theirs = {"Authorization": "Bearer " + users.create_api_token(ctx, analyst, "t")}
    assert client.get(f"{base}/photos/{photo.json()['id']}", headers=theirs).status_code == 403
    hidden = client.get(f"{base}/people/{victim}?reveal=true", headers=theirs).json()
    assert hidden["display_name"] == "V-01" and hidden["photos"] == []
    photo_url = f"{base}/photos/{photo.json()['id']}"
    assert client.delete(photo_url, headers=theirs).status_code == 403
    assert client.delete(photo_url, headers=auth).status_code == 204
    assert client.get(photo_url, headers=auth).status_code == 404
