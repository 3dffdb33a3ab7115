"""Benchmark: population incidence with metastasis-to-metastasis seeding, 4 organs x 50 times
(0.5-25 years), default Gauss-Hermite nodes:

- one class without seeding (models/breast.toml),
- one class with seeding (breast, organs.*.secondary_shedding = 1e4 for all four organs),
- 4 classes with seeding (models/breast_subtypes.toml, the same secondary_shedding).

Prints ONE JSON line: best and median wall times (ms) over R repeats after one warm-up call, and
the ratios to the one-class time without seeding (issue 10's target: 4 classes with seeding <= 5x).
With --gompertz-K K every organ's colonies grow by Gompertz (same initial specific growth, 9.345/year)
in the two seeding cases. Usage: python benchmarks/incidence_secondary.py [--repeat R] [--endpoint any]
[--gompertz-K 1e10]
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from metakinetics.model import load_model
from incidence_classes import incidence_walls  # benchmarks/ is on sys.path when run as a script

#: the breast model's fitted colony growth rate (1/year): Gompertz colonies get it as their initial rate
BREAST_RATE = 9.345


def gompertz_colonies(organs, K) -> dict:
    """Overrides making every organ's colonies Gompertz with capacity ``K`` cells and initial
    specific growth BREAST_RATE (rate = BREAST_RATE / ln K); none if ``K`` is None."""
    if K is None:
        return {}
    rate = BREAST_RATE / float(np.log(K))
    return {key: val for o in organs for key, val in ((f"organs.{o}.growth", "gompertz"), (f"organs.{o}.K", K),
                                                      (f"organs.{o}.rate", rate))}

ORGANS = ("bone", "lung", "liver", "brain")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--endpoint", default="any")
    ap.add_argument("--shedding", type=float, default=1e4, help="secondary_shedding of every organ")
    ap.add_argument("--gompertz-K", type=float, default=None,
                    help="Gompertz colonies of this K (cells) in every organ, with the breast model's initial "
                         "specific growth (rate = 9.345 / ln K): the tabulated daughter kernel")
    args = ap.parse_args()
    seeding = {f"organs.{o}.secondary_shedding": args.shedding for o in ORGANS}
    seeding.update(gompertz_colonies(ORGANS, args.gompertz_K))
    times = np.linspace(0.5, 25.0, 50)
    cases = {"one_class": load_model("breast"),
             "one_class_seeding": load_model("breast").with_values(seeding),
             "classes_seeding": load_model("breast_subtypes").with_values(seeding)}
    out = {"benchmark": "incidence_secondary", "endpoint": args.endpoint, "organs": len(ORGANS),
           "colonies": "exponential" if args.gompertz_K is None else f"gompertz K={args.gompertz_K:g}",
           "times": times.size, "secondary_shedding": args.shedding, "repeat": args.repeat}
    walls = {}
    for name, model in cases.items():
        walls[name] = w = incidence_walls(model, args.endpoint, times, args.repeat)
        out[f"{name}_best_ms"] = round(1e3 * min(w), 2)
        out[f"{name}_median_ms"] = round(1e3 * float(np.median(w)), 2)
    for name in ("one_class_seeding", "classes_seeding"):
        out[f"ratio_{name}_best"] = round(min(walls[name]) / min(walls["one_class"]), 1)
        out[f"ratio_{name}_median"] = round(float(np.median(walls[name]) / np.median(walls["one_class"])), 1)
    out["target_ratio_classes_seeding"] = 5
    print(json.dumps(out))


if __name__ == "__main__":
    main()
