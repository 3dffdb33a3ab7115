"""Data rows with the clinician endpoints (issue 10 item 4): the fit planner builds organs_per_relapse,
multi_organ (window) and lag (horizon, within) from the rows' options, predicts them through the
population engine exactly as ``incidence`` gives them, refuses the binomial likelihood for a mean
count, and fit results, bands and fit.png carry them (lag axis, count axis)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from metakinetics.endpoints import Lag, MultiOrgan, OrgansPerRelapse
from metakinetics.errors import DataError
from metakinetics.inference.objective import Objective
from metakinetics.inference.problem import DataSpec, FitSetup, build_problem
from metakinetics.model import load_model
from metakinetics.population import incidence

from .synthetic_data import write_dataset

MODEL = Path(__file__).parents[1] / "incidence" / "exp_two_organs.toml"   # organs bone, liver
ROWS = """group,organ,endpoint,time,value,se,window,horizon,within,denominator
all,distant,organs_per_relapse,10,1.2,0.1,,,,80
all,distant,multi_organ,10,0.01,0.005,,,,
all,distant,multi_organ,10,0.02,0.005,0.5,,,
all,liver,lag,1,0.1,0.05,,8,3,
all,distant,distant,10,0.12,0.02,,,,
"""


def _write(tmp_path, rows=ROWS):
    return write_dataset(tmp_path, "clin", rows, "least_squares")


def test_series_carry_the_rows_options_and_predictions_are_the_engine_values(tmp_path):
    model = load_model(MODEL)
    prob = build_problem(DataSpec(name=str(_write(tmp_path))), model)
    eps = {type(s.endpoint): s.endpoint for s in prob.series}
    assert eps[OrgansPerRelapse] == OrgansPerRelapse()
    assert {s.endpoint for s in prob.series if isinstance(s.endpoint, MultiOrgan)} == {MultiOrgan(0.25),
                                                                                        MultiOrgan(0.5)}
    assert eps[Lag] == Lag(horizon=8.0, within=3.0)
    ev = Objective(FitSetup(name="c", model=model, data=(prob.spec,), parameters=())).evaluate(np.zeros(0))
    assert ev.failed is None
    pred = ev.predictions[0]
    t = np.array([10.0])
    np.testing.assert_allclose(pred[0], incidence(model, "organs_per_relapse", t).values[0, 0], rtol=1e-12)
    np.testing.assert_allclose(pred[1], incidence(model, MultiOrgan(), t).values[0, 0], rtol=1e-12)
    np.testing.assert_allclose(pred[2], incidence(model, MultiOrgan(window=0.5), t).values[0, 0], rtol=1e-12)
    lag = incidence(model, Lag(horizon=8.0, within=3.0), np.array([1.0]))
    np.testing.assert_allclose(pred[3], lag.column("liver")[0], rtol=1e-12)
    assert pred[0] >= 1.0 and pred[2] > pred[1]       # a count; a wider window catches more


def test_binomial_likelihood_is_refused_for_a_mean_count(tmp_path):
    with pytest.raises(DataError) as err:
        build_problem(DataSpec(name=str(_write(tmp_path)), likelihood="binomial"), load_model(MODEL))
    msg = str(err.value)
    assert "clin.csv" in msg and "row 2" in msg and "column 'endpoint'" in msg and "least_squares" in msg
    assert "\n" not in msg


def test_fit_result_bands_and_figure(tmp_path):
    from metakinetics.figures.fit_plot import plot_fit
    from metakinetics.inference import FitResult, fit_bands
    from metakinetics.inference.fit import fit

    _write(tmp_path)
    (tmp_path / "model.toml").write_text(MODEL.read_text())
    (tmp_path / "fit.toml").write_text('[fit]\nname = "clin"\nmax_nfev = 4\n[model]\nname = "model.toml"\n'
                                       '[[data]]\nname = "clin.csv"\n[parameters."shedding.mu"]\nlog = true\n')
    res = fit(tmp_path / "fit.toml")
    d = json.loads(json.dumps(res.to_dict()))["datasets"][0]
    rows = {(r["endpoint"], r.get("window")): r for r in d["rows"]}
    assert rows[("multi_organ", 0.5)]["window"] == 0.5 and rows[("organs_per_relapse", None)]["predicted"] >= 1
    # an organ count is not a proportion: its difference is reported in organs, not percentage points
    opr = rows[("organs_per_relapse", None)]
    props = [r for r in d["rows"] if r["endpoint"] != "organs_per_relapse"]
    assert d["max_abs_diff_organs"] == abs(opr["predicted"] - opr["observed"])
    assert abs(d["max_abs_diff_pp"] - 100 * max(abs(r["predicted"] - r["observed"]) for r in props)) < 1e-9
    lag_row = next(r for r in d["rows"] if r["endpoint"] == "lag")
    assert (lag_row["horizon"], lag_row["within"]) == (8.0, 3.0)
    lag_curve = next(c for c in d["curves"] if c["endpoint"] == "lag")
    assert lag_curve["options"] == {"horizon": 8.0, "within": 3.0} and max(lag_curve["x"]) <= 3.0
    bands = fit_bands(res, draws=2, seed=0, directory=tmp_path)
    assert bands.failed == 0 and len(bands.datasets[0]["curves"]) == len(d["curves"])
    fig = plot_fit(res, bands=bands)
    ax = fig.axes[0]
    assert "after the first distant metastasis" in ax.get_xlabel()
    assert any("organs per relapsed patient" in a.get_ylabel() for a in fig.axes)
