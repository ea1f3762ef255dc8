"""Entity resolution on small hand-made inputs (rule-based scorer and shared behaviour)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from palermo.analysis.resolution import PersonRecord, resolve
from palermo.analysis.resolution.engine import _gamma_sql
from palermo.analysis.resolution.levels import COMPARISONS
from palermo.analysis.resolution.records import (
    clean_text,
    features_frame,
    normalise_dob,
    normalise_identifier,
    split_name,
)

POPESCU = [
    PersonRecord("person:1", "Ion Popescu", identifiers=("+40721234567",)),
    PersonRecord("statement:3:mention:1", "I. Popescu", identifiers=("phone:+40 721 234 567",)),
    PersonRecord("payment:9:payer_name", "Popescu Ion", identifiers=("0040721234567",)),
]


def test_name_forms_sharing_one_phone_are_one_cluster_with_reasons() -> None:
    result = resolve(POPESCU)
    assert result.method == "rules"
    keys = [r.key for r in POPESCU]
    assert len({result.clusters[k] for k in keys}) == 1
    swapped = result.pair("person:1", "payment:9:payer_name")
    initial = result.pair("person:1", "statement:3:mention:1")
    assert swapped is not None and initial is not None
    for s in (swapped, initial):
        texts = [r.text for r in s.reasons]
        assert "same phone +40721234567" in texts
        assert s.match_probability >= result.threshold
    assert swapped.levels["name"] == "reordered"
    assert any("order swapped" in r.text for r in swapped.reasons)
    assert initial.levels["name"] == "initial"
    assert any("initial" in r.text and "I. Popescu" in r.text for r in initial.reasons)
    # the initial in "Popescu" order ("I. Popescu" vs "Popescu Ion") is recognised too
    third = result.pair("statement:3:mention:1", "payment:9:payer_name")
    assert third is not None and third.levels["name"] == "initial"


def test_similar_names_without_anything_shared_are_not_merged() -> None:
    records = [
        PersonRecord("person:1", "Ion Popescu", identifiers=("+40721234567",), address="Iasi"),
        PersonRecord("person:2", "Ioan Popescu", identifiers=("+40799999999",), address="Cluj"),
        PersonRecord("person:3", "Ion Popa"),
    ]
    result = resolve(records)
    assert len(set(result.clusters.values())) == 3
    for s in result.suggestions:
        assert s.match_probability < 0.5


def test_same_name_alone_is_not_enough_but_name_and_birth_date_are() -> None:
    only_name = resolve([PersonRecord("a", "Maria Ionescu"), PersonRecord("b", "Maria Ionescu")])
    assert only_name.clusters["a"] != only_name.clusters["b"]
    with_dob = resolve(
        [
            PersonRecord("a", "Maria Ionescu", date_of_birth="1991-05-17"),
            PersonRecord("b", "Maria Ionescu", date_of_birth="17.05.1991"),
        ]
    )
    assert with_dob.clusters["a"] == with_dob.clusters["b"]
    pair = with_dob.pair("a", "b")
    assert pair is not None
    assert "same date of birth 1991-05-17" in [r.text for r in pair.reasons]


def test_diacritics_and_transliteration() -> None:
    assert clean_text("Ștefan-Ioan Mădălin") == "stefan ioan madalin"
    assert clean_text("Ştefan") == "stefan"  # cedilla form of the same letter
    assert split_name("Олена Коваленко").key == split_name("Olena Kovalenko").key
    records = [
        PersonRecord("a", "Ștefan Munteanu", date_of_birth="1990-03-04"),
        PersonRecord("b", "Stefan MUNTEANU", date_of_birth="04/03/1990"),
        PersonRecord("c", "Олена Коваленко", identifiers=("+380501112233",)),
        PersonRecord("d", "Olena Kovalenko", identifiers=("+380 50 111 22 33",)),
    ]
    result = resolve(records)
    assert result.clusters["a"] == result.clusters["b"]
    assert result.clusters["c"] == result.clusters["d"]
    assert result.clusters["a"] != result.clusters["c"]
    pair = result.pair("a", "b")
    assert pair is not None and pair.levels["name"] == "exact"


def test_date_of_birth_errors_are_named() -> None:
    base = PersonRecord(
        "a", "Elena Rusu", date_of_birth="1985-03-07", identifiers=("+40700000001",)
    )
    variants = {
        "transposed": "1985-07-03",
        "year_off": "1986-03-07",
        "one_digit": "1985-03-09",
    }
    for level, dob in variants.items():
        other = PersonRecord("b", "Elena Rusu", date_of_birth=dob, identifiers=("+40700000001",))
        pair = resolve([base, other]).pair("a", "b")
        assert pair is not None
        assert pair.levels["dob"] == level
    pair = resolve([base, PersonRecord("b", "Elena Rusu", date_of_birth="1986-03-07")]).pair(
        "a", "b"
    )
    assert pair is not None
    assert any(r.text.startswith("date of birth differs by one year") for r in pair.reasons)


def test_alias_matches() -> None:
    records = [
        PersonRecord("a", "Osagie Igbinedion", aliases=("Mama Joy",), date_of_birth="1975-01-02"),
        PersonRecord("b", "Joy Mama", date_of_birth="1975-01-02"),
    ]
    pair = resolve(records).pair("a", "b")
    assert pair is not None and pair.levels["name"] == "alias"


def test_empty_input_gives_empty_result() -> None:
    result = resolve([])
    assert result.suggestions == ()
    assert dict(result.clusters) == {}
    assert result.members() == {}
    single = resolve([PersonRecord("only", "Ion Popescu")])
    assert dict(single.clusters) == {"only": "only"}
    assert single.suggestions == ()


def test_dataframe_and_mapping_input() -> None:
    frame = pd.DataFrame(
        [
            {
                "key": "x1",
                "first_name": "Adaeze",
                "last_name": "Okafor",
                "identifiers": ["account:GB29 NWBK 6016 1331 9268 19"],
                "date_of_birth": None,
            },
            {
                "key": "x2",
                "full_name": "Adaeze Okafor",
                "identifiers": ["GB29NWBK60161331926819"],
                "date_of_birth": float("nan"),
            },
        ]
    )
    result = resolve(frame)
    assert result.clusters["x1"] == result.clusters["x2"]
    pair = result.pair("x1", "x2")
    assert pair is not None
    assert "same account GB29NWBK60161331926819" in [r.text for r in pair.reasons]
    with pytest.raises(ValueError):
        resolve([{"key": "k"}, {"key": "k"}])


def test_organisations_are_resolved_apart_from_people() -> None:
    records = [
        PersonRecord("org:1", "Star Models SRL", kind="organisation", identifiers=("RO12BANK1",)),
        PersonRecord("org:2", "STAR MODELS S.R.L.", kind="organisation"),
        PersonRecord("p:1", "Star Models", identifiers=("RO12BANK1",)),
    ]
    result = resolve(records)
    assert result.clusters["org:1"] == result.clusters["org:2"]
    assert result.clusters["p:1"] != result.clusters["org:1"]
    assert result.methods_by_kind == {"organisation": "rules", "person": "rules"}


def test_identifier_normalisation() -> None:
    assert normalise_identifier("+40 (721) 234-567") == "phone:+40721234567"
    assert normalise_identifier("0040721234567") == "phone:+40721234567"
    assert normalise_identifier("Someone@Example.ORG") == "email:someone@example.org"
    assert normalise_identifier("account:ro49 aaaa 1b31") == "account:RO49AAAA1B31"
    assert normalise_identifier("  ") is None
    assert normalise_dob("19151111") == "19151111"
    assert normalise_dob("2001-2-3") == "20010203"
    assert normalise_dob("unknown") is None


PAIRS = [
    ("Ion Popescu", "I. Popescu"),
    ("Ion Popescu", "Popescu Ion"),
    ("I. Popescu", "Popescu Ion"),
    ("Ion Popescu", "Ioan Popescu"),
    ("Ion Popescu", "Ion Popesku"),
    ("Maria Popescu", "Ion Popescu"),
    ("Maria", "Maria Ionescu"),
    ("Popescu", "Ion Popescu"),
    ("Chinedu Okafor", "Ngozi Eze"),
]


def test_python_levels_agree_with_the_sql_levels() -> None:
    """The fallback's Python predicates and Splink's SQL put pairs in the same level."""
    records: list[PersonRecord] = []
    for i, (a, b) in enumerate(PAIRS):
        records.append(
            PersonRecord(
                f"{i}a",
                a,
                date_of_birth="1980-02-03",
                identifiers=("+40700000001",),
                address="12 Strada Mare Iasi",
                nationality="RO",
            )
        )
        records.append(
            PersonRecord(
                f"{i}b",
                b,
                date_of_birth=["1980-03-02", "1981-02-03", "1980-02-04", None][i % 4],
                identifiers=(("+40700000001",), ("+40700000002",), ())[i % 3],
                address=[
                    "12 Strada Mare, Iasi",
                    "Strada Mare 12 Iasi Romania",
                    None,
                    "Main Street London",
                ][i % 4],
                nationality=["RO", "UA", None][i % 3],
            )
        )
    frame = features_frame(records)
    rows = {r["unique_id"]: r for r in frame.to_dict("records")}
    con = duckdb.connect()
    con.register("f", frame)
    cols = sorted(c for c in frame.columns)
    sel = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in cols)
    gammas = ", ".join(f"{_gamma_sql(c)} AS g_{c.name}" for c in COMPARISONS)
    got = con.execute(
        f"SELECT unique_id_l, unique_id_r, {gammas} "
        f"FROM (SELECT {sel} FROM f l JOIN f r ON l.unique_id < r.unique_id)"
    ).fetchall()
    assert len(got) == len(records) * (len(records) - 1) // 2
    for row in got:
        a, b = rows[row[0]], rows[row[1]]
        for comp, gamma in zip(COMPARISONS, row[2:], strict=True):
            assert comp.gamma_to_level()[gamma].key == comp.level_for(a, b).key, (
                comp.name,
                row[0],
                row[1],
            )
