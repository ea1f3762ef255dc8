"""National linkage: the resolution model on any Splink backend, for people of many cases.

:func:`~.engine.resolve` links the people of a request in memory on DuckDB. A national
person index links every case's people to every other case's: millions of records,
more than one process should hold. Here the same model (the comparisons of
:mod:`.levels`, the m and u of a :class:`~.model.Model`, the term-frequency
adjustments and the prior re-estimated from the scored pairs, as the engine does) is
run through a Splink database API given by the caller, with blocking rules that stay
selective over a country's population (:data:`NATIONAL_BLOCKING`; the model's own,
:func:`~.model.splink_settings`, on request): ``DuckDBAPI`` on one machine, ``SparkAPI`` on a Spark
cluster (or Spark in local mode). Splink does the distribution; nothing here splits the
work itself.

The comparisons are written in DuckDB's SQL; for Spark they are rewritten by
:func:`spark_sql` (sqlglot, with Splink's own Spark functions for string similarity).
Only pairs of records from different datasets (cases) are kept.

Input: a table of comparison features (:func:`~.records.feature_columns`, one row per
record, ``unique_id`` the record key and ``dataset`` its case), e.g. a Parquet file
written by :func:`write_features`. Output: a table of scored pairs with, for each
comparison, its level (gamma) and weight, written by the backend to Parquet and read
back with :func:`read_links`. Pure: nothing here reads the case store or knows who may
see what.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from palermo.analysis.resolution.engine import (
    DEFAULT_MIN_PROBABILITY,
    MIN_RECORDS_FOR_STATISTICS,
    PRIOR_MAX_SHIFT,
    max_tf_boost,
    prior_shift,
    probability_weight,
    scored_pair_sql,
)
from palermo.analysis.resolution.levels import COMPARISONS
from palermo.analysis.resolution.model import TF_COLUMNS, Model
from palermo.analysis.resolution.records import FEATURE_COLUMNS, INTEGER_COLUMNS, LIST_COLUMNS

Dialect = Literal["duckdb", "spark"]

# The Parquet type of every feature column (checked against FEATURE_COLUMNS by the tests).
FEATURE_SCHEMA = pa.schema(
    [
        pa.field(
            name,
            pa.int64()
            if name in INTEGER_COLUMNS
            else pa.list_(pa.string())
            if name in LIST_COLUMNS
            else pa.string(),
        )
        for name in FEATURE_COLUMNS
    ]
)


# --------------------------------------------------------------------------- features


def write_features(
    chunks: Iterable[Mapping[str, list[Any]]], path: Path, *, mode: int = 0o600
) -> int:
    """Write feature columns (chunk by chunk, as :func:`~.records.feature_columns`
    returns them) to one Parquet file created with ``mode``; returns the rows written.

    The file holds personal data (names, identifiers): it is created readable by its
    owner only, before anything is written to it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.touch(mode=mode)
    path.chmod(mode)
    rows = 0
    with pq.ParquetWriter(str(path), FEATURE_SCHEMA) as writer:
        for cols in chunks:
            table = pa.table(
                {
                    name: pa.array(cols[name], type=FEATURE_SCHEMA.field(name).type)
                    for name in FEATURE_COLUMNS
                }
            )
            writer.write_table(table)
            rows += table.num_rows
    return rows


# --------------------------------------------------------------------------- SQL dialects

# sqlglot reads DuckDB's jaro_winkler_similarity as this class
_JARO_WINKLER = getattr(exp, "JarowinklerSimilarity", None)


def _array_columns(conditions: Iterable[str]) -> frozenset[str]:
    """Columns the conditions use as lists (arguments of list functions)."""
    out: set[str] = set()
    for sql in conditions:
        tree = sqlglot.parse_one(sql, read="duckdb")
        for node in tree.walk():
            name = _function_name(node)
            if isinstance(node, exp.ArrayOverlaps) or name in ("list_intersect", "list_has_any"):
                out.update(c.name for c in node.find_all(exp.Column))
    return frozenset(out)


def _function_name(node: Any) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return ""


def _spark(node: exp.Expression) -> str:
    return node.sql(dialect="spark")


