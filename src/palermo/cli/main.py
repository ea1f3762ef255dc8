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
from sqlalchemy.orm import Session

from palermo import clock
from palermo.caseload import htcds
from palermo.security.permissions import Actor
from palermo.services import administration, casework
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
    from palermo.security.keys import KeyProblem

    try:
        return Context.create()
    except KeyProblem as problem:
        raise fail(str(problem), code=3) from None


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


@users_app.command("reset-password")
def users_reset_password(username: str) -> None:
    """Give a user a new one-time password (printed once); their sessions end and any
    sign-in lock on the account is lifted. They choose their own password at sign-in."""
    ctx = context()
    try:
        user_id = administration.user_id_by_name(ctx, operator(), username)
        password = administration.reset_password(ctx, operator(), user_id)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"One-time password for [bold]{username}[/]: {password}", highlight=False)


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable an account: its sessions end at once and its API tokens stop working."""
    ctx = context()
    try:
        administration.set_active(
            ctx, operator(), administration.user_id_by_name(ctx, operator(), username), False
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Disabled [bold]{username}[/].")


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Enable a disabled account."""
    ctx = context()
    try:
        administration.set_active(
            ctx, operator(), administration.user_id_by_name(ctx, operator(), username), True
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Enabled [bold]{username}[/].")


@users_app.command("end-sessions")
def users_end_sessions(username: str) -> None:
    """End every browser session of a user now."""
    from palermo.services import sessions

    ctx = context()
    try:
        count = sessions.end_all(
            ctx, operator(), administration.user_id_by_name(ctx, operator(), username)
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Ended {count} session(s) of [bold]{username}[/].")


@cases_app.command("create")
def cases_create(
    reference: str,
    title: str = typer.Option(..., help="Short title of the case."),
    unit: str = typer.Option(..., help="Code of an existing unit (never created here)."),
    jurisdiction: str = typer.Option("US", help="Country code (US, GB, RO...) or EU, UK, INTL."),
    typology: str | None = typer.Option(None, help="e.g. escort_ads, domestic_servitude."),
    statute: list[str] = typer.Option(
        [], help="Statute id from the law data (e.g. us-18-1591); repeatable."
    ),
    member: list[str] = typer.Option([], help="Username of the unit to add; repeatable."),
    region: str | None = typer.Option(None, help="Default phone region, e.g. US, GB, RO."),
    opened: str | None = typer.Option(None, help="Date opened, YYYY-MM-DD (default today)."),
) -> None:
    """Create a case in an existing unit, with statutes checked against the law data."""
    ctx = context()
    try:
        unit_id = casework.unit_id_for_code(ctx, unit)
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
            opened_on=_date_option(opened, "--opened") or clock.today(),
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Created case [bold]{summary.reference}[/]: {summary.title}")
    for sid in summary.statutes:
        console.print(f"  statute {sid}: {casework.citation(sid)}")


def _date_option(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{name}: {value!r} is not a date; use YYYY-MM-DD") from None


@cases_app.command("edit")
def cases_edit(
    reference: str,
    title: str | None = typer.Option(None, help="New title."),
    jurisdiction: str | None = typer.Option(None, help="New jurisdiction."),
    typology: str | None = typer.Option(None, help="New typology."),
    statute: list[str] = typer.Option([], help="Replace the statutes; repeatable."),
    opened: str | None = typer.Option(None, help="Date opened, YYYY-MM-DD."),
) -> None:
    """Change a case's details (what is not given stays as it is)."""
    ctx, actor = context(), operator()
    try:
        d = casework.case_details(ctx, actor, reference)
        warnings = casework.update_case(
            ctx,
            actor,
            reference,
            title=title if title is not None else d.title,
            jurisdiction=jurisdiction or d.jurisdiction,
            typology=typology if typology is not None else d.typology,
            statutes=statute or d.statutes,
            opened_on=_date_option(opened, "--opened") or d.opened_on,
            summary=d.summary,
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    for w in warnings:
        console.print(f"[yellow]warning:[/] {w}")
    console.print(f"Updated case [bold]{reference}[/].")


@cases_app.command("close")
def cases_close(
    reference: str,
    reason: str = typer.Option(..., help="Why the case is closed."),
    on: str | None = typer.Option(None, help="Date, YYYY-MM-DD (default today)."),
) -> None:
    """Close a case."""
    try:
        when = _date_option(on, "--on") or clock.today()
        casework.close_case(context(), operator(), reference, when, reason)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Closed case [bold]{reference}[/].")


@cases_app.command("reopen")
def cases_reopen(
    reference: str,
    reason: str = typer.Option(..., help="Why the case is reopened."),
    on: str | None = typer.Option(None, help="Date, YYYY-MM-DD (default today)."),
) -> None:
    """Reopen a closed case (back to investigation)."""
    try:
        when = _date_option(on, "--on") or clock.today()
        casework.reopen_case(context(), operator(), reference, when, reason)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Reopened case [bold]{reference}[/].")


@cases_app.command("member-add")
def cases_member_add(
    reference: str,
    username: str,
    role: str = typer.Option("member", help="Role on the case: " + ", ".join(casework.CASE_ROLES)),
) -> None:
    """Add a user of the case's unit as a member."""
    try:
        casework.add_member(context(), operator(), reference, username, role)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Added {username} to {reference} as {role}.")


@cases_app.command("member-remove")
def cases_member_remove(reference: str, username: str) -> None:
    """Remove a member from a case."""
    try:
        casework.remove_member(context(), operator(), reference, username)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"Removed {username} from {reference}.")


@cases_app.command("reindex")
def cases_reindex(reference: str | None = typer.Argument(None, help="One case, or all.")) -> None:
    """Rebuild the search index (names and aliases, sealed victims too, identifiers and
    document words) from the data."""
    from palermo.services import search

    ctx = context()
    try:
        case_id = case_service.case_id_for(ctx, operator(), reference) if reference else None
        done = search.reindex(ctx, case_id)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(f"{done:,} people indexed.")


@cases_app.command("import-outcomes")
def cases_import_outcomes(
    path: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV, one row per defendant."
    ),
    unit: str = typer.Option(..., help="Code of the unit to create the cases in."),
    profile: str = typer.Option("htd", help="Column mapping profile (name or YAML file)."),
) -> None:
    """Import a table of defendant outcomes: cases, defendants, charges and outcomes, in one
    transaction; rows refused are listed with their line and field."""
    from palermo.caseload.outcome_import import profile_names
    from palermo.services import outcome_import

    ctx = context()
    try:
        unit_id = casework.unit_id_for_code(ctx, unit)
        # A profile of one's own is a YAML file; the service takes its text, never a path.
        own = Path(profile)
        bundled = profile in profile_names()
        mapping = own.read_text(encoding="utf-8") if not bundled and own.is_file() else None
        report = outcome_import.import_outcomes(
            ctx,
            operator(),
            path.read_text(encoding="utf-8-sig"),
            unit_id=unit_id,
            profile=profile,
            mapping=mapping,
            file_name=path.name,
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(
        f"{report.rows:,} rows: {len(report.cases_created):,} cases created, "
        f"{report.defendants:,} defendants, {report.charges:,} charges, "
        f"{report.outcomes:,} outcomes; {report.already_imported:,} already imported; "
        f"{len(report.refused_lines):,} rows refused."
    )
    for problem in report.refused:
        console.print(f"[red]refused[/] {problem}", markup=True, highlight=False)
    for problem in report.notes:
        console.print(f"note {problem}", markup=False, highlight=False)


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
    """Check the audit chain and the signed checkpoints; name the first bad entry and say
    whether entries were deleted from the end."""
    from palermo.services import audit_log

    result = audit_log.verify_chain(context(), operator())
    if result.ok:
        legacy = (
            f" ({result.legacy_entries:,} from before keyed chaining, checked with the old hash)"
            if result.legacy_entries
            else ""
        )
        console.print(
            f"[green]Audit chain intact[/]: {result.checked:,} entries verified{legacy}; "
            f"{result.checkpoints:,} signed checkpoints, the last at entry "
            f"{result.last_checkpoint_seq}; not truncated."
        )
        return
    where = f" at entry {result.first_bad_seq}" if result.first_bad_seq is not None else ""
    errors.print(
        f"[bold red]Audit chain broken{where}[/]: {result.problem} "
        f"({result.checked:,} entries before it verified)."
    )
    if result.truncated:
        errors.print("[bold red]The tail was truncated[/] relative to the last checkpoint.")
    raise typer.Exit(2)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Verify the chain, then sign its head into the checkpoint file in the data directory."""
    from palermo.services import audit_log

    try:
        point = audit_log.checkpoint(context(), operator())
    except ServiceError as error:
        raise fail(str(error), 2) from error
    console.print(f"Checkpoint signed: entry {point.seq:,}, {point.count:,} entries, {point.at}.")


@audit_app.command("export-checkpoints")
def audit_export_checkpoints(
    out: Path = typer.Option(..., help="File to write (JSON lines, one signed checkpoint each)."),
) -> None:
    """Copy the signed checkpoints out, e.g. to keep them on another machine."""
    from palermo.services import audit_log

    text = audit_log.export_checkpoints(context(), operator())
    out.write_text(text, encoding="utf-8")
    console.print(f"Wrote {len(text.splitlines()):,} checkpoints to {out}.")


@indicators_app.command("evaluate")
def indicators_evaluate(
    path: Path | None = typer.Argument(
        None,
        help="A labelled sentences file (YAML or JSON lines); default: every labelled set "
        "the product ships (regression, real-dev, real-test).",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every miss."),
    ilo: bool = typer.Option(False, "--ilo", help="Score only the 11 ILO indicators."),
) -> None:
    """Precision, recall and F1 of the indicator patterns, per indicator, on labelled sets."""
    from palermo.extract.evaluate import ILO_IDS, SETS, evaluate_indicators

    chosen = [path] if path is not None else list(SETS.values())
    for one in chosen:
        if not one.exists():
            raise fail(f"{one} not found: give the path of a labelled sentences file")
        try:
            report = evaluate_indicators(one, ILO_IDS if ilo else None)
        except ValueError as exc:
            raise fail(str(exc)) from exc
        console.print(f"== {one.name}{' (ILO ids)' if ilo else ''}", highlight=False)
        console.print(report.table(), highlight=False)
        if verbose:
            for text, want, got in report.errors:
                console.print(f"  want {want} got {got}: {text}", highlight=False)


@indicators_app.command("export-reviewed")
def indicators_export_reviewed(
    reference: str = typer.Argument(..., help="Case reference."),
    out: Path = typer.Option(..., help="File to write (JSON lines)."),
) -> None:
    """The case's sentences with an indicator decision, labelled by what its reviewers
    confirmed, rejected or tagged; victims by pseudonym. Score them with `evaluate`."""
    from palermo.services import indicator_quality

    try:
        sentences = indicator_quality.reviewed_sentences(context(), operator(), reference)
    except ServiceError as error:
        raise fail(str(error)) from error
    out.write_text(indicator_quality.as_json_lines(sentences), encoding="utf-8")
    console.print(f"Wrote {len(sentences):,} reviewed sentences to {out}.")


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
    workers: int = typer.Option(
        1, help="Web worker processes (more than one needs PostgreSQL).", min=1
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        help="Addresses of reverse proxies whose X-Forwarded-For/-Proto are trusted "
        "(default 127.0.0.1).",
    ),
) -> None:
    """Serve the web workbench and its JSON API.

    On SQLite (the embedded setup) this process also runs the background jobs; on
    PostgreSQL run `palermo worker` beside it (as many as wanted)."""
    import uvicorn

    from palermo.services import jobs

    ctx = context()  # migrates the schema once, before any worker process starts
    if workers > 1 and ctx.db.dialect == "sqlite":
        raise fail("several worker processes need PostgreSQL (set PALERMO_DATABASE_URL)")
    console.print(f"Palermo serving at [bold]http://{host}:{port}[/] (Ctrl+C to stop)")
    if not jobs.runs_in_process(ctx):
        console.print("Background jobs are run by `palermo worker` processes.")
    from palermo.web.serving import KEEP_ALIVE_SECONDS, WORKER_HEALTHCHECK_SECONDS

    options: dict[str, object] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS,
    }
    if forwarded_allow_ips:
        options["forwarded_allow_ips"] = forwarded_allow_ips
    if workers == 1:
        from palermo.web.app import create_app

        if jobs.runs_in_process(ctx):
            jobs.ensure_local_worker(ctx)
        uvicorn.run(create_app(ctx), **options)  # type: ignore[arg-type]
        return
    ctx.db.dispose()
    uvicorn.run(
        "palermo.web.serving:create",
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )


@app.command()
def worker(
    once: bool = typer.Option(
        False, "--once", help="Run the jobs due now (not those waiting to start later), then stop."
    ),
    poll: float = typer.Option(1.0, help="Seconds between looks at an empty queue."),
) -> None:
    """Run background jobs (ingest, OCR) from the queue until stopped (SIGTERM or Ctrl+C).

    Start as many as wanted, on any machine with the database and the data directory.
    A job a stopped or killed worker leaves unfinished is taken up again, and finishes
    with nothing loaded twice."""
    import signal
    import threading

    from palermo.services import jobs

    ctx = context()
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        if stop.is_set():  # a second signal: stop now (the job resumes elsewhere)
            raise SystemExit(128 + signum)
        errors.print("stopping after the current job (again to stop now)")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    name = jobs.worker_name()
    console.print(f"Palermo worker {name} waiting for jobs")

    def report(job_id: int, status: str) -> None:
        console.print(f"job {job_id}: {status}")

    ran = jobs.work(ctx, stop, poll=poll, until_idle=once, worker=name, on_job=report)
    console.print(f"{ran} job(s) run")


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
        serve(host="127.0.0.1", port=port, workers=1, forwarded_allow_ips=None)


keys_app = typer.Typer(help="The master key and the case data keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Replace the master key: re-wrap every case's data key and re-encrypt every sealed
    value under a new key, in one transaction. Stop the server first."""
    from palermo.security import audit
    from palermo.security.keys import KeyProblem, Rotation, rotate

    ctx = context()
    actor = operator()

    def log(session: Session, result: Rotation) -> None:
        audit.record(
            session,
            actor=actor,
            action="keys.rotate",
            details={"case_keys": result.case_keys, "identities": result.identities},
        )

    try:
        with console.status("Re-encrypting under a new master key…"):
            result = rotate(ctx.db.engine, ctx.settings.secret_key, ctx.settings.data_dir, log)
    except KeyProblem as problem:
        raise fail(str(problem), code=3) from None
    console.print(
        f"Rotated: {result.case_keys} case keys re-wrapped, {result.identities} identities "
        f"and {result.values:,} values re-encrypted."
    )
    if result.in_environment:
        console.print(
            f"The new master key is in [bold]{result.key_file}[/]. Set PALERMO_SECRET_KEY to "
            "its content now (the old key no longer opens the data), then delete the file."
        )
    else:
        console.print(
            f"The new master key is in [bold]{result.key_file}[/] (the old one is gone). "
            "Back it up with the database: without it the data cannot be read."
        )
    console.print(f"Search index rebuilt under the new key ({result.search_keys:,} keys).")


if __name__ == "__main__":
    app()


# Evidence formats: column mapping profiles and exchange rates.
from palermo.cli.formats import profiles_app, rates_app  # noqa: E402

app.add_typer(profiles_app, name="profiles")
app.add_typer(rates_app, name="rates")

# People, organisations and photos of a case.
from palermo.cli.people import orgs_app, people_app, photos_app  # noqa: E402

app.add_typer(people_app, name="people")
app.add_typer(orgs_app, name="orgs")
app.add_typer(photos_app, name="photos")

# National linkage of people across all cases.
from palermo.cli.linkage import linkage_app  # noqa: E402

app.add_typer(linkage_app, name="linkage")
