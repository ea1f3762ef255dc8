"""Entity resolution on small hand-made inputs: the shipped Splink model scores two
records as it scores a hundred thousand (no training, no rule-based fallback)."""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd
import pytest

from palermo.analysis.resolution import PersonRecord, apply_decisions, resolve
from palermo.analysis.resolution.levels import COMPARISONS, HOUSEHOLD_WEIGHT
from palermo.analysis.resolution.model import _gamma_sql
from palermo.analysis.resolution.records import (
    clean_text,
    feature_columns,
    feature_rows,
    frame_from_columns,
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
    assert result.method == "splink"
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
        assert s.match_probability < result.threshold  # at most a suggestion to review
    near = result.pair("person:1", "person:2")
    assert near is not None and near.levels["ids"] == "different"


def test_same_name_alone_is_a_weaker_suggestion_than_name_and_birth_date() -> None:
    only_name = resolve([PersonRecord("a", "Maria Ionescu"), PersonRecord("b", "Maria Ionescu")])
    with_dob = resolve(
        [
            PersonRecord("a", "Maria Ionescu", date_of_birth="1991-05-17"),
            PersonRecord("b", "Maria Ionescu", date_of_birth="17.05.1991"),
        ]
    )
    born_apart = resolve(
        [
            PersonRecord("a", "Maria Ionescu", date_of_birth="1991-05-17"),
            PersonRecord("b", "Maria Ionescu", date_of_birth="1962-11-30"),
        ],
        min_probability=0.0,
    )
    assert with_dob.clusters["a"] == with_dob.clusters["b"]
    pair, name_only, apart = (r.pair("a", "b") for r in (with_dob, only_name, born_apart))
    assert pair is not None and name_only is not None and apart is not None
    assert "same date of birth 1991-05-17" in [r.text for r in pair.reasons]
    assert pair.match_weight > name_only.match_weight > apart.match_weight
    assert apart.levels["dob"] == "different"
    # the weight is the prior plus the comparisons' weights
    assert pair.match_weight == pytest.approx(
        pair.prior_weight + sum(w for _, _, w in pair.outcome), abs=0.01
    )


def test_house_move_with_a_date_typo_is_found_and_an_address_weighs_little() -> None:
    """The same person after moving house, the date of birth with a typo: name and date
    of birth carry the match; the new address counts for little against it, and a
    household member (same surname and address) is not taken for them."""
    before = PersonRecord(
        "a", "Adaeze Okafor", date_of_birth="1988-04-21", address="12 Mill Road, Leeds LS6 2AB"
    )
    moved = PersonRecord(
        "b", "Adaeze Okafor", date_of_birth="1988-04-12", address="7 Calea Victoriei, Bucharest"
    )
    sister = PersonRecord(
        "c", "Ngozi Okafor", date_of_birth="1991-09-03", address="12 Mill Road, Leeds LS6 2AB"
    )
    result = resolve([before, moved, sister], min_probability=0.0)
    pair = result.pair("a", "b")
    assert pair is not None
    assert pair.levels["dob"] == "one_digit" and pair.levels["address"] == "different"
    assert result.clusters["a"] == result.clusters["b"]
    address = next(w for c, _, w in pair.outcome if c == "address")
    name = next(w for c, _, w in pair.outcome if c == "name")
    assert -1.5 <= address < 0 < name
    household = result.pair("a", "c")
    # the shared address is read as a household's (same surname, another first name) and
    # weighs little, however rare the address is among random pairs
    assert household is not None and household.levels["address"] == "household"
    assert result.clusters["a"] != result.clusters["c"]
    assert next(w for c, _, w in household.outcome if c == "address") <= HOUSEHOLD_WEIGHT + 0.01
    assert "household" in " ".join(r.text for r in household.reasons)
    # at most a suggestion to review (a different first name and date of birth show),
    # far weaker than the same person's
    assert household.match_probability < result.threshold
    assert household.match_weight < pair.match_weight - 10


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
    # one person: nothing to compare it with
    assert result.methods_by_kind == {"organisation": "splink", "person": "none"}


def test_identifier_normalisation() -> None:
    assert normalise_identifier("+40 (721) 234-567") == "phone:+40721234567"
    assert normalise_identifier("0040721234567") == "phone:+40721234567"
    assert normalise_identifier("Someone@Example.ORG") == "email:someone@example.org"
    assert normalise_identifier("account:ro49 aaaa 1b31") == "account:RO49AAAA1B31"
    assert normalise_identifier("  ") is None
    assert normalise_dob("19151111") == "19151111"
    assert normalise_dob("2001-2-3") == "20010203"
    assert normalise_dob("unknown") is None
    # a date that does not fit eight digits is dropped (levels compare digit by digit)
    assert normalise_dob("2001-123-1") is None
    assert normalise_dob("12345-01-01") is None


PAIRS = [
    ("Ion Popescu", "I. Popescu"),
    ("Ion Popescu", "Popescu Ion"),
    ("I. Popescu", "Popescu Ion"),
    ("Oksana Petkovychenko", "O. Petkodaenko"),  # an initial, a surname only similar
    ("Ion Popescu", "Ioan Popescu"),
    ("Ion Popescu", "Ion Popesku"),
    ("Ion Popescu", "Ioan Popesku"),
    ("Ion Popescu", "Popesku Ioan"),
    ("Ion Popescu", "Ionel Popescu"),  # similar first names, two letters apart
    ("Ion Popescu", "Ion Popesculu"),
    ("Ion Popescu", "Ionel Popesculu"),
    ("Ion Popescu", "Iona Popovici"),
    ("Maria Popescu", "Ion Popescu"),
    ("Maria", "Maria Ionescu"),
    ("Popescu", "Ion Popescu"),
    ("Ion Popescu", "Ion Vasilescu"),
    ("Ion Popescu", "Mama Joy"),
    ("Chinedu Okafor", "Ngozi Eze"),
]
DOBS = [
    "1980-02-03",  # exact
    "1980-03-02",  # day and month swapped
    "1981-02-03",  # a year off
    "1980-02-08",  # one digit
    "1980-20-03",  # two neighbouring digits swapped
    "1980-01-30",  # four days earlier, across a month
    "1989-02-05",  # two digits
    "1980-11-21",  # same year
    "1975-06-30",  # different
    None,
]
ADDRESSES = [
    "12 Strada Mare, Iasi 700123",  # exact
    "12 Strada Mre, Iasi 700123",  # same numbers, most words
    "Strada Mare 14, Iasi 700123",  # same postcode, most words
    "12 Strada Mare Iasi Romania",  # most words, other numbers
    "12 Calea Victoriei, Iasi 700123",  # same numbers, other words
    "12 Calea Victoriei, Cluj",  # the same house number only
    "3 Calea Mare, Cluj",  # some words
    "Main Street London",
    None,
]


def _agreement_records() -> list[PersonRecord]:
    records: list[PersonRecord] = []
    n = max(len(PAIRS), len(DOBS), len(ADDRESSES)) * 2
    for i in range(n):
        a, b = PAIRS[i % len(PAIRS)]
        records.append(
            PersonRecord(
                f"{i}a",
                a,
                aliases=("Joy Mama",) if i % 5 == 0 else (),
                date_of_birth="1980-02-03",
                identifiers=("+40700000001",),
                address="12 Strada Mare, Iasi 700123",
                nationality="RO",
            )
        )
        records.append(
            PersonRecord(
                f"{i}b",
                b,
                date_of_birth=DOBS[i % len(DOBS)],
                identifiers=(("+40700000001",), ("+40700000002",), ())[i % 3],
                address=ADDRESSES[i % len(ADDRESSES)],
                nationality=["RO", "UA", None][i % 3],
            )
        )
    # many addresses in Iasi: "iasi" and "strada" become common words
    for j in range(12):
        records.append(
            PersonRecord(f"iasi{j}", f"Person Number{j}", address=f"{j} Strada X{j} Iasi")
        )
    records.append(PersonRecord("nameless", identifiers=("+40700000001",)))
    records.append(PersonRecord("mail", "Ion Popescu", identifiers=("ion@example.org",)))
    records.append(PersonRecord("first-only", first_name="Ion", date_of_birth="1980-02-03"))
    return records


def test_python_levels_agree_with_the_sql_levels() -> None:
    """The fallback's Python predicates and Splink's SQL put pairs in the same level."""
    records = _agreement_records()
    cols = feature_columns(records)
    feats = feature_rows(cols)
    frame = frame_from_columns(cols)
    con = duckdb.connect()
    con.register("f", frame)
    names = sorted(c for c in frame.columns)
    sel = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in names)
    gammas = ", ".join(f"{_gamma_sql(c)} AS g_{c.name}" for c in COMPARISONS)
    got = con.execute(
        f"SELECT unique_id_l, unique_id_r, {gammas} "
        f"FROM (SELECT {sel} FROM f l JOIN f r ON l.unique_id < r.unique_id)"
    ).fetchall()
    assert len(got) == len(records) * (len(records) - 1) // 2
    seen: set[tuple[str, str]] = set()
    for row in got:
        a, b = feats[row[0]], feats[row[1]]
        for comp, gamma in zip(COMPARISONS, row[2:], strict=True):
            level = comp.level_for(a, b).key
            assert comp.gamma_to_level()[gamma].key == level, (comp.name, row[0], row[1])
            seen.add((comp.name, level))
    # every level of every comparison is met at least once
    for comp in COMPARISONS:
        for lv in comp.levels:
            assert (comp.name, lv.key) in seen, (comp.name, lv.key)


