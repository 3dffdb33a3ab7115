"""The daughter kernel Psi_kj (metastasis-to-metastasis seeding): sympy's closed form = the numpy
one = scipy quadrature of the triple convolution."""
import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from metakinetics.model.colony_shedding import daughter_rate, daughters, daughters_by
from metakinetics.symbolic.secondary_kernel import daughter_kernel, growth_coefficient

# (A, g, kappa, beta, c): breast-like (fast clearance, slow wake), slow clearance, fast dormancy exit
CASES = [(2.0e3, 6.23, 4000.0, 0.0494, 9.5e-6), (0.7, 1.3, 3.0, 0.4, 0.02), (5.0, 2.0, 40.0, 7.5, 1e-3)]
AGES = np.array([0.05, 0.3, 1.0, 2.5, 4.0])


def _quad(age, A, g, kappa, beta, c):
    """Psi by nested quadrature: founding rate at x = c beta int_0^x E(r) e^{-beta(x-r)} dr, E(r) the
    arrest rate kappa int_0^r A e^{g q} e^{-kappa (r - q)} dq (closed inner, quadrature outer)."""
    arrest = lambda r: A * kappa * (np.exp(g * r) - np.exp(-kappa * r)) / (g + kappa)        # noqa: E731
    edge = lambda x: [min(x, 20.0 / kappa) * 0.999]          # noqa: E731  the blood transient (1/kappa)
    rate = lambda x: c * beta * integrate.quad(lambda r: arrest(r) * np.exp(-beta * (x - r)), 0, x,  # noqa: E731
                                               points=edge(x), epsabs=0, epsrel=1e-13, limit=200)[0]
    return integrate.quad(rate, 0, age, points=edge(age), epsabs=0, epsrel=1e-13, limit=200)[0], rate(age)


@pytest.mark.parametrize("case", CASES)
def test_numpy_kernel_is_the_sympy_closed_form(case):
    expr, syms = daughter_kernel()
    f = sp.lambdify(syms, expr, "mpmath")
    for a in AGES:
        ref = float(f(a, *case))
        # relative 1e-12: both are the same sum of exponentials (cancellation is ~1e-16 c A / g)
        assert daughters(a, *case) == pytest.approx(ref, rel=1e-12, abs=1e-15 * case[0] * case[4] / case[1])


def test_growth_coefficient_is_the_transfer_function():
    a, A, g, kap, beta, c = daughter_kernel()[1]
    assert sp.simplify(growth_coefficient() - kap * beta / (g * (g + beta) * (g + kap))) == 0


@pytest.mark.parametrize("case", CASES)
def test_kernel_and_rate_match_quadrature(case):
    A, g, kappa, beta, c = case
    for a in AGES:
        Psi, psi = _quad(a, *case)
        # 1e-10 relative: quad at epsrel 1e-13; the closed form loses ~1e-16 c A / g to cancellation
        floor = 1e-15 * A * c / g
        assert abs(daughters(a, *case) - Psi) <= 1e-10 * Psi + floor
        assert abs(daughter_rate(a, *case) - psi) <= 1e-10 * psi + floor * kappa


def test_kill_dormant_removes_the_dormant_daughters_at_surgery():
    A, g, kappa, beta, c = CASES[1]
    s, t_s, kd = 0.5, 1.5, 0.4
    eps_om = c * beta                       # founding per dormant cell per year
    # dormant daughter cells at surgery: D(t_s) = psi(t_s - s) / (eps omega); a share kd dies
    for t in (1.0, 1.5, 2.0, 6.0):
        Psi, psi = daughters_by(s, t, t_s, kd, A, g, kappa, beta, c, rate=True)
        full = daughters(t - s, A, g, kappa, beta, c)
        D_ts = daughter_rate(t_s - s, A, g, kappa, beta, c) / eps_om
        lost = kd * D_ts * eps_om * (1 - np.exp(-beta * max(t - t_s, 0))) / beta
        assert Psi == pytest.approx(full - lost, rel=1e-13)
        h = 1e-6
        num = (daughters_by(s, t + h, t_s, kd, A, g, kappa, beta, c) - daughters_by(s, t - h, t_s, kd, A, g, kappa, beta, c)) / (2 * h)
        if t != t_s:
            assert psi == pytest.approx(num, rel=1e-6)
    # mothers founded after surgery are untouched
    assert daughters_by(2.0, 3.0, t_s, kd, A, g, kappa, beta, c) == daughters(1.0, A, g, kappa, beta, c)
