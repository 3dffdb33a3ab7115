"""Benchmark: metastasis-to-metastasis seeding with death after relapse (incidence.cluster_relapse:
Lambda on ~10^4 node pairs per patient) against the same call without death after relapse.

Hub test model (tests/incidence/exp_hub.toml, liver secondary_shedding 1e4, 2 organs), background
death 0.03/year, endpoint any (or --endpoint: site_share, organs_per_relapse, multi_organ) at 1, 2,
..., 10 years:

- ``typical``: the typical patient (--individual, one patient),
- ``population``: Gauss-Hermite 24 x 5 x 5 nodes (25 patients x 24 mu nodes),
- ``breast``: the breast model (4 organs, secondary_shedding 1e4 in every organ), typical patient.

Prints ONE JSON line: best wall time (s) over R repeats (after one warm-up call) with nu = 0 and
with nu = --after-relapse, their ratio, and the number of node pairs and threshold vectors per
patient of the nu > 0 call.
Usage: python benchmarks/incidence_seeding_relapse.py [--repeat R] [--after-relapse 1.0] [--endpoint any]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from metakinetics.incidence.cluster_relapse import node_pairs
from metakinetics.incidence.terms import endpoint_grid
from metakinetics.model import load_model
from metakinetics.population import incidence
from metakinetics.population.checks import as_endpoint

HUB = Path(__file__).resolve().parent.parent / "tests" / "incidence" / "exp_hub.toml"
TIMES = np.arange(1.0, 11.0)


def best_wall(model, endpoint: str, how: dict, repeat: int) -> float:
    """Best wall time (s) of ``repeat`` calls of incidence(endpoint at TIMES) after one warm-up call."""
    incidence(model, endpoint, TIMES, **how)
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        incidence(model, endpoint, TIMES, **how)
        walls.append(time.perf_counter() - t0)
    return min(walls)


def pairs_per_patient(model) -> int:
    """Node pairs of the endpoint grid of any at TIMES (with the model's breaks left out: a lower
    bound; the engine adds surgery and detection-delay breaks)."""
    return int(node_pairs(endpoint_grid(as_endpoint("any"), TIMES, True, [0.1])).x.size)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--after-relapse", type=float, default=1.0, help="nu (1/year)")
    ap.add_argument("--endpoint", default="any", choices=["any", "site_share", "organs_per_relapse", "multi_organ"])
    args = ap.parse_args()
    hub = load_model(str(HUB)).with_values({"organs.liver.secondary_shedding": 1e4, "mortality.hazard": 0.03})
    breast = load_model("breast")
    breast = breast.with_values({**{f"organs.{o}.secondary_shedding": 1e4 for o in breast.organ_names},
                                 "mortality.hazard": 0.03})
    cases = {"typical": (hub, {"individual": True}),
             "population": (hub, {"nodes": {"mu": 24, "rate": 5, "diameter": 5}}),
             "breast": (breast, {"individual": True})}
    out = {"benchmark": "incidence_seeding_relapse", "endpoint": args.endpoint, "times": TIMES.size,
           "after_relapse": args.after_relapse, "repeat": args.repeat}
    for name, (model, how) in cases.items():
        base = best_wall(model.with_values({"mortality.after_relapse": 0.0}), args.endpoint, how, args.repeat)
        dead = best_wall(model.with_values({"mortality.after_relapse": args.after_relapse}), args.endpoint, how,
                         args.repeat)
        out[f"{name}_nu0_s"] = round(base, 4)
        out[f"{name}_nu_s"] = round(dead, 3)
        out[f"{name}_ratio"] = round(dead / base, 1)
        if args.endpoint != "multi_organ":
            pairs = pairs_per_patient(model)
            out[f"{name}_pairs"] = pairs
            out[f"{name}_vectors_per_patient"] = pairs * len(model.organ_names)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
