"""Where to draw each node of the case network: a force layout that keeps groups apart.

Fruchterman-Reingold (igraph, C) from a circle with igraph's random numbers seeded, so
the same graph always gets the same picture, with links inside a group pulling three
times harder than a plain link and links between groups 0.3 as hard: each group gathers,
groups sit apart. Connected parts are laid out one by one and packed. The browser then
only places the nodes (no layout to run there). Measured on the 6,000-record demo case
(500 nodes, 5,088 links; 2-core machine under load 10-16): 0.7-0.9 s; members of one
group sit on average 0.13 of the distance between members of different groups (0.21
with all links alike). In the browser, the same graph took Cytoscape's fcose layout
30-45 s under that load, hence the layout here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from palermo.analysis.keyplayers import _seeded

INSIDE = 3.0  # weight of a link inside a group
ACROSS = 0.3  # weight of a link between groups (or with a node in no group)


def group_layout(
    n: int,
    edges: Sequence[tuple[int, int]],
    group: Sequence[int],
    *,
    niter: int = 500,
) -> list[tuple[float, float]]:
    """Positions in [0, 1]² for nodes 0..n-1; ``group`` per node (-1 for none).

    Each connected part is laid out on its own, in a square whose side grows with the
    square root of its size, and the squares are packed in rows, largest first (a force
    layout of the whole would fling the small parts to the edges and squeeze the main
    one)."""
    if n == 0:
        return []
    if n == 1:
        return [(0.5, 0.5)]
    import igraph as ig

    graph = ig.Graph(n=n, edges=list(edges), directed=False)
    weights = [INSIDE if group[a] >= 0 and group[a] == group[b] else ACROSS for a, b in edges]
    graph.es["weight"] = weights
    parts = sorted(graph.connected_components(), key=lambda c: (-len(c), c[0]))
    placed: list[tuple[list[int], list[tuple[float, float]], float]] = []
    with _seeded(0):  # the same graph, the same picture
        for members in parts:
            # Small parts (a few phones calling each other) take less room than their share.
            side = math.sqrt(len(members)) * (1.0 if len(members) > 3 else 0.5)
            placed.append((members, _part(graph.subgraph(members), side, niter), side))
    # Rows as wide as the largest part, or as the square root of the total area.
    width = max(placed[0][2], math.sqrt(sum(side * side for _, _, side in placed)) * 1.2)
    pad = 0.6
    out: list[tuple[float, float]] = [(0.0, 0.0)] * n
    x = y = row = 0.0
    for members, coords, side in placed:
        if x > 0 and x + side > width:
            x, y, row = 0.0, y + row + pad, 0.0
        for node, (cx, cy) in zip(members, coords, strict=True):
            out[node] = (x + cx * side, y + cy * side)
        x += side + pad
        row = max(row, side)
    span = max(max(p[0] for p in out), max(p[1] for p in out)) or 1.0
    return [(px / span, py / span) for px, py in out]


def _part(graph: Any, side: float, niter: int) -> list[tuple[float, float]]:
    """A connected part in [0, 1]² (one node: its centre)."""
    k = graph.vcount()
    if k == 1:
        return [(0.5, 0.5)]
    seed = [[math.cos(2 * math.pi * i / k), math.sin(2 * math.pi * i / k)] for i in range(k)]
    coords = graph.layout_fruchterman_reingold(
        weights=graph.es["weight"] or None, niter=niter, seed=seed
    ).coords
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    return [((cx - min(xs)) / span, (cy - min(ys)) / span) for cx, cy in coords]
