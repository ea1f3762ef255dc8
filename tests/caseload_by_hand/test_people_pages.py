"""People and organisations in the browser's terms (HTTP): the person page, merge with the
differing fields asked (422 until answered), undo, split, organisations and links, photos
served only to roles that may see them (403 for a victim's photo otherwise)."""

from __future__ import annotations

import io
from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image
from tests.helpers import csrf_from

from palermo.security.permissions import Actor
from palermo.services import casework
from palermo.services.context import Context
from palermo.store.models import Organisation, Person, Role
from palermo.store.models.people import PersonMerge, PersonPhoto

MakeUser = Callable[..., Actor]
Login = Callable[[TestClient, str], TestClient]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "green").save(out, format="PNG")
    return out.getvalue()


def test_merge_undo_and_split_in_the_browser(
    ctx: Context, client: TestClient, login: Login, prosecutor: Actor, case_ref: str
) -> None:
    a = casework.add_person(
        ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu", aliases=["Nelu"]
    )
    b = casework.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name="Ioan Popescu",
        aliases=["Boss"],
        identifiers=[("phone", "+40721000111")],
    )
    login(client, "prosecutor")
    base = f"/cases/{case_ref}/people"
    page = client.get(f"{base}/{a}")
    assert (
        page.status_code == 200 and "Ion Popescu" in page.text and 'id="merge-choose"' in page.text
    )
    assert client.get(f"{base}/{a}/merge?other=").status_code == 422
    form = client.get(f"{base}/{a}/merge?other={b}")
    assert form.status_code == 200
    assert 'name="keep_name" value="survivor"' in form.text and "Ioan Popescu" in form.text
    token = csrf_from(form.text)
    refused = client.post(f"{base}/{a}/merge", data={"absorbed": str(b), "csrf_token": token})
    assert refused.status_code == 422
    assert 'id="err-f-merge-keep_name"' in refused.text and "choose which to keep" in refused.text
    merged = client.post(
        f"{base}/{a}/merge",
        data={"absorbed": str(b), "keep_name": "survivor", "csrf_token": token},
    )
    assert merged.status_code == 303 and merged.headers["location"].startswith(f"{base}/{a}?")
    after = client.get(merged.headers["location"]).text
    assert "People merged" in after and "Ioan Popescu, Nelu, Boss" in after
    assert "+40721000111" in after and "S-02 merged in" in after
    with ctx.db.session() as session:
        merge_id = session.scalars(sa.select(PersonMerge.id)).one()
    undone = client.post(
        f"{base}/{a}/merges/{merge_id}/undo", data={"csrf_token": csrf_from(after)}
    )
    assert undone.status_code == 303 and undone.headers["location"].startswith(f"{base}/{b}?")
    back = client.get(undone.headers["location"]).text
    assert "Ioan Popescu" in back and "+40721000111" in back
    again = client.post(f"{base}/{a}/merges/{merge_id}/undo", data={"csrf_token": csrf_from(back)})
    assert again.status_code == 422 and "already undone" in again.text

    split = client.get(f"{base}/{b}/split")
    assert split.status_code == 200 and 'value="Boss"' in split.text
    token = csrf_from(split.text)
    refused = client.post(f"{base}/{b}/split", data={"name": "", "csrf_token": token})
    assert refused.status_code == 422 and "enter the name of the new person" in refused.text
    made = client.post(
        f"{base}/{b}/split", data={"name": "The Boss", "aliases": "Boss", "csrf_token": token}
    )
    assert made.status_code == 303
    with ctx.db.session() as session:
        new = session.scalar(sa.select(Person).where(Person.name == "The Boss"))
        assert new is not None and new.aliases == ["Boss"] and new.pseudonym == "S-03"
        assert session.get(Person, b).aliases == []  # type: ignore[union-attr]


