"""Staging at diagnosis (organs.<k>.staging < 1: screened, e.g. brain MRI for every patient): the
formulas (the M0 weight and the at-diagnosis prevalence from the staging size; among M0 patients
the colonies detected by t_dx + u number max(M_k(t_dx + u) - M_k^staging(t_dx), 0), none before the
staging lead) == the cohort simulator, which finds each colony at diagnosis when it has reached
the staging size, within 4 SE.

The breast model with bone screened at 1% and brain at 0.01% of the detection size (leads 0.49 and
0.99 years), 200,000 virtual patients, at diagnosis, any / first / distant at 6 times (first and
any with a background death hazard, which puts them on the integral path), the landmark at 2 y, and
the clinicians' endpoints with death after relapse: ~150 comparisons at 4 SE (a false alarm has
probability ~1%; the seed is fixed, so the test is deterministic).
"""
import numpy as np
import pytest

import metakinetics as mk
from metakinetics.endpoints import Any, Landmark, Lag, MultiOrgan
from metakinetics.stochastic.cohort import simulate_cohort

STAGING = {"organs.bone.staging": 1e-2, "organs.brain.staging": 1e-4}
TIMES = [0.25, 0.75, 1.0, 2.0, 5.0, 12.0]
N = 200_000


def _z(ep, times, params):
    q = mk.incidence("breast", ep, times, params=params).values
    mc = mk.incidence("breast", ep, times, params=params, method="monte-carlo", patients=N, seed=21)
    se = np.maximum(mc.se, np.sqrt(np.maximum(q * (1 - q), 1.0 / N) / N))
    return np.abs(mc.values - q) / se


@pytest.mark.parametrize("ep,times,extra", [
    ("at_diagnosis", [0.0], {}),
    ("distant_at_diagnosis", [0.0], {}),
    ("any", TIMES, {}),
    ("distant", TIMES, {}),
    ("first", TIMES, {}),
    ("any", TIMES, {"mortality.hazard": 0.05}),
    (Landmark(inner=Any(), at=2.0), [3.0, 8.0], {}),
    (MultiOrgan(), [3.0, 10.0], {"mortality.after_relapse": 0.5}),
    (Lag(), [0.5, 2.0, 5.0], {"mortality.after_relapse": 0.5}),
])
def test_screened_staging_agrees_with_the_simulator(ep, times, extra):
    z = _z(ep, times, {**STAGING, **extra})
    assert z.max() < 4.0, z.max()


def test_screening_moves_metastases_from_after_diagnosis_to_at_diagnosis():
    base = mk.incidence("breast", "at_diagnosis", [0.0]).values[0]
    screened = mk.incidence("breast", "at_diagnosis", [0.0], params=STAGING).values[0]
    assert screened[0] > base[0] and screened[3] > base[3] and screened[1] == base[1]
    later = mk.incidence("breast", "any", [0.45], params=STAGING).values[0]   # leads: bone 0.49 y, brain 0.99 y
    assert later[3] == 0.0 and later[0] == 0.0 and later[1] > 0


def test_staging_1_is_todays_model_exactly():
    for ep, t in (("any", [1.0, 5.0]), ("first", [2.0]), ("at_diagnosis", [0.0])):
        a = mk.incidence("breast", ep, t).values
        b = mk.incidence("breast", ep, t, params={"organs.brain.staging": 1.0}).values
        assert np.array_equal(a, b)
    a = simulate_cohort("breast", 3000, seed=2)
    b = simulate_cohort(mk.load_model("breast").with_values({"organs.brain.staging": 1.0}), 3000, seed=2)
    assert np.array_equal(a.detect, b.detect) and np.array_equal(a.m0, b.m0)
