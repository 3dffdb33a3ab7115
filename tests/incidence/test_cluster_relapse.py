"""Death after relapse with metastasis-to-metastasis seeding (incidence.cluster_relapse): the
reductions to the formulas already trusted, and the product-integration weights.

Reductions, tolerance 1e-6 absolute: without seeding F_k(s, x) factorises and the pair formula is
the non-seeding A_k of incidence.relapse after one integration by parts; both sides are the same
6-point Gauss-Legendre quadrature of the same integrand written two ways, so they differ by
quadrature error (< 1e-9 relative here, docs/model.md) plus the first-generation Lambda's own
~3e-8 (incidence.secondary), far below 1e-6, which stays far below any Monte Carlo SE (~1e-3).
"""
import numpy as np
import pytest

from metakinetics.endpoints import Any, Landmark, OrgansPerRelapse, SiteShare
from metakinetics.incidence.cluster_relapse import node_pairs, pair_weights
from metakinetics.incidence.terms import clinical_grid
from metakinetics.model import load_model
from metakinetics.population.incidence import incidence

TIMES = np.array([2.0, 5.0, 10.0])
TOL = 1e-6
ENDPOINTS = [Any(), SiteShare(), OrgansPerRelapse(), Landmark(Any(), 3.0), Landmark(SiteShare(), 3.0)]
HUB = load_model("tests/incidence/exp_hub.toml").with_values({"mortality.hazard": 0.03,
                                                                "mortality.after_relapse": 1.5})


def _t(ep):
    return TIMES[TIMES > getattr(ep, "at", 0.0)]


@pytest.mark.parametrize("ep", ENDPOINTS)
def test_seeding_off_gives_the_non_seeding_formula(ep):
    """A negligible mu' (the cluster path) and generations = 1 (colonies do not shed) with nu > 0
    give today's non-seeding death-after-relapse numbers."""
    today = incidence(HUB.with_values({"organs.liver.secondary_shedding": 0.0}), ep, _t(ep),
                      nodes={"mu": 12, "rate": 2, "diameter": 2}).values
    tiny = incidence(HUB.with_values({"organs.liver.secondary_shedding": 1e-30}), ep, _t(ep),
                     nodes={"mu": 12, "rate": 2, "diameter": 2}).values
    one = incidence(HUB, ep, _t(ep), individual=True, generations=1).values
    today_one = incidence(HUB.with_values({"organs.liver.secondary_shedding": 0.0}), ep, _t(ep),
                          individual=True).values
    assert np.abs(tiny - today).max() <= TOL
    assert np.abs(one - today_one).max() <= TOL


@pytest.mark.parametrize("ep", ENDPOINTS)
def test_no_death_after_relapse_gives_todays_seeding_formula(ep):
    """nu -> 0 (1e-12/year) takes the pair path and gives the seeding formula without death."""
    strong = HUB.with_values({"organs.liver.secondary_shedding": 1e4})
    today = incidence(strong.with_values({"mortality.after_relapse": 0.0}), ep, _t(ep), individual=True).values
    pair = incidence(strong.with_values({"mortality.after_relapse": 1e-12}), ep, _t(ep), individual=True).values
    assert np.abs(pair - today).max() <= TOL


def test_death_after_relapse_lowers_later_organs_only():
    """With nu organ k found alive is lower, never higher, and distant is unchanged."""
    strong = HUB.with_values({"organs.liver.secondary_shedding": 1e4})
    slow = incidence(strong.with_values({"mortality.after_relapse": 0.1}), "any", TIMES, individual=True).values
    fast = incidence(strong.with_values({"mortality.after_relapse": 3.0}), "any", TIMES, individual=True).values
    assert np.all(fast <= slow + 1e-12) and fast[-1, 1] < 0.9 * slow[-1, 1]
    d_slow = incidence(strong.with_values({"mortality.after_relapse": 0.1}), "distant", TIMES, individual=True)
    d_fast = incidence(strong.with_values({"mortality.after_relapse": 3.0}), "distant", TIMES, individual=True)
    assert np.array_equal(d_slow.values, d_fast.values)


@pytest.mark.parametrize("nu", [0.5, 4.0])
def test_pair_weights_integrate_exponentials_exactly(nu):
    """sum_pairs W[a, pair] f(s) = int_L^{x_a} f(s) e^{-nu (x_a - s)} ds for f = e^{r s} (the
    interpolant of a smooth f: error < 1e-9 on 0.5-year pieces), landmark 1 year."""
    grid = clinical_grid(np.array([4.0]), 1.0, True)
    pairs = node_pairs(grid)
    W = pair_weights(grid, pairs, nu)
    u = grid.u[grid.nodes.ravel()]
    r = 0.3
    got = W @ np.exp(r * u[pairs.s])
    x = u
    exact = np.where(x >= 1.0, (np.exp(r * x) - np.exp(r * 1.0 - nu * (x - 1.0))) / (r + nu), 0.0)
    assert np.abs(got - exact).max() <= 1e-9 * np.abs(exact).max()
