"""The work-up at a first relapse in the formulas (metakinetics.incidence.workup) == the cohort
simulator within 4 SE: brain imaged at 0.1%, liver and lung at 1% and bone at 10% of their
detection size when the first distant metastasis is found elsewhere (leads 0.74, 0.49 and 0.25
years), with brain screened at diagnosis too; 200,000 virtual patients; any, first, site_share,
organs_per_relapse and landmark versions at 3-4 times (~110 comparisons: a false alarm has
probability ~1%; the seed is fixed, so the test is deterministic).
"""
import numpy as np
import pytest

import metakinetics as mk
from metakinetics.endpoints import Any, First, Landmark

WORKUP = {"organs.brain.workup": 1e-3, "organs.liver.workup": 1e-2, "organs.lung.workup": 1e-2,
          "organs.bone.workup": 0.1, "organs.brain.staging": 1e-2}
N = 200_000


@pytest.mark.parametrize("ep,times", [
    ("any", [0.5, 2.0, 5.0, 12.0]),
    ("first", [0.5, 2.0, 5.0, 12.0]),
    ("site_share", [2.0, 5.0, 12.0]),
    ("organs_per_relapse", [2.0, 5.0, 12.0]),
    (Landmark(inner=Any(), at=2.0), [3.0, 5.0, 12.0]),
    (Landmark(inner=First(), at=3.0), [4.0, 8.0]),
])
def test_workup_formulas_agree_with_the_simulator(ep, times):
    q = mk.incidence("breast", ep, times, params=WORKUP).values
    mc = mk.incidence("breast", ep, times, params=WORKUP, method="monte-carlo", patients=N, seed=31)
    se = mc.se
    if ep != "organs_per_relapse":          # proportions: the binomial SE at the formula's value as a floor
        se = np.maximum(se, np.sqrt(np.maximum(q * (1 - q), 1.0 / N) / N))
    z = np.abs(mc.values - q) / np.maximum(se, 1e-12)
    assert z.max() < 4.0, z.max()


def test_the_workup_finds_organs_earlier_and_more_often_first():
    base = mk.incidence("breast", "first", [2.0, 10.0]).values
    worked = mk.incidence("breast", "first", [2.0, 10.0], params=WORKUP).values
    assert np.all(worked[:, 1:] > base[:, 1:])              # lung, liver, brain among the first sites more often
