"""National linkage: the people of every case linked to the people of every other case,
on DuckDB or on Spark, and the links kept as suggestions for a person to decide.

Three steps, each usable alone (a Spark cluster can run the middle one):

1. :func:`export_persons` writes the comparison features of every person whose identity
   is not sealed to one Parquet file in the data directory (mode 0600 in a 0700
   folder), keyed ``<case id>:<person id>`` (no name in the key). Victims are never
   exported, as they are never compared across cases on the Network tab: their
   identities stay sealed. Only the local operator (who holds the keys) may export;
   the export is audited.
2. :func:`run_linkage` links the file with the shipped resolution model
   (:mod:`palermo.analysis.resolution.national`) on DuckDB or Spark and writes the
   scored pairs of people of different cases to Parquet. It reads no database.
3. :func:`load_links` stores each pair as a machine suggestion in both cases (an
   :class:`~palermo.store.models.Assertion` ``same_person_other_case``, status
   ``suggested``), replacing the undecided suggestions of the previous run; decided
   ones (``confirmed`` or ``rejected`` by a person) are never changed by a run.
   Loading the same links twice changes nothing.

:func:`link_nationally` does all three and deletes the files unless asked to keep them.
:func:`national_links` lists a case's suggestions for a user (only links to cases the
user is a member of: other cases are never mentioned) and :func:`decide_national_link`
confirms, rejects or reopens one (both cases' copies, audited, reversible).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from palermo.analysis.resolution import PersonRecord, shipped_model
from palermo.analysis.resolution.national import (
    LinkageRun,
    link_across_cases,
    read_links,
    register_spark_functions,
    write_features,
)
from palermo.analysis.resolution.records import feature_columns
from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services import analysis_jobs
from palermo.services.access import open_case
from palermo.services.cases import person_view
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound, PermissionDenied
from palermo.store.models import (
    Assertion,
    AssertionStatus,
    Case,
    CaseMember,
    Identifier,
    Person,
)

Engine = Literal["duckdb", "spark"]
PREDICATE = "same_person_other_case"
# people featurised at a time on export (the common words of addresses are learnt per
# chunk: at this size the same as over all people)
EXPORT_CHUNK = 500_000
LINKAGE_DIR = "linkage"
# the least probability of a pair kept as a suggestion
NATIONAL_MIN_PROBABILITY = 0.5


def _require_operator(actor: Actor) -> None:
    # Only whoever holds the data directory and its keys: the file holds identities of
    # every case, beyond any one user's need to know.
    if not actor.is_system:
        raise PermissionDenied("national linkage is run by the local operator only")


def work_dir(ctx: Context) -> Path:
    """The folder of the linkage files, in the data directory, readable by its owner only."""
    path = ctx.settings.data_dir / LINKAGE_DIR
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def person_key(case_id: int, person_id: int) -> str:
    return f"{case_id}:{person_id}"


def parse_key(key: str) -> tuple[int, int]:
    case_id, _, person_id = key.partition(":")
    return int(case_id), int(person_id)


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class Export:
    path: Path
    persons: int
    cases: int
    sealed_left_out: int


def _person_records(session: Session, chunk: int) -> Iterator[list[PersonRecord]]:
    """People whose identity is not sealed and who have a name or an identifier, as
    records keyed ``<case id>:<person id>`` with their case as ``dataset``; in chunks."""
    rows = session.execute(
        select(Person.id, Person.case_id, Person.name, Person.aliases, Person.nationality)
        .where(Person.sealed_identity.is_(None))
        .order_by(Person.case_id, Person.id)
        .execution_options(yield_per=chunk)
    )
    for part in rows.partitions(chunk):
        pids = [int(r[0]) for r in part]
        ids: dict[int, list[str]] = {}
        for i in range(0, len(pids), 1000):
            for kind, value, pid in session.execute(
                select(Identifier.kind, Identifier.value, Identifier.person_id).where(
                    Identifier.person_id.in_(pids[i : i + 1000])
                )
            ):
                if pid is not None:
                    ids.setdefault(int(pid), []).append(f"{kind}:{value}")
        records = []
        for pid, cid, name, aliases, nationality in part:
            mine = ids.get(int(pid), [])
            if not name and not mine:
                continue
            records.append(
                PersonRecord(
                    key=person_key(int(cid), int(pid)),
                    full_name=name or None,
                    aliases=tuple(a for a in aliases or () if a),
                    identifiers=tuple(mine),
                    nationality=nationality,
                    dataset=str(cid),
                )
            )
        if records:
            yield records


def export_persons(ctx: Context, actor: Actor, path: Path | None = None) -> Export:
    """Write every unsealed person's comparison features to Parquet (see module doc)."""
    _require_operator(actor)
    path = path or work_dir(ctx) / "persons.parquet"
    counts = {"persons": 0}
    cases: set[str] = set()
    with ctx.db.session() as session:
        sealed = int(
            session.scalar(select(func.count(Person.id)).where(Person.sealed_identity.is_not(None)))
            or 0
        )

        def chunks() -> Iterator[dict[str, list[Any]]]:
            for records in _person_records(session, EXPORT_CHUNK):
                counts["persons"] += len(records)
                cases.update(str(r.dataset) for r in records)
                yield feature_columns(records)

        write_features(chunks(), path)
        audit.record(
            session,
            actor=actor,
            action="linkage.export",
            details={
                "persons": counts["persons"],
                "cases": len(cases),
                "sealed_left_out": sealed,
                "file": path.name,
            },
        )
    return Export(path, counts["persons"], len(cases), sealed)


