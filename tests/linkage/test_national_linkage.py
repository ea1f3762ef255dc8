"""National linkage through the product: people in cases, exported, linked on DuckDB
and on Spark (local mode), loaded back as suggestions each case shows and a person
decides; on both databases."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from tests.linkage.conftest import Cases

from palermo.analysis.resolution.national import read_links
from palermo.security.permissions import SYSTEM
from palermo.services import national_linkage as nl
from palermo.services.context import Context
from palermo.services.errors import NotFound, PermissionDenied
from palermo.store.models import Assertion, AuditEntry


def _pairs(
    ctx: Context, actor: Any, refs: list[str]
) -> set[tuple[tuple[str, int], tuple[str, int]]]:
    """Every suggested or decided link the actor sees, as sorted pairs of (case, person)."""
    out = set()
    for ref in refs:
        for view in nl.national_links(ctx, actor, ref):
            a, b = (ref, view.person_id), (view.other_case, view.other_person_id)
            out.add((min(a, b), max(a, b)))
    return out


def _planted(cases: Cases) -> set[tuple[tuple[str, int], tuple[str, int]]]:
    return {(min(a, b), max(a, b)) for a, b in cases.planted}


def test_export_is_the_operators_private_file_without_victims(
    ctx: Context, linked_cases: Cases
) -> None:
    with pytest.raises(PermissionDenied):
        nl.export_persons(ctx, linked_cases.member, None)  # type: ignore[arg-type]
    export = nl.export_persons(ctx, SYSTEM)
    assert export.path.stat().st_mode & 0o777 == 0o600
    assert export.path.parent.stat().st_mode & 0o777 == 0o700
    assert export.sealed_left_out == 2
    assert export.persons == 8 * 25 + 12 and export.cases == 8
    table = pq.read_table(export.path).to_pydict()
    victims = {pid for _, pid in linked_cases.victims}
    assert not victims & {int(k.split(":")[1]) for k in table["unique_id"]}
    texts = " ".join(str(v) for col in table.values() for v in col)
    assert "victimova" not in texts.lower() and "380501234567" not in texts
    with ctx.db.session() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert "linkage.export" in actions


def test_duckdb_links_are_suggestions_decided_by_people_and_kept_across_runs(
    ctx: Context, linked_cases: Cases
) -> None:
    result = nl.link_nationally(ctx, SYSTEM, engine="duckdb")
    assert not list(nl.work_dir(ctx).iterdir())  # the personal data files are gone
    assert result.load.skipped == 0 and result.load.added == 2 * result.load.links
    seen = _pairs(ctx, linked_cases.member, linked_cases.references)
    assert _planted(linked_cases) <= seen
    victims = set(linked_cases.victims)
    assert not any(a in victims or b in victims for a, b in seen)
    assert all(a[0] != b[0] for a, b in seen)
    # a user sees only links to cases they are a member of
    first = linked_cases.references[0]
    for view in nl.national_links(ctx, linked_cases.outsider, first):
        assert view.other_case == first
    assert nl.national_links(ctx, linked_cases.outsider, first) == []

    # the same links again: nothing changes
    again = nl.link_nationally(ctx, SYSTEM, engine="duckdb")
    assert (again.load.added, again.load.updated, again.load.withdrawn) == (0, 0, 0)

    # a person confirms one planted pair in one case: both copies are decided
    (a_ref, a_pid), (b_ref, b_pid) = linked_cases.planted[0]
    view = next(
        v for v in nl.national_links(ctx, linked_cases.member, a_ref) if v.person_id == a_pid
    )
    assert view.other_person_id == b_pid and view.probability >= 0.9
    assert {e[0] for e in view.evidence} == {"name", "dob", "ids", "address", "nationality"}
    assert (
        nl.decide_national_link(ctx, linked_cases.member, a_ref, view.id, same=True) == "confirmed"
    )
    mirror = next(
        v for v in nl.national_links(ctx, linked_cases.member, b_ref) if v.person_id == b_pid
    )
    assert mirror.status == "confirmed" and mirror.decided_by == "national-member"
    # an outsider of the other case cannot decide it
    with pytest.raises(NotFound):
        nl.decide_national_link(ctx, linked_cases.outsider, a_ref, view.id, same=False)

    # a later run never changes a decision; reopening makes it a suggestion again
    third = nl.link_nationally(ctx, SYSTEM, engine="duckdb")
    assert third.load.decided_kept == 2 and third.load.added == 0
    assert (
        nl.decide_national_link(ctx, linked_cases.member, b_ref, mirror.id, same=None)
        == "suggested"
    )
    view = next(v for v in nl.national_links(ctx, linked_cases.member, a_ref) if v.id == view.id)
    assert view.status == "suggested" and view.decided_by is None
    with ctx.db.session() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert {"linkage.export", "linkage.load", "linkage.decision", "linkage.view"} <= set(actions)


def test_stale_suggestions_are_withdrawn_and_decisions_kept(
    ctx: Context, linked_cases: Cases, tmp_path: Path
) -> None:
    run = nl.link_nationally(ctx, SYSTEM, engine="duckdb", keep=True)
    features, links = run.kept_files
    assert features.exists() and links.stat().st_mode & 0o777 == 0o600
    everything = read_links(links)
    (a_ref, a_pid), (_, b_pid) = linked_cases.planted[1]
    view = next(
        v for v in nl.national_links(ctx, linked_cases.member, a_ref) if v.person_id == a_pid
    )
    nl.decide_national_link(ctx, linked_cases.member, a_ref, view.id, same=False)
    # a later run finds one other link only: the other undecided suggestions go
    rejected = {a_pid, b_pid}
    table = pq.read_table(links).to_pandas()
    others = table[
        ~table.key_a.str.split(":").str[1].astype(int).isin(rejected)
        & ~table.key_b.str.split(":").str[1].astype(int).isin(rejected)
    ]
    one = tmp_path / "one.parquet"
    others.head(1).to_parquet(one)
    load = nl.load_links(ctx, SYSTEM, one)
    assert (load.links, load.added, load.decided_kept) == (1, 0, 0)
    assert load.withdrawn == 2 * len(everything) - 2 - 2
    with ctx.db.session() as session:
        rows = session.scalars(select(Assertion).where(Assertion.predicate == nl.PREDICATE)).all()
    assert sorted(r.status for r in rows) == ["rejected", "rejected", "suggested", "suggested"]
    nl.remove_files(features, links)


# --------------------------------------------------------------------------- Spark


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # `make test` installs Java (system-deps): without it this fails rather than skips,
    # so the Spark path is never silently left out of a run.
    assert shutil.which("java"), "Spark needs Java: run `make system-deps`"
    session = nl.spark_session("local[2]", tmp_path_factory.mktemp("spark"), partitions=2)
    # a few hundred people: compiling plans costs more than running them
    session.conf.set("spark.sql.codegen.wholeStage", "false")
    yield session
    session.stop()


def test_spark_links_as_duckdb_does_and_loads_the_same_suggestions(
    ctx: Context, linked_cases: Cases, spark: Any, tmp_path: Path
) -> None:
    export = nl.export_persons(ctx, SYSTEM, tmp_path / "persons.parquet")
    on_duckdb = nl.run_linkage(export.path, tmp_path / "duckdb.parquet", engine="duckdb")
    on_spark = nl.run_linkage(export.path, tmp_path / "spark.parquet", engine="spark", spark=spark)
    assert (tmp_path / "spark.parquet").is_dir()  # Spark's folder of parts
    assert on_spark.pairs_scored == on_duckdb.pairs_scored
    assert on_spark.prior_shift == pytest.approx(on_duckdb.prior_shift, abs=1e-6)
    duck = {(x.key_a, x.key_b): x for x in read_links(tmp_path / "duckdb.parquet")}
    sparked = {(x.key_a, x.key_b): x for x in read_links(tmp_path / "spark.parquet")}
    assert sparked.keys() == duck.keys() and len(duck) >= 6
    for key, link in duck.items():
        assert sparked[key].levels == link.levels
        assert sparked[key].match_weight == pytest.approx(link.match_weight, abs=2e-3)

    load = nl.load_links(ctx, SYSTEM, tmp_path / "spark.parquet", engine="spark")
    assert load.added == 2 * len(sparked)
    assert _planted(linked_cases) <= _pairs(ctx, linked_cases.member, linked_cases.references)
    # the DuckDB links of the same people are the same suggestions: nothing to change
    again = nl.load_links(ctx, SYSTEM, tmp_path / "duckdb.parquet", engine="duckdb")
    assert (again.added, again.withdrawn) == (0, 0)


def test_one_case_alone_has_nothing_to_link(ctx: Context, unit_id: int) -> None:
    from palermo.services import cases

    cases.create_case(
        ctx, SYSTEM, reference="ALONE", title="Alone", jurisdiction="US", unit_id=unit_id
    )
    for name in ("Ana Lupu", "Ana Lupu", "Dan Lupu"):
        cases.add_person(ctx, SYSTEM, "ALONE", kind="witness", name=name)
    result = nl.link_nationally(ctx, SYSTEM, engine="duckdb")
    assert (result.export.persons, result.run.pairs_kept, result.load.links) == (3, 0, 0)
    assert nl.national_links(ctx, SYSTEM, "ALONE") == []
