"""Benchmark: ``metakinetics predict --patients FILE.csv`` for 10^4 patients (target <= 30 s).

Writes a seeded synthetic CSV (diameters log-normal around 2 cm to the millimetre, nodes 0-25 with 60%
N0, subtypes by the Howlader 2014 mix, endocrine therapy for the HR-positive ones), then runs the CLI
(``--no-figures --format csv --out DIR``) and prints ONE JSON line: wall time, patients, distinct
covariate patterns, and the largest interpolation error of the diameter grid against exact evaluation
on a subsample (``--check N``).
Usage: python benchmarks/predict_patients.py [--patients 10000] [--source fits/breast] [--draws 40]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def write_csv(path: Path, n: int, seed: int) -> None:
    """A synthetic patients CSV of ``n`` rows (seeded)."""
    rng = np.random.default_rng(seed)
    d = np.round(np.clip(2.0 * np.exp(0.45 * rng.standard_normal(n)), 0.3, 12.0), 1)
    nodes = np.where(rng.random(n) < 0.6, 0, np.minimum(rng.geometric(0.25, n), 25))
    sub = rng.choice(["luminal_a", "luminal_b", "her2_enriched", "triple_negative"], n, p=[0.728, 0.104, 0.046, 0.122])
    treat = np.where(np.isin(sub, ["luminal_a", "luminal_b"]), "endocrine", "none")
    lines = ["id,diameter_cm,nodes,subtype,treatment"]
    lines += [f"p{i},{d[i]:g},{nodes[i]},{sub[i]},{treat[i]}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--source", default="fits/breast")
    ap.add_argument("--draws", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", type=int, default=50, help="patients re-evaluated exactly (grid error)")
    ap.add_argument("--extra", nargs="*", default=[], help="further CLI arguments")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "patients.csv"
        write_csv(csv, args.patients, args.seed)
        cmd = [sys.executable, "-m", "metakinetics", "predict", args.source, "--patients", str(csv), "--no-figures",
               "--format", "csv", "--out", str(Path(tmp) / "out"), "--no-progress", *args.extra]
        if args.draws is not None:
            cmd += ["--draws", str(args.draws)]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall = time.perf_counter() - t0
        import metakinetics as mk
        from metakinetics.patient.spec import covariate_values

        people = mk.read_patients(csv)
        model = mk.load_model(args.source) if not Path(args.source).is_dir() else None
        if model is None:
            from metakinetics.scenarios import resolve_source

            model = resolve_source(args.source)[0]
        patterns = {tuple(sorted(covariate_values(model, p)[0].items())) for p in people}
        err = None
        if args.check:
            pick = [people[i] for i in np.random.default_rng(2).choice(len(people), args.check, replace=False)]
            exact = mk.predict(args.source, pick, spread=False)
            grid = mk.predict(args.source, pick, spread=False, diameter_grid=16)
            err = max(float(np.max(np.abs(exact.values[k] - grid.values[k]))) for k in exact.values)
    print(json.dumps({"benchmark": "predict_patients", "source": args.source, "patients": args.patients,
                      "patterns": len(patterns), "wall_s": round(wall, 2), "grid_max_abs_error": err,
                      "checked": args.check, "target_s": 30}))


if __name__ == "__main__":
    main()
