"""Benchmark: population incidence with metastasis-to-metastasis seeding, 4 organs x 50 times
(0.5-25 years), default Gauss-Hermite nodes:

- one class without seeding (models/breast.toml),
- one class with seeding (breast, organs.*.secondary_shedding = 1e4 for all four organs),
- 4 classes with seeding (models/breast_subtypes.toml, the same secondary_shedding).

Prints ONE JSON line: best and median wall times (ms) over R repeats after one warm-up call, and
the ratios to the one-class time without seeding (issue 10's target: 4 classes with seeding <= 5x).
Usage: python benchmarks/incidence_secondary.py [--repeat R] [--endpoint any]
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from metakinetics.model import load_model
from incidence_classes import incidence_walls  # benchmarks/ is on sys.path when run as a script

ORGANS = ("bone", "lung", "liver", "brain")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--endpoint", default="any")
    ap.add_argument("--shedding", type=float, default=1e4, help="secondary_shedding of every organ")
    args = ap.parse_args()
    seeding = {f"organs.{o}.secondary_shedding": args.shedding for o in ORGANS}
    times = np.linspace(0.5, 25.0, 50)
    cases = {"one_class": load_model("breast"),
             "one_class_seeding": load_model("breast").with_values(seeding),
             "classes_seeding": load_model("breast_subtypes").with_values(seeding)}
    out = {"benchmark": "incidence_secondary", "endpoint": args.endpoint, "organs": len(ORGANS),
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
