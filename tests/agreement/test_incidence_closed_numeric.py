"""Closed form == numeric quadrature (absolute 1e-6) on every endpoint where both exist.

Model: exponential primary, two exponential-colony organs, surgery delay, adjuvant kill of dormant
cells and colonies, background death, random effects on mu, rate and diameter
(tests/incidence/exp_two_organs.toml). The closed form uses sums of exponentials for the shedding
moments; the numeric path integrates the shedding intensity by piecewise Gauss-Legendre, so any
error in either shows up here. Tolerance 1e-6 absolute (issue 3); measured ~1e-12.
"""
from pathlib import Path

import numpy as np
import pytest

from metakinetics.endpoints import AtDiagnosis, Any, BySize, Distant, First, Landmark, SiteShare
from metakinetics.model import load_model
from metakinetics.population import incidence

MODEL = load_model(Path(__file__).parents[1] / "incidence" / "exp_two_organs.toml")
NO_DEATH = MODEL.with_values({"mortality.hazard": 0.0})
TIMES = np.array([0.0, 0.5, 1.0, 2.0, 5.0, 8.0, 12.0, 20.0])


def valid_times(ep, times):
    """Times where ``ep`` is defined: from its landmark on, after it for site_share; at_diagnosis
    has the time 0 only."""
    if isinstance(ep, AtDiagnosis):
        return times[times == 0]
    at = ep.at if isinstance(ep, Landmark) else 0.0
    inner = ep.inner if isinstance(ep, Landmark) else ep
    return times[times > at] if isinstance(inner, SiteShare) else times[times >= at]
ENDPOINTS = [Any(), First(), Distant(), AtDiagnosis(), SiteShare(), Landmark(Distant(), 5.0),
             Landmark(Any(), 2.0), Landmark(First(), 2.0), Landmark(SiteShare(), 5.0)]


@pytest.mark.parametrize("model", [MODEL, NO_DEATH], ids=["with-death", "no-death"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name + (f"-{e.inner.name}" if hasattr(e, "inner") else ""))
@pytest.mark.parametrize("individual", [False, True], ids=["population", "individual"])
def test_closed_form_equals_numeric(model, endpoint, individual):
    if isinstance(endpoint, AtDiagnosis):     # make the prevalence at diagnosis non-trivial
        model = model.with_values({"shedding.mu": 300.0})
    times = valid_times(endpoint, TIMES)
    a = incidence(model, endpoint, times, method="closed-form", individual=individual, nodes=8)
    b = incidence(model, endpoint, times, method="numeric", individual=individual, nodes=8)
    assert a.method == "closed-form" and b.method == "numeric"
    assert np.all(np.isfinite(a.values)) and a.values.max() > 1e-4   # a non-trivial case
    np.testing.assert_allclose(a.values, b.values, rtol=0, atol=1e-6)


@pytest.mark.parametrize("horizon", [0.0, 10.0])
def test_closed_form_equals_numeric_by_size(horizon):
    d = np.array([0.5, 1.0, 2.0, 4.0])
    a = incidence(MODEL, BySize(horizon=horizon), d, method="closed-form", nodes=8)
    b = incidence(MODEL, BySize(horizon=horizon), d, method="numeric", nodes=8)
    np.testing.assert_allclose(a.values, b.values, rtol=0, atol=1e-6)
    assert np.all(np.diff(a.values[:, 0]) > 0)     # larger tumours, more metastasis


def test_first_sites_add_up_to_distant():
    """Without ties, the organ-k-first curves add up to the distant curve (checks the u-quadrature)."""
    f = incidence(NO_DEATH, First(), TIMES, individual=True)
    d = incidence(NO_DEATH, Distant(), TIMES, individual=True)
    # distant is closed-form 1 - exp(-sum dM); first is a 6-point Gauss-Legendre integral per 0.25 y.
    # The integral misses the boundary layer of width 1/kappa right after surgery + tau (cells still
    # circulating at surgery arrest within hours), of size ~ f eps C(t_s) / kappa ~ 2e-8: tolerance 1e-7.
    np.testing.assert_allclose(f.values.sum(1), d.values[:, 0], rtol=0, atol=1e-7)
