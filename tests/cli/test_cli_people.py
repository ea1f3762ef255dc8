"""People, organisations and photos from the command line: a merge with differing
identity fields is refused until each is answered, then undone; a split; an organisation
linked and unlinked; a photo added and removed."""

from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa
from PIL import Image
from typer.testing import CliRunner

from palermo.cli.main import app, operator
from palermo.services import casework, users
from palermo.services.context import Context
from palermo.store.models import AuditEntry, Person
from palermo.store.models.people import PersonPhoto


def _case_with_two_records(run: CliRunner, ctx: Context) -> tuple[int, int]:
    users.ensure_unit(ctx, "U1", "Unit one", "US")
    created = run.invoke(app, ["cases", "create", "CLI-P", "--title", "People", "--unit", "U1"])
    assert created.exit_code == 0, created.output
    actor = operator()
    first = casework.add_person(
        ctx, actor, "CLI-P", kind="suspect", name="Ion Popescu", aliases=[], nationality="RO"
    )
    second = casework.add_person(
        ctx, actor, "CLI-P", kind="suspect", name="Ion Popescu", aliases=["Nelu"], nationality="MD"
    )
    return first, second


def test_merge_asks_then_merges_and_undoes(run: CliRunner, ctx: Context) -> None:
    first, second = _case_with_two_records(run, ctx)
    asked = run.invoke(app, ["people", "merge", "CLI-P", str(first), str(second)])
    assert asked.exit_code == 1
    assert "nationality" in asked.output and "answer each with --keep" in asked.output
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2
    bad = run.invoke(app, ["people", "merge", "CLI-P", str(first), str(second), "--keep", "x"])
    assert bad.exit_code == 1 and "FIELD=survivor" in bad.output
    merged = run.invoke(
        app,
        ["people", "merge", "CLI-P", str(first), str(second), "--keep", "nationality=absorbed"],
    )
    assert merged.exit_code == 0, merged.output
    with ctx.db.session() as session:
        survivor = session.get(Person, first)
        assert survivor is not None and survivor.nationality == "MD"
        merge_id = int(merged.output.split("(merge ")[1].split(";")[0])
    undone = run.invoke(app, ["people", "undo-merge", "CLI-P", str(merge_id)])
    assert undone.exit_code == 0, undone.output
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2


def test_split_organisations_and_photos(run: CliRunner, ctx: Context, tmp_path: Path) -> None:
    first, second = _case_with_two_records(run, ctx)
    nothing = run.invoke(app, ["people", "split", "CLI-P", str(second), "--name", "Nelu"])
    assert nothing.exit_code == 1, nothing.output
    split = run.invoke(
        app, ["people", "split", "CLI-P", str(second), "--name", "Nelu", "--alias", "Nelu"]
    )
    assert split.exit_code == 0, split.output
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 3

    kinds = run.invoke(app, ["orgs", "add", "CLI-P", "Sunrise Staffing", "--kind", "nonsense"])
    assert kinds.exit_code == 1 and "kind" in kinds.output
    from palermo.services import organisations

    added = run.invoke(
        app, ["orgs", "add", "CLI-P", "Sunrise Staffing", "--kind", organisations.KINDS[0]]
    )
    assert added.exit_code == 0, added.output
    org_id = added.output.split("Organisation ")[1].split(" ")[0]
    bad_day = run.invoke(
        app,
        [
            "orgs",
            "link",
            "CLI-P",
            str(first),
            org_id,
            "--relation",
            organisations.RELATIONS[0],
            "--since",
            "03/04/2024",
        ],
    )
    assert bad_day.exit_code == 1 and "YYYY-MM-DD" in bad_day.output
    linked = run.invoke(
        app,
        ["orgs", "link", "CLI-P", str(first), org_id, "--relation", organisations.RELATIONS[0]],
    )
    assert linked.exit_code == 0, linked.output
    listed = run.invoke(app, ["orgs", "list", "CLI-P"])
    assert "Sunrise Staffing" in listed.output and "Ion Popescu" in listed.output
    link_id = linked.output.split("Link ")[1].split(" ")[0]
    assert run.invoke(app, ["orgs", "unlink", "CLI-P", link_id]).exit_code == 0

    image = tmp_path / "ion.png"
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "navy").save(buffer, format="PNG")
    image.write_bytes(buffer.getvalue())
    added_photo = run.invoke(app, ["photos", "add", "CLI-P", str(first), str(image)])
    assert added_photo.exit_code == 0, added_photo.output
    with ctx.db.session() as session:
        photo = session.scalars(sa.select(PersonPhoto)).one()
        stored = ctx.settings.data_dir / photo.stored_path
    assert stored.is_file()
    removed = run.invoke(app, ["photos", "remove", "CLI-P", str(photo.id)])
    assert removed.exit_code == 0, removed.output
    assert not stored.exists()
    with ctx.db.session() as session:
        actions = set(session.scalars(sa.select(AuditEntry.action)))
    assert {"person.split", "photo.upload", "photo.remove"} <= actions
