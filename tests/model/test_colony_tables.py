"""The daughter kernel of a colony with any deterministic growth path, tabulated
(model.colony_tables): = scipy.integrate.quad of its defining convolution to 1e-8 relative,
= the closed form for an exponential path to 1e-9, and a Gompertz colony with huge K (1e30)
= the exponential closed form within the bound its path's deviation gives."""
import numpy as np
import pytest
from scipy.integrate import quad

from metakinetics.model.colony_shedding import daughter_rate, daughters, daughters_by, kernel_by
from metakinetics.model.colony_tables import Tabulated, build_tables, crossing, table_at
from metakinetics.model.growth import GOMPERTZ

KAPPA = 4000.0
AGES = np.array([0.05, 0.3, 1.0, 2.5, 7.0, 15.0, 39.0])
BETAS = (0.5, 2.5, 40.0)


def _kernel(path, beta, n, scale=1.0):
    """A tabulated kernel through one chain (KAPPA, beta), ``n`` elements, tabulated to 40 years."""
    tb = build_tables([path], np.array([[KAPPA, beta]]), 40.0)
    return Tabulated(tb, np.zeros(n, int), np.full(n, scale), np.full(n, beta))


def _chi(u, beta):
    """P(a cell shed u years ago has left dormancy): the hypoexponential distribution function."""
    return (KAPPA * -np.expm1(-beta * u) - beta * -np.expm1(-KAPPA * u)) / (KAPPA - beta)


def _density(u, beta):
    return KAPPA * beta * np.exp(-beta * u) * -np.expm1(-(KAPPA - beta) * u) / (KAPPA - beta)


def _quad(source, a, weight):
    """int_0^a source(b) weight(a - b) db with the blood transient near b = a split off."""
    pts = [x for x in (a - 1e-2, a - 1e-3) if x > 0]
    return quad(lambda b: source(b) * weight(a - b), 0.0, a, epsabs=0.0, epsrel=1e-13, limit=800, points=pts)[0]


@pytest.mark.parametrize("law,rate,K,gamma", [(GOMPERTZ, 0.4, 1e10, 2 / 3), (GOMPERTZ, 0.275, 1e9, 1.0),
                                              (GOMPERTZ, 0.1, 1e12, 0.5)])
@pytest.mark.parametrize("beta", BETAS)
def test_table_equals_quadrature(law, rate, K, gamma, beta):
    kern = _kernel((law.name, rate, K, gamma), beta, AGES.size)
    Psi, psi = table_at(AGES, kern, rate=True)

    def source(b):
        return np.exp(gamma * law.log_size(b, 1.0, rate, K))
    for a, v, r in zip(AGES, Psi, psi):
        assert abs(v / _quad(source, a, lambda u: _chi(u, beta)) - 1) <= 1e-8
        assert abs(r / _quad(source, a, lambda u: _density(u, beta)) - 1) <= 1e-8


@pytest.mark.parametrize("beta", BETAS)
def test_exponential_path_equals_the_closed_form(beta):
    lam, A, c = 1.5, 3.0, 0.2
    kern = _kernel(("exponential", lam, np.inf, 1.0), beta, AGES.size, scale=A * c)
    Psi, psi = table_at(AGES, kern, rate=True)
    assert np.allclose(Psi, daughters(AGES, A, lam, KAPPA, beta, c), rtol=1e-9, atol=0)
    assert np.allclose(psi, daughter_rate(AGES, A, lam, KAPPA, beta, c), rtol=1e-9, atol=0)


def test_gompertz_with_huge_K_is_the_exponential_closed_form():
    """Gompertz with K = 1e30 and rate lambda / ln K starts as e^{lambda a}: ln y differs from
    lambda a by at most lambda^2 a^2 / (2 ln K) (the next term of 1 - e^{-r a}), so ln Psi differs
    from the closed form's by at most gamma' times that (2e-4 at 0.3 years, 0.065 at 2 years)."""
    lam, K, gamma, beta = 1.5, 1e30, 1.0, 0.5
    ages = np.array([0.05, 0.3, 1.0, 2.0])
    kern = _kernel(("gompertz", lam / np.log(K), K, gamma), beta, ages.size)
    diff = np.abs(np.log(table_at(ages, kern) / daughters(ages, 1.0, gamma * lam, KAPPA, beta, 1.0)))
    assert np.all(diff <= gamma * lam ** 2 * ages ** 2 / (2 * np.log(K)) + 1e-9)
    assert diff[0] <= 2e-5


def test_adjuvant_kill_takes_the_tabulated_kernel_like_the_closed_form():
    lam, A, c, beta, kd, t_s = 1.5, 2.0, 0.3, 0.5, 0.4, 3.0
    s = np.array([0.0, 1.0, 2.9, 3.5])
    t = np.array([5.0, 4.0, 10.0, 6.0])
    kern = _kernel(("exponential", lam, np.inf, 1.0), beta, s.size, scale=A * c)
    F, f = kernel_by(s, t, np.full(s.size, t_s), kd, kern, rate=True)
    G, g = daughters_by(s, t, t_s, kd, A, lam, KAPPA, beta, c, rate=True)
    assert np.allclose(F, G, rtol=1e-9, atol=0) and np.allclose(f, g, rtol=1e-9, atol=0)


def test_crossings_bracket_the_true_age():
    kern = _kernel(("gompertz", 0.4, 1e10, 2 / 3), 0.5, 3, scale=1e-3)
    target = np.array([1e-6, 5.0, 1e3])
    lo, hi = crossing(target, kern, above=False), crossing(target, kern, above=True)
    assert np.all(table_at(lo, kern) < target) and np.all(table_at(hi, kern) >= target)
    assert np.isinf(crossing(np.array([1e300]), _kernel(("gompertz", 0.4, 1e10, 2 / 3), 0.5, 1), above=True))[0]


def test_ages_beyond_the_table_are_refused():
    with pytest.raises(ValueError, match="tabulated to"):
        table_at(np.array([41.0]), _kernel(("gompertz", 0.4, 1e10, 1.0), 0.5, 1))


def test_the_table_cache_is_bounded_in_bytes_and_reuses_tables(monkeypatch):
    # a fit that varies a colony rate builds a new table at every step; the kept tables are bounded
    # in bytes (a count of 32 let fast colonies' tables fill 18 GB), the newest always kept
    from metakinetics.model import colony_tables as ct

    ct.clear_cache()
    chains = np.array([[4000.0, 0.5]])
    first = ct.build_tables([("gompertz", 0.5, 1e11, 1.0)], chains, 20.0)
    assert ct.build_tables([("gompertz", 0.5, 1e11, 1.0)], chains, 20.0) is first       # kept: reused
    one = ct.cached_bytes()
    monkeypatch.setattr(ct, "CACHE_BYTES", int(2.5 * one))
    for rate in np.linspace(0.4, 0.6, 12):
        ct.build_tables([("gompertz", float(rate), 1e11, 1.0)], chains, 20.0)
        assert 0 < ct.cached_bytes() <= ct.CACHE_BYTES
    ct.clear_cache()
    assert ct.cached_bytes() == 0
