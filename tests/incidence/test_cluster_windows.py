"""multi_organ and lag with metastasis-to-metastasis seeding (incidence.cluster_windows): the
reductions to the non-seeding window formulas and the window weights.

Tolerance 1e-6 absolute, as tests/incidence/test_cluster_relapse.py: both sides are the same
Gauss-Legendre / product-integration quadrature of one integrand written two ways (measured
differences <= 1e-9), far below any Monte Carlo SE.
"""
import numpy as np
import pytest

from metakinetics.endpoints import Lag, Landmark, MultiOrgan
from metakinetics.incidence.cluster_windows import window_pairs, window_weights
from metakinetics.incidence.terms import endpoint_grid
from metakinetics.model import load_model
from metakinetics.population.incidence import incidence

TOL = 1e-6
HUB = load_model("tests/incidence/exp_hub.toml").with_values({"mortality.hazard": 0.03,
                                                                "mortality.after_relapse": 1.5})
CASES = [(MultiOrgan(), np.array([3.0, 6.0, 10.0])), (Lag(horizon=10.0, within=2.0), np.array([0.25, 1.0, 2.0])),
         (Landmark(MultiOrgan(window=1.0), 3.0), np.array([6.0, 10.0]))]


@pytest.mark.parametrize("ep, t", CASES, ids=["multi_organ", "lag", "landmark_multi_organ"])
def test_seeding_off_gives_the_non_seeding_window_formulas(ep, t):
    """A negligible mu' (population) and generations = 1 (typical patient) give today's numbers."""
    off = HUB.with_values({"organs.liver.secondary_shedding": 0.0})
    nodes = {"mu": 12, "rate": 2, "diameter": 2}
    today = incidence(off, ep, t, nodes=nodes).values
    tiny = incidence(HUB.with_values({"organs.liver.secondary_shedding": 1e-30}), ep, t, nodes=nodes).values
    assert np.abs(tiny - today).max() <= TOL
    one = incidence(HUB, ep, t, individual=True, generations=1).values
    assert np.abs(one - incidence(off, ep, t, individual=True).values).max() <= TOL


@pytest.mark.parametrize("c", [0.3, 5.0])
def test_window_weights_integrate_exponentials(c):
    """sum over the pairs of s_i of weight[j, pair] f(e) = int_{s_i}^{s_i + l_j} f(e) e^{-c (e - s_i)} de
    for f = e^{r e} (smooth: interpolation error < 1e-9 on 0.5-year pieces)."""
    ep = Lag(horizon=4.0, within=2.0)
    lags = np.array([0.1, 0.7, 2.0])
    grid = endpoint_grid(ep, lags, True, [0.1])
    wp = window_pairs(grid)
    w = window_weights(grid, wp, c)
    r = 0.4
    e = grid.u[grid.nodes.ravel()][wp.e]
    got = np.stack([np.bincount(wp.i, w[j] * np.exp(r * e)) for j in range(w.shape[0])], axis=1)
    s = grid.u[grid.windows.s][:, None]
    ln = grid.windows.lengths[None, :]
    exact = np.exp(r * s) * (np.exp((r - c) * ln) - 1.0) / (r - c)
    assert np.abs(got - exact).max() <= 1e-9 * np.abs(exact).max()
