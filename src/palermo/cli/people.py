"""``palermo people``, ``palermo orgs`` and ``palermo photos``: merge, undo and split
people, record organisations and their links, add and remove photos. The same services
as the People pages and the API; every change is checked and audited there.

A merge whose identity fields differ is refused until ``--keep FIELD=survivor|absorbed``
answers each difference: an ambiguity is asked, never guessed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from palermo.cli.main import console, context, fail, operator
from palermo.services import organisations, person_merge, person_photos
from palermo.services.errors import ServiceError

people_app = typer.Typer(help="People of a case: merge, undo a merge, split.", no_args_is_help=True)
orgs_app = typer.Typer(
    help="Organisations of a case and people's links to them.", no_args_is_help=True
)
photos_app = typer.Typer(help="Photos of people (stored encrypted).", no_args_is_help=True)

KEEP_SIDES = ("survivor", "absorbed")


def _keep_choices(pairs: list[str]) -> dict[str, str]:
    """``FIELD=survivor`` pairs as a mapping; a malformed pair is refused by name."""
    keep: dict[str, str] = {}
    for pair in pairs:
        field, _, side = pair.partition("=")
        if not field or side not in KEEP_SIDES:
            raise fail(f"--keep {pair!r}: write FIELD=survivor or FIELD=absorbed")
        keep[field.strip()] = side
    return keep


@people_app.command("merge")
def people_merge(
    reference: str,
    survivor: int = typer.Argument(..., help="Id of the person who stays."),
    absorbed: int = typer.Argument(..., help="Id of the person merged into the survivor."),
    keep: list[str] = typer.Option(
        [], "--keep", help="For a field whose values differ: FIELD=survivor or FIELD=absorbed."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would move; change nothing."),
) -> None:
    """Merge two records of the same person; prints the merge id (to undo it)."""
    ctx, actor = context(), operator()
    choices = _keep_choices(keep)
    try:
        preview = person_merge.merge_preview(ctx, actor, reference, survivor, absorbed)
        if dry_run or any(c.field not in choices for c in preview.conflicts):
            _show_preview(preview, choices)
            if not dry_run:
                raise fail("the identity fields above differ: answer each with --keep")
            return
        merge_id = person_merge.merge_people(
            ctx, actor, reference, survivor_id=survivor, absorbed_id=absorbed, keep=choices
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(
        f"Merged {preview.absorbed} into {preview.survivor} (merge {merge_id}; "
        f"undo with: palermo people undo-merge {reference} {merge_id})."
    )


def _show_preview(preview: person_merge.MergePreview, choices: dict[str, str]) -> None:
    console.print(f"Merging {preview.absorbed} into {preview.survivor} moves:")
    for what, count in preview.moves.items():
        if count:
            console.print(f"  {count:,} {what}")
    if preview.kinds_differ:
        console.print("  [bold]The two records have different roles in the case.[/]")
    if preview.conflicts:
        table = Table("field", "survivor", "absorbed", "--keep", title="Values that differ")
        for c in preview.conflicts:
            table.add_row(
                f"{c.label} ({c.field})", c.survivor, c.absorbed, choices.get(c.field, "?")
            )
        console.print(table)


@people_app.command("undo-merge")
def people_undo_merge(reference: str, merge_id: int) -> None:
    """Undo a merge: the absorbed person comes back with everything that was moved."""
    try:
        restored = person_merge.undo_merge(context(), operator(), reference, merge_id)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Merge {merge_id} undone; person {restored} restored.")


@people_app.command("split")
def people_split(
    reference: str,
    person_id: int,
    name: str = typer.Option(..., help="Name of the new person."),
    alias: list[str] = typer.Option([], help="An alias to move (repeat the option)."),
    identifier: list[int] = typer.Option([], help="Id of an identifier to move."),
    fact: list[int] = typer.Option([], help="Id of a fact to move."),
    photo: list[int] = typer.Option([], help="Id of a photo to move."),
) -> None:
    """Split a person: the chosen aliases, identifiers, facts and photos move to a new
    person of the same role."""
    try:
        new = person_merge.split_person(
            context(),
            operator(),
            reference,
            person_id,
            name=name,
            aliases=alias,
            identifier_ids=identifier,
            fact_ids=fact,
            photo_ids=photo,
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Split person {person_id}: new person {new}.")


@orgs_app.command("list")
def orgs_list(reference: str) -> None:
    """Organisations of a case with the people linked to them."""
    try:
        found = organisations.list_organisations(context(), operator(), reference)
    except ServiceError as error:
        raise fail(str(error)) from error
    table = Table("id", "name", "kind", "country", "registration", "people")
    for org in found:
        people = "; ".join(f"{link.person} ({link.relation}, link {link.id})" for link in org.links)
        table.add_row(
            str(org.id),
            org.name,
            org.kind or "",
            org.country or "",
            org.registration_number or "",
            people,
        )
    console.print(table)


@orgs_app.command("add")
def orgs_add(
    reference: str,
    name: str,
    kind: str = typer.Option(..., help="One of: " + ", ".join(organisations.KINDS)),
    country: str = typer.Option("", help="ISO country code."),
    registration: str = typer.Option("", help="Company or charity registration number."),
    address: str = typer.Option("", help="Registered or trading address."),
) -> None:
    """Record an organisation (a business, agency or front company) in a case."""
    try:
        org = organisations.add_organisation(
            context(),
            operator(),
            reference,
            name=name,
            kind=kind,
            country=country,
            registration_number=registration,
            address=address,
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Organisation {org} recorded in {reference}.")


@orgs_app.command("link")
def orgs_link(
    reference: str,
    person_id: int,
    organisation_id: int,
    relation: str = typer.Option(..., help="One of: " + ", ".join(organisations.RELATIONS)),
    since: str = typer.Option("", help="YYYY-MM-DD"),
    until: str = typer.Option("", help="YYYY-MM-DD"),
) -> None:
    """Link a person of the case to an organisation (owner, manager, employee, ...)."""
    try:
        link = organisations.link_person(
            context(),
            operator(),
            reference,
            person_id=person_id,
            organisation_id=organisation_id,
            relation=relation,
            since=_day(since, "--since"),
            until=_day(until, "--until"),
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Link {link} recorded.")


@orgs_app.command("unlink")
def orgs_unlink(reference: str, link_id: int) -> None:
    """Remove a person's link to an organisation."""
    try:
        organisations.unlink_person(context(), operator(), reference, link_id)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Link {link_id} removed.")


def _day(text: str, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} {text!r}: write a date as YYYY-MM-DD") from None


@photos_app.command("add")
def photos_add(reference: str, person_id: int, image: Path) -> None:
    """Add a JPEG or PNG photo of a person; it is stored encrypted."""
    if not image.is_file():
        raise fail(f"{image}: no such file")
    if image.stat().st_size > person_photos.MAX_PHOTO_BYTES:
        raise fail(f"{image}: larger than {person_photos.MAX_PHOTO_BYTES:,} bytes")
    try:
        photo = person_photos.upload_photo(
            context(),
            operator(),
            reference,
            person_id,
            data=image.read_bytes(),
            file_name=image.name,
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Photo {photo} added to person {person_id}.")


@photos_app.command("remove")
def photos_remove(reference: str, photo_id: int) -> None:
    """Remove a photo; its stored file is erased once nothing else refers to it."""
    try:
        person_photos.remove_photo(context(), operator(), reference, photo_id)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Photo {photo_id} removed.")
