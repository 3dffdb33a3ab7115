"""The beta-binomial (overdispersed) likelihood (issue 11, item 6): against scipy's betabinom, its
binomial limit, the bound its residuals rest on, the residual identity, the bootstrap goodness of fit,
and a fit that recovers a known rho on the toy predictor of test_fit.py (fast, seeded)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from metakinetics.errors import FitError
from metakinetics.inference import BetaBinomial, Binomial, fit, parse_setup, read_result, write_result
from tests.inference.test_fit import SCALE, toy

K = np.array([3.0, 40.0, 200.0, 0.0, 641.0])
N = np.array([100.0, 150.0, 1000.0, 50.0, 3173.0])
P = np.array([0.05, 0.3, 0.18, 0.01, 0.19])


def _ab(p, rho):
    return p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho


@pytest.mark.parametrize("rho", [1e-5, 1e-3, 0.05, 0.5, 0.95])
def test_log_pmf_is_scipy_betabinom(rho):
    lik = BetaBinomial(events=K, n=N)
    ref = stats.betabinom.logpmf(K, N, *_ab(P, rho))
    # betaln of arguments ~ 1/rho cancels: measured |error| <= 2e-10 at rho = 1e-5; 1e-8 leaves room
    assert np.allclose(lik.row_loglik(P, rho), ref, rtol=0, atol=1e-8)
    assert lik.loglik(P, rho) == pytest.approx(ref.sum(), rel=0, abs=1e-7)


def test_rho_to_zero_is_the_binomial():
    lik, binom = BetaBinomial(events=K, n=N), Binomial(events=K, n=N)
    d = {rho: lik.loglik(P, rho) - binom.loglik(P) for rho in (1e-6, 1e-7, 1e-8, 1e-9)}
    # the difference is first order in rho (measured 0.0039 at 1e-6 for these rows, n <= 3173): it
    # shrinks tenfold with rho (to 2%; at 1e-5 the second-order term is 3%); below ~1e-8 rounding
    # in betaln of arguments ~1/rho (about 1e-16 / rho per row) takes over, so at 1e-9 only
    # |difference| < 1e-4 is asked
    assert abs(d[1e-6]) == pytest.approx(10 * abs(d[1e-7]), rel=0.02)
    assert abs(d[1e-7]) == pytest.approx(10 * abs(d[1e-8]), rel=0.02)
    assert abs(d[1e-7]) < 1e-3 and abs(d[1e-9]) < 1e-4


def test_the_binomial_at_y_over_n_bounds_the_beta_binomial_but_the_beta_binomial_at_y_over_n_does_not():
    # integer and non-integer events (value x denominator), every p on a grid and rho from 1e-6 to 0.9
    k = np.array([3.0, 40.0, 200.0, 0.0, 641.0, 12.7, 149.2])
    n = np.array([100.0, 150.0, 1000.0, 50.0, 3173.0, 40.0, 150.0])
    lik = BetaBinomial(events=k, n=n)
    bound = lik.bound_rows()
    worst, beaten = -np.inf, False
    for rho in (1e-6, 1e-4, 1e-2, 0.1, 0.5, 0.9):
        for p in np.linspace(1e-4, 1 - 1e-4, 400):
            ll = lik.row_loglik(np.full(k.size, p), rho)
            worst = max(worst, float(np.max(ll - bound)))
            at_obs = lik.row_loglik(np.clip(k / n, 1e-15, 1), rho)
            beaten |= bool(np.any(ll > at_obs + 1e-6))
    assert worst <= 1e-9
    assert beaten   # the beta-binomial at p = y/n is no bound: why the residuals use the binomial one


@pytest.mark.parametrize("rho", [1e-4, 0.02, 0.4])
def test_residuals_square_to_minus2ll_plus_constant(rho):
    lik = BetaBinomial(events=K, n=N)
    r = lik.residuals(P, rho)
    assert np.sum(r ** 2) + lik.residual_constant() == pytest.approx(-2 * lik.loglik(P, rho), rel=1e-10)
    assert np.all(np.sign(r[K > 0]) == np.sign(P - K / N)[K > 0])
    # rho enters the residuals: a different rho, a different sum of squares
    assert np.sum(lik.residuals(P, rho * 2) ** 2) != pytest.approx(np.sum(r ** 2), rel=1e-6)


def test_fixed_rho_and_bad_rho():
    lik = BetaBinomial(events=K, n=N, fixed=0.02)
    assert lik.loglik(P) == lik.loglik(P, 0.02)
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(FitError, match=r"rho must be in \(0, 1\)"):
            BetaBinomial(events=K, n=N, fixed=bad)
        with pytest.raises(FitError, match=r"rho must be in \(0, 1\)"):
            BetaBinomial(events=K, n=N).loglik(P, bad)
    with pytest.raises(FitError, match="denominator"):
        BetaBinomial(events=K[:1], n=np.array([np.nan]))


def test_deviance_is_against_each_rows_best_proportion():
    lik = BetaBinomial(events=K, n=N)
    for rho in (1e-3, 0.2):
        dev = lik.deviance_rows(P, rho)
        assert np.all(dev >= 0)
        # the search's maximum is at least the best of a fine grid of p
        grid = np.linspace(1e-5, 1 - 1e-5, 20001)
        best = np.array([np.max(BetaBinomial(np.full(grid.size, k), np.full(grid.size, n)).row_loglik(grid, rho))
                         for k, n in zip(K, N)])
        assert np.all(lik._best_rows(K, rho) >= best - 1e-9)


def test_simulation_is_seeded_with_the_beta_binomial_mean_and_variance():
    lik = BetaBinomial(events=K, n=N)
    rho = 0.05
    a = lik.simulate(P, rho, 20000, np.random.default_rng(7))
    b = lik.simulate(P, rho, 20000, np.random.default_rng(7))
    assert np.array_equal(a, b)
    var = N * P * (1 - P) * (1 + (N - 1) * rho)
    # 20,000 draws: the sample mean is within 4 standard errors sqrt(var / 20000) of n p
    assert np.all(np.abs(a.mean(axis=0) - N * P) < 4 * np.sqrt(var / 20000))
    # sample variance within 10% (its relative SE is about sqrt(2 / 20000) x kurtosis terms < 3%)
    assert np.allclose(a.var(axis=0), var, rtol=0.1)


# ---------------------------------------------------------------------- fits on the toy predictor
TRUTH = {"bone": 2e-5, "lung": 1e-5}   # with wake 0.2: 12 cohorts of 3000, each one time point


def _cohorts(path, seed: int, rho: float, cohorts: int = 12, n: int = 3000):
    rng = np.random.default_rng(seed)
    lines = ["group,organ,endpoint,time,value,denominator"]
    for c in range(cohorts):
        t = (1.0, 3.0, 6.0)[c % 3]
        for organ, eps in TRUTH.items():
            p = 1 - math.exp(-SCALE * eps * 0.2 * t)
            y = rng.binomial(n, rng.beta(*_ab(p, rho)))
            lines.append(f"c{c},{organ},any,{t},{y / n:.12f},{n}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _setup(tmp_path, data, overdispersion: str = ""):
    text = f"""
