"""Later generations of metastasis-to-metastasis seeding (incidence.generations): the Picard
iterates, their convergence, the grid's accuracy and the truncation bound."""
import numpy as np
import pytest

from metakinetics.errors import InputError
from metakinetics.incidence import generations as gen
from metakinetics.incidence import secondary as sec
from metakinetics.model import load_model
from metakinetics.model.params import resolve
from metakinetics.population.incidence import incidence

HUB = "tests/incidence/exp_hub.toml"


def _hub(mu2, **extra):
    return load_model(HUB).with_values({"organs.liver.secondary_shedding": mu2, **extra})


def _thresholds(pat):
    """Bone at t_dx + u with liver at t_dx (the `any` rows), both at t_dx + u (`all` rows), and
    bone with no condition on the liver."""
    tdx = pat.diagnosis_time()
    rows = [np.stack([tdx + u, tdx], axis=-1) for u in (2.0, 6.0, 10.0)]
    rows += [np.stack([tdx + 6.0, tdx + 6.0], axis=-1), np.stack([tdx + 6.0, np.full_like(tdx, -np.inf)], axis=-1)]
    return np.stack(rows, axis=1)


def _lam(pat, c, G):
    return sec.cluster_lambda(pat, c, closed=True, generations=G)[0]


def test_one_generation_is_the_model_without_seeding():
    pat = resolve(_hub(1e4), {"shedding.mu": 1.0})
    off = resolve(_hub(0.0), {"shedding.mu": 1.0})
    c = _thresholds(pat)
    assert _lam(pat, c, 1) == pytest.approx(_lam(off, c, 2), rel=1e-13)
    assert np.all(gen.correction(pat, c, 2, closed=True) == 0.0)


@pytest.mark.parametrize("mu2, tol", [(1e4, 1e-12), (1e6, 5e-3)])
def test_generations_add_detections_and_converge(mu2, tol):
    """Each generation adds (up to the grid's accuracy with extreme seeding, where the Richardson
    extrapolation of two monotone sequences need not be monotone)."""
    pat = resolve(_hub(mu2), {"shedding.mu": 1.0})
    c = _thresholds(pat)
    lam = np.stack([_lam(pat, c, G) for G in (2, 3, 4, 6, 12)])
    full = _lam(pat, c, None)
    assert np.all(np.diff(lam, axis=0) >= -tol * lam[1:])
    assert np.all(lam[-1] <= full * (1 + tol))
    assert (lam[1] - lam[0]).max() > 1e-3 * lam[0].max()             # generation 3 matters on this model
    # every generation: the iteration stops when h changes by < 1e-12, so 60 generations = None
    assert _lam(pat, c, 60) == pytest.approx(full, rel=1e-10)


def test_equal_deadlines_gain_nothing():
    """With the same detection delay in both organs and equal thresholds, no mother is undetected
    before the last deadline: every generation adds exactly 0."""
    model = _hub(1e4, **{"organs.liver.rate": 3.0})
    pat = resolve(model, {"shedding.mu": 1.0})
    tdx = pat.diagnosis_time()
    c = np.stack([np.stack([tdx + u, tdx + u], axis=-1) for u in (2.0, 6.0)], axis=1)
    assert np.all(gen.correction(pat, c, None, closed=True) == 0.0)


@pytest.mark.parametrize("mu2", [1e4, 1e6])
def test_truncation_bound_bounds_what_the_later_generations_add(mu2):
    pat = resolve(_hub(mu2), {"shedding.mu": 1.0})
    c = _thresholds(pat)
    full = _lam(pat, c, None)
    bounds = []
    for G in (1, 2, 3, 4, 6):
        missing = full - _lam(pat, c, G)
        b = gen.truncation_bound(pat, c, G, closed=True)
        # the bound is computed on the fine grid and the correction extrapolated: 1e-3 relative slack
        assert np.all(missing <= b * (1 + 1e-3) + 1e-15)
        bounds.append(b)
    if mu2 == 1e4:               # subcritical on this span: the bound falls ~10x per generation
        assert np.all(bounds[-1] <= 1e-3 * bounds[0] + 1e-15)


def test_grid_is_converged():
    """Richardson from STEPS and 2 STEPS: within 3e-5 relative of 4x as many on the hub model
    (measured 1.4e-5), within 5e-3 with extreme seeding (mu' = 1e6: measured 3.7e-3)."""
    for mu2, tol in ((1e4, 3e-5), (1e6, 5e-3)):
        pat = resolve(_hub(mu2), {"shedding.mu": 1.0})
        c = _thresholds(pat)
        base = gen.correction(pat, c, None, closed=True)
        steps = gen.STEPS
        try:
            gen.STEPS = 4 * steps
            fine = gen.correction(pat, c, None, closed=True)
        finally:
            gen.STEPS = steps
        np.testing.assert_allclose(base, fine, rtol=tol, atol=1e-14)


def test_generations_argument_is_checked():
    for bad in (0, -1, 2.5, True, "all"):
        with pytest.raises(InputError, match="generations"):
            incidence(_hub(1e4), "any", [5.0], individual=True, generations=bad)


def test_results_say_how_many_generations_were_followed():
    """info["generations"] on the formula and Monte Carlo paths with seeding; absent without it."""
    seeding = _hub(1e4)
    assert incidence(seeding, "any", [5.0], individual=True).info["generations"] == 2
    mc = incidence(seeding, "any", [5.0], individual=True, method="monte-carlo", patients=200, seed=1,
                   generations=None)
    assert mc.info["generations"] == "all"
    assert "generations" not in incidence(_hub(0.0), "any", [5.0], individual=True).info