def _rewrite(node: exp.Expression, arrays: frozenset[str]) -> exp.Expression:
    """One DuckDB function as its Spark equivalent (see :func:`spark_sql`)."""
    name = _function_name(node)
    args = [a for a in node.args.values() if isinstance(a, exp.Expression)]
    if (_JARO_WINKLER is not None and isinstance(node, _JARO_WINKLER)) or name in (
        "jaro_winkler_similarity",
        "jarowinkler_similarity",
    ):
        return exp.Anonymous(this=SPARK_JARO_WINKLER, expressions=args[:2])
    if isinstance(node, exp.ArrayOverlaps):
        return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
    if name == "list_intersect":
        return exp.Anonymous(this="array_intersect", expressions=list(node.expressions))
    if isinstance(node, exp.Length):
        inner = node.this
        is_array = (isinstance(inner, exp.Column) and inner.name in arrays) or (
            _function_name(inner) in ("array_intersect", "list_intersect")
        )
        if is_array:
            return exp.Anonymous(this="size", expressions=[inner])
    if name == "hamming":
        a, b = (_spark(x) for x in node.expressions[:2])
        # positions that differ (DuckDB's hamming(); compared strings are dates, 8 digits)
        hamming: Any = sqlglot.parse_one(
            f"aggregate(sequence(1, length({a})), 0, "
            f"(acc, i) -> acc + IF(substr({a}, i, 1) <> substr({b}, i, 1), 1, 0))",
            read="spark",
        )
        return hamming
    return node


