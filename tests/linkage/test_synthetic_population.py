"""The simulator's national population: names, dates and addresses spread as in a
country, while its default output stays what other tests and benchmarks were run on."""

from __future__ import annotations

import hashlib
import random
from collections import Counter

from palermo.analysis.resolution.records import PersonRecord, split_name
from palermo.analysis.resolution.synthetic import (
    NationalPools,
    iter_synthetic_people,
    synthetic_people,
)


def test_default_output_is_unchanged() -> None:
    """The records of the default (small) population, byte for byte as before the
    national one was added (their digest was taken then)."""
    records, truth = synthetic_people(2000, seed=3)
    digest = hashlib.sha256(
        repr(records).encode() + repr(sorted(truth.items())).encode()
    ).hexdigest()
    assert digest == "2237fc040e77624908a09a839fe117fadb2976fcda00c7a26d5ce9d24f413e72"


def test_iterating_gives_the_list_and_is_deterministic() -> None:
    records, truth = synthetic_people(3000, seed=5, population="national")
    pairs = list(iter_synthetic_people(3000, seed=5, population="national"))
    assert [r for r, _ in pairs] == records
    assert {r.key: p for r, p in pairs} == truth


def test_national_population_has_many_names_and_addresses_none_too_common() -> None:
    n = 30_000
    small, _ = synthetic_people(n, seed=2)
    national, truth = synthetic_people(n, seed=2, population="national")
    assert len(national) == n

    def first_record_of_each_person(records: list[PersonRecord]) -> list[PersonRecord]:
        seen: set[str] = set()
        out = []
        for r in records:
            person = r.key.split(":")[1]
            if person not in seen:
                seen.add(person)
                out.append(r)
        return out

    def surnames(records: list[PersonRecord]) -> Counter[str | None]:
        return Counter(
            split_name(r.full_name, None, None, "person").last
            for r in first_record_of_each_person(records)
        )

    people = len(set(truth.values()))
    small_names, national_names = surnames(small), surnames(national)
    # tens of thousands of surnames to draw from, the commonest carried by about 1%
    pools = NationalPools.build(random.Random(1))
    assert sum(len(names) for names, _ in pools.last.values()) > 100_000
    assert len(national_names) > len(small_names)
    assert national_names.most_common(1)[0][1] < 0.03 * people
    assert national_names.most_common(1)[0][1] < small_names.most_common(1)[0][1]
    # Zipf-like: the ten commonest surnames cover far less than half of the people
    assert sum(c for _, c in national_names.most_common(10)) < 0.2 * people
    addresses = Counter(r.address for r in first_record_of_each_person(national) if r.address)
    assert len(addresses) > 0.5 * people  # households share, but most addresses are one's
    assert addresses.most_common(1)[0][1] < 20
    # streets of towns to draw from: millions (the small population has 256)
    assert len(pools.streets) * len(pools.towns) > 1_000_000