[fit]
name = "toy_overdispersed"
seed = 5
[model]
name = "breast"
set = {{ "organs.bone.wake" = 0.2, "organs.lung.wake" = 0.2 }}
[[data]]
name = "{data}"
label = "cohorts"
likelihood = "beta_binomial"
{overdispersion}
[parameters."organs.bone.efficiency"]
value = 5e-6
min = 1e-9
max = 1e-2
log = true
[parameters."organs.lung.efficiency"]
value = 5e-6
min = 1e-9
max = 1e-2
log = true
"""
    p = tmp_path / "fit.toml"
    p.write_text(text)
    return parse_setup(text, path=str(p))


def test_fitted_rho_interval_covers_the_truth_and_the_goodness_of_fit_is_honest(tmp_path):
    rho = 0.01
    covered, binom_p, bb_p = 0, [], []
    for seed in range(5):
        data = _cohorts(tmp_path / f"c{seed}.csv", seed, rho)
        r = fit(_setup(tmp_path, data), predictor=toy, curves=False)
        assert r.converged
        e = r.estimate("overdispersion.cohorts")
        covered += e.lower <= rho <= e.upper
        d = r.datasets[0]
        binom_p.append(d["binomial_p_value"])
        bb_p.append(d["p_value"])
        assert d["overdispersion"] == pytest.approx(e.value)
        assert d["loglik"] == pytest.approx(r.loglik)
    # 95% Wald intervals: 5 of 5 expected; 4 allows one miss (probability ~0.02 of two misses)
    assert covered >= 4
    # the binomial calls cohort-to-cohort spread a misfit (p < 1e-10 in every seed: its deviance is
    # ~ (1 + 2999 x 0.01) = 31 times its df); the beta-binomial fit at its own rho does not (its
    # bootstrap p-value is conservative, so p < 0.01 in any of 5 seeds would be a real failure)
    assert max(binom_p) < 1e-10
    assert min(bb_p) > 0.01


def test_a_rho_fixed_too_small_is_rejected_by_the_bootstrap(tmp_path):
    data = _cohorts(tmp_path / "c.csv", 11, 0.01)
    r = fit(_setup(tmp_path, data, "overdispersion = 1e-5"), predictor=toy, curves=False)
    d = r.datasets[0]
    assert d["overdispersion_fixed"] and d["overdispersion"] == 1e-5
    assert [e.name for e in r.estimates] == ["organs.bone.efficiency", "organs.lung.efficiency"]
    # the bootstrap's smallest p-value is 1 / 2001: data 30x more spread than rho = 1e-5 allows
    assert d["p_value"] < 0.001
    assert r.goodness_of_fit["p_value"] < 0.001


def test_result_round_trips_and_the_overdispersion_sets_no_model_key(tmp_path):
    data = _cohorts(tmp_path / "c.csv", 3, 0.01)
    r = fit(_setup(tmp_path, data, "overdispersion = { value = 0.02, min = 1e-5, max = 0.3 }"),
            predictor=toy, curves=False)
    e = r.estimate("overdispersion.cohorts")
    assert e.keys == () and 1e-5 <= e.value <= 0.3 and e.log
    back = read_result(write_result(r, tmp_path / "result.json"))
    assert back.goodness_of_fit == r.goodness_of_fit
    assert back.estimate("overdispersion.cohorts").keys == ()
    m = back.model()
    assert m.get("organs.bone.efficiency") == pytest.approx(r.estimate("organs.bone.efficiency").value)
    draws = back.draw(50, seed=1)
    assert "organs.bone.efficiency" in draws and not any(k.startswith("overdispersion") for k in draws)


def test_the_scalar_optimiser_finds_the_same_maximum(tmp_path):
    # least squares on the residuals and L-BFGS-B on -2 log L maximise the same likelihood
    data = _cohorts(tmp_path / "c.csv", 4, 0.01)
    ls = fit(_setup(tmp_path, data), predictor=toy, curves=False)
    sc = fit(dataclasses.replace(_setup(tmp_path, data), optimiser="lbfgsb"), predictor=toy, curves=False)
    assert sc.optimiser == "lbfgsb" and ls.optimiser == "least_squares"
    # -2 log L agrees to 0.01 (L-BFGS-B's default tolerances stop within ~1e-3 of the maximum)
    assert -2 * sc.loglik == pytest.approx(-2 * ls.loglik, abs=0.01)
    assert sc.estimate("overdispersion.cohorts").value == pytest.approx(
        ls.estimate("overdispersion.cohorts").value, rel=0.05)


def test_reports_show_both_goodness_of_fit_measures(tmp_path):
    from metakinetics.cli.fit import report
    from metakinetics.report.build import _overall_gof

    data = _cohorts(tmp_path / "c.csv", 2, 0.01)
    r = fit(_setup(tmp_path, data), predictor=toy, curves=False)
    d, g = r.datasets[0], r.goodness_of_fit
    text = report(r, "result.json", None)
    assert f"binomial deviance {d['binomial_deviance']:.2f} (p = {d['binomial_p_value']:.3g})" in text
    assert f"all aggregate data sets: {g['value']:.2f} on 24 rows (p = {g['p_value']:.3g}, bootstrap)" in text
    html = _overall_gof(r.to_dict()["goodness_of_fit"])
    assert "parametric bootstrap" in html and f"{g['binomial_value']:.2f}" in html
    assert _overall_gof(None) is None


def test_validate_leaves_a_beta_binomial_data_set_out_with_its_rho(tmp_path):
    # hess2013 beta-binomial (rho free) and SEER bone binomial, the bone efficiency free; coarse nodes
    from metakinetics.inference.validation import validate

    text = """
