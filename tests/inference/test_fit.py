"""The fit machinery on a toy predictor with a closed form (fast, exact): recovery of known
values from noiseless data, robustness to the starting point, group-specific and tied parameters,
non-convergence reported, bad set-ups named, results round-trip and are written atomically."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from metakinetics.endpoints import AtDiagnosis, Landmark
from metakinetics.errors import DataError, FitError, ModelFileError
from metakinetics.inference import fit, parse_setup, read_result, write_result

SCALE = 1e4  # toy cumulative hazard per year = SCALE x efficiency x wake


def toy(model, endpoint, times):
    """Independent organs with constant hazards SCALE * eps_k * wake_k (per year); at diagnosis
    the hazard has acted for 0.1 year. Exact, so a fit to its own output must return the truth."""
    times = np.asarray(times, dtype=float)
    haz = np.array([SCALE * o.efficiency * o.wake for o in model.organs])
    if isinstance(endpoint, AtDiagnosis):
        return model.organ_names, np.broadcast_to(1 - np.exp(-0.1 * haz), (times.size, haz.size)).copy()
    if isinstance(endpoint, Landmark):
        u = np.maximum(times - endpoint.at, 0.0)
        return ("distant",), (1 - np.exp(-haz.sum() * u))[:, None]
    if endpoint.name == "distant":
        return ("distant",), (1 - np.exp(-haz.sum() * times))[:, None]
    return model.organ_names, 1 - np.exp(-np.outer(times, haz))


TRUE = {"bone": 2e-5, "lung": 1e-5}  # with wake 0.2 in breast_two below


def _data(tmp_path, name="syn.csv", truth=TRUE, groups=("all",), scale=1.0, n=5000):
    lines = ["group,organ,endpoint,time,value,denominator"]
    for g in groups:
        f = scale if g == groups[0] else 2 * scale
        for organ, eps in truth.items():
            for t in (1.0, 3.0, 6.0):
                p = 1 - math.exp(-SCALE * eps * f * 0.2 * t)
                lines.append(f"{g},{organ},any,{t},{p:.12f},{n}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _setup(tmp_path, data_path, extra="", params=None):
    params = params or """
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
    text = f"""
[fit]
name = "toy"
seed = 3
{extra}
[model]
name = "breast"
set = {{ "organs.bone.wake" = 0.2, "organs.lung.wake" = 0.2 }}
[[data]]
name = "{data_path}"
likelihood = "binomial"
{params}
"""
    p = tmp_path / "fit.toml"
    p.write_text(text)
    return parse_setup(text, path=str(p))


def test_noiseless_data_recovers_the_truth(tmp_path):
    r = fit(_setup(tmp_path, _data(tmp_path)), predictor=toy, curves=False)
    assert r.converged, r.message
    for organ, eps in TRUE.items():
        e = r.estimate(f"organs.{organ}.efficiency")
        # noiseless data: the optimum is the truth up to the optimiser tolerance (1e-10 in -2logL)
        assert e.value == pytest.approx(eps, rel=1e-4)
        assert e.lower < eps < e.upper
    assert r.datasets[0]["max_abs_diff_pp"] < 1e-3


def test_different_starting_points_reach_the_same_optimum(tmp_path):
    setup = _setup(tmp_path, _data(tmp_path))
    starts = np.log([[1e-8, 1e-3], [1e-3, 1e-8], [3e-6, 3e-6], [5e-4, 5e-4]])
    r = fit(setup, predictor=toy, start_points=starts, curves=False)
    assert r.converged
    ests = np.array([s["estimate"] for s in r.starts])
    m2ll = np.array([s["minus2_loglik"] for s in r.starts])
    assert all(s["success"] for s in r.starts)
    # every start ends at the same optimum: estimates agree to 1e-4 relative, -2 log L to 1e-6
    np.testing.assert_allclose(ests, np.broadcast_to(ests[0], ests.shape), rtol=1e-4)
    np.testing.assert_allclose(m2ll, np.full(m2ll.shape, m2ll.min()), atol=1e-6)


