"""Property test over random schema-valid models, boundary values included (wake 0, dormant death
0, efficiency 0, huge and tiny rates): every endpoint through every method is finite, in [0, 1]
and, for the cumulative endpoints, non-decreasing in time; Monte Carlo by_size equals the
quadrature within 4 SE.

Models are the two-organ exponential teaching model (closed form exists) and the same model with
a Gompertz primary and a birth-death colony (numeric only), with values drawn on log scales and
boundary values drawn with positive probability. A drawn set the validator refuses is skipped
(``assume``): the property is about what the schema accepts.
"""
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import metakinetics as mk
from metakinetics.errors import InputError, MetakineticsError
from metakinetics.incidence import founded
from metakinetics.model import load_model
from metakinetics.model.params import resolve

EXP2 = load_model(Path(__file__).parents[1] / "incidence" / "exp_two_organs.toml")
GOMP = EXP2.with_values({})  # replaced below by a Gompertz / birth-death variant
T = np.array([0.0, 0.5, 2.0, 6.0, 15.0])
CUMULATIVE = ("any", "first", "distant")


def _gompertz_variant():
    d = EXP2.to_dict()
    d["primary"].update(growth="gompertz", K=1e12, rate=0.6)
    second = list(d["organs"])[1]
    org = d["organs"][second]
    org.pop("rate")
    org.update(growth="birth_death", birth=3.0, death=1.0)
    from metakinetics.model import model_from_dict

    return model_from_dict(d, path="gompertz variant")


GOMP = _gompertz_variant()


def rate(lo, hi):
    """A rate drawn on a log scale, or a boundary value of the range."""
    return st.one_of(st.floats(min_value=lo, max_value=hi).map(lambda e: 10.0 ** e),
                     st.sampled_from([10.0 ** lo, 10.0 ** hi]))


values = st.fixed_dictionaries({
    "shedding.mu": rate(-9, 1),
    "circulation.clearance": rate(0, 4.5),
    "wake": st.one_of(st.just(0.0), rate(-6, 2)),
    "dormant_death": st.one_of(st.just(0.0), rate(-6, 2)),
    "efficiency": st.one_of(st.just(0.0), rate(-12, -2), st.just(1.0)),
    "treatment.kill_dormant": st.sampled_from([0.0, 0.5, 1.0]),
    "mortality.hazard": st.sampled_from([0.0, 0.05]),
    "population.mu_sd": st.sampled_from([0.0, 1.0, 3.0]),
})


def _model(base, v):
    sets = {k: val for k, val in v.items() if "." in k}
    for o in base.organ_names:
        sets.update({f"organs.{o}.wake": v["wake"], f"organs.{o}.dormant_death": v["dormant_death"],
                     f"organs.{o}.efficiency": v["efficiency"]})
    try:
        return base.with_values(sets)
    except MetakineticsError:
        assume(False)


def _check(values, ep):
    assert np.all(np.isfinite(values)), values
    assert np.all((values >= 0) & (values <= 1)), values
    if ep in CUMULATIVE:
        assert np.all(np.diff(values, axis=0) >= -1e-12), values


def _founding_cells(model) -> float:
    """Expected colonies a typical patient (at the largest diameter asked, 1.5 cm) ever founds:
    the cells the Monte Carlo follows one by one (dormant cells may wake long after surgery)."""
    pat = resolve(model, {"diagnosis.diameter_cm": 1.6})
    late = pat.surgery_time() + 1e9
    Phi, _ = founded(pat, np.broadcast_to(late[:, None, None], (1, 1, len(pat.organs))).copy(), closed=False)
    return float(Phi.sum())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v=values, gompertz=st.booleans(), ep=st.sampled_from(["any", "first", "distant", "at_diagnosis", "site_share"]),
       individual=st.booleans())
def test_every_endpoint_every_method_is_a_probability(v, gompertz, ep, individual):
    model = _model(GOMP if gompertz else EXP2, v)
    times = T[1:] if ep == "site_share" else T[:1] if ep == "at_diagnosis" else T
    methods = ["numeric"] + ([] if gompertz else ["closed-form"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in methods:
            try:
                r = mk.incidence(model, ep, times, method=method, individual=individual, nodes=6)
            except InputError as exc:                        # a share with no distant case: said, never a number
                assert ep == "site_share" and "undefined" in str(exc)
                continue
            _check(r.values, ep)
        if _founding_cells(model.with_values({"population.mu_sd": 0.0})) < 200 and v["population.mu_sd"] < 3:
            try:
                mc = mk.incidence(model, ep, times, method="monte-carlo", patients=500, seed=1, individual=individual)
            except InputError as exc:
                assert ep == "site_share" and "undefined" in str(exc)
                return
            _check(mc.values, ep)


@pytest.mark.statistical
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v=values, horizon=st.sampled_from([0.0, 5.0]))
def test_monte_carlo_by_size_equals_quadrature(v, horizon):
    """Exact event simulation (4,000 patients per diameter) within 4 SE of the quadrature (SE
    floored at one patient's worth so an all-zero column compares)."""
    model = _model(EXP2, {**v, "population.mu_sd": 0.0})
    assume(_founding_cells(model) < 200)
    d = [0.5, 1.5]
    q = mk.incidence(model, "by_size", d, horizon=horizon).values[:, 0]
    mc = mk.incidence(model, "by_size", d, horizon=horizon, method="monte-carlo", patients=4000, seed=2)
    se = np.maximum(mc.se[:, 0], np.sqrt(0.25 / 4000) / 10)
    assert np.all(np.abs(mc.values[:, 0] - q) / se < 4.0), (mc.values[:, 0], q, mc.se[:, 0])