def spark_sql(sql: str, arrays: frozenset[str] = frozenset()) -> str:
    """A condition in DuckDB's SQL (as :mod:`.levels` writes them) in Spark's SQL.

    Jaro-Winkler similarity is :data:`SPARK_JARO_WINKLER` (registered by
    :func:`register_spark_functions`: DuckDB's own algorithm, so that both backends
    put every pair at the same level; Splink's Spark ``jaro_winkler`` differs on about
    one pair of names in twenty, now and then across a threshold); Damerau-Levenshtein
    distance is Splink's Spark function, the rest Spark's own. ``arrays``: columns that
    hold lists (their length is ``size``)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    # ``transform`` does not descend into a node it has just replaced: repeat until
    # nothing changes (the Spark forms are not rewritten again)
    out = tree.sql(dialect="spark")
    for _ in range(10):
        tree = tree.transform(lambda n: _rewrite(n, arrays))
        new = tree.sql(dialect="spark")
        if new == out:
            return new
        out = new
    raise AssertionError(f"could not write {sql!r} in Spark's SQL")


SPARK_JARO_WINKLER = "palermo_jaro_winkler"


def register_spark_functions(spark: Any) -> None:
    """Register :data:`SPARK_JARO_WINKLER` in a Spark session: rapidfuzz's Jaro-Winkler
    (DuckDB's algorithm; NULL when either value is), on batches of pairs through Arrow.
    Spark's Python workers need ``rapidfuzz``, pandas and pyarrow (not this package:
    the function is shipped to them by value)."""
    from pyspark.sql.functions import pandas_udf

    def jaro_winkler(a: pd.Series, b: pd.Series) -> pd.Series:
        from rapidfuzz.distance import JaroWinkler

        return pd.Series(
            [
                None if x is None or y is None else JaroWinkler.similarity(x, y)
                for x, y in zip(a, b, strict=True)
            ],
            dtype="float64",
        )

    spark.udf.register(SPARK_JARO_WINKLER, pandas_udf(jaro_winkler, "double"))  # type: ignore[call-overload]


def _in_dialect(sql: str, dialect: Dialect, arrays: frozenset[str]) -> str:
    return sql if dialect == "duckdb" or sql == "ELSE" else spark_sql(sql, arrays)


# --------------------------------------------------------------------------- blocking

# The pairs a national run scores: those that agree on every column of at least one of
# these (a column of lists agrees when the lists share a value; a column may be an
# expression of the record's columns, as "substr(dob, 5, 4)"). The model's own rules
# (:func:`~.model.splink_settings`) are for the people of a few cases: recall first,
# with keys such as "initials and day and month of birth", "surname and first initial
# within a year" or "a name part and a street" that a few thousand records share with
# a handful of others but millions share with thousands (their pairs grow with the
# square of the records). Here every key joins a name (or its initials) to enough of
# the date of birth, the address or the other name to stay rare in a country's
# population, so that the pairs grow about as the records do. "Initials and date of
# birth" and "surname, first initial and year of birth" are not rare enough: in a
# country some 400 people are born on any one day, and a common surname with an
# initial and a year is carried by dozens of strangers; they grew with the square and
# made half the pairs at ten million records. They are narrowed here by three letters
# of the surname and by the month of birth (and "surname, first initial, day and month"
# by the decade; "first name and date of birth" is left out, as common a key as
# "initials and date of birth"). What is given up is a true pair whose
# records agree on none of the keys (both names misspelt, or misspelt and swapped, and
# no shared identifier or address numbers), which the model would rarely have linked
# anyway. People at one address who share nothing else (a household, a house of
# several victims) are not paired by the address alone: on simulated people it made a
# quarter of the pairs and found no true pair the other keys missed.
_DAY_MONTH = "substr(dob, 5, 4)"
_MONTH = "substr(dob, 5, 2)"
# the month and the day of birth in either order (for a date with the two swapped)
_LOW = "least(substr(dob, 5, 2), substr(dob, 7, 2))"
_HIGH = "greatest(substr(dob, 5, 2), substr(dob, 7, 2))"
NATIONAL_BLOCKING: tuple[tuple[str, ...], ...] = (
    ("ids",),  # a shared phone, account, e-mail or document number
    ("name_key", "dob_year"),  # the full name (either order) and year of birth
    ("name_key", _DAY_MONTH),  # ... and day and month of birth (the year mistyped)
    ("name_key", "postcode"),  # ... and postcode (no date of birth, or a wrong one)
    ("last", "dob"),  # surname and date of birth (another first name)
    # a name part, the other's initial and the year of birth (name_year_keys: either
    # order) and the month of birth: the first name misspelt or an initial, and the
    # day of birth wrong; ... or the day and month swapped
    ("name_year_keys", _MONTH),
    ("name_year_keys", _LOW, _HIGH),
    # surname, first initial, day and month and decade of birth: the year mistyped
    ("last", "first_initial", _DAY_MONTH, "substr(dob, 1, 3)"),
    # both names misspelt, the date of birth right: initials, date of birth and the
    # first three letters of the surname, or its last three (one typo keeps one)
    ("initials", "dob", "substr(last, 1, 3)"),
    ("initials", "dob", "right(last, 3)"),
    ("initials", "address_key"),  # initials and the numbers of the address
)


def _is_list(column: str) -> bool:
    return column in LIST_COLUMNS


def _side(expression: str, side: str) -> str:
    """A column (or an expression of columns, as "substr(dob, 5, 4)") of one side."""
    return re.sub(r"\b([a-z_]+)\b(?!\s*\()", rf"{side}.\1", expression)


def national_blocking_rules(
    blocking: Sequence[tuple[str, ...]] = NATIONAL_BLOCKING,
) -> list[Any]:
    """Rules such as :data:`NATIONAL_BLOCKING` as Splink blocking rules (lists exploded)."""
    from splink import block_on

    return [
        block_on(*cols, arrays_to_explode=[c for c in cols if _is_list(c)] or None)
        for cols in blocking
    ]


def blocking_condition(cols: tuple[str, ...]) -> str:
    """A rule of :data:`NATIONAL_BLOCKING` as a condition on a pair ``l``, ``r`` (in
    DuckDB's SQL): whether the rule puts the pair up for scoring."""
    return " AND ".join(
        f"list_has_any(l.{c}, r.{c})" if _is_list(c) else f"{_side(c, 'l')} = {_side(c, 'r')}"
        for c in cols
    )


def national_settings(
    model: Model,
    prior: float,
    dialect: Dialect,
    blocking: Sequence[tuple[str, ...]] | None = NATIONAL_BLOCKING,
) -> dict[str, Any]:
    """The model's Splink settings for one table of people of many cases, in the SQL of
    ``dialect``. Every pair is scored as one list (pairs within one case are dropped
    after scoring), with the blocking rules ``blocking`` (by default
    :data:`NATIONAL_BLOCKING`; None: the model's own); the case (``dataset``) is kept."""
    settings = model.splink_settings("dedupe_only", prior)
    conditions = [
        lv["sql_condition"] for c in settings["comparisons"] for lv in c["comparison_levels"]
    ]
    arrays = _array_columns(c for c in conditions if c != "ELSE")
    for comp in settings["comparisons"]:
        for level in comp["comparison_levels"]:
            level["sql_condition"] = _in_dialect(level["sql_condition"], dialect, arrays)
    if blocking is None:
        settings["blocking_rules_to_generate_predictions"] = [
            _in_dialect(rule, dialect, arrays) if isinstance(rule, str) else rule
            for rule in settings["blocking_rules_to_generate_predictions"]
        ]
    else:
        settings["blocking_rules_to_generate_predictions"] = national_blocking_rules(blocking)
    settings["additional_columns_to_retain"] = sorted({*TF_COLUMNS, "dataset"})
    return settings


# --------------------------------------------------------------------------- scoring


def pairs_across(case_sizes: Iterable[int]) -> float:
    """Pairs of records from different cases, given each case's number of records."""
    sizes = [float(s) for s in case_sizes]
    total = sum(sizes)
    return (total * total - sum(s * s for s in sizes)) / 2


@dataclass(frozen=True)
class LinkageRun:
    """What one run scored: records, cases, pairs in scope, the prior and its shift,
    and the pairs kept (at or above ``min_probability``)."""

    records: int
    cases: int
    pairs_in_scope: float
    prior: float
    prior_shift: float
    pairs_scored: int
    pairs_kept: int


def _rows(db_api: Any, sql: str) -> list[dict[str, Any]]:
    frame = db_api.query_sql(sql)
    try:
        return list(frame.as_record_list())
    finally:
        frame.drop_table_from_database_and_remove_from_cache()


def link_across_cases(
    db_api: Any,
    table: str,
    out: Path,
    *,
    dialect: Dialect,
    model: Model,
    min_probability: float = DEFAULT_MIN_PROBABILITY,
    blocking: Sequence[tuple[str, ...]] | None = NATIONAL_BLOCKING,
) -> LinkageRun:
    """Score pairs of people of different cases on a Splink database API and write
    those at or above ``min_probability`` to Parquet at ``out``.

    ``table``: the name of a table of features registered in the backend (with
    ``dataset`` the case). Columns written: ``key_a < key_b``, ``w`` (match weight,
    prior included), ``g0``.. (each comparison's level, in the order of
    :data:`~.levels.COMPARISONS`) and ``mw0``.. (each comparison's weight).
    ``blocking``: the pairs scored (see :func:`national_settings`).
    """
    from splink import Linker

    sizes = _rows(db_api, f"SELECT dataset, count(*) AS n FROM {table} GROUP BY dataset")
    n_records = sum(int(r["n"]) for r in sizes)
    n_pairs = pairs_across(int(r["n"]) for r in sizes)
    prior = model.prior(n_records, n_pairs)
    if len(sizes) < 2:  # no two cases: no pair to score
        _write_no_links(out)
        return LinkageRun(n_records, len(sizes), 0.0, prior, 0.0, 0, 0)
    statistics = n_records >= MIN_RECORDS_FOR_STATISTICS
    tf: dict[str, tuple[float, float]] = {}
    tf_tables: dict[str, str] = {}  # column -> the backend's table of its frequencies
    if statistics:
        (counts,) = _rows(
            db_api,
            "SELECT "
            + ", ".join(f"count({col}) AS n_{col}" for col in TF_COLUMNS)
            + f" FROM {table}",
        )
        stats = []
        for col in TF_COLUMNS:
            if int(counts[f"n_{col}"]):
                tf_tables[col] = db_api.query_sql(
                    f"SELECT {col} AS value, CAST(count(*) AS DOUBLE) / "
                    f"{int(counts[f'n_{col}'])} AS tf FROM {table} "
                    f"WHERE {col} IS NOT NULL GROUP BY {col}"
                ).physical_name
                stats.append(
                    f"SELECT '{col}' AS col, sum(tf * tf) AS base, min(tf) AS smallest "
                    f"FROM {tf_tables[col]}"
                )
        if stats:
            for r in _rows(db_api, " UNION ALL ".join(stats)):
                tf[str(r["col"])] = (float(r["base"]), float(r["smallest"]))
    settings = national_settings(model, prior, dialect, blocking)
    linker = Linker(
        db_api.register(table),
        settings,
        log_level=logging.ERROR,
        validate_settings=False,
    )
    min_weight = probability_weight(min_probability)
    slack = max_tf_boost(tf) + (PRIOR_MAX_SHIFT if statistics else 0.0)
    pred = linker.inference.predict(threshold_match_weight=min_weight - slack)
    present = {c.unquote().name for c in pred.columns}
    joins = []
    usable = {}
    for col, values in tf.items():
        if f"{col}_l" in present:
            usable[col] = values
            for side in ("l", "r"):
                joins.append(
                    f"LEFT JOIN {tf_tables[col]} tf_{col}_{side} "
                    f"ON tf_{col}_{side}.value = p.{col}_{side}"
                )
    weight, gamma_sql, names = scored_pair_sql(model, present, usable)
    scored = db_api.query_sql(
        f"SELECT {weight} AS w, {', '.join(names)} "
        f"FROM (SELECT *{gamma_sql} FROM {pred.physical_name} p "
        f"WHERE p.dataset_l <> p.dataset_r) p {' '.join(joins)}"
    )
    any_unread = " OR ".join(f"g{i} IS NULL" for i in range(len(COMPARISONS)))
    histogram = _rows(
        db_api,
        f"SELECT round(w, 3) AS w, count(*) AS n, "
        f"sum(CASE WHEN {any_unread} THEN 1 ELSE 0 END) AS unread "
        f"FROM {scored.physical_name} GROUP BY round(w, 3)",
    )
    if any(int(r["unread"]) for r in histogram):
        raise AssertionError("a scored pair's level could not be read from its weight")
    scored_pairs = sum(int(r["n"]) for r in histogram)
    shift = 0.0
    if statistics:
        shift = prior_shift(
            [float(r["w"]) for r in histogram],
            prior,
            n_pairs,
            counts=[int(r["n"]) for r in histogram],
        )
    gammas = ", ".join(f"g{i}" for i in range(len(COMPARISONS)))
    weights = ", ".join(f"round(mw{i}, 3) AS mw{i}" for i in range(len(COMPARISONS)))
    final = db_api.query_sql(
        "SELECT least(id_l, id_r) AS key_a, greatest(id_l, id_r) AS key_b, "
        f"w + {shift!r} AS w, {gammas}, {weights} FROM {scored.physical_name} "
        f"WHERE w + {shift!r} >= {min_weight!r}"
    )
    final.to_parquet(str(out), overwrite=True)
    kept = pq.ParquetDataset(str(out)).read(columns=["key_a"]).num_rows
    return LinkageRun(
        records=n_records,
        cases=len(sizes),
        pairs_in_scope=n_pairs,
        prior=prior,
        prior_shift=shift,
        pairs_scored=scored_pairs,
        pairs_kept=kept,
    )


def _write_no_links(out: Path) -> None:
    n = len(COMPARISONS)
    schema = pa.schema(
        [("key_a", pa.string()), ("key_b", pa.string()), ("w", pa.float64())]
        + [(f"g{i}", pa.int32()) for i in range(n)]
        + [(f"mw{i}", pa.float64()) for i in range(n)]
    )
    pq.write_table(schema.empty_table(), str(out))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Link:
    """A scored pair of records of two cases: weight, probability, and every
    comparison's level and weight."""

    key_a: str
    key_b: str
    match_weight: float
    match_probability: float
    outcome: tuple[tuple[str, str, float], ...]

    @property
    def levels(self) -> dict[str, str]:
        return {comp: level for comp, level, _ in self.outcome}


def read_links(path: Path) -> list[Link]:
    """The pairs :func:`link_across_cases` wrote (a file or Spark's folder of parts),
    strongest first."""
    table = pq.ParquetDataset(str(path)).read()
    cols = table.to_pydict()
    levels = [c.gamma_to_level() for c in COMPARISONS]
    names = [c.name for c in COMPARISONS]
    out = []
    for row in range(table.num_rows):
        w = float(cols["w"][row])
        outcome = tuple(
            (
                names[i],
                levels[i][int(cols[f"g{i}"][row])].key,
                float(cols[f"mw{i}"][row]),
            )
            for i in range(len(COMPARISONS))
        )
        probability = 1.0 / (1.0 + 2.0 ** (-min(max(w, -60.0), 60.0)))
        out.append(
            Link(
                str(cols["key_a"][row]), str(cols["key_b"][row]), round(w, 3), probability, outcome
            )
        )
    out.sort(key=lambda link: (-link.match_weight, link.key_a, link.key_b))
    return out
