"""SDE convergence orders as experiments with a slope (as diffrax's tests do), on the stochastic
Gompertz SDE dX = a X ln(K/X) dt + s X dW, whose log is Ornstein-Uhlenbeck:
ln X(T) ~ N(mu + (ln X0 - mu) e^{-aT}, s^2/(2a) (1 - e^{-2aT})), mu = ln K - s^2/(2a).
"""
import numpy as np
import pytest

from metakinetics.model import load_model
from metakinetics.stochastic import sde_from_model, simulate_sde
from metakinetics.model import parse_expression
from metakinetics.symbolic.sde_spec import SDESpec
from metakinetics.symbolic.sde_step import compile_sde_step


def _spec(a, K, x0, s):
    m = load_model("breast").with_values({"primary.rate": a, "primary.K": K, "primary.x0": x0})
    return sde_from_model(m, s)


def _slope(dts, errs):
    return np.polyfit(np.log(dts), np.log(errs), 1)[0]


@pytest.mark.statistical
def test_euler_maruyama_weak_order_one():
    # bias of E[ln X(T)] from the closed form at dt = 0.04 .. 0.005: ~0.3 .. 0.04 against a sampling
    # SE of 0.0017 (n = 2e4), so the fitted slope is the weak order; tolerance 0.15 on the slope
    # covers sampling noise and the pre-asymptotic curvature at the largest step.
    a, K, x0, s, T = 0.5, 1e12, 1e6, 0.3, 2.0
    mu = np.log(K) - s * s / (2 * a)
    exact = mu + (np.log(x0) - mu) * np.exp(-a * T)
    dts = np.array([0.04, 0.02, 0.01, 0.005])
    errs = []
    for dt in dts:
        ens = simulate_sde(_spec(a, K, x0, s), [T], 20_000, 1, dt=dt)
        y = np.log(ens.paths[:, 0, 0])
        errs.append(abs(y.mean() - exact))
        assert errs[-1] > 5 * y.std() / np.sqrt(y.size)   # the bias is resolved, not noise
    assert abs(_slope(dts, errs) - 1.0) < 0.15, errs


def _strong_errors(scheme, dts, T=1.0, n=4000, seed=0):
    """E|ln X_num(T) - ln X_exact(T)| on shared Brownian paths; the exact OU solution uses the
    same increments on the finest grid (T/2^12), whose own error is far below the coarsest scheme error."""
    a, K, x0, s = 1.0, 10.0, 1.0, 0.5
    # a dimensionless Gompertz SDE written directly as an SDESpec (the engine's general input)
    spec = SDESpec("gompertz", ("x",), (x0,), (("a", a), ("K", K), ("s", s)),
                   (parse_expression("a*x*log(K/x)"),), (parse_expression("s*x"),))
    rng = np.random.default_rng(seed)
    nf = 2 ** 12
    hf = T / nf
    dWf = rng.standard_normal((nf, n)) * np.sqrt(hf)
    mu = np.log(K) - s * s / (2 * a)
    u = (np.arange(nf) + 0.5) * hf
    yT = mu + (np.log(x0) - mu) * np.exp(-a * T) + s * (np.exp(-a * (T - u))[:, None] * dWf).sum(0)
    tape = compile_sde_step(spec, scheme)
    errs = []
    for dt in dts:
        k = int(round(dt / hf))
        dW = dWf.reshape(nf // k, k, n).sum(1)
        X = np.full((1, n), x0)
        step = tape.make(n)
        for i in range(nf // k):
            step(X, i * dt, dt, (dW[i] / np.sqrt(dt))[None, :])
        errs.append(np.abs(np.log(X[0]) - yT).mean())
    return np.array(errs)


def test_milstein_strong_order_one_and_euler_one_half():
    # strong orders: Milstein 1, Euler-Maruyama 1/2 for multiplicative noise; slopes fitted over
    # dt = 2^-4 .. 2^-8, tolerance 0.2 (4000 paths give ~2% error on each E|.|; the contrast
    # between the two schemes is the point of the test).
    dts = 2.0 ** -np.arange(4, 9)
    mil = _strong_errors("milstein", dts)
    em = _strong_errors("euler", dts)
    assert abs(_slope(dts, mil) - 1.0) < 0.2, mil
    assert abs(_slope(dts, em) - 0.5) < 0.2, em
    assert mil[-1] < em[-1]


@pytest.mark.statistical
def test_p3_moments_match_closed_form_and_threads_reproducible():
    a, K, x0, s, T = 0.5, 1e12, 1e6, 0.3, 10.0
    spec = _spec(a, K, x0, s)
    ens = simulate_sde(spec, [T], 20_000, 9, dt=1e-2, threads=2)
    y = np.log(ens.paths[:, 0, 0])
    mu = np.log(K) - s * s / (2 * a)
    m = mu + (np.log(x0) - mu) * np.exp(-a * T)
    v = s * s / (2 * a) * (1 - np.exp(-2 * a * T))
    # dt = 1e-2: weak bias of E ln X(10) ~ 1e-3 (slope above) vs SE 2e-3; 4 SE + that bias
    assert abs(y.mean() - m) < 4 * np.sqrt(v / y.size) + 2e-3
    assert abs(y.var(ddof=1) - v) < 4 * v * np.sqrt(2 / y.size) + 2e-3
    again = simulate_sde(spec, [T], 20_000, 9, dt=1e-2, threads=2)
    np.testing.assert_array_equal(ens.paths, again.paths)
