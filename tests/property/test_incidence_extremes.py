"""Property tests: extreme parameters give probabilities in [0, 1], finite, without overflow
warnings (pyproject turns RuntimeWarnings from metakinetics.* into errors; we also escalate here)."""
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metakinetics.endpoints import AtDiagnosis, Any, Distant, First, Landmark, SiteShare
from metakinetics.errors import InputError
from metakinetics.model import load_model
from metakinetics.population import ctc_positivity, incidence

BREAST = load_model("breast")
EXP = load_model("exponential_one_organ")
T = np.array([0.0, 1.0, 5.0, 20.0])
ENDPOINTS = st.sampled_from([Any(), First(), Distant(), AtDiagnosis(), SiteShare(), Landmark(Distant(), 5.0)])
log10 = st.floats(min_value=-12, max_value=12, allow_nan=False)


def _check(values):
    assert np.all(np.isfinite(values))
    assert np.all((values >= 0) & (values <= 1))


def _times(ep):
    """Where ``ep`` is defined: from the landmark on; site_share after it; at_diagnosis at 0 only."""
    if getattr(ep, "name", ep) in ("at_diagnosis", "distant_at_diagnosis"):
        return T[:1]
    at = getattr(ep, "at", 0.0)
    return T[T > at] if isinstance(ep, SiteShare) else T[T >= at]


def _incidence(*args, **kw):
    """incidence, or None where a share is undefined (no distant metastasis at all): that is an
    InputError saying so, never a number."""
    try:
        return incidence(*args, **kw).values
    except InputError as exc:
        assert "site_share is undefined" in str(exc)
        return None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mu=log10, eff=st.floats(min_value=-15, max_value=0), ep=ENDPOINTS, individual=st.booleans(),
       kill=st.floats(min_value=0, max_value=1), hazard=st.floats(min_value=0, max_value=5))
def test_extreme_parameters_give_probabilities(mu, eff, ep, individual, kill, hazard):
    params = {"shedding.mu": 10.0 ** mu, "organs.bone.efficiency": 10.0 ** eff,
              "organs.lung.efficiency": 10.0 ** eff, "treatment.kill_colony": kill,
              "treatment.kill_dormant": kill, "mortality.hazard": hazard}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = _incidence(BREAST, ep, _times(ep), individual=individual, nodes=6, params=params)
        if r is not None:
            _check(r)
        _check(np.array(ctc_positivity(BREAST, individual=individual, nodes=6, params=params)))


@settings(max_examples=25, deadline=None)
@given(mu=log10, rate=st.floats(min_value=0.05, max_value=20), ep=ENDPOINTS)
def test_extreme_exponential_primary_closed_form(mu, rate, ep):
    params = {"shedding.mu": 10.0 ** mu, "primary.rate": rate}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = _incidence(EXP, ep, _times(ep), method="closed-form", params=params)
        b = _incidence(EXP, ep, _times(ep), method="numeric", params=params)
    if a is None or b is None:
        assert a is None and b is None
        return
    _check(a)
    _check(b)
    np.testing.assert_allclose(a, b, atol=1e-6)