# --------------------------------------------------------------------------- run


def spark_session(master: str | None, scratch: Path, *, partitions: int | None = None) -> Any:
    """A Spark session for the linkage: Splink's functions on the classpath, scratch
    files in ``scratch``. ``master``: a cluster's URL, or None for local mode on every
    core. An existing session (``spark-submit``) is reused."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    # Spark's Python workers run this interpreter (pandas, pyarrow, rapidfuzz)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.appName("palermo-national-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.local.dir", str(scratch))
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.ui.showConsoleProgress", "false")
    )
    if master:
        builder = builder.master(master)
    elif not os.environ.get("SPARK_HOME"):
        builder = builder.master("local[*]")
    if partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(partitions)).config(
            "spark.default.parallelism", str(partitions)
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
    return spark


def run_linkage(
    features: Path,
    out: Path,
    *,
    engine: Engine,
    spark: Any = None,
    spark_master: str | None = None,
    scratch: Path | None = None,
    min_probability: float = NATIONAL_MIN_PROBABILITY,
    memory_limit: str | None = None,
) -> LinkageRun:
    """Link the people of ``features`` (from :func:`export_persons`) across cases with
    the shipped model on DuckDB or Spark; write the pairs to ``out``. ``spark``: a
    session to use; without one, a session is started on ``spark_master`` (default:
    local mode) and stopped at the end. Scratch files go to ``scratch`` (next to
    ``out`` by default, owner only) and are deleted at the end. ``memory_limit``:
    DuckDB's (``"8GB"``; by default 80% of the machine's memory), beyond which it
    spills to the scratch folder."""
    if engine not in ("duckdb", "spark"):
        raise InvalidInput(f"unknown engine {engine!r}: duckdb or spark")
    scratch = scratch or out.parent / f"{out.name}.scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    scratch.chmod(0o700)
    own_session = engine == "spark" and spark is None
    try:
        if engine == "duckdb":
            return _run_duckdb(features, out, scratch, min_probability, memory_limit)
        if own_session:
            spark = spark_session(spark_master, scratch)
        return _run_spark(features, out, scratch, spark, min_probability)
    finally:
        if own_session and spark is not None:
            spark.stop()
        shutil.rmtree(scratch, ignore_errors=True)
        _owner_only(out)


def _run_duckdb(
    features: Path, out: Path, scratch: Path, min_probability: float, memory_limit: str | None
) -> LinkageRun:
    import duckdb
    from splink import DuckDBAPI

    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        # spills to disk (personal data) only in the owner-only scratch folder
        con.execute("SET temp_directory = ?", [str(scratch)])
        if memory_limit:
            con.execute("SET memory_limit = ?", [memory_limit])
        con.execute("CREATE TABLE persons AS SELECT * FROM read_parquet(?)", [str(features)])
        return link_across_cases(
            DuckDBAPI(connection=con),
            "persons",
            out,
            dialect="duckdb",
            model=shipped_model(),
            min_probability=min_probability,
        )
    finally:
        con.close()


def _run_spark(
    features: Path, out: Path, scratch: Path, spark: Any, min_probability: float
) -> LinkageRun:
    from splink import SparkAPI

    spark.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
    register_spark_functions(spark)
    spark.read.parquet(str(features)).createOrReplaceTempView("persons")
    partitions = int(spark.conf.get("spark.sql.shuffle.partitions", "200"))
    db_api = SparkAPI(
        spark_session=spark,
        break_lineage_method="parquet",
        num_partitions_on_repartition=max(1, partitions),
    )
    try:
        return link_across_cases(
            db_api,
            "persons",
            out,
            dialect="spark",
            model=shipped_model(),
            min_probability=min_probability,
        )
    finally:
        spark.catalog.dropTempView("persons")


def _owner_only(path: Path) -> None:
    """The linkage's output (a file, or Spark's folder of parts) readable by its owner only."""
    if not path.exists():
        return
    if path.is_dir():
        path.chmod(0o700)
        for child in path.rglob("*"):
            child.chmod(0o700 if child.is_dir() else 0o600)
    else:
        path.chmod(0o600)


# --------------------------------------------------------------------------- load


@dataclass(frozen=True)
class Load:
    links: int
    added: int
    updated: int
    decided_kept: int
    withdrawn: int
    skipped: int


def _details(link: Any, other_case: int, other_person: int, engine: str) -> dict[str, Any]:
    return {
        "other_case_id": other_case,
        "other_person_id": other_person,
        "match_weight": link.match_weight,
        "outcome": [[c, lv, w] for c, lv, w in link.outcome],
        "engine": engine,
    }


def load_links(ctx: Context, actor: Actor, path: Path, *, engine: str = "") -> Load:
    """Store the pairs of :func:`run_linkage` as suggestions in both cases (see module
    doc); one transaction, audited."""
    _require_operator(actor)
    links = read_links(path)
    with ctx.db.session() as session:
        unsealed: dict[int, int] = {}  # person id -> case id, for people still unsealed
        keys = {parse_key(k) for link in links for k in (link.key_a, link.key_b)}
        pids = sorted({pid for _, pid in keys})
        for i in range(0, len(pids), 1000):
            for pid, cid in session.execute(
                select(Person.id, Person.case_id).where(
                    Person.id.in_(pids[i : i + 1000]), Person.sealed_identity.is_(None)
                )
            ):
                unsealed[int(pid)] = int(cid)
        existing: dict[tuple[int, int, str], Assertion] = {
            (a.case_id, int(a.subject_id or 0), str(a.value)): a
            for a in session.scalars(select(Assertion).where(Assertion.predicate == PREDICATE))
        }
        seen: set[tuple[int, int, str]] = set()
        added = updated = kept = skipped = 0
        for link in links:
            (ca, pa), (cb, pb) = parse_key(link.key_a), parse_key(link.key_b)
            # a person deleted, sealed or moved since the export is not linked
            if unsealed.get(pa) != ca or unsealed.get(pb) != cb or ca == cb:
                skipped += 1
                continue
            for case_id, subject, other_case, other in ((ca, pa, cb, pb), (cb, pb, ca, pa)):
                key = (case_id, subject, str(other))
                seen.add(key)
                details = _details(link, other_case, other, engine)
                row = existing.get(key)
                if row is None:
                    session.add(
                        Assertion(
                            case_id=case_id,
                            subject_type="person",
                            subject_id=subject,
                            predicate=PREDICATE,
                            value=str(other),
                            details=details,
                            confidence=round(link.match_probability, 6),
                            status=AssertionStatus.SUGGESTED.value,
                            origin="machine",
                        )
                    )
                    added += 1
                elif row.status == AssertionStatus.SUGGESTED.value:
                    if row.details != details or row.confidence != round(link.match_probability, 6):
                        row.details = details
                        row.confidence = round(link.match_probability, 6)
                        updated += 1
                else:
                    kept += 1  # decided by a person: a run never changes it
        stale = [
            row.id
            for key, row in existing.items()
            if key not in seen and row.status == AssertionStatus.SUGGESTED.value
        ]
        for i in range(0, len(stale), 1000):
            session.execute(delete(Assertion).where(Assertion.id.in_(stale[i : i + 1000])))
        result = Load(len(links), added, updated, kept, len(stale), skipped)
        audit.record(
            session,
            actor=actor,
            action="linkage.load",
            details={
                "links": result.links,
                "added": added,
                "updated": updated,
                "decided_kept": kept,
                "withdrawn": len(stale),
                "skipped": skipped,
                "engine": engine,
            },
        )
    return result


# --------------------------------------------------------------------------- all three


@dataclass(frozen=True)
class NationalRun:
    export: Export
    run: LinkageRun
    load: Load
    seconds: dict[str, float] = field(default_factory=dict)
    kept_files: list[Path] = field(default_factory=list)


def link_nationally(
    ctx: Context,
    actor: Actor,
    *,
    engine: Engine = "duckdb",
    spark: Any = None,
    spark_master: str | None = None,
    keep: bool = False,
    min_probability: float = NATIONAL_MIN_PROBABILITY,
    memory_limit: str | None = None,
) -> NationalRun:
    """Export, link on ``engine`` and load back (see module doc). The Parquet files
    (personal data) are deleted at the end, even on failure, unless ``keep``.
    ``memory_limit``: DuckDB's (see :func:`run_linkage`)."""
    _require_operator(actor)
    folder = work_dir(ctx)
    features, out = folder / "persons.parquet", folder / f"links-{engine}.parquet"
    seconds: dict[str, float] = {}
    try:
        clock = time.perf_counter()
        export = export_persons(ctx, actor, features)
        seconds["export"] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()
        run = run_linkage(
            features,
            out,
            engine=engine,
            spark=spark,
            spark_master=spark_master,
            min_probability=min_probability,
            memory_limit=memory_limit,
        )
        seconds["link"] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()
        load = load_links(ctx, actor, out, engine=engine)
        seconds["load"] = round(time.perf_counter() - clock, 3)
    finally:
        if not keep:
            remove_files(features, out)
    return NationalRun(export, run, load, seconds, [features, out] if keep else [])


