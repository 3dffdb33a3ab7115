"""The information split by data set (``intervals.information_parts``): the parts add up to the
information of the whole set-up (Gauss-Newton and Hessian paths, serial and on a worker pool), and
the parts without data set i are the information of the set-up without it, which is what
leave-one-out validation now uses instead of one stencil per left-out data set."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from metakinetics.inference import parse_setup
from metakinetics.inference.intervals import information, information_parts
from metakinetics.inference.objective import Objective
from metakinetics.inference.parallel import Differences
from tests.inference.test_validation import TWO

#: a second free parameter, so that the stencil has cross terms
LUNG = """
[parameters."shedding.mu"]
value = 0.3
min = 1e-3
max = 30
log = true
"""
#: the TWO set-up with Rotterdam's individual patients in place of xiao2018: no residual vector, so
#: the information is the finite-difference Hessian of -log L
TTE = TWO.format(extra=LUNG).replace('name = "xiao2018"\nlikelihood = "binomial"\nselect = { organ = ["bone"] }',
                                     'name = "rotterdam"\nlikelihood = "time_to_event"')
#: Relative agreement: the same evaluations enter both sides, summed in another order; the Hessian's
#: second differences divide that round-off (~1e-16 x |log L| ~ 1e-12) by h^2 = 1e-6.
RTOL = 1e-7


@pytest.fixture(params=["residuals", "hessian"])
def objective(request):
    text = TWO.format(extra=LUNG) if request.param == "residuals" else TTE
    obj = Objective(parse_setup(text))
    assert obj.has_residuals is (request.param == "residuals")
    return obj


def test_parts_add_up_to_the_information(objective):
    x = objective.params.start_vector()
    parts = information_parts(objective, x)
    assert parts.shape == (3, 2, 2)                 # two data sets and the priors (none: zero)
    assert np.all(parts[-1] == 0)
    whole = information(objective, x).matrix
    assert np.abs(whole).max() > 0
    np.testing.assert_allclose(parts.sum(axis=0), whole, rtol=RTOL, atol=RTOL * np.abs(whole).max())


def test_parts_without_one_data_set_are_the_information_without_it(objective):
    x = objective.params.start_vector()
    parts = information_parts(objective, x)
    # without Rotterdam the rest would have residuals (Gauss-Newton, another estimate of the
    # information); validation never leaves a time-to-event data set out (it stays in every refit)
    for i in range(2) if objective.has_residuals else (0,):
        setup = replace(objective.setup, data=objective.setup.data[:i] + objective.setup.data[i + 1:])
        alone = information(Objective(setup), x).matrix
        without = np.delete(parts, i, axis=0).sum(axis=0)
        np.testing.assert_allclose(without, alone, rtol=RTOL, atol=RTOL * np.abs(alone).max())
        assert not np.allclose(without, parts.sum(axis=0))    # the left-out set does carry information


def test_worker_pool_gives_the_same_parts(objective):
    x = objective.params.start_vector()
    target = objective.residuals if objective.has_residuals else objective.loglik_parts
    with Differences(target, *objective.params.bounds(), 2, initializer=objective.silence) as diffs:
        pooled = information_parts(objective, x, diffs.values)
    np.testing.assert_array_equal(pooled, information_parts(objective, x))


def _scoring(text=TTE):
    return Objective(replace(parse_setup(text), information="scoring"))


def test_scoring_parts_add_up_and_leave_one_out():
    obj = _scoring()
    x = obj.params.start_vector()
    parts = information_parts(obj, x)
    np.testing.assert_allclose(parts.sum(axis=0), information(obj, x).matrix, rtol=1e-12)
    alone = information(Objective(replace(obj.setup, data=obj.setup.data[1:])), x).matrix
    np.testing.assert_allclose(np.delete(parts, 0, axis=0).sum(axis=0), alone, rtol=RTOL)


def test_scoring_is_the_hessian_s_estimate_from_2n_plus_1_evaluations():
    """BHHH for the patients plus J^T J for the rows estimates the same information as the Hessian
    of -log L (equal in expectation under the model; here within 10%, measured 3-5%), from 2n + 1
    evaluations instead of 2n^2 + 1, with the same gradient (the same central differences of the
    same log-likelihood, to round-off)."""
    hess, score = Objective(parse_setup(TTE)), _scoring()
    x = hess.params.start_vector()
    h = information(hess, x)
    before = score.nfev
    s = information(score, x)
    assert score.nfev - before == 2 * x.size + 1
    assert s.kind.startswith("scoring") and h.kind.startswith("hessian")
    np.testing.assert_allclose(s.matrix, h.matrix, rtol=0.10)
    np.testing.assert_allclose(s.gradient, h.gradient, rtol=1e-6)


def test_scoring_fit_on_one_or_two_workers():
    from metakinetics.inference import fit

    setup = replace(parse_setup(TTE), information="scoring")
    one = fit(setup, curves=False)
    two = fit(replace(setup, workers=2), curves=False)
    assert one.converged and one.information.startswith("scoring")
    assert two.converged and two.information == one.information
    # the optimiser's gradients differ in the last digits between scipy's and the pool's forward
    # differences (tests/inference/test_parallel.py), so the two runs stop at neighbouring points
    for a, b in zip(one.estimates, two.estimates):
        assert b.value == pytest.approx(a.value, rel=1e-4) and b.se == pytest.approx(a.se, rel=1e-2)
    obj = Objective(setup)
    x = obj.params.start_vector()
    with Differences(obj.score_terms, *obj.params.bounds(), 2, initializer=obj.silence) as diffs:
        pooled = information(obj, x, diffs.values)
    serial = information(obj, x)
    np.testing.assert_array_equal(pooled.matrix, serial.matrix)
    np.testing.assert_array_equal(pooled.gradient, serial.gradient)
