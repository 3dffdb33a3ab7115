"""Benchmark: a 1,000-draw x 6-scenario sweep of population incidence, serial vs 2 workers.

Parameter draws from the default fit's covariance (fits/breast), the six built-in scenario kinds
of the figure set plus the baseline, endpoint 'any' at 0..20 years, Gauss-Hermite nodes of the
fit set-up (mu 24, rate 6, diameter 6: checked by the fit against the 48/12/12 default). Prints ONE
JSON line: wall times, evaluations per second, speed-up, and whether the parallel numbers are
bit-identical to the serial ones. Each chunk of draws (the parallel task) evaluates every scenario
with one batched call (population.incidence_batch), not one call per draw.
Usage: python benchmarks/sweep.py [--draws 1000] [--workers 2] [--fit fits/breast]
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from metakinetics.scenarios import as_fit_summary, draw_parameters, parse_scenario, sweep
from metakinetics.scenarios.transforms import Baseline
from metakinetics.endpoints import Any
from metakinetics.figures.figure_set import DEFAULT_SCENARIOS

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--fit", default=str(ROOT / "fits" / "breast"))
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()
    fit = as_fit_summary(args.fit)
    draws = draw_parameters(fit, args.draws, seed=args.seed)
    scenarios = [Baseline()] + [parse_scenario(s) for s in DEFAULT_SCENARIOS]
    times = np.arange(0.0, 21.0)
    opts = dict(draws=draws, seed=args.seed, nodes={"mu": 24, "rate": 6, "diameter": 6})
    t0 = time.perf_counter()
    serial = sweep(fit.model, scenarios, Any(), times, workers=1, **opts)
    t_serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    par = sweep(fit.model, scenarios, Any(), times, workers=args.workers, **opts)
    t_par = time.perf_counter() - t0
    n_eval = (args.draws + 1) * len(scenarios)
    print(json.dumps({
        "benchmark": "scenario_sweep", "draws": args.draws, "scenarios": len(scenarios) - 1,
        "evaluations": n_eval, "times": len(times), "organs": len(serial.columns),
        "cpus": len(os.sched_getaffinity(0)), "serial_s": round(t_serial, 2),
        "parallel_s": round(t_par, 2), "workers": args.workers,
        "serial_eval_per_s": round(n_eval / t_serial, 1), "parallel_eval_per_s": round(n_eval / t_par, 1),
        "speedup": round(t_serial / t_par, 2),
        "bit_identical": bool(np.array_equal(serial.values, par.values)),
    }))


if __name__ == "__main__":
    main()
