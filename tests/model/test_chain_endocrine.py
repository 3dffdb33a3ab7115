"""Endocrine therapy in the mean dormancy chain (docs/model.md, "Endocrine therapy").

The chain's closed form, piecewise after surgery (wake e omega on [t_s, t_s + d], omega after,
dormant death delta throughout), against a direct integration of the chain ODE with that
time-varying wake and death rates (scipy solve_ivp, Radau, tight tolerances), for an exponential primary
(closed moments) and a Gompertz one (numeric moments), with an extra dormant death during therapy
(endocrine_death) or without; factor 1 gives today's numbers exactly.
"""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from metakinetics.model import load_model
from metakinetics.model.chain import chain, founded, wake_factor
from metakinetics.model.params import resolve

TIMES = np.array([0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 7.5, 9.0, 12.0, 20.0])   # years after diagnosis


def _ode(pat, t_after_dx):
    """C, D_k, Phi_k of parameter set 0 at years after diagnosis by solve_ivp on the chain ODE:
    dC = s - kappa C, dD_k = f_k kappa C - (a(t) omega_k + delta_k + x(t)) D_k, dPhi_k = eps_k a(t) omega_k D_k,
    s = mu x^gamma before surgery, D_k x (1 - kill_dormant) at surgery, a = endocrine factor and
    x = endocrine_death during therapy (1 and 0 after)."""
    t_s = float(pat.surgery_time()[0])
    t_dx = float(pat.diagnosis_time()[0])
    f, om, de, eps = (a[0] for a in (pat.f, pat.wake, pat.dormant_death, pat.eps))
    kap = float(pat.kappa[0])
    e, d, x = float(pat.endocrine_wake[0]), float(pat.endocrine_years[0]), float(pat.endocrine_death[0])
    K = f.size

    def rhs(t, y, shed, a, extra):
        C, D = y[0], y[1:1 + K]
        s = float(np.exp(pat.log_shedding(np.array([t]))[0])) if shed else 0.0
        return np.concatenate([[s - kap * C], f * kap * C - (a * om + de + extra) * D, eps * a * om * D])

    opts = dict(method="Radau", rtol=1e-12, atol=1e-30)
    y = solve_ivp(rhs, (0.0, t_s), np.zeros(1 + 2 * K), args=(True, 1.0, 0.0), **opts).y[:, -1]
    y[1:1 + K] *= 1.0 - pat.kill_dormant[0]
    t = t_dx + t_after_dx
    mid = solve_ivp(rhs, (t_s, t_s + d), y, args=(False, e, x), dense_output=True, **opts)
    late = solve_ivp(rhs, (t_s + d, t.max() + 1), mid.y[:, -1], args=(False, 1.0, 0.0), dense_output=True, **opts)
    return np.where(t <= t_s + d, mid.sol(np.minimum(t, t_s + d)), late.sol(np.maximum(t, t_s + d))).T


def _model(name, extra=0.0):
    m = load_model(name)
    vals = {"treatment.endocrine_wake": 0.3, "treatment.endocrine_years": 5.0, "treatment.kill_dormant": 0.2,
            "treatment.endocrine_death": extra}
    for i, o in enumerate(m.organ_names):
        vals[f"organs.{o}.wake"] = 0.15 + 0.05 * i
        vals[f"organs.{o}.dormant_death"] = 0.1 * (i % 2)       # with and without dormant death
    return m.with_values(vals)


@pytest.mark.parametrize("name, extra", [("exponential_one_organ", 0.0), ("breast", 0.0), ("breast", 0.15)])
def test_piecewise_chain_equals_ode_with_time_varying_wake(name, extra):
    model = _model(name, extra)
    pat = resolve(model)
    t = pat.diagnosis_time()[0] + TIMES
    C, D, Phi = chain(pat, t[None, :, None], pat.surgery_time(), closed=pat.law.name == "exponential")
    ref = _ode(pat, TIMES)
    K = len(pat.organs)
    for got, want in ((D[0], ref[:, 1:1 + K]), (Phi[0], ref[:, 1 + K:])):
        assert np.max(np.abs(got - want) / np.abs(want)) < 1e-8
    # the founding rate is eps e omega D in the window, eps omega D after it
    _, phi = founded(pat, np.broadcast_to(t[None, :, None], (1, t.size, K)).copy(), closed=False)
    a = np.where((t >= pat.surgery_time()[0]) & (t < pat.surgery_time()[0] + 5.0), 0.3, 1.0)
    np.testing.assert_allclose(phi[0], (pat.eps * pat.wake)[0] * a[:, None] * ref[:, 1:1 + K], rtol=1e-8)
    # and the therapy changed something: fewer colonies founded by year 9, the gap closing later
    _, _, Phi0 = chain(resolve(model, {"treatment.endocrine_wake": 1.0}), t[None, :, None], pat.surgery_time(),
                       closed=pat.law.name == "exponential")
    assert np.all(Phi[0, 7] < 0.9 * Phi0[0, 7])


def test_factor_one_gives_todays_numbers_exactly():
    """No effect (wake factor 1, no extra death; any years) and no years (the model's effects, which
    models/breast.toml carries for when the therapy is given) take the untreated path: array_equal."""
    model = load_model("breast")
    t = np.linspace(-1.0, 30.0, 40)
    base = resolve(model)
    want = chain(base, base.diagnosis_time()[:, None, None] + t[None, :, None], base.surgery_time(), closed=False)
    for over in ({"treatment.endocrine_years": 5.0, "treatment.endocrine_wake": 1.0, "treatment.endocrine_death": 0.0},
                 {"treatment.endocrine_years": 0.0}):
        pat = resolve(model, over)
        got = chain(pat, pat.diagnosis_time()[:, None, None] + t[None, :, None], pat.surgery_time(), closed=False)
        for g, w in zip(got, want):
            assert np.array_equal(g, w)


def test_mixed_sets_treated_and_untreated_each_exact():
    """Parameter sets with and without therapy in one call: the untreated ones equal their own
    call exactly, the treated ones their own call to rounding."""
    model = load_model("breast")
    over = {"treatment.endocrine_wake": np.array([1.0, 0.4, 0.0]), "treatment.endocrine_years": np.array([5, 5, 2.5])}
    pat = resolve(model, over)
    t = pat.diagnosis_time()[:, None, None] + np.linspace(0.0, 25.0, 30)[None, :, None]
    D, Phi = chain(pat, t, pat.surgery_time(), closed=False)[1:]
    for i in range(3):
        one = pat.take(slice(i, i + 1))
        Di, Phii = chain(one, t[i:i + 1], one.surgery_time(), closed=False)[1:]
        if i == 0:
            assert np.array_equal(Phi[0], Phii[0]) and np.array_equal(D[0], Di[0])
        np.testing.assert_allclose(Phi[i], Phii[0], rtol=1e-13, atol=0)
    # factor 0: no colony founded during the window
    ts = pat.surgery_time()[2]
    inside = (t[2, :, 0] > ts) & (t[2, :, 0] < ts + 2.5)
    assert np.ptp(Phi[2][inside], axis=0).max() == 0.0


def test_wake_factor_is_right_continuous_window():
    pat = resolve(load_model("breast"), {"treatment.endocrine_wake": 0.5, "treatment.endocrine_years": 5.0})
    ts = pat.surgery_time()[0]
    a = wake_factor(pat, np.array([[ts - 1e-9, ts, ts + 4.999, ts + 5.0]]))
    assert a.tolist() == [[1.0, 0.5, 0.5, 1.0]]
