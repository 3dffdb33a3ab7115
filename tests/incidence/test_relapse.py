"""Death after relapse and the endpoints past the first metastasis, for one patient: the engine's
quadrature (product integration over pieces, window nodes) against a brute-force reference.

The reference evaluates M_k and h_k on a uniform grid of step DX and integrates every nested
integral by composite Simpson on that grid: the survival convolution as e^{-nu v} times a
cumulative integral of positive terms, each window integral E(s, s + l) by its own Simpson sum
(no differences of cumulative sums, so no cancellation). The colony growth rate is chosen so the
detection delay is exactly 2 years: surgery (0.08) and surgery + delay (2.08) then fall on panel
boundaries, where h has kinks. Measured, the reference's error is nevertheless first order in DX
(~1.7e-7 relative at DX = 0.0025: the post-surgery CTC clearance transient, 1/4000 year, is shorter
than the step), so the reference is Richardson-extrapolated from DX and DX/2 (2 R(DX/2) - R(DX));
test_reference_converged checks that this extrapolation moves by < 1e-7 relative when the steps
are halved (measured: 3.5e-8 for multi_organ, < 7e-9 otherwise). The engine must agree with it to 1e-6 relative (measured: <= 1.5e-9).
"""
import math

import numpy as np
import pytest

import metakinetics as mk
from metakinetics.endpoints import Any, Lag, Landmark, MultiOrgan, OrgansPerRelapse, SiteShare
from metakinetics.incidence import colony_counts
from metakinetics.model.params import resolve

RATE = math.log(1e8) / 2.0      # 1/year: detection at 1e8 cells exactly 2 years after founding
TIMES = np.array([1.0, 3.0, 6.0, 12.0])
W = 0.25                         # multi_organ window (years)
LAGS, HORIZON, WITHIN = np.array([0.25, 1.0, 2.0]), 4.0, 3.0
TOL = 1e-6


def relapse_model(nu: float, hazard: float = 0.05):
    """The breast model with fast wake and efficient colonies (relapse is common), background
    death ``hazard`` and death after relapse ``nu`` (1/year)."""
    m = mk.load_model("breast")
    vals = {"mortality.hazard": hazard, "mortality.after_relapse": nu}
    for o in m.organ_names:
        vals[f"organs.{o}.wake"] = 0.3
        vals[f"organs.{o}.rate"] = RATE
        vals[f"organs.{o}.efficiency"] = 4 * m.get(f"organs.{o}.efficiency")
    return m.with_values(vals)


def _simpson(y, dx, axis=-1):
    """Composite Simpson over an odd number of points along ``axis``."""
    y = np.moveaxis(y, axis, -1)
    return dx / 3.0 * (y[..., 0] + y[..., -1] + 4 * y[..., 1:-1:2].sum(-1) + 2 * y[..., 2:-1:2].sum(-1))


def _cum_simpson(y, dx):
    """Cumulative Simpson at the even points (axis 0): (len // 2 + 1, ...)."""
    panels = dx / 3.0 * (y[:-2:2] + 4 * y[1:-1:2] + y[2::2])
    return np.concatenate([np.zeros((1,) + y.shape[1:]), np.cumsum(panels, axis=0)])


def reference(model, dx=0.0025, top=12.25, start=0.0, times=TIMES):
    """Brute-force values of any, distant, multi_organ and lag for the typical patient, counted
    from ``start`` years after diagnosis (a landmark) at ``times`` years after it."""
    pat = resolve(model)
    n = int(round(top / dx))
    u = np.arange(n + 1) * dx
    M, h = colony_counts(pat, pat.diagnosis_time()[:, None] + start + u[None, :], closed=False)
    M, h = M[0], h[0]
    mu = 1.0                    # M and h include the shedding constant already
    hb, nu = float(pat.hazard[0]), float(pat.after_relapse[0])
    dM = M - M[0]
    G, H = dM.sum(1, keepdims=True), h.sum(1, keepdims=True)
    # survival convolution at every point: e^{-nu v} int_0^v f e^{nu u} du, cumulated at even points
    f = mu * (H - h) * np.exp(-mu * (G - dM))
    I_even = np.exp(-nu * u[::2, None]) * _cum_simpson(f * np.exp(nu * u[:, None]), dx)
    ev = slice(None, None, 2)
    A = np.exp(-mu * (G - dM))[ev] + I_even
    any_int = mu * h[ev] * np.exp(-mu * dM[ev]) * np.exp(-hb * u[ev, None]) * A
    dist_int = mu * H[ev] * np.exp(-mu * G[ev]) * np.exp(-hb * u[ev, None])
    idx = np.rint(times / (4 * dx)).astype(int)
    out = {"any": _cum_simpson(any_int, 2 * dx)[idx], "distant": _cum_simpson(dist_int, 2 * dx)[idx]}
    c = hb + nu

    def window(g, lam, s_idx, length):
        k = int(round(length / dx))
        j = s_idx[:, None] + np.arange(k + 1)[None, :]
        vals = g[j] * np.exp(-(lam[j] - lam[s_idx][:, None]))
        return _simpson(vals, dx, axis=1)

    s_even = np.arange(0, int(round(times[-1] / dx)) + 1, 2)
    lam_o = mu * (G - dM) + c * u[:, None]
    E = window(mu * (H - h), lam_o, s_even, W)
    multi_int = (mu * h[s_even] * np.exp(-mu * G[s_even]) * np.exp(-hb * u[s_even, None]) * E).sum(1)
    out["multi"] = _cum_simpson(multi_int, 2 * dx)[idx]
    s_lag = np.arange(0, int(round(HORIZON / dx)) + 1, 2)
    first_el = mu * (H - h)[s_lag] * np.exp(-mu * G[s_lag]) * np.exp(-hb * u[s_lag, None])
    lam_k = mu * dM + c * u[:, None]
    lag = [_simpson(first_el * window(mu * h, lam_k, s_lag, min(l, WITHIN)), 2 * dx, axis=0)
           for l in list(LAGS) + [WITHIN]]
    out["lag"] = np.array(lag[:-1]) / lag[-1]
    return out


