"""``palermo``: set up, load evidence, inspect cases and serve the workbench.

The CLI is a thin layer over the services. It acts as the local operator
(``cli:<os user>``), who has the data directory and so the keys; every case
read or change it makes is still written to the audit log.
"""

from __future__ import annotations

import getpass
import io
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from palermo.caseload import htcds
from palermo.security.permissions import Actor
from palermo.services import cases as case_service
from palermo.services import users as user_service
from palermo.services.context import Context
from palermo.services.errors import ServiceError
from palermo.store.models import Role

app = typer.Typer(
    help="Palermo: a workbench for investigating and prosecuting human trafficking.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
cases_app = typer.Typer(help="Cases.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
indicators_app = typer.Typer(help="Trafficking indicators in documents.", no_args_is_help=True)
htcds_app = typer.Typer(
    help="IOM Human Trafficking Case Data Standard (HTCDS) v2.0.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(cases_app, name="cases")
app.add_typer(audit_app, name="audit")
app.add_typer(indicators_app, name="indicators")
app.add_typer(htcds_app, name="htcds")

console = Console()
errors = Console(stderr=True)


def operator() -> Actor:
    return Actor(user_id=None, username=f"cli:{getpass.getuser()}", role=Role.ADMIN, operator=True)


def context() -> Context:
    return Context.create()


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    ctx = context()
    console.print(f"Database at [bold]{ctx.settings.resolved_database_url}[/] is up to date.")


@users_app.command("add")
def users_add(
    username: str,
    role: Role = typer.Option(..., help="What the user may do."),
    display_name: str | None = typer.Option(None, help="Name shown in the interface."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
    ),
    unit: str = typer.Option("default", help="Unit code; created if missing."),
) -> None:
    """Add a user account."""
    ctx = context()
    try:
        unit_id = user_service.ensure_unit(ctx, unit, unit)
        info = user_service.create_user(
            ctx,
            operator(),
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            unit_id=unit_id,
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Added [bold]{info.username}[/] ({info.role.value}).")


@users_app.command("list")
def users_list() -> None:
    """List user accounts."""
    table = Table("username", "name", "role", "active")
    for info in user_service.list_users(context(), operator()):
        table.add_row(info.username, info.display_name, info.role.value, str(info.is_active))
    console.print(table)


@cases_app.command("create")
def cases_create(
    reference: str,
    title: str = typer.Option(..., help="Short title of the case."),
    jurisdiction: str = typer.Option("US", help="US, UK, EU or INTL."),
    typology: str | None = typer.Option(None, help="e.g. escort_ads, domestic_servitude."),
    statute: list[str] = typer.Option([], help="Statute id under consideration; repeatable."),
    member: list[str] = typer.Option([], help="Username to add as a member; repeatable."),
    unit: str = typer.Option("default", help="Unit code; created if missing."),
    region: str | None = typer.Option(None, help="Default phone region, e.g. US, GB, RO."),
) -> None:
    """Create a case."""
    ctx = context()
    try:
        unit_id = user_service.ensure_unit(ctx, unit, unit)
        summary = case_service.create_case(
            ctx,
            operator(),
            reference=reference,
            title=title,
            jurisdiction=jurisdiction,
            unit_id=unit_id,
            typology=typology,
            statutes=statute,
            members=member,
            default_region=region,
            opened_on=date.today(),
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Created case [bold]{summary.reference}[/]: {summary.title}")


@cases_app.command("list")
def cases_list() -> None:
    """List cases."""
    table = Table("reference", "title", "jurisdiction", "typology", "stage", "records")
    for summary in case_service.list_cases(context(), operator()):
        table.add_row(
            summary.reference,
            summary.title,
            summary.jurisdiction,
            summary.typology or "",
            summary.stage,
            f"{summary.record_count:,}",
        )
    console.print(table)


@cases_app.command("show")
def cases_show(reference: str) -> None:
    """Show a case: people (victims by pseudonym), evidence files and record counts."""
    ctx, actor = context(), operator()
    try:
        summary = case_service.get_case(ctx, actor, reference)
        people = case_service.list_people(ctx, actor, reference)
        evidence = case_service.list_evidence(ctx, actor, reference)
        counts = case_service.record_counts(ctx, actor, reference)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"[bold]{summary.reference}[/] {summary.title}")
    console.print(
        f"stage {summary.stage} · jurisdiction {summary.jurisdiction} · "
        f"statutes {', '.join(summary.statutes) or '-'}"
    )
    people_table = Table("pseudonym", "kind", "name shown")
    for person in people:
        people_table.add_row(person.pseudonym, person.kind, person.display_name)
    console.print(people_table)
    files = Table("file", "sha256", "status", "records", "problem")
    for item in evidence:
        files.add_row(
            item.original_name,
            item.sha256[:16] + "…",
            item.status,
            str(item.record_count),
            item.problem or "",
        )
    console.print(files)
    console.print("records: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain; report the first entry edited, inserted or deleted."""
    from palermo.security import audit

    ctx = context()
    with ctx.db.session() as session:
        result = audit.verify(session)
    if result.ok:
        console.print(f"[green]Audit chain intact[/]: {result.checked:,} entries verified.")
        return
    errors.print(
        f"[bold red]Audit chain broken at entry {result.first_bad_seq}[/]: {result.problem} "
        f"({result.checked:,} entries before it verified)."
    )
    raise typer.Exit(2)


@indicators_app.command("evaluate")
def indicators_evaluate(
    path: Path | None = typer.Argument(
        None, help="A labelled sentences YAML; default: the project's labelled set."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every miss."),
) -> None:
    """Precision, recall and F1 of the indicator patterns on a labelled set of sentences."""
    from palermo.extract.evaluate import DEFAULT_PATH, evaluate_indicators

    chosen = path or DEFAULT_PATH
    if not chosen.exists():
        raise fail(f"{chosen} not found: give the path of a labelled sentences YAML file")
    report = evaluate_indicators(chosen)
    console.print(report.table(), highlight=False)
    if verbose:
        for text, want, got in report.errors:
            console.print(f"  want {want} got {got}: {text}", highlight=False)


@htcds_app.command("export")
def htcds_export(
    out: Path = typer.Option(..., help="File to write: .csv or .xlsx."),
    unit: str = typer.Option("default", help="Unit code."),
) -> None:
    """Export a unit's victims and perpetrators to HTCDS (no names, no sealed identities)."""
    from sqlalchemy import select

    from palermo.services.caseload import htcds_people
    from palermo.store.models import Unit

    ctx = context()
    with ctx.db.session() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == unit))
        if unit_id is None:
            raise fail(f"no unit with code '{unit}'")
        people = htcds_people(session, operator(), unit_id)
    if out.suffix.lower() == ".xlsx":
        count = htcds.write_xlsx(people, out)
    else:
        buffer = io.StringIO()
        count = htcds.write_csv(people, buffer)
        out.write_text(buffer.getvalue(), encoding="utf-8")
    console.print(f"Wrote {count:,} HTCDS records to [bold]{out}[/].")


def _read_htcds(path: Path) -> htcds.ImportResult:

    if path.suffix.lower() == ".xlsx":
        result = htcds.read_xlsx(path)
    else:
        result = htcds.read_csv(path.read_text(encoding="utf-8-sig"))
    console.print(f"{len(result.people):,} of {result.rows:,} rows read from {path.name}.")
    for problem in result.problems:
        console.print(f"  {path.name}: {problem}", highlight=False)
    return result


@htcds_app.command("check")
def htcds_check(
    path: Path = typer.Argument(..., exists=True, help="An HTCDS .csv or .xlsx."),
) -> None:
    """Read an HTCDS file and report every invalid value by row and field."""
    if _read_htcds(path).problems:
        raise typer.Exit(1)


@htcds_app.command("import")
def htcds_import(
    path: Path = typer.Argument(..., exists=True, help="An HTCDS .csv or .xlsx."),
    unit: str = typer.Option("default", help="Unit code to create the cases in."),
    jurisdiction: str = typer.Option(..., help="Jurisdiction of the cases, e.g. US or RO."),
    statute: str | None = typer.Option(
        None, help="Statute id for perpetrators marked charged, e.g. us-18-1591."
    ),
) -> None:
    """Create cases and people from an HTCDS file (invalid values reported, rest kept).

    All of it is written in one transaction; importing the same file again adds nothing."""
    from sqlalchemy import select

    from palermo.services.caseload import htcds_import as import_people
    from palermo.services.errors import InvalidInput, PermissionDenied
    from palermo.store.models import Unit

    result = _read_htcds(path)
    ctx = context()
    try:
        with ctx.db.session() as session:
            unit_id = session.scalar(select(Unit.id).where(Unit.code == unit))
            if unit_id is None:
                raise fail(f"no unit with code '{unit}'")
            report = import_people(
                session,
                operator(),
                unit_id,
                result.people,
                jurisdiction=jurisdiction,
                statute_id=statute,
            )
    except (InvalidInput, PermissionDenied) as error:
        raise fail(f"{path.name}: {error}") from None
    console.print(
        f"{len(report.cases_created):,} cases created, {len(report.cases_updated):,} updated; "
        f"{report.people_added:,} people added ({report.charges_added:,} charges), "
        f"{report.skipped:,} already present, {report.without_case:,} rows without a case."
    )


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Worker processes (use PostgreSQL for more than one)."),
) -> None:
    """Serve the web workbench and its JSON API."""
    import uvicorn

    from palermo.web.app import create_app

    ctx = context()
    console.print(f"Palermo serving at [bold]http://{host}:{port}[/] (Ctrl+C to stop)")
    uvicorn.run(create_app(ctx), host=host, port=port, workers=workers, log_level="warning")


@app.command()
def ingest(
    reference: str = typer.Argument(..., help="Case reference."),
    path: Path = typer.Argument(..., exists=True, help="A file, a folder or a zip archive."),
    locale: str | None = typer.Option(
        None, "--locale", help="The files' locale, e.g. en_US or de_DE (numbers and dates)."
    ),
    decimal: str | None = typer.Option(
        None, "--decimal", help="Decimal separator: point (1,234.50) or comma (1.234,50)."
    ),
    date_order: str | None = typer.Option(
        None, "--date-order", help="Numeric dates: DMY (03/04 = 3 April) or MDY (4 March)."
    ),
    all_or_nothing: bool = typer.Option(
        False, "--all-or-nothing", help="Refuse a whole file for one bad row."
    ),
    mapping: Path | None = typer.Option(
        None, "--map", exists=True, help="A column mapping profile (YAML) to read files with."
    ),
    ocr_languages: str | None = typer.Option(
        None, "--ocr-languages", help="Set the case's OCR languages for scans, e.g. spa+eng."
    ),
) -> None:
    """Load evidence into a case: a file, a folder, or a zip of files.

    Good rows load and each bad row is listed (file, line, column, reason), unless
    --all-or-nothing; a file already in the case is skipped. A file whose numbers or
    dates read two ways stops with a question: answer it with --locale, --decimal or
    --date-order and run again.
    """
    from palermo.cli.formats import ingest_options, print_questions
    from palermo.cli.progress import ingest_progress
    from palermo.services import ingest as ingest_service

    options = ingest_options(locale, decimal, date_order, all_or_nothing, mapping)
    ctx = context()
    try:
        if ocr_languages:
            from palermo.services import ocr as ocr_service

            ocr_service.set_languages(ctx, operator(), reference, ocr_languages)
        with ingest_progress(console) as progress:
            report = ingest_service.ingest_path(
                ctx, operator(), reference, path, progress=progress, options=options
            )
    except ServiceError as error:
        raise fail(str(error)) from error
    table = Table("file", "outcome", "records", "detail")
    for outcome in report.files:
        table.add_row(outcome.name, outcome.status, str(outcome.records), outcome.message)
    console.print(table)
    console.print(
        f"{report.loaded} loaded, {report.duplicates} already in the case, "
        f"{report.failed} not loaded; {report.records:,} records."
    )
    print_questions(console, report)
    from palermo.cli.ocr import ocr_after_ingest

    ocr_after_ingest(console, ctx, operator(), report)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def simulate(
    out: Path = typer.Option(..., help="Folder to write the case files into."),
    typology: str = typer.Option("escort_ads", help="Kind of case to simulate."),
    size: int = typer.Option(2000, help="About how many structured records."),
    seed: int = typer.Option(1, help="Same seed, same case."),
) -> None:
    """Write a synthetic trafficking case with its ground truth (for demos, tests, training)."""
    from rich.progress import Progress

    from palermo.simulate import TYPOLOGIES
    from palermo.simulate import simulate as run_simulation

    if typology not in TYPOLOGIES:
        raise fail(f"unknown typology '{typology}'; choose one of: {', '.join(TYPOLOGIES)}")
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("simulating", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total or None)

        summary = run_simulation(typology, size, seed, out, progress=progress)
    counts = ", ".join(f"{k} {v:,}" for k, v in summary.counts.items())
    console.print(f"Wrote {summary.typology} case to [bold]{out}[/]: {counts}.")


@app.command()
def demo(
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Serve when ready."),
    port: int = typer.Option(8000, help="Port to serve on."),
) -> None:
    """Set up a demo unit with synthetic cases and users, then serve it."""
    from palermo.services import demo as demo_service

    ctx = context()
    with console.status("Building the demo unit (first run takes a minute or two)…"):
        result = demo_service.build_demo(ctx, progress=lambda message: console.log(message))
    table = Table("username", "password", "role", title="Demo logins")
    for login in result.logins:
        table.add_row(login.username, login.password, login.role)
    console.print(table)
    console.print(f"{len(result.cases)} demo cases ready in {ctx.settings.data_dir}.")
    if serve_after:
        serve(host="127.0.0.1", port=port, workers=1)


if __name__ == "__main__":
    app()


# Evidence formats: column mapping profiles and exchange rates.
from palermo.cli.formats import profiles_app, rates_app  # noqa: E402

app.add_typer(profiles_app, name="profiles")
app.add_typer(rates_app, name="rates")
