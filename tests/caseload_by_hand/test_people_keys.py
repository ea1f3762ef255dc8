"""People data under a key rotation: an organisation's address, a photo and a merge record
(which holds both identities) are re-encrypted with everything else, and a merge made
before the rotation can still be undone after it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from palermo.security import keys
from palermo.security.permissions import SYSTEM
from palermo.services import (
    cases,
    casework,
    organisations,
    people,
    person_merge,
    person_photos,
    users,
)
from palermo.services.context import Context
from palermo.settings import Settings
from palermo.store.models import Role


def test_people_data_survives_a_key_rotation(tmp_path: Path, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the rotation is tested on its own SQLite database")
    settings = Settings(data_dir=tmp_path / "data")
    ctx = Context.create(settings)
    unit = users.ensure_unit(ctx, "keys", "Keys", "US")
    actor = users.create_user(
        ctx,
        SYSTEM,
        username="p",
        password="a long password here",
        role=Role.PROSECUTOR,
        unit_id=unit,
    ).actor
    cases.create_case(ctx, actor, reference="K-1", title="K", jurisdiction="US", unit_id=unit)
    victim = casework.add_person(
        ctx, actor, "K-1", kind="victim", name="Elena Marin", aliases=["Leni"]
    )
    witness = casework.add_person(ctx, actor, "K-1", kind="witness", name="E. Marin", aliases=[])
    merge = person_merge.merge_people(
        ctx, actor, "K-1", survivor_id=victim, absorbed_id=witness, keep={"name": "survivor"}
    )
    organisations.add_organisation(
        ctx, actor, "K-1", name="Club", kind="venue", address="Str. Lunga 7"
    )
    png = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(png, format="PNG")
    photo = person_photos.upload_photo(
        ctx, actor, "K-1", victim, data=png.getvalue(), file_name="Elena Marin.png"
    )
    with ctx.db.engine.connect() as connection:
        old = connection.execute(sa.text("SELECT record FROM person_merges")).scalar_one()
    keys.rotate(ctx.db.engine, None, settings.data_dir)
    ctx.db.dispose()

    rotated = Context.create(settings)
    with rotated.db.engine.connect() as connection:
        new = connection.execute(sa.text("SELECT record FROM person_merges")).scalar_one()
    assert bytes(new) != bytes(old)
    (org,) = organisations.list_organisations(rotated, actor, "K-1")
    assert org.address == "Str. Lunga 7"
    assert person_photos.photo_file(rotated, actor, "K-1", photo).content == png.getvalue()
    person_merge.undo_merge(rotated, actor, "K-1", merge)
    back = people.person_page(rotated, actor, "K-1", witness, reveal=True)
    assert (back.pseudonym, back.display_name) == ("W-01", "E. Marin")
    kept = people.person_page(rotated, actor, "K-1", victim, reveal=True)
    assert (kept.display_name, kept.aliases) == ("Elena Marin", ["Leni"])
    rotated.db.dispose()
