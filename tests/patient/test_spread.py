"""The spread between patients who look alike: on the engine's own nodes its posterior mean is the
engine's value to rounding (one model, two readings); with even log-mu scores the mean stays within
1e-3 and the percentiles are ordered and bracket it."""
import numpy as np
import pytest

import metakinetics as mk
from metakinetics.patient.spec import covariate_values
from metakinetics.patient.spread import row_spread
from metakinetics.scenarios import Baseline, parse_scenario

TIMES = np.array([5.0, 10.0, 20.0])
NODES = {"mu": 24, "rate": 6, "diameter": 6}
PATIENTS = [mk.Patient(), mk.Patient(nodes="N+"), mk.Patient(3.0, 0, "HR-"), mk.Patient(1.2, 12, None, "endocrine:10")]


@pytest.mark.parametrize("model", ["breast_cohorts", "breast"])
@pytest.mark.parametrize("patient", PATIENTS, ids=[p.describe() for p in PATIENTS])
def test_the_posterior_mean_is_the_engines_value(model, patient):
    m = mk.load_model(model)
    values, _ = covariate_values(m, patient)
    scen = [Baseline(), parse_scenario("adjuvant:kill_dormant=0.5")]
    pred = mk.predict(m, patient, times=TIMES, spread=False, nodes=NODES, scenarios=scen[1:])
    sp = row_spread(m, {k: np.array([v]) for k, v in values.items()}, scen, TIMES, nodes=NODES, rule="hermite")
    for k in ("any", "distant"):
        np.testing.assert_allclose(sp[k][0, ..., 0], pred.values[k][0], rtol=0, atol=1e-12)


def test_the_spread_is_a_distribution_around_her_prediction():
    pred = mk.predict("breast_cohorts", mk.Patient(2.1, 2, "luminal_b", "endocrine"), times=TIMES)
    sp = pred.spread["distant"][0, 0, :, 0]                      # (T, 5): mean, sd, p10, p50, p90
    assert np.all(np.abs(sp[:, 0] - pred.values["distant"][0, 0, :, 0]) < 1e-3)
    assert np.all(sp[:, 2] <= sp[:, 3]) and np.all(sp[:, 3] <= sp[:, 4])
    assert np.all(sp[:, 2] < sp[:, 0]) and np.all(sp[:, 0] < sp[:, 4]) and np.all(sp[:, 1] > 0.1)
