"""Benchmark: event-level Monte Carlo of the default breast model with metastasis-to-metastasis
seeding (every organ's colonies shed mu' y^gamma', gamma' = 2/3), followed to a 30-year horizon.

Prints ONE JSON line: wall time of the first call and the best of R more (after a warm-up of 1,000
patients, as the other benchmarks), patients/s of each (target >= 1e5), the same without seeding,
and the median lag (years) from the first detected metastasis to brain among relapsed patients with
brain. Usage: python benchmarks/cohort_secondary.py [--patients N] [--seed S] [--mu2 X] [--repeat R]
[--gompertz-K K] (every organ's colonies Gompertz, as in incidence_secondary.py)
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from metakinetics.model import load_model
from metakinetics.stochastic.cohort import simulate_cohort
from incidence_secondary import ORGANS, gompertz_colonies  # benchmarks/ is on sys.path when run as a script


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mu2", type=float, default=1e4, help="organs.*.secondary_shedding (cells^(1/3)/year)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gompertz-K", type=float, default=None,
                    help="Gompertz colonies of this K in every organ (initial specific growth as breast's)")
    args = ap.parse_args()
    base = load_model("breast").with_values(gompertz_colonies(ORGANS, args.gompertz_K))
    model = base.with_values({**{f"organs.{o}.secondary_shedding": args.mu2 for o in base.organ_names},
                              "shedding.secondary_gamma": 2 / 3})
    t0 = time.perf_counter()
    simulate_cohort(base, args.patients, seed=args.seed)
    off = time.perf_counter() - t0
    t0 = time.perf_counter()
    coh = simulate_cohort(model, args.patients, seed=args.seed)
    first_wall = time.perf_counter() - t0
    simulate_cohort(model, 1000, seed=args.seed)
    walls = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        simulate_cohort(model, args.patients, seed=args.seed)
        walls.append(time.perf_counter() - t0)
    wall = min(walls)
    d = coh.detect
    first = d.min(axis=1)
    rel = np.isfinite(first) & (first <= coh.horizon)
    brain = rel & (d[:, coh.organs.index("brain")] <= coh.horizon)
    lag = d[brain, coh.organs.index("brain")] - first[brain]
    print(json.dumps({"benchmark": "cohort_secondary", "patients": args.patients, "mu2": args.mu2,
                      "gompertz_K": args.gompertz_K,
                      "first_call_wall_s": round(first_wall, 3),
                      "first_call_patients_per_s": round(args.patients / first_wall),
                      "wall_s": round(wall, 3), "patients_per_s": round(args.patients / wall),
                      "patients_per_s_without": round(args.patients / off),
                      "median_lag_brain_y": round(float(np.median(lag)), 3), "target_patients_per_s": 1e5}))


if __name__ == "__main__":
    main()
