"""A patient's posterior (mk.predict) = exact event-level Monte Carlo of simulated patients who look
like her, within 4 SE.

breast_cohorts (classes, nodal readout with dispersion, endocrine therapy), times 5, 10, 20 years,
endpoints any and first (6 organs) and distant: 39 comparisons per patient.

1. Exact covariates: the simulator draws patients of the model with her values (diameter fixed:
   diameter_sd 0; her class; endocrine years) and keeps those M0 at diagnosis with her node count
   (weights 1/0: importance weights of the event-level cohort). 200,000 simulated, 17,823 kept for
   the 2.1 cm, 2-node luminal B patient (largest |z| 1.75); 68,623 for the 3 cm N1-3 patient of
   unknown subtype (2.43).
2. The population as it is: 400,000 patients with the model's own diameter spread and class mix (no
   value of hers applied but the therapy), kept when their diameter is within exp(+-0.03) of 2.1 cm,
   with two nodes and M0 (~2,100 kept). The kept diameters spread over the bin, so the comparison
   allows the prediction's range over the bin (at most 0.002 here) on top of 4 SE.
A false alarm at 4 SE has probability ~6e-5 per comparison; the seeds are fixed, so the test is
deterministic.
"""
from dataclasses import replace

import numpy as np
import pytest

import metakinetics as mk
from metakinetics.endpoints import Any, Distant, First
from metakinetics.patient.spec import covariate_values
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort

TIMES = [5.0, 10.0, 20.0]
ENDPOINTS = {"any": Any(), "first": First(), "distant": Distant()}


@pytest.mark.parametrize("patient, kept", [(mk.Patient(2.1, 2, "luminal_b", "endocrine"), 15_000),
                                           (mk.Patient(3.0, "N1-3"), 20_000)], ids=["luminal_b_2_nodes", "N1-3"])
def test_posterior_equals_the_simulated_patients_with_her_covariates(patient, kept):
    model = mk.load_model("breast_cohorts")
    values, unused = covariate_values(model, patient)
    assert unused == {}
    cohort = simulate_cohort(model.with_values(values), 200_000, seed=7)
    assert (cohort.selected & cohort.m0).sum() > kept
    pred = mk.predict(model, patient, times=TIMES, spread=False)
    for name, ep in ENDPOINTS.items():
        mc = cohort_incidence(cohort, ep, TIMES)
        z = np.abs(mc.values - pred.values[name][0, 0]) / mc.se
        assert z.max() < 4.0, (name, z.max())


def test_posterior_equals_the_population_reweighted_by_what_she_shows():
    model = mk.load_model("breast_cohorts").with_values({"treatment.endocrine_years": 5.0})
    cohort = simulate_cohort(model, 400_000, seed=7)
    d, h = 2.1, 0.03
    near = (np.abs(np.log(cohort.diameter / d)) < h) & (cohort.nodes == 2)
    mine = replace(cohort, selected=near)
    assert (near & cohort.m0).sum() > 1_500
    pred = mk.predict(model, [mk.Patient(d * np.exp(-h), 2), mk.Patient(d, 2), mk.Patient(d * np.exp(h), 2)],
                      times=TIMES, spread=False)
    for name, ep in ENDPOINTS.items():
        v = pred.values[name][:, 0]
        bias = np.maximum(np.abs(v[2] - v[1]), np.abs(v[1] - v[0]))       # the range over the bin
        assert bias.max() < 0.005
        mc = cohort_incidence(mine, ep, TIMES)
        z = (np.abs(mc.values - v[1]) - bias) / mc.se
        assert z.max() < 4.0, (name, z.max())
