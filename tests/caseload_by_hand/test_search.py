"""Search across the caller's cases through the keyed blind index: people by name, alias
or the beginning of a name, identifiers in another format, document words; bounded by
case membership and by role; still found after the master key rotates; and no token in
clear in the database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from palermo.security import keys
from palermo.security.permissions import Actor
from palermo.services import cases, casework, search
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.services.ingest import ingest_path
from palermo.store.models import Base, Role
from palermo.store.models.find import SearchKey

MakeUser = Callable[..., Actor]
Login = Callable[[TestClient, str], TestClient]


@pytest.fixture
def people(ctx: Context, prosecutor: Actor, case_ref: str, unit_id: int) -> None:
    casework.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name="Ioana Stăncuță",
        aliases=["Nana"],
        identifiers=[("phone", "+40 721 555 666")],
    )
    casework.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name="Marius Pavelescu",
        aliases=["Bossu"],
        identifiers=[("phone", "+40 744 123 456"), ("passport", "AB-123 456")],
    )
    cases.create_case(
        ctx,
        prosecutor,
        reference="OTHER-9",
        title="Pavel brothers",
        jurisdiction="US",
        unit_id=unit_id,
    )


def test_people_by_name_alias_prefix_and_identifiers_in_other_formats(
    ctx: Context, prosecutor: Actor, people: None
) -> None:
    r = search.search(ctx, prosecutor, "pavel")
    assert [c.reference for c in r.cases] == ["OTHER-9"]
    # "pavel" is the beginning of "Pavelescu": found by prefix.
    assert [(p.label, p.matched) for p in r.people] == [("Marius Pavelescu", "name")]
    assert r.by_case == {"OTHER-9": 1, "TEST-001": 1}
    assert r.by_kind == {"cases": 1, "people": 1} and r.by_role == {"suspect": 1}
    assert [(p.label, p.matched) for p in search.search(ctx, prosecutor, "bossu").people] == [
        ("Marius Pavelescu", "alias")
    ]
    assert search.search(ctx, prosecutor, "mar pav").people[0].label == "Marius Pavelescu"
    assert search.search(ctx, prosecutor, "marius bossu").people[0].matched == "alias"
    assert search.search(ctx, prosecutor, "marius ioana").people == []
    # Sealed victim: by name without diacritics, by alias, by prefix; shown by pseudonym.
    sealed = search.search(ctx, prosecutor, "ioana stancuta").people
    assert [(p.label, p.matched) for p in sealed] == [("V-01", "sealed name")]
    assert search.search(ctx, prosecutor, "NANA").people[0].label == "V-01"
    assert search.search(ctx, prosecutor, "stănc").people[0].label == "V-01"
    # Identifiers: as stored, with other spacing, in national format, by their beginning.
    for typed in ("+40721555666", "+40 721-555 666", "0721 555 666", "40721555", "0040721555666"):
        hits = search.search(ctx, prosecutor, typed, kinds=("identifiers",)).identifiers
        assert [(h.person, h.role) for h in hits] == [("V-01", "victim")], typed
    passport = search.search(ctx, prosecutor, "ab123456", kinds=("identifiers",)).identifiers
    assert [(h.kind, h.person) for h in passport] == [("passport", "Marius Pavelescu")]
    # Facet filters: role and case.
    assert search.search(ctx, prosecutor, "07", kinds=("identifiers",)).identifiers == []
    assert search.search(ctx, prosecutor, "pavel", role="victim").people == []
    assert search.search(ctx, prosecutor, "pavel", case="OTHER-9").people == []
    with pytest.raises(InvalidInput, match="at least two"):
        search.search(ctx, prosecutor, "x")
    with pytest.raises(InvalidInput, match="role"):
        search.search(ctx, prosecutor, "pavel", role="boss")


def test_edits_are_indexed(ctx: Context, prosecutor: Actor, case_ref: str, people: None) -> None:
    suspect = search.search(ctx, prosecutor, "bossu").people[0]
    casework.update_person(
        ctx,
        prosecutor,
        case_ref,
        suspect.person_id,
        name="Marius Pavelescu",
        aliases=["Ghiță"],
        identifiers=[("email", "Marius.P@Example.org")],
    )
    assert search.search(ctx, prosecutor, "bossu").people == []
    assert search.search(ctx, prosecutor, "ghita").people[0].matched == "alias"
    mail = search.search(ctx, prosecutor, "marius.p@example.org", kinds=("identifiers",))
    assert [h.person for h in mail.identifiers] == ["Marius Pavelescu"]


def test_membership_and_role_bound_the_search(
    ctx: Context, prosecutor: Actor, make_user: MakeUser, case_ref: str, people: None
) -> None:
    outsider = make_user(Role.PROSECUTOR)
    for q in ("pavel", "ioana", "bossu", "+40721555666", "ab123456", "TEST-001"):
        r = search.search(ctx, outsider, q)
        assert not (r.people or r.identifiers or r.cases or r.documents), q
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    # The analyst finds the suspect but no victim: not by name, alias or her phone.
    assert search.search(ctx, analyst, "pavel").people[0].label == "Marius Pavelescu"
    for q in ("ioana", "stancuta", "nana", "+40721555666", "0721555666"):
        r = search.search(ctx, analyst, q)
        assert r.people == [] and r.identifiers == [], q
    suspects_phone = search.search(ctx, analyst, "+40744123456").identifiers
    assert [h.person for h in suspects_phone] == ["Marius Pavelescu"]
    assert any("pseudonym" in n for n in search.search(ctx, analyst, "ioana").notes)


def test_document_words_are_indexed(
    ctx: Context, prosecutor: Actor, make_user: MakeUser, case_ref: str, tmp_path: Path
) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "statement.txt").write_text(
        "Witness statement.\nThe driver took the passports at the Constanța depot and "
        "kept them in a locked drawer.\n",
        encoding="utf-8",
    )
    assert ingest_path(ctx, prosecutor, case_ref, folder).ok
    hits = search.search(ctx, prosecutor, "constanta passports", kinds=("documents",)).documents
    assert [(h.file_name, h.page) for h in hits] == [("statement.txt", 1)]
    assert "locked drawer" in hits[0].snippet
    assert search.search(ctx, prosecutor, "constanta bicycle").documents == []
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    assert search.search(ctx, analyst, "passports").documents == []


def test_no_clear_token_in_the_database(ctx: Context, prosecutor: Actor, people: None) -> None:
    with ctx.db.engine.connect() as connection:
        # Raw stored values (no column type decrypts them on the way out).
        dump = "\n".join(
            repr([bytes(v) if isinstance(v, memoryview) else v for v in row])
            for table in Base.metadata.sorted_tables
            if table.name in ("search_keys", "persons", "identifiers")
            for row in connection.exec_driver_sql(f"SELECT * FROM {table.name}").all()
        ).lower()
        stored = connection.execute(sa.select(SearchKey.key, SearchKey.kind)).all()
    assert {kind for _, kind in stored} == {"name", "id"}
    assert all(isinstance(k, int) for k, _ in stored)
    for token in ("ioana", "stancuta", "stăncuță", "nana", "40721555666", "721555666"):
        assert token not in dump, token
    # Nor does the old unkeyed hash of a word appear: the keys depend on the master key.
    other = search.blind_index.IndexKey(b"\x00" * 32)
    assert other("name", "ioana") not in {k for k, _ in stored}


def test_found_after_the_key_rotates_and_after_a_rebuild(
    ctx: Context, prosecutor: Actor, case_ref: str, people: None
) -> None:
    with ctx.db.session() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(SearchKey))
    assert search.reindex(ctx) == 2
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(SearchKey)) == before
    done = keys.rotate(ctx.db.engine, ctx.settings.secret_key, ctx.settings.data_dir)
    try:
        assert done.search_keys == before
        moved = ctx.settings.model_copy(update={"secret_key": done.key_file.read_text()})
        rotated = Context.create(moved, migrate=False)
        try:
            assert search.search(rotated, prosecutor, "stancuta").people[0].label == "V-01"
            assert search.search(rotated, prosecutor, "0721555666").identifiers
            assert search.search(rotated, prosecutor, "bossu").people
            # The old key's hashes no longer find anything.
            assert search.search(ctx, prosecutor, "stancuta").people == []
        finally:
            rotated.db.dispose()
    finally:
        (ctx.settings.data_dir / "secret.key.new").unlink(missing_ok=True)
        with ctx.db.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(sa.text(f'DELETE FROM "{table.name}"'))


def test_search_page_and_api(
    client: TestClient, login: Login, people: None, csrf: Callable[[str], str]
) -> None:
    login(client, "prosecutor")
    page = client.get("/search?q=pavel").text
    assert "Marius Pavelescu" in page and "OTHER-9" in page
    narrowed = client.get("/search?q=pavel&case=OTHER-9").text
    assert "Marius Pavelescu" not in narrowed and "Pavel brothers" in narrowed
    victims = client.get("/search?q=stancuta&role=victim").text
    assert "V-01" in victims and "Stăncuță" not in victims
    short = client.get("/search?q=a")
    assert short.status_code == 200 and "at least two characters" in short.text
