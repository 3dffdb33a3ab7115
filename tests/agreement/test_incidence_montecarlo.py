"""Exact event-level Monte Carlo (10^5 virtual patients) == quadrature within 4 standard errors.

The cohort simulator draws each patient's shed cells, arrests, dormancy, colonies and detection
from the processes themselves (metakinetics.stochastic.cohort); the quadrature path uses the
M_k formulas and Gauss-Hermite over the random effects with the M0 reweighting. 4 SE at every
time, organ and endpoint: with ~150 comparisons per case a false alarm has probability
~150 x 6e-5 ~ 1% (seeds are fixed, so the test is deterministic). Where the estimate is 0 the
binomial SE is computed from the quadrature value (floored at 1/n).
"""
import numpy as np
import pytest

from metakinetics.endpoints import AtDiagnosis, Any, Distant, First, Landmark, SiteShare
from metakinetics.model import load_model
from metakinetics.population import incidence
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort

N = 100_000
TIMES = np.array([0.0, 1.0, 3.0, 5.0, 8.0, 12.0, 20.0])
ENDPOINTS = [Any(), First(), Distant(), AtDiagnosis(), SiteShare(), Landmark(Distant(), 5.0), Landmark(Any(), 3.0)]
CASES = {
    # large random-effect spread: shedding SD 2.5 on the log scale, wider rates and sizes
    "large-spread": ("breast", None, {"population.mu_sd": 2.5, "population.rate_sd": 0.5, "population.diameter_sd": 0.5}),
    # adjuvant kill of dormant cells and undetected colonies, a longer surgery delay, background death
    "adjuvant-kill": ("breast", None, {"treatment.kill_dormant": 0.6, "treatment.kill_colony": 0.5,
                                 "diagnosis.surgery_delay": 0.5, "mortality.hazard": 0.03}),
    # stochastic birth-death colonies (extinction, random growth onset) with adjuvant kill
    # (6 Gauss-Hermite nodes on rate and diameter keep it fast: 2e-6 from the default 12)
    "birth-death": ("breast_birth_death", {"rate": 6, "diameter": 6}, {"treatment.kill_colony": 0.3, "treatment.kill_dormant": 0.3}),
}


def _z(mc, q):
    n = np.maximum(mc.n, 2)
    se = np.sqrt(np.maximum(q * (1 - q), (1.0 / n) * (1 - 1.0 / n)) / n)
    return np.where(mc.n > 0, (mc.values - q) / se, 0.0)     # no patients at risk: nothing to compare


@pytest.mark.statistical
@pytest.mark.parametrize("case", list(CASES))
def test_cohort_agrees_with_quadrature(case):
    name, nodes, sets = CASES[case]
    model = load_model(name).with_values(sets)
    cohort = simulate_cohort(model, N, seed=20240611)
    worst = 0.0
    for ep in ENDPOINTS:
        at = getattr(ep, "at", 0.0)                  # defined from the landmark on, after it for site_share
        times = TIMES[TIMES > at] if ep.name == "site_share" else TIMES[TIMES >= at]
        if ep.name == "at_diagnosis":            # the prevalence at diagnosis: time 0 only
            times = np.zeros(1)
        mc = cohort_incidence(cohort, ep, times)
        q = incidence(model, ep, times, nodes=nodes).values
        z = _z(mc, q)
        worst = max(worst, float(np.abs(z).max()))
        assert np.all(np.abs(z) < 4.0), f"{case} {ep.name}: max |z| = {np.abs(z).max():.2f}"
    assert worst > 0.5      # the comparison is live (not all zeros)


def _no_m0_weight(grid, M0, M, mu):
    """The selection weight left out: every patient counts as if M0 at diagnosis."""
    return np.zeros(mu.size)


@pytest.mark.statistical
def test_leaving_out_m0_reweighting_is_caught(monkeypatch):
    """With a large shedding spread many high shedders are metastatic at diagnosis; forgetting the
    M0 reweighting overstates incidence among M0 patients by far more than 4 SE."""
    model = load_model("breast").with_values({"population.mu_sd": 3.0})
    cohort = simulate_cohort(model, N // 2, seed=7)
    assert cohort.m0.mean() < 0.995           # a real selection
    ep = Any()
    mc = cohort_incidence(cohort, ep, TIMES)
    right = incidence(model, ep, TIMES).values
    assert np.all(np.abs(_z(mc, right)) < 4.0)
    import metakinetics.population.engine as core
    monkeypatch.setattr(core, "log_weight", _no_m0_weight)
    wrong = incidence(model, ep, TIMES).values
    assert np.abs(_z(mc, wrong)).max() > 4.0
    assert np.abs(wrong - right).max() > 1e-6
