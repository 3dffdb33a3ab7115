"""Death after relapse and the clinician endpoints: population quadrature == exact event-level
Monte Carlo (10^5 virtual patients) within 4 standard errors at every time (lag) and organ.

Parameter sets where each mechanism matters: the breast model with fast wake (0.3/year) and 4x
the colony efficiencies, so about half the patients relapse, background death 0.05/year, and
death after relapse nu = 1/year and 3/year (and 0, where the new endpoints still apply). The
cohort simulator draws the death after the first detected metastasis and hides later detections
(metakinetics.stochastic.cohort); nothing in it uses the quadrature formulas. The SE is the
binomial one from the quadrature value (floored at 1/n) for proportions, the sample one for the
mean organ count. ~90 comparisons per case: a false alarm at 4 SE has probability ~0.6%, and the
seeds are fixed, so the test is deterministic.
"""
import numpy as np
import pytest

from metakinetics.endpoints import Any, Distant, First, Lag, Landmark, MultiOrgan, OrgansPerRelapse, SiteShare
from metakinetics.population import incidence
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort

from tests.incidence.test_relapse import relapse_model

N = 100_000
TIMES = np.array([0.5, 1.0, 3.0, 6.0, 12.0])
LAGS = np.array([0.1, 0.25, 0.5, 1.0, 2.0, 3.0])
ENDPOINTS = [Any(), First(), Distant(), SiteShare(), OrgansPerRelapse(), MultiOrgan(), MultiOrgan(window=1.0),
             Lag(horizon=6.0, within=4.0), Landmark(SiteShare(), 2.0), Landmark(MultiOrgan(), 2.0)]
NODES = {"mu": 12, "rate": 6, "diameter": 6}


def _z(mc, q, count: bool):
    n = np.maximum(mc.n, 2)
    if count:
        se = np.maximum(mc.se, 1.0 / n)
    else:
        se = np.sqrt(np.maximum(q * (1 - q), (1.0 / n) * (1 - 1.0 / n)) / n)
    return np.where(mc.n > 0, (mc.values - q) / se, 0.0)


@pytest.mark.statistical
@pytest.mark.parametrize("nu", [0.0, 1.0, 3.0])
def test_relapse_endpoints_agree_with_cohort(nu):
    model = relapse_model(nu)
    cohort = simulate_cohort(model, N, seed=20261129)
    if nu > 0:
        assert cohort.relapse_death.mean() > 0.2          # the mechanism matters here
    worst = 0.0
    for ep in ENDPOINTS:
        inner = getattr(ep, "inner", ep)
        times = LAGS if isinstance(inner, Lag) else TIMES[TIMES > getattr(ep, "at", 0.0)]
        mc = cohort_incidence(cohort, ep, times)
        q = incidence(model, ep, times, nodes=NODES).values
        z = _z(mc, q, isinstance(inner, OrgansPerRelapse))
        worst = max(worst, float(np.abs(z).max()))
        assert np.all(np.abs(z) < 4.0), f"nu={nu} {ep.name}/{inner.name}: max |z| = {np.abs(z).max():.2f}"
    assert worst > 0.5      # the comparison is live


def test_death_after_relapse_hides_later_organs_in_the_cohort():
    """Per-organ status says 'death' for an organ whose detection would come after death, and
    organs found alive are unchanged; nu = 0 draws nothing, so the cohort is today's."""
    c0 = simulate_cohort(relapse_model(0.0), 20_000, seed=5)
    c3 = simulate_cohort(relapse_model(3.0), 20_000, seed=5)
    assert np.array_equal(c0.detect, c3.detect)             # same latent detections (same stream)
    assert not c0.relapse_death.any() and c3.relapse_death.any()
    hidden = (c3.detect > c3.death[:, None]) & np.isfinite(c3.detect) & c3.relapse_death[:, None]
    assert hidden.any()
    assert np.all(c3.status[hidden] == 2)
    first = c3.detect.min(axis=1)
    died = c3.relapse_death
    assert np.all(c3.death[died] > np.maximum(first[died], 0.0))
    cols = c3.columns()
    assert cols["death_after_relapse"].dtype == bool
