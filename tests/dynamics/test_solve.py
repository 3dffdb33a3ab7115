"""The dynamics contract (notes/contract_dynamics.md): shapes, broadcasting, surgery, errors."""
import math

import numpy as np
import pytest

from metakinetics.dynamics import Trajectory, diagnosis_time, solve
from metakinetics.errors import InputError, MetakineticsError, SolverError
from metakinetics.model import load_model


@pytest.fixture(scope="module")
def breast():
    return load_model("breast")


def test_contract_shapes(breast):
    t = np.linspace(0, 20, 9)
    tr = solve(breast, t, {"primary.rate": [0.2, 0.25, 0.3]})
    assert isinstance(tr, Trajectory) and tr.method == "semi-analytic"
    assert tr.x.shape == tr.C.shape == (3, 9)
    assert tr.D.shape == tr.founded.shape == tr.founding_rate.shape == (3, 9, 4)
    assert tr.t_dx.shape == tr.t_s.shape == (3,) and tr.organs == ("bone", "lung", "liver", "brain")
    for a in (tr.x, tr.C, tr.D, tr.founded, tr.founding_rate):
        assert a.dtype == np.float64 and np.all(np.isfinite(a))
    np.testing.assert_allclose(tr.founding_rate, tr.D * np.array(
        [o.efficiency * o.wake for o in breast.organs]), rtol=1e-15)
    one = solve(breast, [1.0, 2.0])
    assert one.x.shape == (1, 2)


def test_diagnosis_time_closed_forms(breast):
    # Gompertz textbook formula, t = ln(ln(K/x0)/ln(K/x_dx))/alpha
    p = breast.primary
    expected = math.log(math.log(p.K / p.x0) / math.log(p.K / breast.diagnosis.size)) / p.rate
    assert diagnosis_time(breast)[0] == pytest.approx(expected, rel=1e-13)
    got = diagnosis_time(breast, {"diagnosis.size": [1e9, 1e10]})
    assert got.shape == (2,) and got[0] < got[1]
    e = load_model("exponential_one_organ")
    assert diagnosis_time(e)[0] == pytest.approx(math.log(1e9) / 3.0, rel=1e-13)
    d = diagnosis_time(breast, {"diagnosis.diameter_cm": 1.0})[0]
    assert d == pytest.approx(diagnosis_time(breast, {"diagnosis.size": 1e9 * math.pi / 6})[0], rel=1e-13)


def test_surgery_removes_primary_and_kills_dormant(breast):
    t = np.linspace(0, 15, 61)
    base = solve(breast, t)
    kill = solve(breast, t, {"treatment.kill_dormant": 0.75})
    ts = base.t_s[0]
    after = t >= ts
    assert np.all(base.x[0, after] == 0) and np.all(base.x[0, ~after] > 0)
    # linearity: killing 75% of D(t_s) removes 0.75 D(t_s) e^{-lambda (t - t_s)} from every later D
    # (cells still in the blood at t_s arrive afterwards and are not killed)
    tt = ts + np.array([0.0, 0.5, 2.0, 7.0])
    b2, k2 = solve(breast, tt), solve(breast, tt, {"treatment.kill_dormant": 0.75})
    lam = np.array([o.wake + o.dormant_death for o in breast.organs])
    removed = 0.75 * b2.D[0, 0] * np.exp(-lam * (tt - ts)[:, None])
    np.testing.assert_allclose(k2.D[0], b2.D[0] - removed, rtol=1e-9)  # both semi-analytic, same grid
    np.testing.assert_allclose(kill.founded[0, ~after], base.founded[0, ~after], rtol=1e-12)
    natural = solve(breast, t, surgery=False)
    assert np.all(natural.x[0] > 0) and natural.founded[0, -1, 0] > base.founded[0, -1, 0]


def test_auto_picks_closed_form_for_exponential():
    assert solve(load_model("exponential_one_organ"), [1, 2]).method == "closed-form"


def test_closed_form_unavailable_for_gompertz(breast):
    with pytest.raises(SolverError, match="no closed form"):
        solve(breast, [1.0], method="closed-form")


def test_semi_analytic_handles_slow_clearance(breast):
    # clearance comparable to the shedding log-rate (10/yr against ~6/yr at onset): C is then
    # integrated piecewise, not by Gauss-Laguerre; the ODE reference must agree to 1e-6 relative
    # (its rtol 1e-10 leaves a 100x margin), with and without a surgery that kills dormant cells
    t = np.linspace(0.0, 30.0, 31)
    slow = {"circulation.clearance": [10.0, 150.0], "treatment.kill_dormant": [0.5, 0.0]}
    a, b = solve(breast, t, slow, method="semi-analytic"), solve(breast, t, slow, method="ode")
    for name in ("C", "D", "founded"):
        ref = getattr(b, name)
        peak = np.abs(ref).max(axis=1, keepdims=True)
        assert np.max(np.abs(getattr(a, name) - ref) / np.maximum(np.abs(ref), 1e-6 * peak)) < 1e-6, name
    assert solve(breast, [1.0, 5.0], slow).method == "semi-analytic"


@pytest.mark.parametrize("params, match", [
    ({"shedding.muu": 1.0}, "did you mean 'shedding.mu'"),
    ({"shedding.mu": -1.0}, "shedding.mu must be positive"),
    ({"shedding.mu": [1.0, np.nan]}, "must be a finite number"),
    ({"shedding.mu": [1.0, 2.0], "primary.rate": [0.1, 0.2, 0.3]}, "do not broadcast"),
    ({"treatment.kill_dormant": 1.5}, r"in \[0, 1\]"),
    ({"diagnosis.size": 1e13}, "carrying capacity"),
    ({"shedding.mu": [[1.0]]}, "1-D"),
])
def test_bad_params(breast, params, match):
    with pytest.raises(InputError, match=match):
        solve(breast, [1.0], params)


@pytest.mark.parametrize("times, match", [([], "at least one"), ([2, 1], "increasing"),
                                          ([-1, 1], ">= 0"), ([0, np.inf], "finite")])
def test_bad_times(breast, times, match):
    with pytest.raises(InputError, match=match):
        solve(breast, times)


def test_bad_method(breast):
    with pytest.raises(MetakineticsError, match="unknown 'fast'"):
        solve(breast, [1.0], method="fast")


def test_logistic_primary_runs_and_agrees():
    m = load_model("breast").with_values({"primary.growth": "logistic", "primary.rate": 2.0})
    t = np.linspace(0, 20, 21)
    a, b = solve(m, t, method="ode"), solve(m, t)
    assert b.method == "semi-analytic"
    # ODE reference at rtol 1e-10 is good to ~1e-8; 1e-6 is the project's agreement target
    for name in ("x", "C", "D", "founded"):
        ref = getattr(a, name)
        floor = 1e-6 * np.abs(ref).max(axis=1, keepdims=True)
        assert np.max(np.abs(getattr(b, name) - ref) / np.maximum(np.abs(ref), floor)) < 1e-6
