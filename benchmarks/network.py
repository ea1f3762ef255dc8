"""Network benchmark: speed of graph, roles and key players; role quality; key players.

    .venv/bin/python benchmarks/network.py [--calls 1000000] [--payments 1000000]
        [--networkx] [--skip-synthetic]
        [--roles escort_ads,agricultural_debt_bondage | all] [--size 300]
        [--keyplayers] [--networks benchmarks/data] [--split all|dev|heldout]

Speed (DESIGN.md): graph, roles and key players under 20 s on a 2-core machine, on a
synthetic case with a million calls and a million payments. ``--networkx`` times
building the same aggregated graph in networkx, for the library choice in
``analysis/graph.py``.

``--roles``: role precision and recall through the product path. Each simulated case is
entered as a unit would (people, identifiers and charges by hand), its files ingested,
and the Network tab's role suggestions scored against the simulator's answer key, which
feeds nothing else. Cases are split by seed before any tuning (``simulate.evaluate``):
development seeds 1, 2, 3, 4, 7 (tuned on) and test seeds 101 to 104 (run only to
report). Target: at least 0.85 precision and recall, micro-averaged, on the test seeds.

``--keyplayers``: the key-player ranking against plain degree and betweenness on real covert
networks with published leaders (``benchmarks/data/README.md``: sources, licences, leaders),
scored by the average precision of the leaders in each ranking and by precision at k (k =
number of leaders). Ties are treated alike for every ranking: the figure is the mean over
random orderings of the tied people (200 draws, fixed seed), for the key-player score as for
degree and betweenness. The Network tab itself commits to one order among people the score
cannot tell apart (the order they were loaded); its average precision is printed too
("as listed"). Networks are split in ``data/split.txt``
into development networks (the score was designed on these) and held-out ones (run only to
report); the two groups are summed up apart. Target: at least as good as degree on every
network, better on most.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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


def _organisers_ap(
    ctx: Any, actor: Any, reference: str, truth: dict[str, Any], key_of: dict[int, str]
) -> tuple[float, float]:
    """Average precision of the case's organisers (exploiter, beneficiary; from the answer
    key, scoring only) in the key-player ranking and in the ranking by degree, computed
    with the Network tab's own functions on the case as loaded."""
    from palermo.analysis.graph import build_graph
    from palermo.analysis.keyplayers import key_players
    from palermo.analysis.roles import infer_roles
    from palermo.services import network
    from palermo.services.access import open_case

    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        loaded = network.load_case(ctx, session, actor, case, merge=True)
    data = loaded.data
    report = key_players(
        build_graph(data, collapse=True), top=len(data.persons), roles=infer_roles(data)
    )
    organisers = {
        p["id"] for p in truth["persons"] if {"exploiter", "beneficiary"} & set(p["roles"])
    }
    # people outside the graph (no record ties them to anyone) rank last in both
    key = {key_of[int(pid)]: -1.0 for pid in data.persons}
    deg = dict(key)
    for p in report.players:
        if p.key.startswith("person:"):
            who = key_of[int(p.key.removeprefix("person:"))]
            key[who], deg[who] = p.score, float(p.degree)
    return average_precision(key, organisers), average_precision(deg, organisers)


