"""The network layout keeps groups apart and gives the same picture for the same graph."""

from __future__ import annotations

import math
from itertools import combinations

from palermo.analysis.layout import group_layout


def _two_cliques() -> tuple[list[tuple[int, int]], list[int]]:
    edges = [(a, b) for a, b in combinations(range(8), 2)]
    edges += [(a, b) for a, b in combinations(range(8, 16), 2)]
    edges += [(0, 8), (1, 9)]  # two links between the groups
    return edges, [0] * 8 + [1] * 8


def test_groups_sit_apart_and_positions_fill_the_unit_square() -> None:
    edges, group = _two_cliques()
    pos = group_layout(16, edges, group)
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in pos)
    same = [
        math.dist(pos[a], pos[b]) for a, b in combinations(range(16), 2) if group[a] == group[b]
    ]
    apart = [
        math.dist(pos[a], pos[b]) for a, b in combinations(range(16), 2) if group[a] != group[b]
    ]
    assert sum(same) / len(same) < 0.5 * sum(apart) / len(apart)


def test_layout_is_deterministic_and_handles_tiny_graphs() -> None:
    edges, group = _two_cliques()
    assert group_layout(16, edges, group) == group_layout(16, edges, group)
    assert group_layout(0, [], []) == []
    assert group_layout(1, [], [-1]) == [(0.5, 0.5)]
    assert len(group_layout(3, [], [-1, -1, -1])) == 3
