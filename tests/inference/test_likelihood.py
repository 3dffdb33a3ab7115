"""Likelihoods on given predictions: against scipy's distributions and by their defining
identities (residuals square to -2 log L + const; maximum at the data)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from metakinetics.errors import FitError
from metakinetics.inference import Binomial, CensoredTimeToEvent, LeastSquares


def test_binomial_is_the_binomial_log_pmf_and_residuals_square_to_minus2ll():
    k = np.array([3.0, 40.0, 200.0])
    n = np.array([100.0, 150.0, 1000.0])
    p = np.array([0.05, 0.3, 0.18])
    lik = Binomial(events=k, n=n)
    ref = stats.binom.logpmf(k, n, p).sum()
    assert lik.loglik(p) == pytest.approx(ref, rel=1e-12)
    r = lik.residuals(p)
    assert np.sum(r ** 2) + lik.residual_constant() == pytest.approx(-2 * ref, rel=1e-10)
    # the saturated model (p = k/n) has zero deviance and the largest likelihood
    assert lik.deviance(k / n) == pytest.approx(0.0, abs=1e-9)
    assert lik.loglik(k / n) > lik.loglik(p)
    assert np.all(np.sign(r) == np.sign(p - k / n))


def test_binomial_needs_denominators():
    with pytest.raises(FitError, match="denominator"):
        Binomial(events=np.array([1.0]), n=np.array([np.nan]))


def test_least_squares_is_gaussian():
    y = np.array([0.2, 0.3])
    s = np.array([0.01, 0.02])
    p = np.array([0.21, 0.27])
    lik = LeastSquares(values=y, sigma=s)
    assert lik.loglik(p) == pytest.approx(stats.norm.logpdf(y, p, s).sum(), rel=1e-12)
    with pytest.raises(FitError, match="non-finite"):
        lik.loglik(np.array([np.nan, 0.1]))


def test_time_to_event_matches_exponential_closed_form_with_competing_death():
    # Constant metastasis hazard a and death hazard h: F(t) = 1 - exp(-a t) is the net incidence;
    # the likelihood is a^d_m h^d_d exp(-(a + h) t) per patient (independent competing risks).
    a, h = 0.08, 0.02
    grid = np.linspace(0, 20, 2001)
    cif = (1 - np.exp(-a * grid))[None, :, None]
    t = np.array([1.0, 3.5, 7.0, 12.0])
    cause = np.array([0, CensoredTimeToEvent.DEATH, CensoredTimeToEvent.CENSORED, 0])
    lik = CensoredTimeToEvent(time=t, cause=cause, group=np.zeros(4, dtype=int))
    exact = (np.log(a) * (cause == 0) + np.log(h) * (cause == CensoredTimeToEvent.DEATH) - (a + h) * t).sum()
    # PCHIP on a 0.01-year grid: relative error of the density ~1e-6 at these hazards
    assert lik.loglik(grid, cif, h) == pytest.approx(exact, abs=1e-5)


def test_time_to_event_two_causes_and_unknown_organ():
    a = np.array([0.05, 0.02])
    grid = np.linspace(0, 10, 1001)
    tot = a.sum()
    # cause-specific cumulative incidence of the first event with constant hazards
    cif = (a[None, :] / tot) * (1 - np.exp(-tot * grid))[:, None]
    t = np.array([2.0, 4.0, 5.0])
    cause = np.array([0, 1, CensoredTimeToEvent.ANY])
    lik = CensoredTimeToEvent(time=t, cause=cause, group=np.zeros(3, dtype=int))
    exact = np.log(a[0]) + np.log(a[1]) + np.log(tot) - tot * t.sum()
    assert lik.loglik(grid, cif[None]) == pytest.approx(exact, abs=1e-5)


def test_time_to_event_grid_must_cover_the_data():
    lik = CensoredTimeToEvent(time=np.array([12.0]), cause=np.array([0]), group=np.array([0]))
    with pytest.raises(FitError, match="grid ends"):
        lik.loglik(np.linspace(0, 10, 11), np.zeros((1, 11, 1)))


def test_time_to_event_weights_mix_the_sets_exactly():
    """With per-patient weights the likelihood is that of the mixed cumulative incidence: one-hot
    weights reproduce the grouped likelihood to 1e-12, and a 50:50 mixture of two exponential sets
    is the closed form of the mixture (density and survival averaged) to 1e-5 (spline on a 0.01 y grid)."""
    grid = np.linspace(0.0, 10.0, 1001)
    rates = np.array([0.1, 0.4])
    cif = (1 - np.exp(-np.outer(rates, grid)))[:, :, None]                     # (2, U, 1)
    t = np.array([0.5, 2.0, 3.0, 7.5, 9.0])
    cause = np.array([0, CensoredTimeToEvent.CENSORED, CensoredTimeToEvent.DEATH, 0, CensoredTimeToEvent.ANY])
    group = np.array([0, 1, 0, 1, 1])
    lik = CensoredTimeToEvent(time=t, cause=cause, group=group)
    onehot = np.eye(2)[group]
    assert lik.row_loglik(grid, cif, 0.05, onehot) == pytest.approx(lik.row_loglik(grid, cif, 0.05), abs=1e-12)
    half = np.full((5, 2), 0.5)
    F = 0.5 * (1 - np.exp(-0.1 * t)) + 0.5 * (1 - np.exp(-0.4 * t))
    f = 0.5 * 0.1 * np.exp(-0.1 * t) + 0.5 * 0.4 * np.exp(-0.4 * t)
    dead = np.log(0.05) + np.log(1 - F)
    want = np.where((cause >= 0) | (cause == CensoredTimeToEvent.ANY), np.log(f),
                    np.where(cause == CensoredTimeToEvent.DEATH, dead, np.log(1 - F))) - 0.05 * t
    assert lik.row_loglik(grid, cif, 0.05, half) == pytest.approx(want, abs=1e-5)
    with pytest.raises(FitError, match="one death hazard"):
        lik.row_loglik(grid, cif, np.array([0.05, 0.06]), half)
