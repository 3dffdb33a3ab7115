"""Benchmark: population incidence with 4 intrinsic classes (models/breast_subtypes.toml) against
the same model without classes (models/breast.toml values), 4 organs x 50 times, default
Gauss-Hermite nodes. The class mixture evaluates 4 class sets, so ~4x is the natural cost.

Prints ONE JSON line: best and median wall times over R repeats and the ratio (target: <= 5x).
Usage: python benchmarks/incidence_classes.py [--repeat R] [--endpoint any]
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import numpy as np

from metakinetics.model import load_model
from metakinetics.population import incidence


def incidence_walls(model, endpoint, times, repeat):
    """Wall times (s) of ``repeat`` population incidence calls after one warm-up call."""
    incidence(model, endpoint, times)                                     # warm-up
    wall = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        incidence(model, endpoint, times)
        wall.append(time.perf_counter() - t0)
    return wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--endpoint", default="any")
    args = ap.parse_args()
    four = load_model("breast_subtypes")
    one = replace(four, classes=())
    times = np.linspace(0.5, 20.0, 50)
    w1 = incidence_walls(one, args.endpoint, times, args.repeat)
    w4 = incidence_walls(four, args.endpoint, times, args.repeat)
    print(json.dumps({"benchmark": "incidence_classes", "model": "breast_subtypes", "endpoint": args.endpoint,
                      "classes": len(four.classes), "organs": len(four.organs), "times": times.size,
                      "one_class_best_ms": round(1e3 * min(w1), 2), "one_class_median_ms": round(1e3 * float(np.median(w1)), 2),
                      "classes_best_ms": round(1e3 * min(w4), 2), "classes_median_ms": round(1e3 * float(np.median(w4)), 2),
                      "ratio_best": round(min(w4) / min(w1), 2), "target_ratio": 5}))


if __name__ == "__main__":
    main()
