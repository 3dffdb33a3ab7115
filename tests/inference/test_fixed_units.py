"""Defect 2 (fit part): a fit's fixed values ([model] set) have one meaning, model units = years,
whatever the model file's time_unit. The fit's objective, its result and the scenarios that read
the result apply them the same way (before the fix the objective applied them in the file's unit,
per month here, and the scenarios in years: the scenario model was not the fitted one)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from metakinetics.endpoints import endpoint_from_name
from metakinetics.inference import Objective, fit, parse_setup
from metakinetics.scenarios import as_fit_summary

from .test_fit import _data, toy

# tests/incidence/exp_two_organs.toml written in months: every rate / 12, every time x 12
MONTH_MODEL = """
[model]
name = "exp_two_organs_months"
time_unit = "month"

[primary]
growth = "exponential"
x0 = 1.0
rate = 0.20833333333333334

[diagnosis]
size = 2e9
surgery_delay = 1.2

[shedding]
mu = 2.5e-4
gamma = 0.9

[circulation]
clearance = 333.3333333333333

[organs.bone]
arrest_fraction = 0.05
wake = 0.016666666666666666
dormant_death = 0.008333333333333333
efficiency = 1e-5
growth = "exponential"
rate = 0.16666666666666666
detection = 1e8

[organs.liver]
arrest_fraction = 0.1
wake = 0.05
dormant_death = 0.03333333333333333
efficiency = 4e-6
growth = "exponential"
rate = 0.25
detection = 1e8

[mortality]
hazard = 0.0016666666666666668
"""

TRUTH = {"bone": 2e-5, "liver": 1e-5}  # _data simulates wake 0.2 per YEAR


@pytest.fixture
def setup(tmp_path):
    (tmp_path / "months.toml").write_text(MONTH_MODEL)
    data = _data(tmp_path, truth=TRUTH)
    text = f"""
[fit]
name = "months"
seed = 1
[model]
name = "months.toml"
# fixed values in model units: 0.2 per year (not per month), 0.5 year
set = {{ "organs.bone.wake" = 0.2, "organs.liver.wake" = 0.2, "diagnosis.surgery_delay" = 0.5 }}
[[data]]
name = "{data}"
likelihood = "binomial"
[parameters."organs.bone.efficiency"]
value = 5e-6
min = 1e-9
max = 1e-2
log = true
[parameters."organs.liver.efficiency"]
value = 5e-6
min = 1e-9
max = 1e-2
log = true
"""
    return parse_setup(text, path=str(tmp_path / "fit.toml"))


def test_month_file_is_in_years_once_loaded(setup):
    from metakinetics.model import load_model

    m = load_model(setup.model)
    assert m.get("organs.bone.wake") == pytest.approx(0.2)      # 0.01667 per month
    assert m.get("diagnosis.surgery_delay") == pytest.approx(0.1)  # 1.2 months


def test_fixed_values_are_years_in_the_objective_the_result_and_the_scenarios(setup):
    obj = Objective(setup, toy)
    assert obj.model.get("organs.bone.wake") == pytest.approx(0.2, rel=1e-12)
    assert obj.model.get("diagnosis.surgery_delay") == pytest.approx(0.5, rel=1e-12)
    r = fit(setup, predictor=toy, curves=False)
    assert r.converged, r.message
    assert r.fixed == {"organs.bone.wake": 0.2, "organs.liver.wake": 0.2, "diagnosis.surgery_delay": 0.5}
    # the data were made with wake 0.2/year: reading 0.2 per month would bias the efficiencies 12-fold
    for organ, eps in TRUTH.items():
        assert r.estimate(f"organs.{organ}.efficiency").value == pytest.approx(eps, rel=1e-4)
    scen = as_fit_summary(r).model
    for m in (r.model(), scen):
        assert m.values() == obj.model.with_values(r.values()).values()
    # the scenario model predicts what the fit predicted at its estimates
    rows = r.datasets[0]["rows"]
    times = np.array(sorted({row["time"] for row in rows}))
    cols, vals = toy(scen, endpoint_from_name("any"), times)
    for row in rows:
        pred = vals[int(np.searchsorted(times, row["time"])), list(cols).index(row["organ"])]
        assert pred == pytest.approx(row["predicted"], rel=1e-12)


def test_setup_path_is_not_needed_once_fitted(setup, tmp_path):
    r = fit(setup, predictor=toy, curves=False)
    (tmp_path / "fit.toml").unlink(missing_ok=True)
    assert r.model().get("organs.bone.wake") == pytest.approx(0.2, rel=1e-12)
    assert Path(r.model_name).name == "months.toml"