def remove_files(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- review


@dataclass(frozen=True, slots=True)
class NationalLinkView:
    """A person of this case whom the national linkage finds likely to be a person of
    another case: the suggestion, its evidence, and the decision in force."""

    id: int
    person_id: int
    person: str
    other_case: str
    other_title: str
    other_person_id: int
    other_person: str
    probability: float
    match_weight: float
    evidence: list[tuple[str, str, float]]  # comparison, level, weight (bits)
    status: str  # suggested, confirmed (same person), rejected (not the same)
    decided_by: str | None = None
    decided_at: datetime | None = None


def _visible_cases(session: Session, actor: Actor, case_ids: set[int]) -> set[int]:
    if actor.is_system:
        return set(case_ids)
    return set(
        session.scalars(
            select(CaseMember.case_id).where(
                CaseMember.user_id == actor.user_id, CaseMember.case_id.in_(sorted(case_ids))
            )
        )
    )


def national_links(ctx: Context, actor: Actor, reference: str) -> list[NationalLinkView]:
    """The national linkage's suggestions for a case's people, strongest first; only
    links to cases the actor is a member of (other cases are never mentioned)."""
    from palermo.store.models import User

    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        rows = session.execute(
            select(Assertion, User.username)
            .outerjoin(User, User.id == Assertion.decided_by)
            .where(Assertion.case_id == case.id, Assertion.predicate == PREDICATE)
        ).all()
        other_cases = {int((a.details or {}).get("other_case_id", 0)) for a, _ in rows}
        visible = _visible_cases(session, actor, other_cases)
        cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(sorted(visible))))}
        wanted = {int(a.subject_id or 0) for a, _ in rows} | {
            int((a.details or {}).get("other_person_id", 0)) for a, _ in rows
        }
        people = {
            p.id: p for p in session.scalars(select(Person).where(Person.id.in_(sorted(wanted))))
        }
        out = []
        for a, who in rows:
            d = a.details or {}
            other_case, other_person = int(d["other_case_id"]), int(d["other_person_id"])
            if other_case not in cases or other_person not in people:
                continue
            mine = people.get(int(a.subject_id or 0))
            if mine is None:
                continue
            out.append(
                NationalLinkView(
                    id=a.id,
                    person_id=mine.id,
                    person=person_view(ctx, actor, mine).display_name,
                    other_case=cases[other_case].reference,
                    other_title=cases[other_case].title,
                    other_person_id=other_person,
                    other_person=person_view(ctx, actor, people[other_person]).display_name,
                    probability=round(float(a.confidence), 3),
                    match_weight=float(d.get("match_weight", 0.0)),
                    evidence=sorted(
                        ((str(c), str(lv), float(w)) for c, lv, w in d.get("outcome", [])),
                        key=lambda e: -abs(e[2]),
                    ),
                    status=a.status,
                    decided_by=who if a.decided_by else None,
                    decided_at=a.decided_at,
                )
            )
        audit.record_read(
            session,
            actor=actor,
            action="linkage.view",
            case_id=case.id,
            details={"shown": len(out)},
        )
    out.sort(key=lambda v: (-v.probability, v.person_id, v.other_case, v.other_person_id))
    return out