def test_features_keep_word_sets_exactly() -> None:
    """The 63-bit word sets reach DuckDB unchanged (not through floats)."""
    records = [
        PersonRecord(str(i), "Ana Pop", address=f"{i} Rruga Durresit London Kyiv Lagos Iasi")
        for i in range(30)
    ] + [PersonRecord("none", "Ana Pop")]
    cols = feature_columns(records)
    frame = frame_from_columns(cols)
    con = duckdb.connect()
    con.register("f", frame)
    got = dict(con.execute("SELECT unique_id, address_words FROM f").fetchall())
    assert got == dict(zip(cols["unique_id"], cols["address_words"], strict=True))
    assert any(v is not None and v >= 2**53 for v in got.values())
    types = {r[0]: r[1] for r in con.execute("DESCRIBE f").fetchall()}
    assert types["dataset"] == "VARCHAR" and types["address_words"] == "BIGINT"


LISTS = [
    PersonRecord("a:1", "Ion Popescu", identifiers=("+40721234567",), dataset="victims"),
    PersonRecord("a:2", "Maria Ionescu", date_of_birth="1991-05-17", dataset="victims"),
    PersonRecord("b:1", "Ion Popescu", identifiers=("+40721234567",), dataset="payees"),
    PersonRecord("b:2", "Popescu Ion", identifiers=("+40721234567",), dataset="payees"),
    PersonRecord("b:3", "Maria Ionescu", date_of_birth="17.05.1991", dataset="payees"),
]


