"""Network benchmark: graph + roles + key players on 1M calls and 1M payments.

    .venv/bin/python benchmarks/network.py [--calls 1000000] [--payments 1000000]
        [--networkx] [--simulated TYPOLOGY --size N]

Target (DESIGN.md): graph, roles and key players under 20 s on a 2-core machine.
With ``--simulated`` it also prints role precision/recall against the simulator's
ground truth for one typology (or ``all``). ``--networkx`` times building the same
aggregated graph in networkx, for the library choice in ``analysis/graph.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def _t(label: str, start: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<44s} {now - start:7.2f} s")
    return now


def run_synthetic(n_calls: int, n_payments: int, compare_networkx: bool) -> None:
    from palermo.analysis.graph import build_graph, to_json
    from palermo.analysis.keyplayers import key_players
    from palermo.analysis.roles import culpable_not_charged, infer_roles
    from palermo.analysis.synth import synthetic_case

    print(f"synthetic case: {n_calls:,} calls, {n_payments:,} payments")
    t = time.perf_counter()
    case, _ = synthetic_case(n_calls, n_payments, plant=0)
    t = _t(f"generate + build CaseData ({case.n_nodes:,} nodes)", t)
    t0 = t
    g = build_graph(case, collapse=True)
    t = _t(f"build_graph collapsed ({g.n_edges:,} edges)", t)
    sugg = infer_roles(case)
    t = _t(f"infer_roles ({len(sugg)} suggestions)", t)
    unc = culpable_not_charged(case, sugg)
    t = _t(f"culpable_not_charged ({len(unc)})", t)
    rep = key_players(g, top=20)
    t = _t(f"key_players ({rep.n_groups} groups; {rep.betweenness_method})", t)
    print("    " + ", ".join(f"{k} {v:.2f} s" for k, v in rep.seconds.items()))
    view = to_json(g, max_nodes=500)
    t = _t(f"to_json capped at 500 nodes ({len(view['edges'])} edges)", t)
    print(f"  {'TOTAL graph + roles + key players + json':<44s} {t - t0:7.2f} s  (target < 20 s)")
    print(
        f"  hubs left out of key players: {len(rep.hubs)}; top 3: "
        + "; ".join(f"{p.label} ({p.explanations[0]})" for p in rep.players[:3])
    )
    full = build_graph(case)
    t = _t(f"build_graph full, not collapsed ({full.n_edges:,} edges)", t)
    full.igraph()
    t = _t("igraph object of the full graph", t)
    if compare_networkx:
        import networkx as nx

        t = time.perf_counter()
        ng = nx.Graph()
        ng.add_edges_from(zip(g.src.tolist(), g.dst.tolist(), strict=True))
        _t(f"networkx Graph from the same {g.n_edges:,} edges", t)


def run_simulated(typology: str, size: int) -> None:
    from palermo.analysis.roles import culpable_not_charged, infer_roles
    from palermo.simulate import TYPOLOGIES, simulate
    from palermo.simulate.evaluate import role_scores
    from palermo.simulate.loaders import load_simulated, load_truth

    names = sorted(TYPOLOGIES) if typology == "all" else [typology]
    total_tp = total_fp = total_fn = 0
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            simulate(name, size, 11, out)
            t = time.perf_counter()
            case = load_simulated(out)
            truth = load_truth(out)
            sugg = infer_roles(case)
            secs = time.perf_counter() - t
            print(f"\n{name} (size {size:,}; load + roles {secs:.2f} s)")
            for s in role_scores(truth, sugg):
                total_tp, total_fp, total_fn = total_tp + s.tp, total_fp + s.fp, total_fn + s.fn
                print(
                    f"  {s.name:<20s} precision {s.precision:5.2f}  recall {s.recall:5.2f}"
                    f"  (tp {s.tp}, fp {s.fp}, fn {s.fn})"
                )
            unc = culpable_not_charged(case, sugg)
            truth_unc = sorted(
                p["id"]
                for p in truth["persons"]
                if not p["charged"] and set(p["roles"]) - {"victim", "witness", "bystander"}
            )
            print(
                f"  culpable but not charged: {[u.person_id for u in unc]}"
                f" (ground truth uncharged with a role: {truth_unc})"
            )
    p = total_tp / max(total_tp + total_fp, 1)
    r = total_tp / max(total_tp + total_fn, 1)
    print(f"\nall roles, micro-averaged: precision {p:.3f} recall {r:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--payments", type=int, default=1_000_000)
    ap.add_argument("--networkx", action="store_true")
    ap.add_argument("--simulated", default=None, help="typology name or 'all'")
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--skip-synthetic", action="store_true")
    args = ap.parse_args()
    if not args.skip_synthetic:
        run_synthetic(args.calls, args.payments, args.networkx)
    if args.simulated:
        run_simulated(args.simulated, args.size)


if __name__ == "__main__":
    main()