def decide_national_link(
    ctx: Context, actor: Actor, reference: str, link_id: int, *, same: bool | None
) -> str:
    """Confirm (``same=True``) or reject (``False``) a suggested link, or reopen it
    (``None``: a suggestion again); both cases' copies, audited. Needs the right to
    decide in this case and membership of the other. Returns the new status."""
    status = {
        True: AssertionStatus.CONFIRMED.value,
        False: AssertionStatus.REJECTED.value,
        None: AssertionStatus.SUGGESTED.value,
    }[same]
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.DECIDE)
        row = session.get(Assertion, link_id)
        if row is None or row.case_id != case.id or row.predicate != PREDICATE:
            raise NotFound("no such link in this case")
        d = row.details or {}
        other_case, other_person = int(d["other_case_id"]), int(d["other_person_id"])
        if other_case not in _visible_cases(session, actor, {other_case}):
            raise NotFound("no such link in this case")
        mirror = session.scalars(
            select(Assertion).where(
                and_(
                    Assertion.case_id == other_case,
                    Assertion.predicate == PREDICATE,
                    Assertion.subject_id == other_person,
                    Assertion.value == str(row.subject_id),
                )
            )
        ).all()
        now = datetime.now(UTC)
        previous = row.status
        for a in (row, *mirror):
            a.status = status
            a.decided_by = actor.user_id if same is not None else None
            a.decided_at = now if same is not None else None
            a.origin = "machine" if same is None else "human"
        # Both cases' copies changed: both are analysed again.
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        analysis_jobs.analyse_after_commit(ctx, session, actor, other_case)
        audit.record(
            session,
            actor=actor,
            action="linkage.decision",
            case_id=case.id,
            object_type="assertion",
            object_id=row.id,
            details={
                "person": row.subject_id,
                "other_case_id": other_case,
                "other_person_id": other_person,
                "status": status,
                "previous": previous,
                "mirror": [a.id for a in mirror],
            },
        )
    return status
