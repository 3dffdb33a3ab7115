"""CTC positivity as a fitted term: ctc_positive rows become a binomial likelihood on
metakinetics.population.ctc_positivity at diagnosis with the row's blood volume, and that term
identifies shedding mu, which incidence alone cannot (incidence depends on mu only through
mu x efficiency)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import xlogy

from metakinetics.errors import DataError
from metakinetics.inference import CtcPositive, Objective, build_problem, fit, parse_setup
from metakinetics.inference.problem import DataSpec
from metakinetics.model import load_model
from metakinetics.population import ctc_positivity, incidence

#: Few Gauss-Hermite nodes keep each evaluation ~10 ms; the data below are simulated with the same
#: nodes, so the quadrature error does not enter the comparisons (the model is its own truth).
NODES = {"mu": 16, "rate": 4, "diameter": 4}
TRUE_MU = 0.1
TRUE_EFF = {"bone": 1e-4, "lung": 8e-6}
ORGANS = ("bone", "lung", "liver", "brain")
N_INCIDENCE = 20_000
N_CTC = 3173  # Janni 2016's denominator


def _truth():
    return load_model("breast").with_values({"shedding.mu": TRUE_MU, **{f"organs.{o}.efficiency": e
                                                                        for o, e in TRUE_EFF.items()}})


def _write_data(tmp_path, *, ctc: bool = True, ctc_value: float | None = None):
    """Noiseless synthetic data from the model at the truth: at-diagnosis prevalence and organ
    incidence at 2, 5, 10 y (bone, lung), and the share with >= 1 CTC in 7.5 mL."""
    from metakinetics.endpoints import AtDiagnosis, Any

    m = _truth()
    lines = ["group,organ,endpoint,time,value,denominator,blood_volume_ml"]
    at0 = incidence(m, AtDiagnosis(), np.zeros(1), nodes=NODES)
    for o in ("bone", "lung"):
        lines.append(f"all,{o},at_diagnosis,0,{at0.values[0, at0.columns.index(o)]:.15f},{N_INCIDENCE},")
    t = np.array([2.0, 5.0, 10.0])
    inc = incidence(m, Any(), t, nodes=NODES)
    for o in ("bone", "lung"):
        for i, ti in enumerate(t):
            lines.append(f"all,{o},any,{ti:g},{inc.values[i, inc.columns.index(o)]:.15f},{N_INCIDENCE},")
    p_ctc = ctc_positivity(m, draw_ml=7.5, nodes=NODES) if ctc_value is None else ctc_value
    if ctc:
        lines.append(f"ctc,blood,ctc_positive,0,{p_ctc:.15f},{N_CTC},7.5")
    path = tmp_path / "syn.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, p_ctc


def _setup(tmp_path, data, *, mu_free=True, incidence_only=False):
    mu = """
[parameters."shedding.mu"]
value = 0.3
min = 1e-3
max = 30
log = true
""" if mu_free else ""
    select = 'select = { endpoint = ["at_diagnosis", "any"] }' if incidence_only else ""
    text = f"""
