"""Money benchmark: flow tracing + all pattern rules on 5M transactions.

    .venv/bin/python benchmarks/money.py [--payments 5000000] [--simulated all --size N]

Target: tracing and every pattern rule under 30 s on a 2-core machine. The
synthetic case plants cycles and structuring so their recall is checked at scale;
``--simulated`` prints pattern precision/recall against the simulator's ground truth.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def _t(label: str, start: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<52s} {now - start:7.2f} s")
    return now


def run_synthetic(n_payments: int) -> None:
    import numpy as np

    from palermo.analysis.money import proceeds, trace
    from palermo.analysis.patterns import PATTERN_NAMES, PatternHit, detect_patterns
    from palermo.analysis.synth import synthetic_case

    print(f"synthetic case: {n_payments:,} payments")
    t = time.perf_counter()
    case, planted = synthetic_case(10_000, n_payments, plant=50)
    t = _t(f"generate + build CaseData ({len(case.payments):,} payments)", t)
    t0 = t
    p = case.payments
    # Trace from the busiest ordinary account and from a planted cycle's start.
    busiest = int(np.bincount(p.src[p.channel != 3]).argmax())
    fwd = trace(case, [case.nodes.keys[busiest]])
    t = _t(f"trace forward from the busiest account ({len(fwd.tx_amounts):,} tx)", t)
    ok = abs(sum(r.amount for r in fwd.by_holder) - fwd.total) < 0.01 * max(fwd.total, 1)
    print(f"    traced {fwd.total:,.2f}; tables add up: {ok}")
    back = trace(case, [case.nodes.keys[busiest]], direction="backward", max_hops=4)
    t = _t(f"trace backward, 4 hops ({len(back.tx_amounts):,} tx)", t)
    hits: list[PatternHit] = []
    for name in PATTERN_NAMES:
        found = detect_patterns(case, patterns=[name])
        hits.extend(found)
        t = _t(f"pattern {name} ({len(found)} hits)", t)
    print(f"  {'TOTAL tracing + all patterns':<52s} {t - t0:7.2f} s  (target < 30 s)")
    rep = proceeds(case)
    t = _t(f"proceeds of 200 victims to suspects ({len(rep.rows)} rows)", t)
    for name, sets in (("cycle", planted.cycles), ("structuring", planted.structuring)):
        got = [set(h.transactions) for h in hits if h.pattern == name]
        n_found = sum(1 for s in sets if any(set(s) <= g for g in got))
        print(f"  planted {name}: {n_found}/{len(sets)} found; {len(got)} hits in all")


def run_simulated(typology: str, size: int) -> None:
    from palermo.analysis.evaluate import pattern_scores
    from palermo.analysis.loaders import load_simulated, load_truth
    from palermo.analysis.patterns import detect_patterns
    from palermo.simulate import TYPOLOGIES, simulate

    names = sorted(TYPOLOGIES) if typology == "all" else [typology]
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            simulate(name, size, 11, out)
            case = load_simulated(out)
            t = time.perf_counter()
            hits = detect_patterns(case)
            secs = time.perf_counter() - t
            print(
                f"\n{name} (size {size:,}, {len(case.payments):,} payments; patterns {secs:.2f} s)"
            )
            for s in pattern_scores(load_truth(out), hits):
                print(
                    f"  {s.name:<18s} recall {s.found}/{s.planted}  precision {s.precision:5.2f}"
                    f" ({s.correct_hits}/{s.hits})  criminal-precision "
                    f"{s.criminal_precision:5.2f}"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--payments", type=int, default=5_000_000)
    ap.add_argument("--simulated", default=None, help="typology name or 'all'")
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--skip-synthetic", action="store_true")
    args = ap.parse_args()
    if not args.skip_synthetic:
        run_synthetic(args.payments)
    if args.simulated:
        run_simulated(args.simulated, args.size)


if __name__ == "__main__":
    main()