def test_organisations_and_links_in_the_browser(
    ctx: Context, client: TestClient, login: Login, prosecutor: Actor, case_ref: str
) -> None:
    pid = casework.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Dan", aliases=[])
    login(client, "prosecutor")
    base = f"/cases/{case_ref}"
    tab = client.get(base + "/people")
    assert tab.status_code == 200 and 'id="organisation-form"' in tab.text
    token = csrf_from(tab.text)
    refused = client.post(
        base + "/organisations/new",
        data={"name": "", "kind": "castle", "country": "Romania", "csrf_token": token},
    )
    assert refused.status_code == 422
    for field in ("name", "kind", "country"):
        assert f'id="err-f-organisation-{field}"' in refused.text
    assert 'value="Romania"' in refused.text  # the values entered come back
    saved = client.post(
        base + "/organisations/new",
        data={"name": "Lantern SRL", "kind": "company", "country": "ro", "csrf_token": token},
    )
    assert saved.status_code == 303
    with ctx.db.session() as session:
        org = session.scalars(sa.select(Organisation)).one()
        assert (org.name, org.country) == ("Lantern SRL", "RO")
    person = client.get(f"{base}/people/{pid}")
    assert 'id="link-form"' in person.text
    token = csrf_from(person.text)
    bad = client.post(
        f"{base}/people/{pid}/organisations",
        data={"organisation_id": str(org.id), "relation": "", "since": "May", "csrf_token": token},
    )
    assert bad.status_code == 422 and "is not a date" in bad.text
    linked = client.post(
        f"{base}/people/{pid}/organisations",
        data={"organisation_id": str(org.id), "relation": "director", "csrf_token": token},
    )
    assert linked.status_code == 303
    assert "Lantern SRL</a>: director" in client.get(linked.headers["location"]).text
    listing = client.get(base + "/people").text
    assert "Lantern SRL" in listing and "(director)" in listing
    edit = client.get(f"{base}/organisations/{org.id}")
    assert edit.status_code == 200 and "Dan (S-01)" in edit.text
    changed = client.post(
        f"{base}/organisations/{org.id}",
        data={"name": "Lantern Group SRL", "kind": "company", "csrf_token": csrf_from(edit.text)},
    )
    assert changed.status_code == 303


def test_a_victims_photo_only_for_roles_that_may_see_her(
    ctx: Context,
    client: TestClient,
    login: Login,
    prosecutor: Actor,
    make_user: MakeUser,
    case_ref: str,
) -> None:
    analyst = make_user(Role.ANALYST, "ana-analyst")
    casework.add_member(ctx, prosecutor, case_ref, analyst.username, "analyst")
    victim = casework.add_person(ctx, prosecutor, case_ref, kind="victim", name="Elena", aliases=[])
    login(client, "prosecutor")
    base = f"/cases/{case_ref}"
    page = client.get(f"{base}/people/{victim}?reveal=1")
    assert 'id="photo-form"' in page.text
    token = csrf_from(page.text)
    refused = client.post(
        f"{base}/people/{victim}/photos",
        data={"csrf_token": token},
        files={"photo": ("notes.txt", b"hello", "text/plain")},
    )
    assert refused.status_code == 422 and "notes.txt is not a readable JPEG or PNG" in refused.text
    uploaded = client.post(
        f"{base}/people/{victim}/photos",
        data={"csrf_token": token},
        files={"photo": ("elena.png", _png(), "image/png")},
    )
    assert uploaded.status_code == 303
    with ctx.db.session() as session:
        photo_id = session.scalars(sa.select(PersonPhoto.id)).one()
    shown = client.get(uploaded.headers["location"]).text
    assert f"/photos/{photo_id}?thumb=1" in shown
    image = client.get(f"{base}/photos/{photo_id}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.headers["cache-control"] == "no-store" and image.content == _png()
    hidden = client.get(f"{base}/people/{victim}").text  # identity not shown: no photo
    assert f"/photos/{photo_id}" not in hidden

    other = TestClient(client.app, follow_redirects=False)
    login(other, analyst.username)
    assert other.get(f"{base}/photos/{photo_id}").status_code == 403
    assert other.get(f"{base}/photos/{photo_id}?thumb=1").status_code == 403
    seen = other.get(f"{base}/people/{victim}?reveal=1").text
    assert f"/photos/{photo_id}" not in seen and "Elena" not in seen
    assert "your role (Analyst) may not see it" in seen or "may not see it" in seen
