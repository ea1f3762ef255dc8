"""The shipped model file and offline training: complete, bounded, fail closed."""

from __future__ import annotations

import copy
import itertools
import json
import math

import pytest

from palermo.analysis.resolution import Model, ModelError, resolve, shipped_model, train
from palermo.analysis.resolution.levels import COMPARISONS, HOUSEHOLD_WEIGHT
from palermo.analysis.resolution.model import DISTINCT, MAX_PRIOR
from palermo.analysis.resolution.synthetic import synthetic_people


def test_the_shipped_model_covers_every_level_within_its_bounds() -> None:
    model = shipped_model()
    weights = model.weights()
    for comp in COMPARISONS:
        levels = [lv.key for lv in comp.levels if not lv.is_null]
        assert set(weights[comp.name]) == set(levels)
        values = sorted(weights[comp.name].values())
        # distinct (the level of a scored pair is read back from its weight), none at 0
        assert all(b - a >= DISTINCT * 0.99 for a, b in itertools.pairwise(values))
        assert all(abs(w) >= DISTINCT * 0.99 for w in values)
        if comp.weight_bounds is not None:
            lo, hi = comp.weight_bounds
            # (up to the few thousandths of a bit that keep the weights distinct)
            assert all(lo - 0.01 <= w <= hi + 0.01 for w in values), comp.name
    name, dob, address = weights["name"], weights["dob"], weights["address"]
    # a date of birth with a typo still counts for a match, a new address hardly against
    for typo in ("transposed", "year_off", "one_digit"):
        assert dob[typo] > 3
    assert name["exact"] + dob["one_digit"] + address["different"] > 15
    # a household's shared address has its set weight; the same address otherwise counts
    assert abs(address["household"] - HOUSEHOLD_WEIGHT) < 0.01
    assert address["exact"] > address["household"] + 5
    assert model.description and model.matches_per_record > 0


def test_a_model_file_missing_a_level_is_refused_by_name() -> None:
    data = shipped_model().to_json()
    broken = copy.deepcopy(data)
    del broken["comparisons"]["dob"]["transposed"]
    with pytest.raises(ModelError, match=r"dob\.transposed"):
        Model.from_json(broken)
    with pytest.raises(ModelError):
        Model.from_json({"comparisons": {}})
    bad = copy.deepcopy(data)
    bad["comparisons"]["name"]["exact"]["u"] = 0
    with pytest.raises(ModelError, match=r"name\.exact"):
        Model.from_json(bad)
    # a round trip through JSON gives the same model
    assert Model.from_json(json.loads(json.dumps(data))) == shipped_model()


def test_the_prior_follows_the_number_of_records_and_is_capped() -> None:
    model = shipped_model()
    big = model.prior(100_000, 100_000 * 99_999 / 2)
    small = model.prior(40, 40 * 39 / 2)
    assert big < small <= MAX_PRIOR
    assert math.isclose(big, model.matches_per_record * 2 / 99_999)


def test_training_is_deterministic_and_gives_a_usable_model() -> None:
    records, truth = synthetic_people(1500, seed=5)
    first, second = train(records), train(records)
    assert first == second
    result = resolve(records, first, explain=False)
    linked = sum(
        1 for s in result.suggestions if result.linked(s) and truth[s.key_a] == truth[s.key_b]
    )
    wrong = sum(
        1 for s in result.suggestions if result.linked(s) and truth[s.key_a] != truth[s.key_b]
    )
    assert linked > 20 * max(wrong, 1)
