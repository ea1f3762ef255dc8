"""The national linkage's engine-neutral core: the same scores as ``resolve`` on DuckDB,
the comparisons written in Spark's SQL, the Parquet schema of the features."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from palermo.analysis.resolution import resolve, shipped_model
from palermo.analysis.resolution.engine import prior_shift
from palermo.analysis.resolution.national import (
    FEATURE_SCHEMA,
    NATIONAL_BLOCKING,
    SPARK_JARO_WINKLER,
    blocking_condition,
    link_across_cases,
    pairs_across,
    read_links,
    spark_sql,
    write_features,
)
from palermo.analysis.resolution.records import FEATURE_COLUMNS, feature_columns
from palermo.analysis.resolution.synthetic import synthetic_people


def test_the_parquet_schema_covers_every_feature_column() -> None:
    assert FEATURE_SCHEMA.names == list(FEATURE_COLUMNS)


def test_duckdb_functions_are_written_in_sparks_sql() -> None:
    assert spark_sql("len(list_intersect(ids_l, ids_r)) > 0") == (
        "SIZE(ARRAY_INTERSECT(ids_l, ids_r)) > 0"
    )
    assert spark_sql("list_has_any(a_l, a_r)") == "ARRAYS_OVERLAP(a_l, a_r)"
    jw = spark_sql("jaro_winkler_similarity(first_l, first_r) >= 0.88")
    assert jw == f"{SPARK_JARO_WINKLER.upper()}(first_l, first_r) >= 0.88"
    # a list column's length is its size, a string's its length
    both = spark_sql("len(w_l) >= 0.6 * length(first_l)", frozenset({"w_l"}))
    assert both == "SIZE(w_l) >= 0.6 * LENGTH(first_l)"
    hamming = spark_sql("hamming(dob_l, dob_r) <= 1")
    assert "HAMMING" not in hamming and "AGGREGATE" in hamming


def test_prior_shift_on_a_histogram_is_the_engines() -> None:
    rng = np.random.default_rng(3)
    weights = np.round(rng.normal(-5, 8, 5000), 3)
    values, counts = np.unique(weights, return_counts=True)
    for prior, n_pairs in ((0.001, 1e6), (0.01, 5e4), (1e-6, 1e9)):
        assert prior_shift(values, prior, n_pairs, counts=counts) == pytest.approx(
            prior_shift(weights, prior, n_pairs), abs=1e-9
        )


def test_pairs_across_cases() -> None:
    assert pairs_across([3]) == 0
    assert pairs_across([2, 3]) == 6
    assert pairs_across([1, 1, 1]) == 3


def test_duckdb_national_linkage_scores_as_resolve_links_lists(tmp_path: Path) -> None:
    """Pairs of people of different cases, with the model's blocking rules: the same
    pairs, weights and levels as the engine linking the cases as lists (its own path on
    DuckDB)."""
    records, _truth = synthetic_people(400, seed=11)
    rng = random.Random(5)
    records = [replace(r, dataset=str(rng.randrange(15))) for r in records]
    features = tmp_path / "persons.parquet"
    assert write_features([feature_columns(records)], features) == len(records)
    assert features.stat().st_mode & 0o777 == 0o600
    assert pq.read_schema(features).names == list(FEATURE_COLUMNS)
    con = duckdb.connect()
    con.execute("CREATE TABLE persons AS SELECT * FROM read_parquet(?)", [str(features)])
    from splink import DuckDBAPI

    run = link_across_cases(
        DuckDBAPI(connection=con),
        "persons",
        tmp_path / "links.parquet",
        dialect="duckdb",
        model=shipped_model(),
        min_probability=0.2,
        blocking=None,
    )
    links = {(x.key_a, x.key_b): x for x in read_links(tmp_path / "links.parquet")}
    expected = {
        (s.key_a, s.key_b): s
        for s in resolve(records, link_type="link_only", explain=False).suggestions
    }
    assert run.records == 400 and run.cases == 15 and run.pairs_kept == len(links)
    assert links.keys() == expected.keys()
    assert len(links) > 100
    for key, s in expected.items():
        assert links[key].match_weight == pytest.approx(s.match_weight, abs=2e-3)
        assert links[key].levels == s.levels


def test_national_blocking_scores_the_engines_pairs_that_agree_on_a_national_rule(
    tmp_path: Path,
) -> None:
    """With the national rules (the default): every pair scored is one the engine
    finds, at the same levels and with the same weights but for one constant (the
    prior's shift, re-estimated from other pairs); a pair the engine links that the
    national run does not score agrees on none of the national rules; and they are few."""
    records, _truth = synthetic_people(1500, seed=13, population="national")
    rng = random.Random(3)
    records = [replace(r, dataset=str(rng.randrange(40))) for r in records]
    features = tmp_path / "persons.parquet"
    write_features([feature_columns(records)], features)
    con = duckdb.connect()
    con.execute("CREATE TABLE persons AS SELECT * FROM read_parquet(?)", [str(features)])
    from splink import DuckDBAPI

    link_across_cases(
        DuckDBAPI(connection=con),
        "persons",
        tmp_path / "links.parquet",
        dialect="duckdb",
        model=shipped_model(),
        min_probability=0.05,
    )
    links = {(x.key_a, x.key_b): x for x in read_links(tmp_path / "links.parquet")}
    expected = {
        (s.key_a, s.key_b): s
        for s in resolve(records, link_type="link_only", explain=False).suggestions
    }
    both = links.keys() & expected.keys()
    assert len(both) > 300
    shifts = [links[k].match_weight - expected[k].match_weight for k in both]
    assert max(shifts) - min(shifts) < 4e-3
    assert all(links[k].levels == expected[k].levels for k in both)
    linked = {k for k, s in expected.items() if s.match_probability >= 0.5}
    missed = sorted(linked - links.keys())
    assert len(missed) < 0.1 * len(linked)
    con.execute("CREATE TABLE missed (a VARCHAR, b VARCHAR)")
    con.executemany("INSERT INTO missed VALUES (?, ?)", missed)
    any_rule = " OR ".join(f"coalesce({blocking_condition(c)}, false)" for c in NATIONAL_BLOCKING)
    (agreeing,) = con.execute(
        "SELECT count(*) FROM missed m JOIN persons l ON l.unique_id = m.a "
        f"JOIN persons r ON r.unique_id = m.b WHERE {any_rule}"
    ).fetchall()[0]
    assert agreeing == 0