def test_group_specific_and_tied_parameters(tmp_path):
    data = _data(tmp_path, groups=("A", "B"))
    params = """
[parameters."organs.*.wake"]
value = 0.5
min = 0.01
max = 5
log = true
groups = "all"
"""
    text = f"""
[fit]
name = "groups"
[model]
name = "breast"
set = {{ "organs.bone.efficiency" = 2e-5, "organs.lung.efficiency" = 1e-5 }}
[[data]]
name = "{data}"
likelihood = "binomial"
{params}
"""
    r = fit(parse_setup(text, path=str(tmp_path / "fit.toml")), predictor=toy, curves=False)
    assert r.converged
    # group B was simulated with twice the hazard: its wake rate is twice group A's
    assert r.estimate("organs.*.wake[A]").value == pytest.approx(0.2, rel=1e-4)
    assert r.estimate("organs.*.wake[B]").value == pytest.approx(0.4, rel=1e-4)
    assert set(r.fitted_values) == {"shared", "A", "B"}


def test_non_convergence_is_reported_not_silent(tmp_path):
    r = fit(_setup(tmp_path, _data(tmp_path), extra="max_nfev = 3"), predictor=toy, curves=False)
    assert r.status == "not_converged"
    assert "without converging" in r.message


def test_decreasing_incidence_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("group,organ,endpoint,time,value,denominator\nall,bone,any,1,0.3,100\nall,bone,any,5,0.1,100\n")
    with pytest.raises(DataError, match="decreases") as ei:
        fit(_setup(tmp_path, path), predictor=toy)
    assert ei.value.row == 3


def test_binomial_needs_denominator_row_named(tmp_path):
    path = tmp_path / "nodenom.csv"
    path.write_text("group,organ,endpoint,time,value,denominator\nall,bone,any,1,0.1,100\nall,bone,any,5,0.2,\n")
    with pytest.raises(DataError, match="denominator") as ei:
        fit(_setup(tmp_path, path), predictor=toy)
    assert ei.value.row == 3 and ei.value.column == "denominator"


@pytest.mark.parametrize("mutate, key, words", [
    (lambda t: t.replace('[model]\nname = "breast"', '[model]\nname = "breast"\ncolour = 1'), "model.colour", "unknown key"),
    (lambda t: t.replace('"organs.bone.efficiency"]', '"organs.bone.eficiency"]'), "parameters.organs.bone.eficiency",
     "did you mean"),
    (lambda t: t.replace("min = 1e-9\nmax = 1e-2\nlog = true", "min = 1e-2\nmax = 1e-9\nlog = true", 1),
     "parameters.organs.bone.efficiency", "must be below"),
    (lambda t: t.replace('likelihood = "binomial"', 'likelihood = "binomal"'), "data[0].likelihood", "binomial"),
    (lambda t: t.replace("seed = 3", "seed = \"x\""), "fit.seed", "expected a number"),
    (lambda t: t.replace("[[data]]", "[[dta]]"), "dta", "unknown key"),
])
def test_bad_setup_names_file_key_reason(tmp_path, mutate, key, words):
    _setup(tmp_path, _data(tmp_path))
    path = tmp_path / "fit.toml"
    text = mutate(path.read_text())
    with pytest.raises(ModelFileError) as ei:
        parse_setup(text, path=str(path))
    assert ei.value.key == key and words in str(ei.value) and str(path) in str(ei.value)


def test_result_round_trips_and_write_is_atomic(tmp_path, monkeypatch):
    r = fit(_setup(tmp_path, _data(tmp_path)), predictor=toy)
    out = tmp_path / "result.json"
    write_result(r, out)
    back = read_result(out)
    assert back.estimates == r.estimates and back.status == r.status
    d = json.loads(out.read_text())
    for k in ("estimates", "correlations", "loglik", "aic", "bic", "datasets", "status", "message",
              "package_version", "seed", "identifiability", "interval_method"):
        assert k in d
    assert d["datasets"][0]["sha256"] and len(d["datasets"][0]["sha256"]) == 64
    # an interruption while writing leaves the previous file intact and no temp file behind
    before = out.read_text()
    import metakinetics.io_atomic as io_atomic

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(io_atomic.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_result(r, out)
    assert out.read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".result.json")] == []


