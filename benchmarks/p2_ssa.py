"""Benchmark P2 (shared/benchmarks/PROBLEMS.md): exact SSA of the 10-species, 24-reaction
metastasis network (models/networks/p2.toml), n trajectories simulated all at once, incidence
curves I_k(t) = P(N_k(t) >= 1000) and E[P(t)] compared with the pooled reference
(benchmarks/data/p2_reference_curves.csv, copied from shared/benchmarks/, pooled from GillesPy2,
libRoadRunner and COPASI exact-SSA runs, ~1.6e5 trajectories). Prints one JSON line.

usage: python benchmarks/p2_ssa.py [n_paths] [seed]
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from metakinetics.stochastic import load_network, ssa

ORGANS = ("bone", "lung", "liver", "brain")
DETECT = 1000.0


def main(n: int = 10_000, seed: int = 2026) -> dict:
    ref = np.genfromtxt(Path(__file__).with_name("data") / "p2_reference_curves.csv", delimiter=",", names=True)
    net = load_network("p2")
    ssa(net, [0.0, 0.01], 10, 0)          # compile once (sympy codegen) outside the timing
    t0 = time.perf_counter()
    ens = ssa(net, ref["t"], n, seed)
    P = ens.column("P")
    curves = {k: (ens.column(f"N_{k}") >= DETECT).mean(axis=0) for k in ORGANS}
    p_mean, p_se = P.mean(axis=0), P.std(axis=0, ddof=1) / np.sqrt(n)
    wall = time.perf_counter() - t0
    z = []
    with np.errstate(invalid="ignore", divide="ignore"):
        z.append((p_mean - ref["P_mean"]) / np.sqrt(p_se ** 2 + ref["P_se"] ** 2))
        for k in ORGANS:
            ours = curves[k]
            # binomial SE from the pooled proportion (both samples), plus the reference's own SE
            pool = ref[f"inc_{k}"]
            se = np.sqrt(pool * (1 - pool) / n + ref[f"inc_{k}_se"] ** 2)
            z.append(np.where(se > 0, (ours - pool) / se, np.where(ours == pool, 0.0, np.inf)))
    z = np.concatenate(z)
    z = z[np.isfinite(z) | np.isinf(z)]
    out = {"benchmark": "P2", "method": "ssa (direct, vectorised over paths)", "n_paths": n,
           "seed": seed, "wall_s": round(wall, 3), "trajectories_per_s": round(n / wall, 1),
           "events": ens.events, "events_per_s": round(ens.events / wall), "numpy_steps": ens.info["steps"],
           "max_abs_z": round(float(np.max(np.abs(z))), 3), "points": int(z.size),
           "peer_fastest_s_1e4": 25.3}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
