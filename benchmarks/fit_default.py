"""Benchmark: wall time of the default fit (fits/breast) and of one objective evaluation.

Prints one JSON line. Requirement: the default fit under 60 s on the 2-core machine (target 10 s).
Usage: python benchmarks/fit_default.py [repeats]
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np

from metakinetics.inference import Objective, default_setup_path, fit, load_setup


def main(repeats: int = 3) -> None:
    setup = load_setup(default_setup_path())
    t0 = time.perf_counter()
    obj = Objective(setup)
    x0 = obj.params.start_vector()
    obj.residuals(x0)  # warm-up: compiled kernels and caches of the lower layers
    setup_s = time.perf_counter() - t0
    evals = []
    for i in range(10):
        x = x0 + 1e-3 * i  # a fresh point each time (no cache hit)
        t = time.perf_counter()
        obj.residuals(x)
        evals.append(time.perf_counter() - t)
    fits = []
    result = None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fit(setup, curves=False)
        fits.append(time.perf_counter() - t)
    print(json.dumps({
        "benchmark": "fit_default", "setup": str(default_setup_path().parent.name),
        "fit_wall_s_best": round(min(fits), 3), "fit_wall_s_median": round(float(np.median(fits)), 3),
        "objective_eval_s_median": round(float(np.median(evals)), 4),
        "objective_eval_s_min": round(min(evals), 4), "setup_s": round(setup_s, 3),
        "nfev": result.nfev, "status": result.status, "loglik": round(result.loglik, 4),
        "n_par": result.n_par, "requirement_s": 60, "target_s": 10,
        "meets_requirement": min(fits) < 60, "meets_target": min(fits) < 10}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