[fit]
name = "two_bb"
seed = 5
nodes = { mu = 12, rate = 4, diameter = 4 }
[model]
name = "breast"
[[data]]
name = "hess2013"
likelihood = "beta_binomial"
select = { organ = ["bone", "distant"] }
[[data]]
name = "xiao2018"
likelihood = "binomial"
select = { organ = ["bone"] }
[parameters."organs.bone.efficiency"]
value = 5e-6
min = 1e-9
max = 1e-2
log = true
"""
    p = tmp_path / "fit.toml"
    p.write_text(text)
    v = validate(parse_setup(text, path=str(p)), draws=40, seed=1)
    full_rho = v.full_estimates["overdispersion.hess2013"]
    hess, seer = v.datasets
    assert hess.status == seer.status == "validated"
    # without hess2013 its rho is no parameter of the refit; its rows take the full fit's rho
    assert "overdispersion.hess2013" not in hess.estimates
    assert "overdispersion.hess2013" in seer.estimates
    for r in hess.rows:
        assert r["overdispersion"] == full_rho
        # the beta-binomial spread widens the band beyond the binomial one of the same draws
        binomial_width = 2 * 1.96 * math.sqrt(r["predicted"] * (1 - r["predicted"]) / r["n"])
        assert r["high"] - r["low"] > binomial_width and r["low"] <= r["predicted"] <= r["high"]
    assert all("overdispersion" not in r for r in seer.rows)
    assert "BetaBinomial(n, p, rho)/n" in v.band_rule
