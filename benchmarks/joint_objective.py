"""Benchmark: one evaluation of the joint fit's objective (fits/breast_joint: 22 parameters, 9 data
sets, ~50 group models, four classes, 2,091 individual patients).

Prints one JSON line. The joint fit's time is evaluations x this (issue 11: the joint fit <= 60 s).
Usage: python benchmarks/joint_objective.py [evaluations]
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from metakinetics.inference import Objective, load_setup

SETUP = Path(__file__).resolve().parents[1] / "fits" / "breast_joint" / "fit.toml"


def main(n: int = 10) -> None:
    obj = Objective(load_setup(SETUP))
    x0 = obj.params.start_vector()
    obj.minus2ll(x0)                        # warm-up: tables and caches of the lower layers
    times = []
    for i in range(n):
        x = x0 + 1e-4 * (i + 1)             # a fresh point each time (no cache hit)
        t = time.perf_counter()
        value = obj.minus2ll(x)
        times.append(time.perf_counter() - t)
        if not np.isfinite(value) or value >= 1e12:
            raise SystemExit(f"evaluation {i} failed")
    print(json.dumps({"benchmark": "joint_objective", "parameters": len(x0), "evaluations": n,
                      "eval_s_median": round(float(np.median(times)), 4), "eval_s_min": round(min(times), 4)}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
