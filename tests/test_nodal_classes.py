"""Nodal classes and their Poisson probabilities (metakinetics.nodal_classes, incidence.nodes), and the [nodes] table."""
import numpy as np
import pytest
from scipy import stats

from metakinetics import InputError, load_model
from metakinetics.model import dump_toml, load_model_text
from metakinetics.incidence.nodes import log_class_probability
from metakinetics.nodal_classes import OPEN, class_name, nodal_class


@pytest.mark.parametrize("text,lohi", [
    ("N0", (0, 0)), ("0", (0, 0)), ("pN0", (0, 0)), ("N1-3", (1, 3)), ("1-3", (1, 3)), ("pN1", (1, 3)),
    ("N4-9", (4, 9)), ("N10+", (10, OPEN)), (">=10", (10, OPEN)), ("N+", (1, OPEN)), ("1+", (1, OPEN)),
    ("all", (0, OPEN)), ("", (0, OPEN)), ("7", (7, 7)), ("60", (60, 60)),
])
def test_defined_classes_and_counts(text, lohi):
    assert nodal_class(text) == lohi


@pytest.mark.parametrize("text", ["N2-5", "61", "-1", "N11", "one"])
def test_anything_else_is_refused_on_one_line(text):
    with pytest.raises(InputError, match="is not defined") as info:
        nodal_class(text)
    assert "N0, N1-3, N4-9, N10+, N+" in str(info.value) and "\n" not in str(info.value)


def test_names_round_trip():
    for name in ("N0", "N1-3", "N4-9", "N10+", "N+", "all"):
        assert class_name(*nodal_class(name)) == name


@pytest.mark.parametrize("dispersion", [0.0, 0.15, 0.7, 3.0])
def test_class_probabilities_equal_scipy(dispersion):
    # Poisson (dispersion 0) or negative binomial with mean m and variance m + d m^2: relative 1e-9
    # wherever scipy's pmf sum is representable; the classes partition the counts
    m = np.array([1e-8, 1e-3, 0.1, 0.7, 1.0, 2.5, 4.0, 9.5, 10.0, 25.0, 59.0, 200.0])
    if dispersion == 0:
        dist = stats.poisson(m[:, None])
    else:
        k = 1.0 / dispersion
        dist = stats.nbinom(k, 1.0 / (1.0 + dispersion * m[:, None]))
    total = np.zeros_like(m)
    for name in ("N0", "N1-3", "N4-9", "N10+"):
        lo, hi = nodal_class(name)
        k_ = np.arange(lo, (hi if hi < OPEN else 200_000) + 1)
        ref = dist.pmf(k_[None, :]).sum(axis=1)
        got = np.exp(log_class_probability(m, lo, hi, dispersion))
        # scipy's nbinom pmf loses up to ~6e-8 at m = 1e-8 (checked analytically below)
        ok = (ref > 1e-290) & ((dispersion == 0) | (m > 1e-6))
        np.testing.assert_allclose(got[ok], ref[ok], rtol=1e-9)
        total += got
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)


def test_far_tails_stay_finite_in_logs():
    # P(N >= 10) at m = 1e-60 is ~1e-607: below doubles, but its log is the leading Poisson term
    v = log_class_probability(np.array([1e-60]), 10, OPEN)[0]
    assert v == pytest.approx(10 * np.log(1e-60) - 1e-60 - np.log(3628800.0), rel=1e-12)
    assert np.all(log_class_probability(np.array([0.0, 1.0, 1e6]), 0, OPEN) == 0.0)   # every patient: 0 exactly


def test_nodes_table_round_trips_and_defaults_are_todays_model():
    m = load_model("breast")
    assert (m.nodes.ratio, m.nodes.coupling, m.nodes.min, m.nodes.max) == (0.0, 1.0, 0.0, OPEN)
    m2 = m.with_values({"nodes.ratio": 3e-6, "nodes.coupling": 0.5, "nodes.min": 1, "nodes.max": 3})
    back = load_model_text(dump_toml(m2))
    assert back.nodes == m2.nodes


@pytest.mark.parametrize("over,key,reason", [
    ({"nodes.ratio": 3e-6, "nodes.min": 4, "nodes.max": 3}, "nodes.min", "is above nodes.max"),
    ({"nodes.ratio": 3e-6, "nodes.min": 0.5}, "nodes.min", "whole number"),
    ({"nodes.min": 1}, "nodes.min", "nodes.ratio is 0"),
    ({"nodes.ratio": -1.0}, "nodes.ratio", "zero or positive"),
])
def test_overrides_are_checked_by_the_one_validator(over, key, reason):
    import metakinetics as mk

    with pytest.raises(InputError) as info:
        mk.incidence("breast", "distant", [5.0], params=over)
    assert key in str(info.value) and reason in str(info.value)
