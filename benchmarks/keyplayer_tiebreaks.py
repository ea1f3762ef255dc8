"""Can any tie-break of structural measures beat plain degree on every development network?

    .venv/bin/python benchmarks/keyplayer_tiebreaks.py [--depth 3] [--draws 60] [--show 15]

The key-player score orders people by their direct contacts and breaks ties among people
with as many contacts by structure (``palermo.analysis.keyplayers.structural_key``). The
target of ``benchmarks/network.py --keyplayers`` is "at least as good as degree on every
network, better on most". This script searches every lexicographic order of up to
``--depth`` tie-breaking measures (records, Burt's constraint as shown and to one
decimal, betweenness and its order of magnitude, reach within two steps, k-core depth
either way, closeness, local clustering, the neighbours' degrees, eigenvector centrality
and three rank votes of brokerage), each after degree, and prints the orders with the
fewest development networks worse than degree (average precision of the leaders, ties
averaged over ``--draws`` random orderings as in ``network.py``).

It reads the DEVELOPMENT networks of ``data/split.txt`` only: it is a design tool, and the
held-out networks must stay unseen by it. The measures are igraph's, on the same
aggregated, weighted graph the product builds (one tie per pair, weight = records).
"""

from __future__ import annotations

import argparse
import itertools
import warnings
from pathlib import Path

import igraph as ig
import numpy as np
import numpy.typing as npt

from network import DATA, average_precision, read_network, read_split
from palermo.analysis.keyplayers import percentile_rank

Floats = npt.NDArray[np.float64]


def measures(edges: list[tuple[str, str, int]]) -> tuple[list[str], dict[str, Floats]]:
    """People (sorted) and each tie-breaking measure per person, higher = ranked first."""
    people = sorted({p for a, b, _ in edges for p in (a, b)})
    index = {p: i for i, p in enumerate(people)}
    weights: dict[tuple[int, int], int] = {}
    for a, b, w in edges:
        if a != b:
            pair = (min(index[a], index[b]), max(index[a], index[b]))
            weights[pair] = weights.get(pair, 0) + w
    g = ig.Graph(n=len(people), edges=list(weights), directed=False)
    g.es["weight"] = list(weights.values())
    n = g.vcount()
    degree = np.asarray(g.degree(), dtype=np.float64)
    constraint = np.nan_to_num(np.asarray(g.constraint(weights="weight"), float), nan=np.inf)
    betweenness = np.asarray(g.betweenness(), dtype=np.float64)
    core = np.asarray(g.coreness(), dtype=np.float64)
    clustering = np.nan_to_num(np.asarray(g.transitivity_local_undirected(), float), nan=1.0)
    reach2 = np.array([len(g.neighborhood(v, order=2)) - 1 for v in range(n)], dtype=np.float64)
    found = {
        "degree": degree,
        "records": np.asarray(g.strength(weights="weight"), dtype=np.float64),
        "-constraint": -np.round(constraint, 2),
        "-constraint (1 dp)": -np.round(constraint, 1),
        "betweenness": np.round(betweenness, 9),
        "log2 betweenness": np.floor(np.log2(betweenness + 1)),
        "reach2": reach2,
        "core": core,
        "-core": -core,
        "closeness": np.round(np.nan_to_num(np.asarray(g.closeness(), float)), 9),
        "-clustering": -np.round(clustering, 9),
        "-clustering (1 dp)": -np.round(clustering, 1),
        "neighbours' degree": np.array([degree[g.neighbors(v)].sum() for v in range(n)]),
        "eigenvector": np.round(np.asarray(_eigenvector(g), float), 9),
    }
    brokerage = percentile_rank(found["betweenness"]) + percentile_rank(found["-constraint"])
    found["vote: betweenness, constraint, reach2"] = brokerage + percentile_rank(reach2)
    found["vote: betweenness, constraint, core"] = brokerage + percentile_rank(core)
    found["vote: betweenness, constraint, records"] = brokerage + percentile_rank(found["records"])
    return people, found


def _eigenvector(g: ig.Graph) -> list[float]:
    # igraph warns that it means little on a disconnected graph: it is one candidate here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return list(g.eigenvector_centrality())


def lexicographic(found: dict[str, Floats], keys: tuple[str, ...]) -> Floats:
    """One score per person ordering by ``keys`` in turn; equal people get equal scores."""
    rows = np.stack([found[k] for k in keys])
    _, rank = np.unique(rows.T, axis=0, return_inverse=True)
    return np.asarray(rank.ravel(), dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", type=Path, default=DATA)
    parser.add_argument("--depth", type=int, default=3, help="tie-breaks after degree, at most")
    parser.add_argument("--draws", type=int, default=60, help="random orderings of ties")
    parser.add_argument("--show", type=int, default=15, help="best orders printed")
    args = parser.parse_args()
    split = read_split(args.networks)
    names = sorted(n for n, group in split.items() if group == "dev")
    networks = []
    for name in names:
        edges, leaders = read_network(args.networks, name)
        people, found = measures(edges)
        by_name = dict(zip(people, found["degree"], strict=True))
        by_degree = average_precision(by_name, leaders, args.draws)
        networks.append((people, found, leaders, by_degree))
    breaks = [k for k in networks[0][1] if k != "degree"]
    results = []
    for depth in range(1, args.depth + 1):
        for order in itertools.permutations(breaks, depth):
            change = []
            for people, found, leaders, by_degree in networks:
                score = lexicographic(found, ("degree", *order))
                ap = average_precision(dict(zip(people, score, strict=True)), leaders, args.draws)
                change.append(ap - by_degree)
            diff = np.array(change)
            worse, better = int((diff < -1e-3).sum()), int((diff > 1e-3).sum())
            results.append((worse, -better, -float(diff.sum()), order, diff))
    results.sort(key=lambda r: r[:3])
    print(f"{len(results):,} tie-break orders after degree on {len(names)} development networks")
    print("networks: " + ", ".join(names))
    print("worse  better  sum of AP change  order: change per network")
    for worse, better, total, order, diff in results[: args.show]:
        changes = " ".join(f"{d:+.3f}" for d in diff)
        print(f"{worse:5d}  {-better:6d}  {-total:+16.3f}  {' > '.join(order)}: {changes}")
    fewest = results[0][0]
    print(f"fewest development networks worse than degree: {fewest}")


if __name__ == "__main__":
    main()