def test_link_only_pairs_records_of_different_lists_only() -> None:
    result = resolve(LISTS, link_type="link_only")
    datasets = {r.key: r.dataset for r in LISTS}
    assert result.suggestions
    assert all(datasets[s.key_a] != datasets[s.key_b] for s in result.suggestions)
    # b:1 and b:2 (same list) are only joined through a:1
    assert result.pair("b:1", "b:2") is None
    assert result.clusters["a:1"] == result.clusters["b:1"] == result.clusters["b:2"]
    assert result.clusters["a:2"] == result.clusters["b:3"]
    assert result.links is None


def test_one_to_one_links_each_record_to_one_record_of_the_other_list() -> None:
    # b:2 is Ion Popescu too, but without the phone: the weaker candidate of a:1
    lists = [r if r.key != "b:2" else dataclasses.replace(r, identifiers=()) for r in LISTS]
    result = resolve(lists, link_type="link_only", one_to_one=True, threshold=0.5)
    suggested = [s for s in result.suggestions if "a:1" in (s.key_a, s.key_b)]
    assert result.links is not None
    linked = [s for s in suggested if result.linked(s)]
    assert len(linked) == 1
    assert linked[0] == suggested[0]
    assert {linked[0].key_a, linked[0].key_b} == {"a:1", "b:1"}
    assert result.clusters["b:1"] != result.clusters["b:2"]
    assert result.clusters["a:2"] == result.clusters["b:3"]
    # human decisions on top keep the machine's one-to-one links
    final = apply_decisions(result, [])
    assert dict(final.entities) == dict(result.clusters)


