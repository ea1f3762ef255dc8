"""``palermo linkage``: the national person index. People of every case linked to the
people of every other case with the resolution model, on DuckDB or on a Spark cluster,
and loaded back as suggestions that a person confirms or rejects in each case.

``national`` does the three steps in one go; ``export``, ``run`` and ``load`` do them
one at a time (to run the middle one where Spark is). The Parquet files hold personal
data: they are written readable by their owner only, in the data directory by default,
and ``national`` deletes them unless told ``--keep``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from palermo.cli.main import console, context, fail, operator
from palermo.services import national_linkage as service
from palermo.services.errors import ServiceError

linkage_app: typer.Typer = typer.Typer(
    help="National linkage of people across all cases (DuckDB or Spark).", no_args_is_help=True
)

ENGINE_HELP = "duckdb (this machine) or spark (local mode, or --spark-master)."
MASTER_HELP = "A Spark master URL (spark://host:7077, yarn, k8s://...); default local mode."
MEMORY_HELP = (
    "DuckDB's memory limit (8GB, 512MiB, 50%); beyond it DuckDB spills to a scratch folder "
    "next to the links. Default: 80% of the machine's memory."
)


def _engine(value: str) -> service.Engine:
    if value == "duckdb":
        return "duckdb"
    if value == "spark":
        return "spark"
    raise fail(f"--engine {value!r}: choose duckdb or spark")


def _memory_limit(value: str | None, engine: service.Engine) -> str | None:
    """``--memory-limit`` checked by DuckDB itself (on a throwaway connection), so that
    a wrong value fails before anything is exported or linked."""
    if value is None:
        return None
    if engine != "duckdb":
        raise fail("--memory-limit is DuckDB's: for Spark, set spark.driver.memory")
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET memory_limit = ?", [value])
    except duckdb.Error as error:
        raise fail(f"--memory-limit {value!r}: {error}") from error
    finally:
        con.close()
    return value


@linkage_app.command("national")
def linkage_national(
    engine: str = typer.Option("duckdb", "--engine", help=ENGINE_HELP),
    spark_master: str | None = typer.Option(None, "--spark-master", help=MASTER_HELP),
    keep: bool = typer.Option(False, "--keep", help="Keep the Parquet files (personal data)."),
    min_probability: float = typer.Option(
        service.NATIONAL_MIN_PROBABILITY, "--min-probability", help="Least probability kept."
    ),
    memory_limit: str | None = typer.Option(None, "--memory-limit", help=MEMORY_HELP),
) -> None:
    """Export every unsealed person, link them across cases and load the links back."""
    chosen = _engine(engine)
    limit = _memory_limit(memory_limit, chosen)
    ctx, actor = context(), operator()
    try:
        result = service.link_nationally(
            ctx,
            actor,
            engine=chosen,
            spark_master=spark_master,
            keep=keep,
            min_probability=min_probability,
            memory_limit=limit,
        )
    except ServiceError as error:
        raise fail(str(error)) from error
    except ImportError as error:
        raise fail(f"{error}: for Spark, pip install 'palermo[spark]'") from error
    run, load = result.run, result.load
    console.print(
        f"{result.export.persons:,} people of {result.export.cases:,} cases exported "
        f"({result.export.sealed_left_out:,} with a sealed identity left out); "
        f"{run.pairs_scored:,} pairs scored on {chosen}, {run.pairs_kept:,} kept; "
        f"{load.added:,} suggestions added, {load.updated:,} updated, "
        f"{load.withdrawn:,} withdrawn, {load.decided_kept:,} decided ones left as decided."
    )
    console.print(
        "Seconds: " + ", ".join(f"{step} {secs:.1f}" for step, secs in result.seconds.items())
    )
    for path in result.kept_files:
        console.print(f"Kept (personal data, delete when done): {path}")


@linkage_app.command("export")
def linkage_export(
    path: Path | None = typer.Argument(None, help="Parquet file (default: in the data dir)."),
) -> None:
    """Write the comparison features of every unsealed person to Parquet (mode 0600)."""
    ctx, actor = context(), operator()
    try:
        result = service.export_persons(ctx, actor, path)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(
        f"{result.persons:,} people of {result.cases:,} cases written to {result.path} "
        f"({result.sealed_left_out:,} with a sealed identity left out). It holds personal "
        "data: delete it when the linkage is loaded."
    )


@linkage_app.command("run")
def linkage_run(
    features: Path = typer.Argument(..., help="The file written by `linkage export`."),
    out: Path = typer.Argument(..., help="Where to write the links (Parquet)."),
    engine: str = typer.Option("duckdb", "--engine", help=ENGINE_HELP),
    spark_master: str | None = typer.Option(None, "--spark-master", help=MASTER_HELP),
    min_probability: float = typer.Option(
        service.NATIONAL_MIN_PROBABILITY, "--min-probability", help="Least probability kept."
    ),
    memory_limit: str | None = typer.Option(None, "--memory-limit", help=MEMORY_HELP),
) -> None:
    """Link exported people across cases; reads no database."""
    chosen = _engine(engine)
    limit = _memory_limit(memory_limit, chosen)
    try:
        result = service.run_linkage(
            features,
            out,
            engine=chosen,
            spark_master=spark_master,
            min_probability=min_probability,
            memory_limit=limit,
        )
    except ImportError as error:
        raise fail(f"{error}: for Spark, pip install 'palermo[spark]'") from error
    console.print(
        f"{result.records:,} people of {result.cases:,} cases: {result.pairs_scored:,} pairs "
        f"scored, {result.pairs_kept:,} written to {out}."
    )


@linkage_app.command("load")
def linkage_load(
    links: Path = typer.Argument(..., help="The links written by `linkage run`."),
    engine: str = typer.Option("", "--engine", help="Recorded with the suggestions."),
) -> None:
    """Store links as suggestions in both cases (idempotent; decisions are kept)."""
    ctx, actor = context(), operator()
    try:
        result = service.load_links(ctx, actor, links, engine=engine)
    except ServiceError as error:
        raise fail(str(error)) from error
    console.print(
        f"{result.links:,} links: {result.added:,} suggestions added, {result.updated:,} "
        f"updated, {result.withdrawn:,} withdrawn, {result.decided_kept:,} decided ones kept, "
        f"{result.skipped:,} skipped (people deleted or sealed since the export)."
    )
