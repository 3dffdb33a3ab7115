"""Growth laws, written once (model/growth.py): the numpy and sympy forms agree with each other,
with sympy's derivation from the drift alone, and with their own inverse."""
import numpy as np
import pytest
import sympy as sp

from metakinetics.model.growth import BIRTH_DEATH, LAWS, growth_law
from metakinetics.symbolic.closed_forms import diagnosis_time, primary_size
from metakinetics.symbolic.derive import Structure, symbols

PARS = {"x0": 1.0, "rate": 0.7, "K": 1e12}
T = np.array([0.0, 0.5, 3.0, 12.0])


@pytest.mark.parametrize("name", list(LAWS))
def test_sympy_derivation_from_the_drift_equals_the_closed_form(name):
    """sympy solves x' = g(x) from the law's drift; the law's own x(t) must equal it (rel 1e-12)."""
    law = growth_law(name)
    s = symbols(Structure(name, 1))
    derived = sp.lambdify((s.t, s.x0, s.rate, s.K), primary_size(Structure(name, 1)).expr)
    mine = np.exp(law.log_size(T, PARS["x0"], PARS["rate"], PARS["K"]))
    np.testing.assert_allclose(mine, derived(T, PARS["x0"], PARS["rate"], PARS["K"]), rtol=1e-12)
    # the same formula evaluated by sympy (xp=sympy) gives the same numbers
    expr = sp.exp(law.log_size(s.t, s.x0, s.rate, s.K, xp=sp))
    np.testing.assert_allclose(sp.lambdify((s.t, s.x0, s.rate, s.K), expr)(T, *PARS.values()), mine, rtol=1e-12)
    # the derivative of x(t) is the drift g(x(t))
    dx = sp.lambdify((s.t, s.x0, s.rate, s.K), sp.diff(expr, s.t))(T, *PARS.values())
    np.testing.assert_allclose(dx, law.drift(mine, PARS["rate"], PARS["K"]), rtol=1e-10)
    np.testing.assert_allclose(law.specific_rate(T, *PARS.values()), dx / mine, rtol=1e-10)


@pytest.mark.parametrize("name", list(LAWS))
def test_time_to_inverts_the_size(name):
    law = growth_law(name)
    size = np.exp(law.log_size(T[1:], *PARS.values()))
    np.testing.assert_allclose(law.time_to(size, *PARS.values()), T[1:], rtol=1e-9)
    s = symbols(Structure(name, 1))
    derived = sp.lambdify((s.x, s.x0, s.rate, s.K), diagnosis_time(Structure(name, 1)).expr)
    np.testing.assert_allclose(derived(size, *PARS.values()), T[1:], rtol=1e-9)


def test_birth_death_delay_quantiles_and_samples_agree():
    """The Gumbel-quantile delays and the sampled delays describe one law (KS-style check on
    1e5 samples: the sampled CDF at the quadrature's quantiles is within 5 SE)."""
    b, d, det = 3.0, 1.0, 1e6
    rng = np.random.default_rng(1)
    x = BIRTH_DEATH.sample_delay(rng, np.full(100_000, b), d, det)
    u = np.array([0.1, 0.5, 0.9])
    q = BIRTH_DEATH.delay_at(-np.log(-np.log(u)), b, d, det)
    emp = (x[:, None] <= q[None, :]).mean(axis=0)
    assert np.all(np.abs(emp - u) < 5 * np.sqrt(u * (1 - u) / x.size))
    assert BIRTH_DEATH.survival(b, d) == pytest.approx(2 / 3)
