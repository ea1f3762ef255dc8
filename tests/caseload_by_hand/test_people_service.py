"""People and organisations through the services: merge (conflicts asked, never guessed),
undo a merge, split, organisations and their links, photos stored encrypted and shown only
to roles that may see them. Every rule refuses with the field named; nothing half-written."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image

from palermo.security.identities import IdentityUnavailable
from palermo.security.permissions import Actor
from palermo.services import casework, organisations, people, person_merge, person_photos
from palermo.services.context import Context
from palermo.services.errors import PermissionDenied
from palermo.services.fields import FieldErrors
from palermo.store.models import Assertion, AuditEntry, Charge, Identifier, Person, Role
from palermo.store.models.people import PersonMerge, PersonPhoto

MakeUser = Callable[..., Actor]


def _png(colour: str = "red", size: tuple[int, int] = (600, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def _actions(ctx: Context, prefix: str) -> list[AuditEntry]:
    with ctx.db.session() as session:
        rows = session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action.like(f"{prefix}%"))
            .order_by(AuditEntry.id)
        ).all()
        session.expunge_all()
        return list(rows)


def _two_suspects(ctx: Context, actor: Actor, ref: str) -> tuple[int, int]:
    a = casework.add_person(
        ctx,
        actor,
        ref,
        kind="suspect",
        name="Ion Popescu",
        aliases=["Nelu"],
        nationality="RO",
        identifiers=[("phone", "+40721000111")],
    )
    b = casework.add_person(
        ctx,
        actor,
        ref,
        kind="suspect",
        name="Ioan Popescu",
        aliases=["Boss"],
        nationality="MD",
        birth_year=1980,
        identifiers=[("email", "boss@example.org")],
    )
    for pid in (a, b):
        casework.add_charge(
            ctx, actor, ref, person_id=pid, statute_id="us-18-1591", counts=1, filed_on=None
        )
    with ctx.db.session() as session:
        case_id = session.scalar(sa.select(Person.case_id).where(Person.id == b))
        session.add(
            Assertion(
                case_id=case_id,
                subject_type="person",
                subject_id=b,
                predicate="mention",
                value="Ioan",
                status="confirmed",
            )
        )
    return a, b


def test_merge_asks_conflicts_moves_everything_and_undo_restores_it(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    a, b = _two_suspects(ctx, prosecutor, case_ref)
    org = organisations.add_organisation(
        ctx, prosecutor, case_ref, name="Lantern SRL", kind="company"
    )
    organisations.link_person(
        ctx, prosecutor, case_ref, person_id=b, organisation_id=org, relation="owner"
    )
    preview = person_merge.merge_preview(ctx, prosecutor, case_ref, a, b)
    assert {c.field for c in preview.conflicts} == {"name", "nationality"}
    assert preview.moves["charges"] == 1 and preview.moves["identifiers"] == 1
    # Conflicts are asked, never guessed: nothing is written until each one is answered.
    with pytest.raises(FieldErrors) as unanswered:
        person_merge.merge_people(ctx, prosecutor, case_ref, survivor_id=a, absorbed_id=b)
    assert set(unanswered.value.by_field()) == {"keep_name", "keep_nationality"}
    assert "different name: choose which to keep" in unanswered.value.by_field()["keep_name"][0]
    with ctx.db.session() as session:
        assert session.get(Person, b) is not None
    merge_id = person_merge.merge_people(
        ctx,
        prosecutor,
        case_ref,
        survivor_id=a,
        absorbed_id=b,
        keep={"name": "absorbed", "nationality": "survivor"},
    )
    page = people.person_page(ctx, prosecutor, case_ref, a)
    assert page.display_name == "Ioan Popescu"
    assert page.aliases == ["Ion Popescu", "Nelu", "Boss"]
    assert page.nationality == "RO" and page.birth_year == 1980
    assert sorted(v for _, _, v in page.identifiers) == ["+40721000111", "boss@example.org"]
    assert [f.text for f in page.facts] == ["Ioan"]
    assert [(o.organisation, o.relation) for o in page.organisations] == [("Lantern SRL", "owner")]
    assert [m.absorbed for m in page.merges] == ["S-02"] and page.merges[0].may_undo
    with ctx.db.session() as session:
        assert session.get(Person, b) is None
        assert set(session.scalars(sa.select(Charge.person_id))) == {a}
    (entry,) = [e for e in _actions(ctx, "person.merge") if e.action == "person.merge"]
    assert entry.details is not None and entry.details["absorbed"] == "S-02"
    assert entry.details["moved"]["charges"] == 1
    assert "Ioan" not in str(entry.details)
    # Undo: the absorbed person is back with her id, pseudonym, name and rows.
    restored = person_merge.undo_merge(ctx, prosecutor, case_ref, merge_id)
    assert restored == b
    back = people.person_page(ctx, prosecutor, case_ref, b)
    assert (back.pseudonym, back.display_name, back.aliases) == ("S-02", "Ioan Popescu", ["Boss"])
    assert [v for _, _, v in back.identifiers] == ["boss@example.org"]
    assert [f.text for f in back.facts] == ["Ioan"]
    assert [o.relation for o in back.organisations] == ["owner"]
    kept = people.person_page(ctx, prosecutor, case_ref, a)
    assert (kept.display_name, kept.aliases, kept.nationality) == ("Ion Popescu", ["Nelu"], "RO")
    assert kept.birth_year is None
    with ctx.db.session() as session:
        charges = dict(
            session.execute(
                sa.select(Charge.person_id, sa.func.count()).group_by(Charge.person_id)
            ).all()
        )
        assert charges == {a: 1, b: 1}
    with pytest.raises(FieldErrors, match="already undone"):
        person_merge.undo_merge(ctx, prosecutor, case_ref, merge_id)


def test_undo_is_refused_after_the_survivor_was_edited(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    a, b = _two_suspects(ctx, prosecutor, case_ref)
    merge_id = person_merge.merge_people(
        ctx,
        prosecutor,
        case_ref,
        survivor_id=a,
        absorbed_id=b,
        keep={"name": "survivor", "nationality": "survivor"},
    )
    casework.update_person(ctx, prosecutor, case_ref, a, name="Ion Popescu Jr", aliases=[])
    with pytest.raises(FieldErrors, match="edited after the merge"):
        person_merge.undo_merge(ctx, prosecutor, case_ref, merge_id)
    with ctx.db.session() as session:
        assert session.get(Person, b) is None
        assert session.get(PersonMerge, merge_id).undone_at is None  # type: ignore[union-attr]


def test_a_victim_is_merged_only_by_a_role_that_may_see_her_and_stays_sealed(
    ctx: Context, prosecutor: Actor, make_user: MakeUser, case_ref: str
) -> None:
    analyst = make_user(Role.ANALYST)
    casework.add_member(ctx, prosecutor, case_ref, analyst.username, "analyst")
    victim = casework.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name="Maria Lungu",
        aliases=["Mari"],
        sealed={"date_of_birth": "2001-04-02", "address": "Str. Florilor 3"},
    )
    witness = casework.add_person(
        ctx, prosecutor, case_ref, kind="witness", name="Maria L.", aliases=[]
    )
    with pytest.raises(PermissionDenied):
        person_merge.merge_preview(ctx, analyst, case_ref, victim, witness)
    # A victim is never merged into a person whose identity is in clear.
    with pytest.raises(FieldErrors) as wrong_way:
        person_merge.merge_people(
            ctx,
            prosecutor,
            case_ref,
            survivor_id=witness,
            absorbed_id=victim,
            keep={"name": "survivor"},
        )
    assert "keep V-01" in wrong_way.value.by_field()["survivor"][0]
    person_merge.merge_people(
        ctx,
        prosecutor,
        case_ref,
        survivor_id=victim,
        absorbed_id=witness,
        keep={"name": "survivor"},
    )
    with ctx.db.session() as session:
        row = session.get(Person, victim)
        assert row is not None and row.name is None and row.aliases == []
        raw = session.execute(sa.text("SELECT record FROM person_merges")).scalar_one()
        assert b"Maria" not in bytes(raw) and b"Florilor" not in bytes(raw)
    page = people.person_page(ctx, prosecutor, case_ref, victim, reveal=True)
    assert page.display_name == "Maria Lungu" and page.aliases == ["Maria L.", "Mari"]
    hidden = people.person_page(ctx, analyst, case_ref, victim, reveal=True)
    assert hidden.display_name == "V-01" and hidden.aliases == [] and not hidden.identity_visible


def test_split_moves_the_chosen_aliases_identifiers_and_facts_to_a_new_person(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    pid = casework.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name="Ion Popescu",
        aliases=["Nelu", "Boss"],
        identifiers=[("phone", "+40721000111"), ("email", "boss@example.org")],
    )
    choices = person_merge.split_choices(ctx, prosecutor, case_ref, pid)
    email = next(i for i, kind, _ in choices.identifiers if kind == "email")
    with pytest.raises(FieldErrors) as bad:
        person_merge.split_person(ctx, prosecutor, case_ref, pid, name="", aliases=["Nobody"])
    assert set(bad.value.by_field()) == {"name", "aliases"}
    new = person_merge.split_person(
        ctx, prosecutor, case_ref, pid, name="The Boss", aliases=["Boss"], identifier_ids=[email]
    )
    old, made = (people.person_page(ctx, prosecutor, case_ref, p) for p in (pid, new))
    assert old.aliases == ["Nelu"] and [v for _, _, v in old.identifiers] == ["+40721000111"]
    assert (made.pseudonym, made.display_name, made.aliases) == ("S-02", "The Boss", ["Boss"])
    assert [v for _, _, v in made.identifiers] == ["boss@example.org"]
    (entry,) = [e for e in _actions(ctx, "person.split") if e.action == "person.split"]
    assert entry.details is not None and entry.details["new_pseudonym"] == "S-02"


def test_organisations_are_checked_linked_and_kept_out_of_the_log(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    with pytest.raises(FieldErrors) as bad:
        organisations.add_organisation(
            ctx, prosecutor, case_ref, name=" ", kind="castle", country="Romania"
        )
    assert set(bad.value.by_field()) == {"name", "kind", "country"}
    org = organisations.add_organisation(
        ctx,
        prosecutor,
        case_ref,
        name="Club Lantern",
        kind="venue",
        country="ro",
        registration_number="J40/123/2019",
        address="Str. Lunga 7, Bucharest",
    )
    with pytest.raises(FieldErrors, match="already has an organisation"):
        organisations.add_organisation(ctx, prosecutor, case_ref, name="club lantern", kind="venue")
    organisations.update_organisation(
        ctx, prosecutor, case_ref, org, name="Club Lantern", kind="company", country="RO"
    )
    pid = casework.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ion", aliases=[])
    with pytest.raises(FieldErrors) as wrong:
        organisations.link_person(
            ctx,
            prosecutor,
            case_ref,
            person_id=pid,
            organisation_id=org + 99,
            relation="king",
            since=date(2024, 5, 1),
            until=date(2024, 1, 1),
        )
    assert set(wrong.value.by_field()) == {"organisation_id", "relation", "until"}
    organisations.link_person(
        ctx, prosecutor, case_ref, person_id=pid, organisation_id=org, relation="director"
    )
    with pytest.raises(FieldErrors, match="already director"):
        organisations.link_person(
            ctx, prosecutor, case_ref, person_id=pid, organisation_id=org, relation="director"
        )
    (view,) = organisations.list_organisations(ctx, prosecutor, case_ref)
    assert (view.name, view.kind, view.country, view.address) == (
        "Club Lantern",
        "company",
        "RO",
        None,
    )
    assert [(link.person, link.relation) for link in view.links] == [("Ion (S-01)", "director")]
    for entry in _actions(ctx, "organisation."):
        assert "Lantern" not in str(entry.details)
    with ctx.db.session() as session:
        raw = session.execute(sa.text("SELECT address FROM organisations")).scalar_one()
        assert raw is None
    organisations.update_organisation(
        ctx, prosecutor, case_ref, org, name="Club Lantern", kind="venue", address="Str. Lunga 7"
    )
    with ctx.db.session() as session:
        raw = session.execute(sa.text("SELECT address FROM organisations")).scalar_one()
        assert b"Lunga" not in bytes(raw)


def test_photos_are_encrypted_and_a_victims_photo_is_shown_only_to_roles_allowed(
    ctx: Context, prosecutor: Actor, make_user: MakeUser, case_ref: str
) -> None:
    analyst = make_user(Role.ANALYST)
    casework.add_member(ctx, prosecutor, case_ref, analyst.username, "analyst")
    victim = casework.add_person(ctx, prosecutor, case_ref, kind="victim", name="Ana", aliases=[])
    suspect = casework.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ion", aliases=[])
    with pytest.raises(FieldErrors) as not_image:
        person_photos.upload_photo(
            ctx, prosecutor, case_ref, victim, data=b"%PDF-1.4 not a photo", file_name="a.jpg"
        )
    assert "a.jpg is not a readable JPEG or PNG image" in not_image.value.by_field()["photo"][0]
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with pytest.raises(FieldErrors, match="GIF file; upload a JPEG or PNG"):
        person_photos.upload_photo(
            ctx, prosecutor, case_ref, victim, data=gif.getvalue(), file_name="g.png"
        )
    data = _png()
    photo = person_photos.upload_photo(
        ctx, prosecutor, case_ref, victim, data=data, file_name="Ana passport.png"
    )
    with ctx.db.session() as session:
        row = session.get(PersonPhoto, photo)
        assert row is not None and (row.width, row.height, row.media_type) == (
            600,
            400,
            "image/png",
        )
        stored = (ctx.settings.data_dir / row.stored_path).read_bytes()
        raw_name = session.execute(sa.text("SELECT original_name FROM person_photos")).scalar_one()
    assert b"\x89PNG" not in stored[:64] and stored != data
    assert b"Ana" not in bytes(raw_name)
    full = person_photos.photo_file(ctx, prosecutor, case_ref, photo)
    assert full.content == data and full.media_type == "image/png"
    thumb = person_photos.photo_file(ctx, prosecutor, case_ref, photo, thumbnail=True)
    assert Image.open(io.BytesIO(thumb.content)).size == (240, 160)
    with pytest.raises(PermissionDenied):
        person_photos.photo_file(ctx, analyst, case_ref, photo)
    with pytest.raises(PermissionDenied):
        person_photos.upload_photo(ctx, analyst, case_ref, suspect, data=data, file_name="x.png")
    # A suspect's photo is not a sealed identity: any reader of the case sees it.
    other = person_photos.upload_photo(
        ctx, prosecutor, case_ref, suspect, data=_png("blue"), file_name="ion.png"
    )
    assert person_photos.photo_file(ctx, analyst, case_ref, other).media_type == "image/png"
    assert [e.action for e in _actions(ctx, "photo.")] == [
        "photo.upload",
        "photo.view",
        "photo.view",
        "photo.view_denied",
        "photo.upload",
        "photo.view",
    ]
    assert people.person_page(ctx, analyst, case_ref, victim).photos == []
    # A stored photo that does not decrypt stops the request (fail closed), audited.
    with ctx.db.session() as session:
        row = session.get(PersonPhoto, photo)
        assert row is not None
        path = ctx.settings.data_dir / row.stored_path
    path.chmod(0o600)
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(IdentityUnavailable):
        person_photos.photo_file(ctx, prosecutor, case_ref, photo)
    assert _actions(ctx, "photo.unavailable")


def test_removing_a_photo_erases_its_files_unless_another_photo_shares_them(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    victim = casework.add_person(ctx, prosecutor, case_ref, kind="victim", name="Ana", aliases=[])
    data = _png("green")
    first = person_photos.upload_photo(
        ctx, prosecutor, case_ref, victim, data=data, file_name="a.png"
    )
    again = person_photos.upload_photo(
        ctx, prosecutor, case_ref, victim, data=data, file_name="b.png"
    )
    with ctx.db.session() as session:
        row = session.get(PersonPhoto, first)
        assert row is not None
        files = [ctx.settings.data_dir / row.stored_path, ctx.settings.data_dir / row.thumb_path]
    # The same picture twice is one stored file: removing one photo keeps the other's.
    person_photos.remove_photo(ctx, prosecutor, case_ref, first)
    assert all(f.is_file() for f in files)
    assert person_photos.photo_file(ctx, prosecutor, case_ref, again).content == data
    person_photos.remove_photo(ctx, prosecutor, case_ref, again)
    assert not any(f.exists() for f in files)
    erased = [e.details.get("files_erased") for e in _actions(ctx, "photo.remove")]
    assert erased == [0, 2]


def test_merging_moves_photos_and_identifiers_rows_by_id(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    a, b = _two_suspects(ctx, prosecutor, case_ref)
    photo = person_photos.upload_photo(ctx, prosecutor, case_ref, b, data=_png(), file_name="p.png")
    merge_id = person_merge.merge_people(
        ctx,
        prosecutor,
        case_ref,
        survivor_id=a,
        absorbed_id=b,
        keep={"name": "survivor", "nationality": "absorbed"},
    )
    with ctx.db.session() as session:
        assert session.get(PersonPhoto, photo).person_id == a  # type: ignore[union-attr]
        assert set(session.scalars(sa.select(Identifier.person_id))) == {a}
    person_merge.undo_merge(ctx, prosecutor, case_ref, merge_id)
    with ctx.db.session() as session:
        assert session.get(PersonPhoto, photo).person_id == b  # type: ignore[union-attr]
        assert session.get(Person, a).nationality == "RO"  # type: ignore[union-attr]


def test_identifiers_entered_by_hand_are_normalised_like_the_evidence(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    with pytest.raises(FieldErrors) as bad:
        casework.add_person(
            ctx,
            prosecutor,
            case_ref,
            kind="suspect",
            name="Ion",
            aliases=[],
            identifiers=[("phone", "12"), ("email", "not an address")],
        )
    assert bad.value.by_field()["identifiers"] == [
        "phone '12' is not a valid phone",
        "email 'not an address' is not a valid email",
    ]
    pid = casework.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name="Ion",
        aliases=[],
        identifiers=[("phone", "+40 721 000 111"), ("Email", " Ion.Pop@Example.ORG ")],
    )
    form = casework.person_form(ctx, prosecutor, case_ref, pid)
    assert form.identifiers == [("phone", "+40721000111"), ("email", "ion.pop@example.org")]
    # Editing keeps one identifier however it is typed, and drops the one left out.
    casework.update_person(
        ctx,
        prosecutor,
        case_ref,
        pid,
        name="Ion",
        aliases=["Nelu"],
        identifiers=[("phone", "+40721000111"), ("phone", "+40 (721) 000-111")],
    )
    form = casework.person_form(ctx, prosecutor, case_ref, pid)
    assert form.identifiers == [("phone", "+40721000111")] and form.aliases == ["Nelu"]
