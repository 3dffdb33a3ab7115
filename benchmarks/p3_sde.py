"""Benchmark P3 (shared/benchmarks/PROBLEMS.md): Euler-Maruyama ensemble of the stochastic Gompertz
SDE dX = a X ln(K/X) dt + s X dW through the general SDE engine (drift and diffusion from the
model's growth law via sympy, compiled to in-place numpy ufuncs), 10,000 steps of dt = 1e-3.
Measures path-steps/s against the raw one-thread numpy standard_normal fill rate measured in the
same run, and z-scores of the mean and variance of ln X(T) against the closed form. Prints one
JSON line.

usage: python benchmarks/p3_sde.py [threads]
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np

from metakinetics.model import load_model
from metakinetics.stochastic import sde_from_model, simulate_sde

A, K, S, X0, T, DT = 0.5, 1e12, 0.3, 1e6, 10.0, 1e-3
STEPS = int(round(T / DT))


def fill_rate(n: int, steps: int = 2000) -> float:
    """Normals per second of Generator.standard_normal(out=...) filling n at a time (one thread)."""
    rng = np.random.default_rng(1)
    buf = np.empty(n)
    rng.standard_normal(out=buf)
    t0 = time.perf_counter()
    for _ in range(steps):
        rng.standard_normal(out=buf)
    return n * steps / (time.perf_counter() - t0)


def moments_z(y: np.ndarray) -> tuple[float, float]:
    mu = np.log(K) - S * S / (2 * A)
    m = mu + (np.log(X0) - mu) * np.exp(-A * T)
    v = S * S / (2 * A) * (1 - np.exp(-2 * A * T))
    n = y.size
    vs = y.var(ddof=1)
    m4 = ((y - y.mean()) ** 4).mean()
    return (y.mean() - m) / np.sqrt(vs / n), (vs - v) / np.sqrt((m4 - vs * vs * (n - 3) / (n - 1)) / n)


def main(threads: int = 1) -> dict:
    model = load_model("breast").with_values({"primary.rate": A, "primary.K": K, "primary.x0": X0})
    spec = sde_from_model(model, S)
    simulate_sde(spec, [DT * 10], 100, 0, dt=DT)      # compile once outside the timing
    rows = {}
    for n in (10_000, 100_000):
        fill = fill_rate(n)
        t0 = time.perf_counter()
        ens = simulate_sde(spec, [T], n, 20261124, dt=DT, threads=threads)
        wall = time.perf_counter() - t0
        rate = n * STEPS / wall
        zm, zv = moments_z(np.log(ens.paths[:, 0, 0]))
        rows[str(n)] = {"wall_s": round(wall, 3), "path_steps_per_s": float(f"{rate:.4g}"),
                        "fill_normals_per_s": float(f"{fill:.4g}"), "ratio_to_fill": round(rate / fill, 3),
                        "z_mean_logX": round(float(zm), 3), "z_var_logX": round(float(zv), 3)}
    out = {"benchmark": "P3", "method": "euler-maruyama (general SDE engine)", "threads": threads,
           "steps": STEPS, "dt": DT, "results": rows}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
