"""Benchmark: exact event-level Monte Carlo of 10^6 virtual patients of the default breast model.

Prints ONE JSON line: wall time (target: under 10 s on 2 cores), patients/s, M0 share.
Usage: python benchmarks/cohort_mc.py [--patients N] [--seed S]
"""
from __future__ import annotations

import argparse
import json
import time

from metakinetics.model import load_model
from metakinetics.stochastic.cohort import simulate_cohort


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--model", default="breast")
    args = ap.parse_args()
    model = load_model(args.model)
    t0 = time.perf_counter()
    coh = simulate_cohort(model, args.patients, seed=args.seed)
    wall = time.perf_counter() - t0
    print(json.dumps({"benchmark": "cohort_mc", "model": args.model, "patients": args.patients,
                      "wall_s": round(wall, 3), "patients_per_s": round(args.patients / wall),
                      "m0_share": round(float(coh.m0.mean()), 5), "target_s": 10}))


if __name__ == "__main__":
    main()