def run_roles(typologies: list[str], size: int) -> None:
    """Roles through the product path on the development and the frozen test seeds."""
    import json

    from palermo.security.permissions import SYSTEM
    from palermo.services import cases, jobs, network, users
    from palermo.services.context import Context
    from palermo.services.demo import enter_people
    from palermo.services.ingest import ingest_path
    from palermo.settings import Settings
    from palermo.simulate import simulate
    from palermo.simulate.evaluate import DEV_SEEDS, TEST_SEEDS, role_scores
    from palermo.simulate.intake import intake
    from palermo.store.db import upgrade
    from palermo.store.models import Role

    @dataclass(frozen=True, slots=True)
    class Suggested:
        person_id: str
        role: str

    print(
        "\nroles through the product path (simulate -> people and charges entered -> ingest"
        " -> Network tab); the answer key only scores"
    )
    print(f"  development seeds {DEV_SEEDS}; frozen test seeds {TEST_SEEDS}; size {size}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'bench.db'}"
        upgrade(url)
        settings = Settings(data_dir=root / "data", database_url=url, secret_key="ab" * 32)
        ctx = Context.create(settings, migrate=False)
        unit = users.ensure_unit(ctx, "bench", "Bench", "US")
        actor = users.create_user(
            ctx, SYSTEM, username="bench", password="bench-password-1",
            role=Role.PROSECUTOR, unit_id=unit,
        ).actor  # fmt: skip
        for split, seeds in (("dev", DEV_SEEDS), ("test", TEST_SEEDS)):
            all_tp = all_fp = all_fn = 0
            ap_sums = [0.0, 0.0]
            for name in typologies:
                per_role: dict[str, list[int]] = {}
                started = time.perf_counter()
                for seed in seeds:
                    out = root / f"{name}-{seed}"
                    simulate(name, size, seed, out)
                    truth = json.loads((out / "ground_truth.json").read_text())
                    reference = f"B-{name[:10]}-{seed}"
                    cases.create_case(
                        ctx, actor, reference=reference, title=name,
                        jurisdiction=truth.get("jurisdiction", "US"), unit_id=unit,
                        typology=name, statutes=list(truth.get("statutes", [])),
                    )  # fmt: skip
                    ids = enter_people(ctx, actor, reference, intake(truth).people)
                    ingest_path(ctx, actor, reference, out)
                    key_of = {v: k for k, v in ids.items()}
                    view = network.network_view(ctx, actor, reference)
                    kp, deg = _organisers_ap(ctx, actor, reference, truth, key_of)
                    ap_sums[0] += kp
                    ap_sums[1] += deg
                    suggested = [Suggested(key_of[r.person_id], r.role) for r in view.roles]
                    for sc in role_scores(truth, suggested):  # type: ignore[arg-type]
                        acc = per_role.setdefault(sc.name, [0, 0, 0])
                        acc[0], acc[1], acc[2] = acc[0] + sc.tp, acc[1] + sc.fp, acc[2] + sc.fn
                tp = sum(v[0] for v in per_role.values())
                fp = sum(v[1] for v in per_role.values())
                fn = sum(v[2] for v in per_role.values())
                all_tp, all_fp, all_fn = all_tp + tp, all_fp + fp, all_fn + fn
                secs = time.perf_counter() - started
                print(
                    f"  [{split}] {name:<26s} precision {tp / max(tp + fp, 1):.3f}"
                    f"  recall {tp / max(tp + fn, 1):.3f}  (tp {tp}, fp {fp}, fn {fn};"
                    f" {len(seeds)} cases, {secs:.0f} s)"
                )
                for role, (rtp, rfp, rfn) in sorted(per_role.items()):
                    if rfp or rfn:
                        print(f"        {role:<20s} tp {rtp:3d}  fp {rfp:3d}  fn {rfn:3d}")
            n_cases = len(seeds) * len(typologies)
            print(
                f"  [{split}] organisers (exploiter, beneficiary) among key players:"
                f" mean AP {ap_sums[0] / n_cases:.3f} with role evidence and money,"
                f" {ap_sums[1] / n_cases:.3f} by degree"
            )
            print(
                f"  [{split}] all, micro-averaged: precision"
                f" {all_tp / max(all_tp + all_fp, 1):.3f}"
                f" recall {all_tp / max(all_tp + all_fn, 1):.3f}"
            )
        # The in-process worker may still be analysing the last case in the directory.
        jobs.stop_local_worker(ctx)
        ctx.db.dispose()


DATA = Path(__file__).parent / "data"


def read_network(directory: Path, name: str) -> tuple[list[tuple[str, str, int]], set[str]]:
    """``<name>.edges.csv`` (source,target[,weight]) and ``<name>.leaders.txt``."""
    import csv

    edges: list[tuple[str, str, int]] = []
    with (directory / f"{name}.edges.csv").open(newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        if header[:2] != ["source", "target"]:
            raise SystemExit(f"{name}.edges.csv line 1: expected 'source,target[,weight]'")
        for line, row in enumerate(rows, start=2):
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                raise SystemExit(f"{name}.edges.csv line {line}: two names needed")
            weight = int(row[2]) if len(row) > 2 and row[2].strip() else 1
            edges.append((row[0].strip(), row[1].strip(), max(weight, 1)))
    people = {p for a, b, _ in edges for p in (a, b)}
    leaders = set()
    for line, text in enumerate(
        (directory / f"{name}.leaders.txt").read_text(encoding="utf-8").splitlines(), start=1
    ):
        text = text.strip()
        if text and not text.startswith("#"):
            if text not in people:
                raise SystemExit(f"{name}.leaders.txt line {line}: {text!r} is not in the ties")
            leaders.add(text)
    return edges, leaders


def average_precision(scores: dict[str, float], relevant: set[str], draws: int = 200) -> float:
    """Average precision of ``relevant`` in the ranking by ``scores`` (highest first);
    tied scores are averaged over ``draws`` random orderings (fixed seed)."""
    import numpy as np

    names = sorted(scores)
    value = np.array([scores[n] for n in names], dtype=np.float64)
    rel = np.array([n in relevant for n in names])
    rng = np.random.default_rng(0)
    total = 0.0
    for _ in range(draws):
        order = np.lexsort((rng.random(len(names)), -value))
        hits = np.cumsum(rel[order])
        ranks = np.flatnonzero(rel[order]) + 1
        total += float(np.mean(hits[ranks - 1] / ranks))
    return total / draws


def listed_precision(order: list[str], relevant: set[str]) -> float:
    """Average precision of ``relevant`` in one fixed order (the order the Network tab
    lists, which breaks any remaining ties by the order people were loaded)."""
    hits, total = 0, 0.0
    for rank, name in enumerate(order, start=1):
        if name in relevant:
            hits += 1
            total += hits / rank
    return total / max(len(relevant), 1)


def read_split(directory: Path) -> dict[str, str]:
    """``split.txt``: ``dev <name>`` or ``heldout <name>`` per line (``#`` comments)."""
    path = directory / "split.txt"
    split: dict[str, str] = {}
    if path.exists():
        for text in path.read_text(encoding="utf-8").splitlines():
            parts = text.split()
            if len(parts) == 2 and not text.startswith("#"):
                split[parts[1]] = parts[0]
    return split


def precision_at_k(scores: dict[str, float], relevant: set[str], draws: int = 200) -> float:
    """Share of ``relevant`` among the top k = len(relevant) by ``scores``; ties averaged
    over ``draws`` random orderings (fixed seed)."""
    import numpy as np

    names = sorted(scores)
    value = np.array([scores[n] for n in names], dtype=np.float64)
    rel = np.array([n in relevant for n in names])
    k = len(relevant)
    rng = np.random.default_rng(0)
    total = 0.0
    for _ in range(draws):
        order = np.lexsort((rng.random(len(names)), -value))
        total += float(rel[order][:k].sum()) / max(k, 1)
    return total / draws


def network_case(edges: list[tuple[str, str, int]]) -> Any:
    """A case holding one person per name, one phone each, and one call per unit of weight."""
    from palermo.analysis.data import CaseBuilder, Person

    people = sorted({p for a, b, _ in edges for p in (a, b)})
    phone = {p: f"+{i:06d}" for i, p in enumerate(people)}
    b = CaseBuilder()
    for p in people:
        b.add_person(Person(p, p, "suspect", phones=(phone[p],)))
    src = [phone[a] for a, _, w in edges for _ in range(w)]
    dst = [phone[t] for _, t, w in edges for _ in range(w)]
    b.add_calls([f"t{i}" for i in range(len(src))], ["2001-01-01"] * len(src), src, dst)
    return b.build()


def run_keyplayers(directory: Path = DATA, only: str = "all") -> None:
    """Key players against plain degree (and betweenness) on real covert networks with
    published leaders, development and held-out networks reported apart; ``only`` = "dev"
    runs the development networks alone (for design), "heldout" the held-out ones."""
    from palermo.analysis.graph import build_graph
    from palermo.analysis.keyplayers import key_players

    names = sorted(p.name.removesuffix(".edges.csv") for p in directory.glob("*.edges.csv"))
    split = read_split(directory)
    if only != "all":
        names = [n for n in names if split.get(n, "unsplit") == only]
    print(f"\nkey players against degree on real covert networks ({directory.name}/)")
    print(
        "  average precision (AP) of the published leaders in each ranking (1.0 = all first)"
        " and precision at k = number of leaders (P@k); ties averaged over orderings"
    )
    groups: dict[str, list[tuple[str, list[float]]]] = {}
    for name in names:
        edges, leaders = read_network(directory, name)
        people = sorted({p for a, b, _ in edges for p in (a, b)})
        case = network_case(edges)
        report = key_players(build_graph(case, collapse=True), top=len(people))
        ranked = {p.key.removeprefix("person:"): p.score for p in report.players}
        degree = {p.key.removeprefix("person:"): float(p.degree) for p in report.players}
        between = {p.key.removeprefix("person:"): p.betweenness for p in report.players}
        figures = [
            f(scores, leaders)
            for f in (average_precision, precision_at_k)
            for scores in (ranked, degree, between)
        ]
        group = split.get(name, "unsplit")
        groups.setdefault(group, []).append((name, figures))
        ap_kp, ap_deg, ap_btw, pk_kp, pk_deg, pk_btw = figures
        listed = listed_precision([p.key.removeprefix("person:") for p in report.players], leaders)
        verdict = "same" if abs(ap_kp - ap_deg) <= 1e-9 else "better" if ap_kp > ap_deg else "worse"
        print(
            f"  [{group}] {name:<22s} {len(people):3d} people, {len(leaders):2d} leaders:"
            f" AP key players {ap_kp:.3f} (as listed {listed:.3f}), degree {ap_deg:.3f},"
            f" betweenness {ap_btw:.3f} ({verdict});  P@k {pk_kp:.3f}, {pk_deg:.3f}, {pk_btw:.3f}"
        )
        top = sorted(ranked, key=lambda n: -ranked[n])[:5]
        marked = [n + (" *" if n in leaders else "") for n in top]
        print(f"      top 5 (* leader): {', '.join(marked)}")
        lead = next((p for p in report.players if p.key.removeprefix("person:") in leaders), None)
        if lead is not None:
            print(f"      first leader, {lead.label}: " + "; ".join(lead.explanations[:4]))
    for group in ("dev", "heldout", "unsplit"):
        rows = groups.get(group, [])
        if not rows:
            continue
        n = len(rows)
        mean = [sum(f[i] for _, f in rows) / n for i in range(6)]
        better = sum(f[0] > f[1] + 1e-9 for _, f in rows)
        worse = sum(f[0] < f[1] - 1e-9 for _, f in rows)
        pk_worse = sum(f[3] < f[4] - 1e-9 for _, f in rows)
        # Where degree already ranks every leader first, no ranking can do better: a tie
        # there says nothing either way.
        open_rows = [f for _, f in rows if f[1] < 1 - 1e-9]
        open_better = sum(f[0] > f[1] + 1e-9 for f in open_rows)
        print(
            f"  [{group}] {n} network{'s' if n > 1 else ''}: mean AP key players {mean[0]:.3f},"
            f" degree {mean[1]:.3f}, betweenness {mean[2]:.3f}; mean P@k {mean[3]:.3f},"
            f" {mean[4]:.3f}, {mean[5]:.3f}; AP better than degree on {better},"
            f" worse on {worse}; P@k worse on {pk_worse}; where degree is not already"
            f" perfect (AP < 1): better on {open_better} of {len(open_rows)}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--payments", type=int, default=1_000_000)
    ap.add_argument("--networkx", action="store_true")
    ap.add_argument(
        "--roles",
        default=None,
        help="role quality through the product path: typologies, comma-separated, or 'all'",
    )
    ap.add_argument("--size", type=int, default=300, help="records per simulated case")
    ap.add_argument(
        "--keyplayers",
        action="store_true",
        help="key players against degree on the real covert networks in benchmarks/data",
    )
    ap.add_argument(
        "--networks", type=Path, default=DATA, help="directory of <name>.edges.csv and .leaders.txt"
    )
    ap.add_argument(
        "--split",
        choices=("all", "dev", "heldout"),
        default="all",
        help="key players: only the development or only the held-out networks",
    )
    ap.add_argument("--skip-synthetic", action="store_true")
    args = ap.parse_args()
    if not args.skip_synthetic:
        run_synthetic(args.calls, args.payments, args.networkx)
    if args.roles:
        from palermo.simulate import TYPOLOGIES

        names = sorted(TYPOLOGIES) if args.roles == "all" else args.roles.split(",")
        run_roles(names, args.size)
    if args.keyplayers:
        run_keyplayers(args.networks, args.split)


if __name__ == "__main__":
    main()
