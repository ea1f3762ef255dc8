"""CLI for evidence formats: ingest options, mapping profiles and exchange rates."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.table import Table

from palermo.ingest.options import LoadOptions, OptionError
from palermo.ingest.profiles import ProfileError, load_file
from palermo.services.errors import ServiceError

profiles_app = typer.Typer(help="Column mapping profiles of a unit.", no_args_is_help=True)
rates_app = typer.Typer(help="A unit's own exchange rates.", no_args_is_help=True)
CASE = typer.Option(..., "--case", help="A case of the unit (its reference).")


def _fail(message: str) -> typer.Exit:
    from palermo.cli.main import fail

    return fail(message)


def ingest_options(
    locale: str | None,
    decimal: str | None,
    date_order: str | None,
    all_or_nothing: bool,
    mapping: Path | None,
) -> LoadOptions:
    """The ingest command's options, checked; exits naming the bad option."""
    try:
        profile = load_file(mapping) if mapping is not None else None
        return LoadOptions.parse(locale, decimal, date_order, all_or_nothing, profile)
    except (OptionError, ProfileError) as exc:
        raise _fail(str(exc)) from exc


def print_questions(console: Console, report: object) -> None:
    """After a run: each file stopped by an ambiguity, with the options that answer it."""
    for outcome in getattr(report, "files", []):
        question = getattr(outcome, "question", None)
        if not question:
            continue
        option = "--decimal point|comma" if question["option"] == "decimal" else "--date-order"
        console.print(
            f"[bold yellow]question[/] {question['file']}, line {question['line']}, "
            f"column '{question['column']}': {question['value']!r} reads as "
            + " or ".join(f"{v} ({n})" for n, v in question["readings"])
        )
        for value, label in question["answers"]:
            mark = (
                " (the case's jurisdiction suggests this)" if value == question["suggested"] else ""
            )
            console.print(f"  {value}: {label}{mark}")
        console.print(f"  answer with --locale or {option} and run the ingest again")


@profiles_app.command("list")
def profiles_list(case: str = CASE) -> None:
    """The unit's saved profiles and the built-in ones."""
    from palermo.cli.main import console, context, operator
    from palermo.services import profiles

    try:
        found = profiles.list_profiles(context(), operator(), case)
    except ServiceError as exc:
        raise _fail(str(exc)) from exc
    table = Table("name", "kind", "columns", "origin")
    for p in found:
        table.add_row(p.name, p.kind, ", ".join(p.header), "built-in" if p.builtin else "unit")
    console.print(table)


@profiles_app.command("show")
def profiles_show(name: str = typer.Argument(...), case: str = CASE) -> None:
    """A profile as YAML (save it, edit it, and load it back with `profiles save`)."""
    from palermo.cli.main import console, context, operator
    from palermo.services import profiles

    try:
        profile = profiles.get_profile(context(), operator(), case, name)
    except ServiceError as exc:
        raise _fail(str(exc)) from exc
    console.print(yaml.safe_dump(profile.to_document(), sort_keys=False, allow_unicode=True))


@profiles_app.command("save")
def profiles_save(
    path: Path = typer.Argument(..., exists=True, help="A profile in YAML."), case: str = CASE
) -> None:
    """Save a profile for the case's unit (replacing one of the same name)."""
    from palermo.cli.main import console, context, operator
    from palermo.services import profiles

    try:
        profile = load_file(path)
        profiles.save_profile(context(), operator(), case, profile.to_document())
    except (ProfileError, ServiceError) as exc:
        raise _fail(str(exc)) from exc
    console.print(f"saved profile {profile.name!r} ({profile.kind}) for the unit of {case}")


@rates_app.command("load")
def rates_load(
    path: Path = typer.Argument(..., exists=True, help="CSV: currency, year or date, rate."),
    case: str = CASE,
) -> None:
    """Load the unit's own exchange rates (replacing its earlier ones for those currencies)."""
    from palermo.cli.main import console, context, operator
    from palermo.services import rates

    try:
        text = path.read_text(encoding="utf-8-sig")
        count = rates.load_rates(context(), operator(), case, text, path.name)
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"{path.name}: cannot read ({exc})") from exc
    except ServiceError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"loaded {count:,} rates from {path.name}")


@rates_app.command("list")
def rates_list(case: str = CASE) -> None:
    """The unit's own rates (units of the currency per 1 base)."""
    from palermo.cli.main import console, context, operator
    from palermo.services import rates

    try:
        found = rates.list_unit_rates(context(), operator(), case)
    except ServiceError as exc:
        raise _fail(str(exc)) from exc
    table = Table("currency", "year", "date", "rate", "base", "source")
    for r in found:
        table.add_row(r.currency, str(r.year), str(r.day or ""), str(r.rate), r.base, r.source)
    console.print(table)
