"""Finite differences on worker processes (``[fit] workers``): the derivatives are exactly those of
the same differences computed in the calling process, and a fit with two workers reaches the
optimum a serial fit reaches (least squares and L-BFGS-B)."""
from __future__ import annotations

import numpy as np
import pytest

from metakinetics.errors import ModelFileError
from metakinetics.inference import fit
from metakinetics.inference.parallel import STEP, Differences

from .test_fit import TRUE, _data, _setup, toy


def _target(x):
    return np.array([np.sin(x[0]) * x[1], x[0] ** 2 + np.exp(x[1]), 3.0 * x[1]])


def test_pool_differences_equal_serial_differences():
    lo, hi = np.array([-5.0, -5.0]), np.array([5.0, 5.0])
    x = np.array([0.7, -1.3])
    with Differences(_target, lo, hi, 1) as serial, Differences(_target, lo, hi, 2) as pooled:
        a, b = serial.jacobian(x), pooled.jacobian(x)
    np.testing.assert_array_equal(a, b)                 # the same points, the same arithmetic
    exact = np.array([[np.cos(0.7) * -1.3, np.sin(0.7)], [1.4, np.exp(-1.3)], [0.0, 3.0]])
    np.testing.assert_allclose(a, exact, atol=10 * STEP * 4)   # forward-difference error ~ h f'' / 2
    assert serial.evaluations == pooled.evaluations == 3


def test_a_step_at_the_upper_bound_goes_backwards():
    d = Differences(lambda x: x ** 2, np.array([0.0]), np.array([1.0]), 1)
    assert d.steps(np.array([1.0]))[0] < 0 < d.steps(np.array([0.5]))[0]
    np.testing.assert_allclose(d.gradient(np.array([1.0])), [2.0], atol=1e-6)


@pytest.mark.parametrize("optimiser", ["least_squares", "lbfgsb"])
def test_two_workers_reach_the_serial_optimum(tmp_path, optimiser):
    data = _data(tmp_path)
    serial = fit(_setup(tmp_path, data, f'optimiser = "{optimiser}"'), predictor=toy, curves=False)
    pooled = fit(_setup(tmp_path, data, f'optimiser = "{optimiser}"\nworkers = 2'), predictor=toy, curves=False)
    assert serial.converged and pooled.converged, pooled.message
    for organ, eps in TRUE.items():
        a, b = serial.estimate(f"organs.{organ}.efficiency").value, pooled.estimate(f"organs.{organ}.efficiency").value
        assert b == pytest.approx(a, rel=1e-4) and b == pytest.approx(eps, rel=1e-3)
    assert pooled.loglik == pytest.approx(serial.loglik, abs=1e-6)


def test_workers_must_be_a_positive_whole_number(tmp_path):
    with pytest.raises(ModelFileError, match="fit.workers"):
        _setup(tmp_path, _data(tmp_path), "workers = 0")


def test_progress_is_reported_by_the_fitting_process_only(tmp_path, capfd):
    import os

    calls = []
    fit(_setup(tmp_path, _data(tmp_path), 'optimiser = "lbfgsb"\nworkers = 2'), predictor=toy, curves=False,
        progress=lambda n, best: (calls.append(n), print(f"pid {os.getpid()}")))
    pids = set(capfd.readouterr().out.split())
    assert calls and pids == {"pid", str(os.getpid())}      # nothing printed by a worker


@pytest.mark.parametrize("residuals", [True, False])
def test_information_on_the_pool_equals_the_serial_information(tmp_path, residuals):
    # the fit's Hessian / J^T J points evaluated on two workers: the same points, the same numbers
    from metakinetics.inference.intervals import gradient, information
    from metakinetics.inference.objective import Objective

    obj = Objective(_setup(tmp_path, _data(tmp_path)), toy)
    obj.has_residuals = obj.scoring = residuals   # False: the finite-difference Hessian of -log L
    x = obj.params.start_vector() + 0.3
    serial = information(obj, x)
    target = obj.residuals if residuals else obj.minus2ll
    with Differences(target, *obj.params.bounds(), 2, initializer=obj.silence) as pool:
        evaluate = pool.values if residuals else (lambda pts: [v / 2 for v in pool.values(pts)])
        pooled = information(obj, x, evaluate)
        g = gradient(obj, x, evaluate)
    np.testing.assert_array_equal(pooled.matrix, serial.matrix)
    np.testing.assert_array_equal(pooled.gradient, serial.gradient)
    np.testing.assert_allclose(g, serial.gradient, rtol=1e-6, atol=1e-9)
    assert serial.kind.startswith("gauss-newton" if residuals else "hessian")


def _signal_state(x):
    """(SIGTERM at its default action, SIGTERM blocked, SIGINT ignored) in the calling process."""
    import signal
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return np.array([signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, signal.SIGTERM in blocked,
                     signal.getsignal(signal.SIGINT) == signal.SIG_IGN], dtype=float)


def test_workers_take_sigterm_at_its_default_and_leave_ctrl_c_to_the_parent():
    import signal
    previous = signal.signal(signal.SIGTERM, lambda *a: None)    # as the command line's handler
    try:
        with Differences(_signal_state, np.zeros(1), np.ones(1), 2) as diffs:
            states = diffs.values([np.zeros(1)] * 4)
        assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])   # the parent's mask restored
    finally:
        signal.signal(signal.SIGTERM, previous)
    if diffs.workers > 1 and states:
        assert all(s.tolist() == [1.0, 0.0, 1.0] for s in states)


#: a pool opened and closed at once, 300 times, under a handler that raises on SIGTERM (as the
#: command line's): the terminate reaches workers still starting. Before the workers forked with
#: SIGTERM blocked, such a worker could lose the signal and the join wait for it for ever: this
#: script hung in two runs of three on that code (measured; 6 s now).
_OPEN_CLOSE = """
import signal, numpy as np
from metakinetics.inference.parallel import Differences
class Stop(Exception): pass
def stop(*a): raise Stop()
signal.signal(signal.SIGTERM, stop)
for _ in range(300):
    with Differences(lambda x: x, np.zeros(1), np.ones(1), 2):
        pass
print("closed")
"""


def test_pools_closed_as_they_start_do_not_hang():
    import subprocess
    import sys
    try:
        out = subprocess.run([sys.executable, "-c", _OPEN_CLOSE], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("a pool's terminate hung (a worker missed SIGTERM)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "closed"
