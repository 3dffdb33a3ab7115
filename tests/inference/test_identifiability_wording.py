"""Identifiability report: a high correlation says which combination the data pin down
(on the log scale, r > 0: the ratio; r < 0: the product)."""
import numpy as np

from metakinetics.inference.intervals import identifiability
from metakinetics.inference.parameters import FreeParameter


def _report(r, log=True):
    hi = 10.0 if log else 100.0  # wide enough that an SE of 0.1 is not a flat profile
    params = [FreeParameter("organs.*.wake", 0.1, 1e-3, hi, log=log),
              FreeParameter("organs.*.rate", 3.0, 1e-3, hi, log=log)]
    corr = np.array([[1.0, r], [r, 1.0]])
    return identifiability([p.label for p in params], corr, np.array([0.1, 0.1]), params, False)


def test_positive_correlation_of_log_parameters_pins_the_ratio():
    (issue,) = _report(0.97)
    assert issue["issue"] == "high correlation" and "ratio is well determined" in issue["detail"]


def test_negative_correlation_of_log_parameters_pins_the_product():
    (issue,) = _report(-0.97)
    assert "product is well determined" in issue["detail"]


def test_linear_scale_says_sum_or_difference():
    assert "sum is well determined" in _report(-0.99, log=False)[0]["detail"]
    assert "difference is well determined" in _report(0.99, log=False)[0]["detail"]


def test_moderate_correlation_is_not_reported():
    assert _report(0.9) == []
