"""Nodal classes: the selection weight P(class | patient) in the formulas == the cohort simulator,
which draws each patient's lymphatic deposits as a thinned Poisson process of the shedding up to
surgery and keeps the patients of the class, within 4 SE.

The breast model with nodal spread (ratio 3e-6, coupling 0.5: nodes follow sqrt(mu); and coupling
0.2 with a gamma frailty of variance 1: negative binomial counts), 150,000 virtual patients, N0 / N1-3 / N4-9 / N10+ at 5 times and 4 organs for any, first, distant and at
diagnosis, and each class's share of the M0 patients (nodal_share) (~400 comparisons at 4 SE: a false alarm has probability ~2.5%; the seed is fixed, so the
test is deterministic). The typical patient's node count is Poisson with the formula's mean.
"""
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

import metakinetics as mk
from metakinetics.endpoints import AtDiagnosis, Any, Distant, First, NodalShare
from metakinetics.incidence.nodes import nodal_mean
from metakinetics.nodal_classes import OPEN, nodal_class
from metakinetics.model.params import resolve
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort

#: Poisson counts with nodes following sqrt(mu); negative binomial counts (gamma frailty of
#: variance 1) only loosely tied to mu
SPREADS = [{"nodes.ratio": 3e-6, "nodes.coupling": 0.5},
           {"nodes.ratio": 3e-6, "nodes.coupling": 0.2, "nodes.dispersion": 1.0}]
TIMES = np.array([1.0, 3.0, 6.0, 12.0, 20.0])
N = 150_000


@pytest.fixture(scope="module", params=[0, 1], ids=["poisson", "negative-binomial"])
def spread_cohort(request):
    spread = SPREADS[request.param]
    return spread, simulate_cohort(mk.load_model("breast").with_values(spread), N, seed=11)


def _z(mc, q):
    n = np.maximum(mc.n, 2)
    se = np.sqrt(np.maximum(q * (1 - q), (1.0 / n) * (1 - 1.0 / n)) / n)
    return np.abs(mc.values - q) / se


@pytest.mark.parametrize("name", ["N0", "N1-3", "N4-9", "N10+"])
def test_each_nodal_class_agrees_with_the_simulator(spread_cohort, name):
    spread, cohort = spread_cohort
    lo, hi = nodal_class(name)
    model = mk.load_model("breast").with_values({**spread, "nodes.min": lo, "nodes.max": hi})
    mine = replace(cohort, selected=(cohort.nodes >= lo) & ((cohort.nodes <= hi) | (hi >= OPEN)))
    assert 500 < mine.selected.sum() < N          # every class holds patients here
    for ep, t in ((Any(), TIMES), (First(), TIMES), (Distant(), TIMES), (AtDiagnosis(), np.zeros(1)),
                  (NodalShare(), np.zeros(1))):
        q = mk.incidence(model, ep, t).values
        z = _z(cohort_incidence(mine, ep, t), q)
        assert z.max() < 4.0, (name, ep.name, z.max())


def test_the_library_monte_carlo_path_selects_the_class():
    # incidence(method="monte-carlo") simulates the model's own class: the same patients as above
    model = mk.load_model("breast").with_values({**SPREADS[0], "nodes.min": 1, "nodes.max": 3})
    mc = mk.incidence(model, "distant", TIMES, method="monte-carlo", patients=N, seed=11)
    q = mk.incidence(model, "distant", TIMES).values
    assert np.max(np.abs(mc.values - q) / mc.se) < 4.0


def test_a_typical_patients_node_count_is_poisson_with_the_formulas_mean():
    model = mk.load_model("breast").with_values({"nodes.ratio": 2e-5, "nodes.coupling": 0.5})
    coh = simulate_cohort(model, 200_000, seed=3, individual=True)
    pat = resolve(model)
    m = nodal_mean(pat.with_arrays(mu=np.ones(1)), pat.mu[:, None], pat.mu, closed=False)[0, 0]
    assert 1.0 < m < 10.0
    assert abs(coh.nodes.mean() - m) < 4 * np.sqrt(m / coh.n)
    for name in ("N0", "N1-3", "N4-9", "N10+"):
        lo, hi = nodal_class(name)
        p = stats.poisson.cdf(min(hi, 10_000), m) - stats.poisson.cdf(lo - 1, m)
        share = np.mean((coh.nodes >= lo) & (coh.nodes <= hi))
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / coh.n) + 1e-12, (name, share, p)


def test_without_nodal_spread_the_cohort_is_todays():
    a = simulate_cohort("breast", 2000, seed=5)
    b = simulate_cohort(mk.load_model("breast").with_values({"nodes.coupling": 0.2}), 2000, seed=5)
    assert a.nodes is None and a.selected is None and np.array_equal(a.detect, b.detect)


def test_with_a_frailty_the_count_is_negative_binomial():
    # variance m + d m^2 (4 SE of a sample variance of a negative binomial: SE ~ sqrt(2/n) var, well
    # within the 10% checked); the mean still the formula's
    d = 0.5
    model = mk.load_model("breast").with_values({"nodes.ratio": 2e-5, "nodes.coupling": 0.5, "nodes.dispersion": d})
    coh = simulate_cohort(model, 200_000, seed=4, individual=True)
    pat = resolve(model)
    m = nodal_mean(pat.with_arrays(mu=np.ones(1)), pat.mu[:, None], pat.mu, closed=False)[0, 0]
    var = m + d * m * m
    assert abs(coh.nodes.mean() - m) < 4 * np.sqrt(var / coh.n)
    assert coh.nodes.var() == pytest.approx(var, rel=0.1)
    share0 = np.mean(coh.nodes == 0)
    p0 = (1 + d * m) ** (-1 / d)
    assert abs(share0 - p0) < 4 * np.sqrt(p0 * (1 - p0) / coh.n)
