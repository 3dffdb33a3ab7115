"""The held-out (cross-validated) log-likelihood of ``inference.validation``: each left-out data set's
``heldout_loglik`` is the fit's own likelihood of its rows at the refit's prediction (equal to
``prob.likelihood.loglik`` of the rows' ``predicted`` and, within the optimiser's precision, of an
independent refit's prediction); rows' terms add up to it; ``cv_loglik`` sums the data sets; known
answers for binomial, beta-binomial and least-squares rows; a beta-binomial left-out data set is
scored with the full fit's rho; time-to-event data sets get none."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import betaln, gammaln

from metakinetics.errors import FitError
from metakinetics.inference import build_problem, fit, fixed_model, parse_setup
from metakinetics.inference import validation as validate_module
from metakinetics.inference.validation import heldout_loglik, validate
from tests.inference.test_validation import TWO, _setup


def _binomial_logpmf(k, n, p):
    """The binomial log-pmf continued to non-integer k by gamma functions (written out here)."""
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + k * np.log(p) + (n - k) * np.log(1 - p)


def _beta_binomial_logpmf(k, n, p, rho):
    a, b = p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + betaln(k + a, n - k + b) - betaln(a, b)


def _problem(setup, i):
    return build_problem(setup.data[i], fixed_model(setup.model, setup.model_set), grid_step=setup.grid_step)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    setup = _setup(tmp_path_factory.mktemp("cv"))
    return setup, validate(setup, draws=20, seed=11)


def test_heldout_is_the_likelihood_of_the_refit_prediction(run):
    setup, v = run
    for i, d in enumerate(v.datasets):
        prob = _problem(setup, i)
        pred = np.array([r["predicted"] for r in d.rows])
        assert d.heldout_loglik == pytest.approx(prob.likelihood.loglik(pred), rel=1e-12)
        assert sum(r["loglik"] for r in d.rows) == pytest.approx(d.heldout_loglik, rel=1e-12)
    assert v.cv_datasets == ("hess2013", "xiao2018")
    assert v.cv_loglik == pytest.approx(sum(d.heldout_loglik for d in v.datasets), rel=1e-15)


def test_heldout_matches_an_independent_refit_and_the_binomial_formula(run, tmp_path):
    _, v = run
    # without hess2013 the fit sees xiao2018 only; its bone row (any, 12 y): 0.23 of n = 11,011
    only_xiao = fit(_setup(tmp_path, data="xiao2018"), intervals="wald", curves=False)
    ref = only_xiao.predict("any", [12.0])
    p = float(ref.values[0][list(ref.columns).index("bone")])
    # the prediction agrees to ~1e-6 relative (optimiser stopping): the log-likelihood, of slope
    # n |y - p| / (p (1 - p)) ~ 1e3 in p, to ~1e-3 absolute
    assert v.datasets[0].heldout_loglik == pytest.approx(_binomial_logpmf(0.23 * 11011, 11011, p), abs=2e-3)
    r = v.datasets[0].rows[0]
    assert r["loglik"] == pytest.approx(_binomial_logpmf(0.23 * 11011, 11011, r["predicted"]), rel=1e-10)


def test_outputs_carry_the_heldout_and_cv_loglik(run):
    _, v = run
    d = v.to_dict()
    assert d["cv_loglik"] == pytest.approx(v.cv_loglik) and d["n_cv_datasets"] == 2
    assert d["cv_datasets"] == ["hess2013", "xiao2018"]
    assert [x["heldout_loglik"] for x in d["datasets"]] == [x.heldout_loglik for x in v.datasets]
    lines = v.to_csv().splitlines()
    assert lines[0].endswith(",loglik") and all(line.split(",")[-1] for line in lines[1:])


def test_known_answers_without_a_fit(tmp_path):
    setup = _setup(tmp_path)
    prob = _problem(setup, 0)                       # hess2013 bone at 12 y: 0.23 of 11,011
    total, rows = heldout_loglik(prob, np.array([0.23]))
    assert total == pytest.approx(_binomial_logpmf(0.23 * 11011, 11011, 0.23), rel=1e-12) and rows == [total]
    # beta-binomial with a fixed rho, and least squares one sigma off: -1/2 - ln sigma - ln(2 pi)/2 per row
    bb = parse_setup(TWO.format(extra="").replace('likelihood = "binomial"\nselect = {{ organ = ["bone"] }}'
                                                  .replace("{{", "{").replace("}}", "}"),
                                                  'likelihood = "beta_binomial"\noverdispersion = 0.02\n'
                                                  'select = { organ = ["bone"] }', 1))
    assert bb.data[0].likelihood == "beta_binomial"
    total, _ = heldout_loglik(_problem(bb, 0), np.array([0.2]))
    assert total == pytest.approx(_beta_binomial_logpmf(0.23 * 11011, 11011, 0.2, 0.02), rel=1e-12)
    total, _ = heldout_loglik(_problem(bb, 0), np.array([0.2]), rho=0.1)      # an explicit rho wins
    assert total == pytest.approx(_beta_binomial_logpmf(0.23 * 11011, 11011, 0.2, 0.1), rel=1e-12)
    ls = parse_setup(TWO.format(extra="").replace('name = "hess2013"\nlikelihood = "binomial"',
                                                  'name = "hess2013"\nlikelihood = "least_squares"\nsigma = 0.02'))
    total, rows = heldout_loglik(_problem(ls, 0), np.array([0.25]))
    assert total == pytest.approx(-0.5 - math.log(0.02) - 0.5 * math.log(2 * math.pi), rel=1e-12)


#: hess2013 overdispersed with its rho free (its seven distant and organ rows; the bone and liver
#: efficiencies free) and xiao2018's bone and liver rows binomial: left out, hess2013's rows are
#: scored with the full fit's rho (the refit without it has none).
BB = TWO.format(extra='[parameters."organs.liver.efficiency"]\nvalue = 5e-6\nmin = 1e-9\nmax = 1e-2\nlog = true\n') \
    .replace('name = "hess2013"\nlikelihood = "binomial"\nselect = { organ = ["bone"] }',
             'name = "hess2013"\nlikelihood = "beta_binomial"\noverdispersion = { value = 0.001, min = 1e-6, '
             'max = 0.5, log = true }\nselect = { organ = ["distant", "bone", "liver", "lung", "brain"] }') \
    .replace('select = { organ = ["bone"] }', 'select = { organ = ["bone", "liver"] }')


def test_beta_binomial_left_out_uses_the_full_fits_rho(tmp_path):
    p = tmp_path / "fit.toml"
    p.write_text(BB)
    setup = parse_setup(BB, path=str(p))
    assert setup.data[0].likelihood == "beta_binomial" and len(setup.data[1].select["organ"]) == 2
    v = validate(setup, draws=20, seed=3)
    rho = v.full_estimates["overdispersion.hess2013"]
    hess = v.datasets[0]
    assert hess.status == "validated" and "overdispersion.hess2013" not in hess.estimates
    lik = _problem(setup, 0).likelihood
    pred = np.array([r["predicted"] for r in hess.rows])
    assert len(pred) == 7 and all(r["overdispersion"] == rho for r in hess.rows)
    expected = float(np.sum(_beta_binomial_logpmf(lik.events, lik.n, pred, rho)))
    assert hess.heldout_loglik == pytest.approx(expected, rel=1e-10)
    assert v.datasets[1].heldout_loglik == pytest.approx(
        float(np.sum(_binomial_logpmf(np.array([0.0328, 0.0120]) * 295213, 295213,
                                      np.array([r["predicted"] for r in v.datasets[1].rows])))), rel=1e-10)


def test_time_to_event_data_sets_get_none(tmp_path):
    text = TWO.format(extra="").replace('name = "xiao2018"\nlikelihood = "binomial"\nselect = { organ = ["bone"] }',
                                        'name = "rotterdam"\nlikelihood = "time_to_event"')
    setup = parse_setup(text)
    assert setup.data[1].likelihood == "time_to_event"
    left = validate_module._leave_out(setup, 1, {}, {}, draws=20, seed=[1, 1], level=0.95, predictor=None,
                                      ctc_predictor=None)
    assert left.status == "not validated" and math.isnan(left.heldout_loglik) and "kept in every refit" in left.reason
    with pytest.raises(FitError, match="no held-out log-likelihood"):
        heldout_loglik(_problem(setup, 1), np.array([0.1]))
    v = validate_module.Validation(name="x", setup_path=None, seed=1, draws=20, level=0.95, package_version="0",
                                   elapsed_s=0.0, full_estimates={}, datasets=(left,))
    assert v.cv_datasets == () and math.isnan(v.cv_loglik) and v.to_dict()["cv_loglik"] is None


def test_without_bands_the_same_heldout_loglik_and_no_band(run):
    setup, v = run
    nb = validate(setup, seed=11, bands=False)
    # the refits differ only in the Newton check after the optimiser (none without bands): it moves
    # this one-parameter fit's estimate by far less than the 1e-6 relative allowed
    for a, b in zip(v.datasets, nb.datasets):
        assert b.status == "validated" and "no Newton check" in b.refit_message
        assert b.heldout_loglik == pytest.approx(a.heldout_loglik, rel=1e-6)
        for ra, rb in zip(a.rows, b.rows):
            assert rb["predicted"] == pytest.approx(ra["predicted"], rel=1e-6)
            assert rb["inside"] is None and math.isnan(rb["low"]) and math.isnan(rb["high"])
    assert nb.cv_loglik == pytest.approx(v.cv_loglik, rel=1e-6)
    assert math.isnan(nb.share_inside) and nb.n_inside == 0 and not nb.bands and nb.draws == 0
    d = json.loads(nb.to_json())
    assert d["bands"] is False and d["meets_target"] is None and d["share_inside"] is None
    assert d["band"].startswith("none")