def test_one_to_one_splits_the_chance_between_equal_candidates() -> None:
    # a:1 may be b:1 or b:2 (the same name and phone, the order swapped): one of them
    # at most, so neither is likely enough to be linked; both stay suggestions
    result = resolve(LISTS, link_type="link_only", one_to_one=True)
    suggested = [s for s in result.suggestions if "a:1" in (s.key_a, s.key_b)]
    assert len(suggested) == 2
    assert sum(s.match_probability for s in suggested) <= 1.0 + 1e-9
    assert all(0.3 < s.match_probability < 0.7 for s in suggested)
    assert all(s.competition_weight < 0 for s in suggested)
    assert not any(result.linked(s) for s in suggested)
    assert result.clusters["a:2"] == result.clusters["b:3"]
    # scored one by one, both are near certain
    alone = resolve(LISTS, link_type="link_only")
    assert all(s.match_probability > 0.99 for s in alone.suggestions if "a:1" in (s.key_a, s.key_b))


def test_link_only_needs_the_lists() -> None:
    with pytest.raises(ValueError, match="dataset"):
        resolve([*LISTS, PersonRecord("c:1", "Ion Popescu")], link_type="link_only")
    with pytest.raises(ValueError, match="one_to_one"):
        resolve(LISTS, one_to_one=True)
    only_one = [r for r in LISTS if r.dataset == "payees"]
    assert resolve(only_one, link_type="link_only").suggestions == ()


def test_an_initial_counts_less_with_a_surname_only_similar() -> None:
    """ "O. Petkovychenko" (the same surname) is the strong level; "O. Petkodaenko" (a
    different surname sharing its beginning) a weaker one of its own."""
    full = PersonRecord("person:1", "Oksana Petkovychenko", date_of_birth="1960-01-01")
    same = PersonRecord("person:2", "O. Petkovychenko", date_of_birth="1960-01-01")
    typo = PersonRecord("person:3", "O. Petkovichenko", date_of_birth="1960-01-01")
    other = PersonRecord("person:4", "O. Petkodaenko", date_of_birth="1960-01-01")
    result = resolve([full, same, typo, other], min_probability=0.0)
    pairs = {k: result.pair("person:1", k) for k in ("person:2", "person:3", "person:4")}
    assert all(s is not None for s in pairs.values())
    strong, one_letter, similar = (pairs[k] for k in ("person:2", "person:3", "person:4"))
    assert strong is not None and one_letter is not None and similar is not None
    assert strong.levels["name"] == "initial" and one_letter.levels["name"] == "initial"
    assert similar.levels["name"] == "initial_similar"
    weight = {
        s.levels["name"]: dict((c, w) for c, _, w in s.outcome)["name"] for s in pairs.values()
    }
    assert weight["initial"] > weight["initial_similar"] + 3
    assert any("spelt differently" in r.text for r in similar.reasons)


def test_both_name_parts_misspelt_and_day_and_month_swapped_are_scored_among_many() -> None:
    # enough records for blocking rules to choose the pairs (not every pair is scored)
    from palermo.analysis.resolution.engine import ALL_PAIRS_UP_TO
    from palermo.analysis.resolution.synthetic import synthetic_people

    others, _truth = synthetic_people(300, seed=11)
    assert len(others) * (len(others) - 1) / 2 > ALL_PAIRS_UP_TO
    pair = [
        PersonRecord("x1", "Andrei Bavlanesescu", date_of_birth="1965-08-05"),
        PersonRecord("x2", "Andrie Bavlanesecu", date_of_birth="1965-05-08"),
    ]
    result = resolve([*others, *pair], min_probability=0.5)
    found = result.pair("x1", "x2")
    assert found is not None
    assert found.levels["name"] == "both_edit" and found.levels["dob"] == "transposed"
