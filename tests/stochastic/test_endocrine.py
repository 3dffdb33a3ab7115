"""Wake times under endocrine therapy (stochastic.endocrine): exact in distribution, and no
random number drawn (the same wake times) without the therapy."""
import numpy as np
import pytest
from scipy.integrate import quad

from metakinetics.stochastic.endocrine import slowed_wake

OMEGA, DELTA, TS, YEARS, E = 0.3, 0.1, 1.0, 5.0, 0.25


def _clock(t):
    return t if t <= TS else TS + E * (t - TS) if t <= TS + YEARS else t - (1 - E) * YEARS


def _woken_by(t, extra=0.0):
    """P(wakes by t | it would wake untreated), cells arrested at 0: int a omega e^{-omega A - delta u - x W} du
    / (omega / beta), W the time spent in the window by u."""
    def dens(u):
        a = E if TS <= u < TS + YEARS else 1.0
        return a * OMEGA * np.exp(-OMEGA * _clock(u) - DELTA * u - extra * min(max(u - TS, 0.0), YEARS))
    pts = [x for x in (TS, TS + YEARS) if x < t]
    return quad(dens, 0.0, t, points=pts or None, limit=200, epsabs=1e-13)[0] * (OMEGA + DELTA) / OMEGA


@pytest.mark.parametrize("extra", [0.0, 0.2])
def test_wake_times_follow_the_slowed_hazard(extra):
    rng = np.random.default_rng(1)
    n = 400_000
    arrest = np.zeros(n)
    wake = rng.exponential(1.0 / (OMEGA + DELTA), n)         # untreated cells that wake
    full = np.full(n, 1.0)
    t, woken = slowed_wake(arrest, wake, TS * full, YEARS * full, E * full, DELTA * full, rng, extra * full)
    assert np.all(t >= wake) and np.array_equal(t[wake <= TS], wake[wake <= TS])
    for x in (0.5, 2.0, 4.0, 6.0, 6.5, 9.0, 20.0, 60.0):
        p = _woken_by(x, extra)
        got = np.mean(woken & (t <= x))
        assert abs(got - p) < 4 * np.sqrt(p * (1 - p) / n), (x, got, p)
    assert woken.mean() < 0.97                                 # some die dormant in the window


def test_cells_arrested_during_therapy_and_factor_zero():
    """A cell arrested inside the window with factor 0 cannot wake before it ends: it wakes at
    t_s + d + (its untreated wait), and dormant death is not drawn when delta = 0."""
    rng = np.random.default_rng(2)
    arrest = np.array([2.0, 0.5, 0.5])
    wake = np.array([2.5, 0.7, 1.5])
    z = np.zeros(3)
    t, woken = slowed_wake(arrest, wake, np.full(3, 1.0), np.full(3, 5.0), z, z, rng)
    assert np.allclose(t, [6.5, 0.7, 6.5]) and woken.all()


def test_no_therapy_draws_nothing_and_keeps_times():
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    arrest, wake = np.array([0.2, 0.4]), np.array([3.0, 0.5])
    for years, factor in ((0.0, 0.5), (5.0, 1.0)):
        t, woken = slowed_wake(arrest, wake, np.ones(2), np.full(2, years), np.full(2, factor), np.full(2, 0.1), rng)
        assert np.array_equal(t, wake) and woken.all()
    assert rng.bit_generator.state == state


def test_factor_one_cohort_and_incidence_are_todays_exactly():
    """endocrine_years without a factor or extra death: the same cohort for the same seed and the
    same population incidence, bit for bit (nothing extra drawn or computed)."""
    from metakinetics.model import load_model
    from metakinetics.population import incidence
    from metakinetics.stochastic.cohort import simulate_cohort

    model = load_model("breast_subtypes")
    idle = model.with_values({"treatment.endocrine_years": 5.0, "classes.luminal_a.treatment.endocrine_years": 3.0})
    a, b = simulate_cohort(model, 3000, seed=4), simulate_cohort(idle, 3000, seed=4)
    assert np.array_equal(a.detect, b.detect) and np.array_equal(a.klass, b.klass)
    for ep in ("any", "first", "distant"):
        assert np.array_equal(incidence(model, ep, [1.0, 5.0, 12.0]).values, incidence(idle, ep, [1.0, 5.0, 12.0]).values)