[fit]
name = "ctc"
nodes = {{ mu = {NODES['mu']}, rate = {NODES['rate']}, diameter = {NODES['diameter']} }}
[model]
name = "breast"
[[data]]
name = "{data}"
likelihood = "binomial"
{select}
{mu}
[parameters."organs.bone.efficiency"]
value = 2e-5
min = 1e-9
max = 1e-1
log = true
[parameters."organs.lung.efficiency"]
value = 2e-6
min = 1e-9
max = 1e-1
log = true
"""
    p = tmp_path / "fit.toml"
    p.write_text(text)
    return parse_setup(text, path=str(p))


def test_bundled_ctc_rows_plan_one_prediction_each_with_their_volume():
    model = load_model("breast")
    janni = build_problem(DataSpec(name="ctc_positivity", likelihood="binomial", select={"group": ("janni2016",)},
                                   label="j"), model)
    assert [s.endpoint for s in janni.series] == [CtcPositive(draw_ml=7.5, at=0.0)]
    assert janni.likelihood.events.tolist() == [641.0] and janni.likelihood.n.tolist() == [3173.0]
    rack = build_problem(DataSpec(name="ctc_positivity", likelihood="binomial", select={"group": ("rack2014",)},
                                  label="r"), model)
    # Rack 2014 drew "about 23-30 mL": the prediction uses the midpoint, and says so
    assert rack.series[0].endpoint.draw_ml == 26.5
    assert "midpoint of 23-30 mL" in next(iter(rack.notes.values()))


@pytest.mark.parametrize("cell, words", [("abc", "must be a number"), ("-3", "must be positive"),
                                         ("30-23", "decreasing")])
def test_bad_blood_volume_names_the_row(tmp_path, cell, words):
    path = tmp_path / "bad.csv"
    path.write_text("group,organ,endpoint,time,value,denominator,blood_volume_ml\n"
                    f"a,blood,ctc_positive,0,0.2,100,7.5\nb,blood,ctc_positive,0,0.2,100,{cell}\n")
    with pytest.raises(DataError, match=words) as ei:
        build_problem(DataSpec(name=str(path), likelihood="binomial", label="x"), load_model("breast"))
    assert ei.value.row == 3 and ei.value.column == "blood_volume_ml"


def test_ctc_row_with_another_organ_is_an_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("group,organ,endpoint,time,value,denominator\na,bone,ctc_positive,0,0.2,100\n")
    with pytest.raises(DataError, match="organ 'blood'") as ei:
        build_problem(DataSpec(name=str(path), likelihood="binomial", label="x"), load_model("breast"))
    assert ei.value.row == 2


def test_ctc_term_adds_its_binomial_log_likelihood(tmp_path):
    """-2 log L with the CTC row minus -2 log L without it is exactly -2 x the binomial log-pmf of
    the row at ctc_positivity(model, 7.5 mL), computed here independently of the fit machinery."""
    data, _ = _write_data(tmp_path, ctc_value=0.202)
    both = Objective(_setup(tmp_path, data))
    inc = Objective(_setup(tmp_path, data, incidence_only=True))
    x = both.params.start_vector()
    model = load_model("breast").with_values({"shedding.mu": 0.3, "organs.bone.efficiency": 2e-5,
                                              "organs.lung.efficiency": 2e-6})
    p = ctc_positivity(model, draw_ml=7.5, at=0.0, nodes=NODES)
    k = 0.202 * N_CTC
    logpmf = (math.lgamma(N_CTC + 1) - math.lgamma(k + 1) - math.lgamma(N_CTC - k + 1)
              + xlogy(k, p) + xlogy(N_CTC - k, 1 - p))
    # floating-point sums of a few terms of size 1e1-1e3: 1e-8 relative
    assert both.loglik(x) - inc.loglik(x) == pytest.approx(logpmf, rel=1e-8)
    # and the residual vector carries it as one more deviance residual
    assert both.residuals(x).size == inc.residuals(x).size + 1


def test_incidence_alone_cannot_see_mu_but_the_ctc_term_can(tmp_path):
    """Along the ridge mu -> c mu, efficiencies -> efficiencies / c, incidence -2 log L is unchanged
    (M_k is linear in mu x efficiency), the CTC term is not: its profile of mu is not flat."""
    data, _ = _write_data(tmp_path)
    truth = np.log([TRUE_MU, TRUE_EFF["bone"], TRUE_EFF["lung"]])
    base = load_model("breast")
    m2_inc, m2_both = [], []
    for c in (0.5, 1.0, 2.0):
        x = truth + np.log([c, 1 / c, 1 / c])
        # the fixed liver and brain efficiencies move along the ridge too (the M0 selection sees them)
        model = base.with_values({f"organs.{o}.efficiency": base.get(f"organs.{o}.efficiency") / c
                                  for o in ("liver", "brain")})
        m2_inc.append(-2 * Objective(_setup(tmp_path, data, incidence_only=True), model=model).loglik(x))
        m2_both.append(-2 * Objective(_setup(tmp_path, data), model=model).loglik(x))
    # the rescaled models give the same incidence up to rounding (terms of order 1e2: 1e-6 absolute)
    assert m2_inc[0] == pytest.approx(m2_inc[1], abs=1e-6) and m2_inc[2] == pytest.approx(m2_inc[1], abs=1e-6)
    # with the CTC row (n = 3173), halving or doubling mu along the ridge costs far more than the 3.84
    # of a 95% likelihood-ratio interval
    assert m2_both[0] - m2_both[1] > 100 and m2_both[2] - m2_both[1] > 100


def test_mu_is_recovered_from_ctc_and_incidence(tmp_path):
    """Noiseless synthetic data from the model at mu = 0.1: a fit with mu and two efficiencies free,
    started at mu = 0.3, returns mu = 0.1 and the efficiencies (the optimum of noiseless data is the
    truth up to the optimiser's tolerance); without the CTC row mu is reported unidentifiable."""
    data, _ = _write_data(tmp_path)
    r = fit(_setup(tmp_path, data), curves=False)
    assert r.converged, r.message
    assert r.estimate("shedding.mu").value == pytest.approx(TRUE_MU, rel=1e-3)
    for o, e in TRUE_EFF.items():
        assert r.estimate(f"organs.{o}.efficiency").value == pytest.approx(e, rel=1e-3)
    e = r.estimate("shedding.mu")
    assert e.lower < TRUE_MU < e.upper and e.upper / e.lower < 1.5
    blind = fit(_setup(tmp_path, data, incidence_only=True), curves=False)
    # incidence alone still fits (mu x efficiency is identified) but flags mu: singular information
    # or correlation above 0.95 with the efficiencies
    flagged = {p for i in blind.identifiability for p in i["parameters"]}
    assert "shedding.mu" in flagged