@pytest.mark.parametrize("method", ["profile", "conf_interval"])
def test_profile_intervals_agree_with_wald_for_a_well_determined_parameter(tmp_path, method):
    # Binomial data with 5000 patients per row: the log-likelihood is close to quadratic on the
    # log scale, so profile and Wald limits agree to within 5% of the interval width.
    setup = _setup(tmp_path, _data(tmp_path, n=5000))
    w = fit(setup, predictor=toy, curves=False, intervals="wald")
    p = fit(setup, predictor=toy, curves=False, intervals=method)
    for a, b in zip(w.estimates, p.estimates):
        width = math.log(a.upper / a.lower)
        assert abs(math.log(a.lower / b.lower)) < 0.05 * width
        assert abs(math.log(a.upper / b.upper)) < 0.05 * width
    assert "profile" in p.interval_method and ("lmfit" in p.interval_method) == (method == "conf_interval")


def test_flat_parameter_is_reported(tmp_path):
    # brain has no data: its efficiency does not change the likelihood at all
    params = """
[parameters."organs.bone.efficiency"]
value = 5e-6
min = 1e-9
max = 1e-2
log = true
[parameters."organs.brain.efficiency"]
value = 5e-6
min = 1e-9
max = 1e-2
log = true
"""
    r = fit(_setup(tmp_path, _data(tmp_path, truth={"bone": 2e-5}), params=params), predictor=toy, curves=False)
    flagged = {tuple(i["parameters"]) for i in r.identifiability if i["issue"] in ("flat profile", "singular information")}
    assert any("organs.brain.efficiency" in f for f in flagged)


def test_unknown_data_group_override_is_an_error(tmp_path):
    data = _data(tmp_path)
    text = f"""
[model]
name = "breast"
[[data]]
name = "{data}"
[data.groups.nope]
set = {{ "diagnosis.diameter_cm" = 1.0 }}
[parameters."organs.bone.efficiency"]
value = 5e-6
log = true
"""
    with pytest.raises(FitError, match="groups.nope"):
        fit(parse_setup(text, path=str(tmp_path / "fit.toml")), predictor=toy)


def test_newton_polish_finishes_what_a_loose_optimiser_leaves(tmp_path):
    # [fit] tolerance = 1e3 stops L-BFGS-B after its first iteration (an iteration gained less than
    # 1000 units of -2 log L); the Newton steps on the information computed for the intervals carry
    # the estimate to the tight fit's optimum, and the message says how much a quadratic model leaves
    data = _data(tmp_path, n=500)
    tight = fit(_setup(tmp_path, data, extra='optimiser = "lbfgsb"'), predictor=toy, curves=False)
    loose = fit(_setup(tmp_path, data, extra='optimiser = "lbfgsb"\ntolerance = 1e3'), predictor=toy, curves=False)
    assert loose.starts[0]["minus2_loglik"] > -2 * tight.loglik + 1.0      # the optimiser alone stopped short
    assert "Newton step" in loose.message and "log-likelihood units left" in loose.message
    assert loose.loglik == pytest.approx(tight.loglik, abs=0.01)            # POLISH_GAIN
    for organ in TRUE:
        a, b = loose.estimate(f"organs.{organ}.efficiency"), tight.estimate(f"organs.{organ}.efficiency")
        # 0.01 log-likelihood units left is at most sqrt(2 x 0.01) = 0.14 standard errors away
        assert abs(math.log(a.value) - math.log(b.value)) <= 0.15 * b.se_search


def test_fit_tolerance_must_be_positive(tmp_path):
    with pytest.raises(ModelFileError, match="fit.tolerance"):
        _setup(tmp_path, _data(tmp_path), extra="tolerance = -1")


