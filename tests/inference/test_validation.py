"""Leave-one-data-set-out validation (``inference.validation``) on a small two-data-set set-up (one
hess2013 row, one xiao2018 row, the bone efficiency free): one refit per data set, the left-out
predictions equal those of an independent refit of the reduced set-up, the bands contain the
predictions, same seed same numbers; a parameter only the left-out data set fixes is named and
fixed at the full fit's estimate; a single data set is refused."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

import pytest

from metakinetics.errors import FitError
from metakinetics.inference import fit, parse_setup
from metakinetics.inference import validation as validate_module
from metakinetics.inference.validation import Validation, validate

#: two data sets, each a single bone row: hess2013 bone involvement at 12 y (n = 11,011) and SEER
#: bone metastasis at diagnosis (n = 295,213); coarse nodes keep each fit to about a second.
TWO = """
[fit]
name = "two"
seed = 5
nodes = {{ mu = 12, rate = 4, diameter = 4 }}
[model]
name = "breast"
[[data]]
name = "hess2013"
likelihood = "binomial"
select = {{ organ = ["bone"] }}
[[data]]
name = "xiao2018"
likelihood = "binomial"
select = {{ organ = ["bone"] }}
[parameters."organs.bone.efficiency"]
value = 5e-6
min = 1e-9
max = 1e-2
log = true
{extra}"""

#: relative agreement of a left-out prediction with FitResult.predict of an independent refit: both
#: evaluate the same model at the same optimum (batched vs single incidence), the validation's refit
#: started at the full fit's estimates moved by Newton steps, the independent one at the set-up's
#: start; only round-off and the optimiser's stopping point (ftol 1e-10) separate them.
RTOL = 1e-6


def _setup(tmp_path, extra="", data=None):
    text = TWO.format(extra=extra)
    if data is not None:     # keep only the [[data]] table of this data set
        body, params = text.split("[parameters.", 1)
        head, *tables = body.split("[[data]]\n")
        keep = [t for t in tables if f'name = "{data}"' in t][0]
        text = head + "[[data]]\n" + keep + "[parameters." + params
    p = tmp_path / "fit.toml"
    p.write_text(text)
    return parse_setup(text, path=str(p))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    setup = _setup(tmp_path_factory.mktemp("two"))
    calls = []
    v = validate(setup, draws=40, seed=11, progress=lambda done, total, label: calls.append((done, total, label)))
    return setup, v, calls


def test_refits_once_per_data_set_in_order(run):
    _, v, calls = run
    assert calls == [(1, 2, "hess2013"), (2, 2, "xiao2018")]
    assert [d.label for d in v.datasets] == ["hess2013", "xiao2018"]
    assert all(d.status == "validated" and not d.fixed and len(d.rows) == 1 for d in v.datasets)
    assert len(v.rows) == 2 and 0 <= v.n_inside <= 2


def test_left_out_prediction_is_that_of_an_independent_refit(run, tmp_path):
    _, v, _ = run
    # without hess2013 the fit sees xiao2018 only: predict hess2013's bone row (any, 12 y)
    only_xiao = fit(_setup(tmp_path, data="xiao2018"), intervals="wald", curves=False)
    r = v.datasets[0].rows[0]
    assert (r["organ"], r["endpoint"], r["time"]) == ("bone", "any", 12.0)
    ref = only_xiao.predict("any", [12.0])
    assert r["predicted"] == pytest.approx(ref.values[0][list(ref.columns).index("bone")], rel=RTOL)
    assert v.datasets[0].estimates["organs.bone.efficiency"] == pytest.approx(
        only_xiao.estimate("organs.bone.efficiency").value, rel=RTOL)
    # and without xiao2018: its at-diagnosis bone row from the fit to hess2013 alone
    only_hess = fit(_setup(tmp_path, data="hess2013"), intervals="wald", curves=False)
    ref = only_hess.predict("at_diagnosis", [0.0])
    r = v.datasets[1].rows[0]
    assert r["predicted"] == pytest.approx(ref.values[0][list(ref.columns).index("bone")], rel=RTOL)


def test_bands_contain_the_prediction_and_the_parameter_band(run):
    _, v, _ = run
    for r in v.rows:
        assert r["low"] <= r["param_low"] <= r["predicted"] <= r["param_high"] <= r["high"]
        assert r["inside"] == (r["low"] <= r["observed"] <= r["high"])
        assert 0 <= r["position"] <= 1 and r["n"] > 0 and r["independent"]
    assert v.share_inside == v.n_inside / 2


def test_same_seed_same_numbers(run):
    setup, v, _ = run
    again = validate(setup, draws=40, seed=11)
    assert [(r["predicted"], r["low"], r["high"]) for r in again.rows] == \
        [(r["predicted"], r["low"], r["high"]) for r in v.rows]


def test_outputs_are_json_and_csv(run):
    _, v, _ = run
    d = v.to_dict()
    assert isinstance(v, Validation) and d["n_rows"] == 2 and "Binomial(n, p)/n" in d["band"]
    assert v.to_json().startswith("{") and "NaN" not in v.to_json()
    lines = v.to_csv().splitlines()
    assert lines[0].startswith("dataset,row,label") and len(lines) == 3


#: SEER at diagnosis by organ and the Janni 2016 CTC row, mu and the four efficiencies free: the
#: incidence sees mu only through mu x efficiency (exactly), the CTC row mu alone.
CTC = """
[fit]
name = "ctc"
seed = 2
nodes = { mu = 12, rate = 4, diameter = 4 }
[model]
name = "breast"
[[data]]
name = "xiao2018"
likelihood = "binomial"
[[data]]
name = "ctc_positivity"
label = "janni2016_ctc"
likelihood = "binomial"
select = { group = ["janni2016"] }
[parameters."shedding.mu"]
value = 0.1
min = 1e-3
max = 30.0
log = true
""" + "".join(f'[parameters."organs.{o}.efficiency"]\nvalue = 1e-5\nmin = 1e-9\nmax = 1e-1\nlog = true\n'
              for o in ("bone", "lung", "liver", "brain"))


def test_parameters_only_the_left_out_set_fixes_are_named_and_fixed(tmp_path):
    p = tmp_path / "fit.toml"
    p.write_text(CTC)
    v = validate(parse_setup(CTC, path=str(p)), draws=20, seed=1)
    effs = [f"organs.{o}.efficiency" for o in ("bone", "lung", "liver", "brain")]
    xiao, ctc = v.datasets
    # without SEER one CTC row is left for five parameters (the efficiencies act on it only through
    # the M0 conditioning): the four efficiencies are fixed, mu refitted
    assert sorted(xiao.fixed) == sorted(effs) and list(xiao.estimates) == ["shedding.mu"]
    # without the CTC row mu x efficiency is one direction: mu (first in set-up order) is fixed
    assert list(ctc.fixed) == ["shedding.mu"] and list(ctc.estimates) == effs
    for d in v.datasets:
        assert d.status == "validated"
        assert all(d.fixed[k] == v.full_estimates[k] for k in d.fixed)
        assert all(not r["independent"] for r in d.rows)
    assert math.isnan(v.share_independent)


def test_band_rule_binomial_and_normal():
    import numpy as np

    lo, hi = validate_module._binomial_band(np.full(50, 0.2), 1000, 0.025)
    # no parameter spread: the band is the binomial's own 2.5-97.5% (about 0.2 +- 1.96 x 0.0126)
    assert lo == pytest.approx(0.2 - 1.96 * math.sqrt(0.2 * 0.8 / 1000), abs=0.002)
    assert hi == pytest.approx(0.2 + 1.96 * math.sqrt(0.2 * 0.8 / 1000), abs=0.002)
    lo, hi = validate_module._normal_band(np.full(50, 0.1), 0.02, 0.025)
    assert (lo, hi) == pytest.approx((0.1 - 1.959964 * 0.02, 0.1 + 1.959964 * 0.02), abs=1e-7)


def test_single_data_set_is_refused(tmp_path):
    with pytest.raises(FitError, match=r"this set-up has 1 \(nothing would be left to fit\)"):
        validate(_setup(tmp_path, data="hess2013"))


def test_refits_from_the_newton_start_reach_the_independent_optimum(tmp_path):
    """Two free parameters, three data sets: each refit starts at the full fit's estimates moved by
    Newton steps on the information without the left-out set (the parts), yet ends where a fit of
    the reduced set-up from the set-up's own start ends (with its Newton check): -2 log L within 1e-3
    and every estimate within 0.01 standard errors. Both are optimiser stopping points (ftol 1e-10 on
    a -2 log L of ~2e4, measured 1.4e-5 and 0.004 SE apart); a refit stuck at the full fit's
    estimates would be 2.8-3.6 SE away in one parameter or the other (measured)."""
    from metakinetics.inference.objective import Objective
    from tests.inference.test_information_parts import LUNG
    text = TWO.format(extra=LUNG).replace("[parameters.", '[[data]]\nname = "rotterdam"\n'
                                          'likelihood = "time_to_event"\n[parameters.', 1)
    assert text.count("[[data]]") == 3
    path = tmp_path / "fit.toml"
    path.write_text(text)
    setup = parse_setup(text, path=str(path))
    v = validate(setup, bands=False)
    for i, left in enumerate(v.datasets[:2]):
        assert left.status == "validated" and not left.fixed, left.reason
        reduced = replace(setup, data=setup.data[:i] + setup.data[i + 1:])
        alone = fit(reduced, intervals="wald", curves=False)
        obj = Objective(reduced)
        x_alone = np.array([p.to_search(alone.estimate(p.label).value) for p in obj.params])
        x_left = np.array([p.to_search(left.estimates[p.label]) for p in obj.params])
        assert obj.minus2ll(x_left) == pytest.approx(obj.minus2ll(x_alone), abs=1e-3)
        se = np.array([alone.estimate(p.label).se_search for p in obj.params])
        assert np.all(np.abs(x_left - x_alone) <= 0.01 * se), (x_left - x_alone) / se


def test_an_uncertified_refit_is_also_fitted_from_the_set_up_start(tmp_path, monkeypatch):
    """Without bands, a refit whose Newton steps cannot bring the promised gain under NEWTON_GAIN
    (forced here: no gain counts as small enough) is also fitted from the set-up's start values, the
    lower -2 log L kept, and the message says which; the numbers stay those of the independent fit."""
    monkeypatch.setattr(validate_module, "NEWTON_GAIN", -1.0)
    v = validate(_setup(tmp_path), bands=False)
    (tmp_path / "x").mkdir()
    alone = fit(_setup(tmp_path / "x", data="xiao2018"), intervals="none", curves=False)
    left = v.datasets[0]
    assert ("refitted from the set-up's start values" in left.refit_message
            or "a refit from the set-up's start values did no better" in left.refit_message)
    assert "Newton step" in left.refit_message
    assert left.estimates["organs.bone.efficiency"] == pytest.approx(alone.estimate("organs.bone.efficiency").value,
                                                                     rel=1e-4)


def test_a_parameter_at_a_bound_in_the_full_fit_is_fixed_there_in_every_refit(tmp_path):
    # the information across a bound is not defined (finite differences leave the range: on
    # ladder/5_endocrine_free, with both endocrine effects at their bounds, validate stopped with
    # "the information ... is not finite"); such a parameter is fixed at the bound in every refit and
    # named once in the report
    extra = '[parameters."organs.bone.wake"]\nvalue = 0.05\nmin = 1e-3\nmax = 10.0\nlog = true\n'
    setup = _setup(tmp_path, extra=extra)
    full = fit(setup, intervals="wald", curves=False)
    wake = full.estimate("organs.bone.wake")
    marked = replace(full, estimates=tuple(replace(e, at_bound=True) if e.name == wake.name else e
                                           for e in full.estimates))
    v = validate(setup, full=marked, bands=False)
    assert v.at_bound == {"organs.bone.wake": wake.value}
    assert json_at_bound(v) == {"organs.bone.wake": wake.value}
    for d in v.datasets:
        assert d.status == "validated" and list(d.estimates) == ["organs.bone.efficiency"]
        assert "organs.bone.wake" not in d.fixed
    assert validate(setup, full=full, bands=False).at_bound == {}


def json_at_bound(v):
    import json

    return json.loads(v.to_json())["at_bound"]
