"""newton_step (inference.intervals): the Newton step and its promised gain on a quadratic, with
a parameter held at its bound, and no step where the information is not positive definite."""
from __future__ import annotations

import numpy as np

from metakinetics.inference.intervals import Information, newton_step

H = np.array([[4.0, 1.0], [1.0, 2.0]])
X_MIN = np.array([0.3, -0.2])


def _info(x, matrix=H):
    """Exact information and gradient of f(x) = (x - X_MIN)^T H (x - X_MIN) / 2 at x."""
    return Information(matrix=matrix, cov=np.linalg.inv(H), singular=False, kind="exact",
                       gradient=H @ (x - X_MIN))


def _f(x):
    return 0.5 * (x - X_MIN) @ H @ (x - X_MIN)


def test_step_reaches_the_minimum_and_its_gain_is_the_drop():
    x = np.array([2.0, 1.0])
    step = newton_step(_info(x), x, np.full(2, -10.0), np.full(2, 10.0))
    np.testing.assert_allclose(step.x, X_MIN, atol=1e-12)
    assert abs(step.gain - (_f(x) - _f(X_MIN))) < 1e-12     # exact for a quadratic


def test_a_parameter_pushed_against_its_bound_stays_there():
    lower = np.array([1.0, -10.0])                             # the minimum lies below x0's bound
    x = np.array([1.0, 1.0])
    step = newton_step(_info(x), x, lower, np.full(2, 10.0))
    assert step.x[0] == 1.0
    # the other parameter goes to its conditional minimum given x0 = 1: x1 = -0.2 - (1 - 0.3) / 2
    assert abs(step.x[1] - (-0.2 - 0.35)) < 1e-12


def test_no_step_without_a_positive_definite_information():
    x = np.array([2.0, 1.0])
    assert newton_step(_info(x, matrix=np.array([[1.0, 2.0], [2.0, 1.0]])), x, np.full(2, -10.0),
                       np.full(2, 10.0)) is None