def test_intervals_none_is_the_point_estimate_only(tmp_path):
    """intervals = 'none': the same optimiser run, no information (so no Newton check, no standard
    errors, no identifiability flags from it), and draws refused with a message that says why."""
    import math

    from tests.inference.test_validation import TWO

    setup = parse_setup(TWO.format(extra=""))
    point = fit(setup, intervals="none", curves=False)
    wald = fit(setup, intervals="wald", curves=False)
    assert point.converged and "no Newton check (intervals = 'none')" in point.message
    assert point.interval_method.startswith("none")
    # the Newton check after the optimiser is all that separates the two estimates here
    assert point.estimates[0].value == pytest.approx(wald.estimates[0].value, rel=1e-6)
    assert math.isnan(point.estimates[0].se) and math.isnan(point.estimates[0].lower)
    assert point.covariance_matrix() is None and not point.identifiability
    assert point.loglik == pytest.approx(wald.loglik, rel=1e-9)
    with pytest.raises(FitError, match="intervals = 'none'"):
        point.draw_values(5, seed=1)


def test_model_set_takes_patterns_and_refuses_a_key_set_twice():
    """[model] set accepts organs.* patterns as free parameters do: every matching key is fixed; a
    key set by a pattern and by name (one would silently lose) or a pattern matching nothing is a
    one-line error naming the key."""
    from tests.inference.test_validation import TWO

    text = TWO.format(extra="")
    with_set = text.replace('name = "breast"\n', 'name = "breast"\nset = { "organs.*.wake" = 0.02 }\n', 1)
    setup = parse_setup(with_set)
    organs = ("bone", "lung", "liver", "brain")
    assert {f"organs.{o}.wake" for o in organs} <= set(setup.model_set)
    assert all(setup.model_set[f"organs.{o}.wake"] == 0.02 for o in organs)
    twice = text.replace('name = "breast"\n',
                         'name = "breast"\nset = { "organs.*.wake" = 0.02, "organs.bone.wake" = 0.1 }\n', 1)
    with pytest.raises(ModelFileError, match=r"model\.set\.organs\.bone\.wake.*sets 'organs\.bone\.wake'.*set it once"):
        parse_setup(twice)
    none = text.replace('name = "breast"\n', 'name = "breast"\nset = { "organs.*.nothing" = 1 }\n', 1)
    with pytest.raises(ModelFileError, match="matches no numeric parameter"):
        parse_setup(none)


def test_information_choice_is_read_and_checked():
    from tests.inference.test_validation import TWO

    text = TWO.format(extra="")
    assert parse_setup(text).information == "auto"
    assert parse_setup(text.replace('seed = 5\n', 'seed = 5\ninformation = "scoring"\n', 1)).information == "scoring"
    with pytest.raises(ModelFileError, match=r"fit\.information.*expected one of auto, scoring, found 'hessain'"):
        parse_setup(text.replace('seed = 5\n', 'seed = 5\ninformation = "hessain"\n', 1))


def test_model_set_switches_colony_growth_laws_with_the_values_they_need():
    # [model] set may switch the colony growth law (organs.<k>.growth, or organs.*.growth), taking
    # the new law's values from the same table (K for gompertz); everything else that builds the
    # model (the objective, a result's base model) applies the same values
    from metakinetics import load_model
    from metakinetics.inference.objective import Objective

    text = ('[fit]\nname = "laws"\nnodes = 4\n[model]\nname = "breast"\n'
            'set = { "organs.*.growth" = "gompertz", "organs.*.K" = 1e11, "organs.lung.rate" = 0.6 }\n'
            '[[data]]\nname = "hess2013"\nlikelihood = "binomial"\nselect = { organ = ["distant"] }\n'
            '[parameters."shedding.mu"]\nvalue = 0.06\nmin = 1e-3\nmax = 1.0\nlog = true\n')
    setup = parse_setup(text)
    assert setup.model_set["organs.bone.growth"] == "gompertz" and setup.model_set["organs.bone.K"] == 1e11
    model = Objective(setup).model
    assert {o.growth for o in model.organs} == {"gompertz"} and {o.K for o in model.organs} == {1e11}
    assert model.organ("lung").rate == 0.6                      # numeric keys of the new law apply after it
    assert model.organ("bone").rate == load_model("breast").organ("bone").rate     # kept: both laws have it
    one = parse_setup(text.replace('"organs.*.growth"', '"organs.bone.growth"'))
    assert one.model_set["organs.bone.growth"] == "gompertz" and "organs.lung.growth" not in one.model_set
