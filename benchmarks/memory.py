"""Benchmark: peak memory and wall time of the requests that once grew with the largest time or
the number of output times (issue 14 item 10), each in a fresh interpreter.

Cases: the population `first` incidence at times 1, 20, 100, 1000, 1e5 and 1e6 years (killed at
24 GB before the engine rewrite); `any` and `first` at 1,000 monthly times over 80 years (1.2 GB
and 11.6 GB before); the individual-data fit of fits/rotterdam (censored times to distant
metastasis, a prediction grid of 0.25 y). Peak = ru_maxrss of the child process (resident set,
including the interpreter and its imports, measured alone as `import_only`).

Prints ONE JSON line; bound: every case under 500 MB peak (`meets_bound`).
Usage: python benchmarks/memory.py            (all cases)
       python benchmarks/memory.py CASE       (one case, in this process: what the parent runs)
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

BOUND_MB = 500
ROOT = Path(__file__).resolve().parents[1]
MONTHLY = [round((i + 1) * 80 / 1000, 6) for i in range(1000)]   # 1,000 times over 80 years (~monthly)


def _incidence(endpoint, times):
    import metakinetics as mk

    return mk.incidence("breast", endpoint, times)


def _rotterdam():
    from metakinetics.inference import fit, load_setup

    r = fit(load_setup(ROOT / "fits" / "rotterdam"), curves=False)
    return r.status


CASES = {
    "import_only": lambda: __import__("metakinetics.api"),
    "first_to_1e6_years": lambda: _incidence("first", [1, 20, 100, 1000, 1e5, 1e6]),
    "any_1000_monthly_times": lambda: _incidence("any", MONTHLY),
    "first_1000_monthly_times": lambda: _incidence("first", MONTHLY),
    "fit_rotterdam_individual_data": _rotterdam,
}


def run_case(name: str) -> None:
    """Run one case here; print its wall time and this process's peak resident set."""
    import metakinetics.api  # noqa: F401  (the import is the baseline, not the case)

    t = time.perf_counter()
    CASES[name]()
    wall = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    print(json.dumps({"case": name, "wall_s": round(wall, 3), "peak_mb": round(peak_mb, 1)}))


def main() -> None:
    rows = []
    for name in CASES:
        out = subprocess.run([sys.executable, __file__, name], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(json.dumps({"benchmark": "memory", "bound_mb": BOUND_MB, "peak": "ru_maxrss per fresh process",
                      "cases": rows, "meets_bound": all(r["peak_mb"] < BOUND_MB for r in rows)}))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        run_case(sys.argv[1])
    else:
        main()
