"""Benchmark: population incidence of the default breast model (Gompertz primary), 4 organs x 50
times, 1,000 Gauss-Hermite nodes (10 per random effect: mu, rate, diameter), endpoint 'any'.

Prints ONE JSON line: best and median wall time over R repeats (target: under 20 ms).
Usage: python benchmarks/incidence_quadrature.py [--repeat R] [--endpoint any] [--after-relapse NU]
       [--nodal-class N1-3]
(NU: death hazard after relapse, 1/year; the endpoints that follow a patient past the first
metastasis then need the clinical-time integral; for 'lag' the 50 times are lags in years.)
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from metakinetics.model import load_model
from metakinetics.population import incidence


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--endpoint", default="any")
    ap.add_argument("--after-relapse", type=float, default=0.0)
    ap.add_argument("--hazard", type=float, default=0.0, help="background death hazard (1/year)")
    ap.add_argument("--nodal-class", default=None,
                    help="patients of one nodal class (N0, N1-3, ...), with the nodal spread of fits/breast_nodes")
    args = ap.parse_args()
    over = {"mortality.after_relapse": args.after_relapse, "mortality.hazard": args.hazard}
    if args.nodal_class:
        from metakinetics.nodal_classes import nodal_class

        lo, hi = nodal_class(args.nodal_class)
        over |= {"nodes.ratio": 4.8e-6, "nodes.coupling": 0.24, "nodes.dispersion": 1.4, "nodes.min": lo, "nodes.max": hi}
    model = load_model("breast").with_values(over)
    ratio = args.endpoint in ("site_share", "organs_per_relapse", "multi_organ")   # undefined at 0
    times = np.linspace(0.4 if ratio else 0.0, 20.0, 50)
    res = incidence(model, args.endpoint, times, nodes=10)           # warm-up
    wall = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = incidence(model, args.endpoint, times, nodes=10)
        wall.append(time.perf_counter() - t0)
    print(json.dumps({"benchmark": "incidence_quadrature", "model": "breast", "endpoint": args.endpoint,
                      "after_relapse": args.after_relapse, "hazard": args.hazard, "nodal_class": args.nodal_class,
                      "organs": len(res.columns), "times": times.size, "nodes": 1000,
                      "best_ms": round(1e3 * min(wall), 2), "median_ms": round(1e3 * float(np.median(wall)), 2),
                      "target_ms": 20, "method": res.method}))


if __name__ == "__main__":
    main()
