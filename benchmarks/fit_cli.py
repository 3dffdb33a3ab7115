"""Benchmark: wall time of the whole ``metakinetics fit`` command on the default fit (fits/breast),
as a user runs it: a fresh interpreter, the fit, result.json and fit.png with its 95% bands.

Prints one JSON line. Requirement (issue 9): <= 5 s on the 2-core machine.
Usage: python benchmarks/fit_cli.py [repeats] (writes into a temporary folder, never fits/breast)
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SETUP = Path(__file__).resolve().parents[1] / "fits" / "breast"


def main(repeats: int = 3) -> None:
    walls = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeats):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "metakinetics", "fit", str(SETUP), "--out-dir", out, "--quiet"],
                           check=True)
            walls.append(time.perf_counter() - t)
        result = json.loads((Path(out) / "result.json").read_text())
        png = (Path(out) / "fit.png").stat().st_size
    print(json.dumps({
        "benchmark": "fit_cli", "setup": SETUP.name, "command": "metakinetics fit fits/breast",
        "wall_s_best": round(min(walls), 3), "wall_s_median": round(float(np.median(walls)), 3),
        "walls_s": [round(w, 3) for w in walls], "status": result["status"], "nfev": result["nfev"],
        "fit_png_bytes": png, "requirement_s": 5, "meets_requirement": float(np.median(walls)) <= 5}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
