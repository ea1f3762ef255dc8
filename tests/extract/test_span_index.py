"""The overlap indexes used by extraction agree with a brute-force check."""

from __future__ import annotations

import random

from palermo.extract import identifiers, mentions


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(not (end <= s or start >= e) for s, e in spans)


def test_identifier_spans_match_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(200):
        index = identifiers._Spans()
        taken: list[tuple[int, int]] = []
        for _ in range(30):
            start = rng.randrange(0, 300)
            end = start + rng.randrange(1, 40)
            assert index.free(start, end) == (not _overlaps(taken, start, end))
            if rng.random() < 0.5:
                index.take(start, end)
                taken.append((start, end))


def test_mention_spans_match_brute_force() -> None:
    rng = random.Random(11)
    for _ in range(200):
        spans = [(s, s + rng.randrange(1, 40)) for s in rng.sample(range(300), 25)]
        index = mentions._Spans(spans)
        for _ in range(30):
            start = rng.randrange(0, 320)
            end = start + rng.randrange(1, 30)
            assert index.overlaps(start, end) == _overlaps(spans, start, end)
