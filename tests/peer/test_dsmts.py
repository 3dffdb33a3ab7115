"""The SBML Discrete Stochastic Model Test Suite (DSMTS, Evans, Gillespie & Wilkinson 2008): the
exact SSA must pass every case by the suite's own criteria (README-upstream.md):
Z_t = sqrt(n) (mean_t - mu_t)/sigma_t within meanRange (-3, 3) and
Y_t = sqrt(n/2) (S_t^2/sigma_t^2 - 1) within sdRange (-5, 5) at every time point with sigma_t > 0.

Read from ../shared/peer-suites/dsmts (skipped with a message when absent). n = 10^4 paths
(the suite's usual n) except for the two cases with ~10^5 events per path (00005, 00023), which
run at the suite's minimum n = 1000 to keep the whole suite under a minute; the criteria scale
with sqrt(n), so they are as strict relative to the sampling error.

Miss allowance: the suite says a correct simulator "will still occasionally fail a test or two";
with 50 points per variable and P(|Z| >= 3) = 0.0027 each, a correct SSA misses on average 0.14
times, and >= 3 misses has probability ~4e-4 per variable: we allow at most 2 misses per
variable for Z and for Y. Case 00003 (birth 1, death 1.1 from 100: mostly extinct by t = 30) has a
sample kurtosis of 30-100 at late times, where S_t^2 has SD sqrt((kurtosis-1)/2) ~ 4-7 in Y units,
not 1: the suite's Y range assumes kurtosis 3 and a correct simulator fails it there. For that
case raw Y misses are allowed only where the sample kurtosis exceeds 10, and the
kurtosis-corrected Y_t / sqrt((k_t - 1)/2) must be within (-5, 5) everywhere (stated in
docs/stochastic.md). Seeds are fixed (the case number), so the test is deterministic.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("libsbml")

from metakinetics.interop import read_sbml  # noqa: E402
from metakinetics.stochastic import ssa  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT.parent / "shared" / "peer-suites" / "dsmts"
CASES = sorted(p.name for p in SUITE.iterdir() if p.name.isdigit()) if SUITE.is_dir() else []
HEAVY = {"00005": 1000, "00023": 1000}      # ~1e5 events per path
HEAVY_TAILED = {"00003"}
MAX_MISSES = 2

pytestmark = pytest.mark.skipif(not CASES, reason=f"DSMTS suite not found at {SUITE} (../shared is absent)")


def load_case(case: str):
    d = SUITE / case
    settings = (d / f"{case}-settings.txt").read_text()
    variables = [v.strip() for v in re.search(r"variables:(.*)", settings).group(1).split(",")]
    zr = tuple(float(x) for x in re.search(r"meanRange:\s*\(([^)]*)\)", settings).group(1).split(","))
    yr = tuple(float(x) for x in re.search(r"sdRange:\s*\(([^)]*)\)", settings).group(1).split(","))
    res = np.genfromtxt(d / f"{case}-results.csv", delimiter=",", names=True, deletechars="")
    return read_sbml(d / f"{case}-sbml-l3v1.xml"), variables, zr, yr, res


def criteria(ens, var, res, n):
    """Z and Y at the points with sigma > 0, plus the exact check where sigma = 0."""
    i = ens.index(var)
    mu, sg = res[f"{var}-mean"], res[f"{var}-sd"]
    ok = sg > 0
    Z = np.sqrt(n) * (ens.mean[ok, i] - mu[ok]) / sg[ok]
    Y = np.sqrt(n / 2) * (ens.sd[ok, i] ** 2 / sg[ok] ** 2 - 1)
    return Z, Y, ok, mu, i


@pytest.mark.statistical
@pytest.mark.parametrize("case", CASES)
def test_ssa_passes_dsmts(case):
    net, variables, (zlo, zhi), (ylo, yhi), res = load_case(case)
    n = HEAVY.get(case, 10_000)
    ens = ssa(net, res["time"], n, int(case))
    for var in variables:
        Z, Y, ok, mu, i = criteria(ens, var, res, n)
        # where the expected SD is 0 (t = 0, constant species) the mean must be exact
        np.testing.assert_allclose(ens.mean[~ok, i], mu[~ok], rtol=0, atol=1e-12)
        z_miss = np.flatnonzero((Z <= zlo) | (Z >= zhi))
        y_miss = np.flatnonzero((Y <= ylo) | (Y >= yhi))
        assert z_miss.size <= MAX_MISSES, f"{case} {var}: Z misses at {z_miss} (n={n}): {Z[z_miss]}"
        if case in HEAVY_TAILED:
            x = ens.column(var)[:, ok]
            kurt = ((x - x.mean(0)) ** 4).mean(0) / x.var(0) ** 2
            assert np.all(kurt[y_miss] > 10), f"{case} {var}: Y misses where kurtosis <= 10"
            Yc = Y / np.sqrt((kurt - 1) / 2)
            assert np.all((Yc > ylo) & (Yc < yhi)), f"{case} {var}: kurtosis-corrected Y {Yc}"
        else:
            assert y_miss.size <= MAX_MISSES, f"{case} {var}: Y misses at {y_miss} (n={n}): {Y[y_miss]}"
