"""Benchmark: one evaluation of an individual-data likelihood with per-patient covariates.

fits/rotterdam_continuous (2,091 patients: exact node count, diameter interval-censored over its
size class) at its start values, split into the batched engine call over the G parameter sets
(diameters x node counts), the nodal-share call that tilts the range weights, and the likelihood
(weights, spline, per-patient mixture); against it fits/rotterdam_nodes (the same patients in 12
size x nodal-class groups). Prints ONE JSON line: best and median seconds per evaluation and per
patient for each.
Usage: python benchmarks/patient_likelihood.py [--repeat N]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from metakinetics.inference.objective import Objective
from metakinetics.inference.problem import load_setup

FITS = Path(__file__).resolve().parents[1] / "fits"


def _times(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    row = {"benchmark": "patient_likelihood", "repeat": args.repeat}
    for name in ("rotterdam_continuous", "rotterdam_nodes"):
        obj = Objective(load_setup(FITS / name))
        x = obj.params.start_vector()
        prob = obj.problems[0]
        obj.loglik(x)                                      # warm-up
        total = _times(lambda: obj.loglik(x), args.repeat)
        entry = {"patients": prob.n_obs, "best_s": round(min(total), 4), "median_s": round(statistics.median(total), 4),
                 "per_patient_us": round(1e6 * min(total) / prob.n_obs, 1)}
        if prob.covariates is not None:
            model = obj.model_at(x, prob, None, {})
            pred = obj.covariate_predictions(model, prob)
            lik = _times(lambda: prob.likelihood.loglik(*pred), args.repeat)
            entry.update({"parameter_sets": prob.covariates.n_sets, "likelihood_only_best_s": round(min(lik), 4),
                          "likelihood_only_per_patient_us": round(1e6 * min(lik) / prob.n_obs, 1)})
        row[name] = entry
    print(json.dumps(row))


if __name__ == "__main__":
    main()