def extrapolated(model, dx=0.0025, **kw):
    """Richardson extrapolation of the first-order reference from steps dx and dx / 2."""
    a, b = reference(model, dx, **kw), reference(model, dx / 2, **kw)
    return {k: 2 * b[k] - a[k] for k in a}


def _rel(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


@pytest.fixture(scope="module", params=[1.0, 3.0])
def case(request):
    model = relapse_model(request.param)
    return model, extrapolated(model)


def test_reference_converged():
    """The brute-force reference itself: halving the steps moves it by < 1e-7 relative (10x below TOL)."""
    model = relapse_model(3.0)
    a, b = extrapolated(model, 0.0025), extrapolated(model, 0.00125)
    for key in a:
        assert _rel(a[key], b[key]) < 1e-7, key


def test_any_with_death_after_relapse_matches_reference(case):
    model, ref = case
    got = mk.incidence(model, Any(), TIMES, individual=True).values
    assert _rel(got, ref["any"]) < TOL
    assert np.all(got < mk.incidence(model.with_values({"mortality.after_relapse": 0.0}), Any(), TIMES,
                                     individual=True).values)      # dying earlier hides later organs


def test_site_share_and_organs_per_relapse_match_reference(case):
    model, ref = case
    share = mk.incidence(model, SiteShare(), TIMES, individual=True).values
    assert _rel(share, ref["any"] / ref["distant"]) < TOL
    per = mk.incidence(model, OrgansPerRelapse(), TIMES, individual=True).values[:, 0]
    assert _rel(per, ref["any"].sum(1) / ref["distant"][:, 0]) < TOL
    assert np.all(per >= 1.0)


def test_multi_organ_matches_reference(case):
    model, ref = case
    got = mk.incidence(model, MultiOrgan(window=W), TIMES, individual=True).values[:, 0]
    assert _rel(got, ref["multi"] / ref["distant"][:, 0]) < TOL


def test_lag_matches_reference(case):
    model, ref = case
    got = mk.incidence(model, Lag(horizon=HORIZON, within=WITHIN), LAGS, individual=True).values
    assert _rel(got, ref["lag"]) < TOL
    assert np.all(np.diff(got, axis=0) > 0)


def test_landmark_any_restarts_at_the_landmark():
    """Landmark L: among patients free of relapse and alive at L, organ k is found alive as for a
    patient whose clocks (colony counts, background and relapse deaths) start at L."""
    model = relapse_model(3.0)
    L = 2.08
    got = mk.incidence(model, Landmark(Any(), L), L + np.array([1.0, 4.0]), individual=True).values
    ref = extrapolated(model, top=HORIZON + WITHIN + 0.25, start=L, times=np.array([1.0, 4.0]))
    assert _rel(got, ref["any"]) < TOL


def test_no_death_after_relapse_is_todays_model():
    """after_relapse = 0 gives today's numbers to 1e-12: any, first, distant, site_share and their
    landmark versions, with and without background death, population quadrature. The golden file
    was written by main at e227129 (before death after relapse existed) with this same loop."""
    import json
    from pathlib import Path

    from metakinetics.endpoints import Distant, First

    golden = json.loads((Path(__file__).parent / "nu0_golden_e227129.json").read_text())
    t = np.array([0.5, 1.0, 3.0, 5.0, 12.0])
    for hz in (0.0, 0.04):
        m = mk.load_model("breast").with_values({"mortality.hazard": hz, "mortality.after_relapse": 0.0})
        for ep in (Any(), First(), Distant(), SiteShare(), Landmark(Any(), 2.0), Landmark(SiteShare(), 2.0)):
            tt = t[t > 2.0] if isinstance(ep, Landmark) else t
            want = np.array(golden[f"{hz}-{ep.name}-{getattr(ep, 'inner', ep).name}"])
            assert np.max(np.abs(mk.incidence(m, ep, tt).values - want)) <= 1e-12
