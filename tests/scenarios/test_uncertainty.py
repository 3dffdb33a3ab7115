"""Parameter draws from a fit, and the comparison table with bands."""
import json
import math

import numpy as np
import pytest

from metakinetics.errors import FitError, InputError
from metakinetics.scenarios import FitSummary, compare, draw_parameters, percentile_bands


def test_covariance_draws_have_the_fit_moments(synthetic_fit):
    """4000 draws: sample mean of log values within 4 standard errors (sd 0.3 / sqrt(4000) ~ 0.005)
    and sample covariance within 10% (relative SE of a variance ~ sqrt(2/n) ~ 2%)."""
    d = draw_parameters(synthetic_fit, 4000, seed=3)
    logs = np.log(d.values)
    assert np.all(np.abs(logs.mean(0) - np.log(synthetic_fit.estimate)) < 4 * 0.3 / math.sqrt(4000))
    np.testing.assert_allclose(np.cov(logs.T), synthetic_fit.covariance, rtol=0.1, atol=0.004)
    again = draw_parameters(synthetic_fit, 4000, seed=3)
    assert np.array_equal(again.values, d.values)


def test_profile_draws_match_interval_ends(synthetic_fit):
    """Split normal on the log scale: 2.5% and 97.5% sample quantiles near the interval ends
    (20000 draws: quantile SE ~ 1% of the log width)."""
    d = draw_parameters(synthetic_fit, 20000, seed=4, method="profile")
    for j, k in enumerate(d.keys):
        lo, hi = synthetic_fit.intervals[k]
        q = np.percentile(d.values[:, j], [2.5, 97.5])
        assert math.log(q[0]) == pytest.approx(math.log(lo), abs=0.03)
        assert math.log(q[1]) == pytest.approx(math.log(hi), abs=0.03)


def test_draws_respect_bounds(breast):
    fit = FitSummary(model=breast, keys=("organs.bone.efficiency",), estimate=[0.5], log=(False,),
                     covariance=[[0.09]], lower_bound=[0.0], upper_bound=[1.0])
    v = draw_parameters(fit, 2000, seed=1).values
    assert v.min() >= 0 and v.max() <= 1


def test_bad_fits_and_arguments(breast, synthetic_fit):
    with pytest.raises(FitError, match="no covariance"):
        draw_parameters(FitSummary(model=breast, keys=("shedding.mu",), estimate=[0.3], log=(True,)), 5)
    with pytest.raises(FitError, match="not a parameter"):
        FitSummary(model=breast, keys=("shedding.nu",), estimate=[0.3], log=(True,))
    with pytest.raises(FitError, match="positive semi-definite"):
        draw_parameters(FitSummary(model=breast, keys=("shedding.mu", "primary.rate"), estimate=[0.3, 0.2],
                                   log=(True, True), covariance=[[1.0, 2.0], [2.0, 1.0]]), 5)
    with pytest.raises(InputError, match="whole number"):
        draw_parameters(synthetic_fit, 0)
    with pytest.raises(InputError, match="need a fit"):
        compare(breast, ["surgery_delay=0.1"], draws=5)
    with pytest.raises(InputError, match="given twice"):
        compare(breast, ["surgery_delay=0.1", "surgery_delay=0.1"])
    with pytest.raises(InputError, match="unknown organ"):
        compare(breast, ["organ_drug:bones=0.1"])
    with pytest.raises(InputError, match="times"):
        compare(breast, ["surgery_delay=0.1"], times=[2.0, 1.0])


def test_percentile_bands():
    x = np.arange(101.0)
    lo, med, hi = percentile_bands(x, 0.9)
    assert (float(lo), float(med), float(hi)) == pytest.approx((5.0, 50.0, 95.0), abs=1e-12)


def test_comparison_table_with_bands(synthetic_fit, tmp_path):
    c = compare(synthetic_fit, ["organ_drug:bone=0.7"], "any", [5.0, 10.0], draws=8, seed=2)
    assert c.names == ("scenario", "organ", "time", "value", "lower", "upper", "abs_diff", "abs_diff_lower",
                       "abs_diff_upper", "rel_diff", "rel_diff_lower", "rel_diff_upper")
    assert len(c) == 2 * 2 * 4
    g = c.grid("value")
    # the drug lowers bone incidence in every draw (paired differences): the whole band is below 0
    assert np.all(c.grid("abs_diff_upper")[1, :, 0] < 0)
    assert np.all(c.grid("lower") <= c.grid("upper"))
    np.testing.assert_array_equal(c.grid("abs_diff")[0], 0.0)
    assert g.shape == (2, 2, 4)
    d = json.loads(c.to_json())
    assert d["draws"] == 8 and d["scenarios"][1]["label"] == "organ_drug:bone=0.7"
    text = c.to_csv(tmp_path / "c.csv")
    assert text.splitlines()[0].startswith("scenario,organ,time,value")
    assert (tmp_path / "c.csv").read_text() == text


def test_relative_difference_undefined_at_zero_baseline(breast):
    c = compare(breast, ["surgery_delay=0.1"], "any", [0.0, 5.0])
    rel = c.grid("rel_diff")
    assert np.all(np.isnan(rel[:, 0]))  # incidence 0 at diagnosis among M0 patients
    assert json.loads(c.to_json())["columns"]["rel_diff"][0] is None
