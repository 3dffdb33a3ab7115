"""The work-up at a first relapse (organs.<k>.workup < 1, issue 11 item 3): when the first distant
metastasis is found, the other organs are imaged and their colonies of the work-up size are found
then. The cohort simulator follows it exactly; the formulas (tests/agreement/test_workup_montecarlo.py)
give any, first, site_share and organs_per_relapse without death and the endpoints it leaves alone,
and refuse the others by name.
"""
import numpy as np
import pytest

import metakinetics as mk
from metakinetics.endpoints import Any, Distant, MultiOrgan
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort

WORKUP = {"organs.brain.workup": 1e-3, "organs.liver.workup": 1e-2, "organs.lung.workup": 1e-2}
N = 60_000


@pytest.fixture(scope="module")
def pair():
    m = mk.load_model("breast")
    return simulate_cohort(m, N, seed=4), simulate_cohort(m.with_values(WORKUP), N, seed=4)


def test_organs_found_earlier_are_found_at_the_first_relapse(pair):
    plain, worked = pair
    first = plain.detect.min(axis=1)
    np.testing.assert_array_equal(worked.detect.min(axis=1), first)     # the first relapse does not move
    earlier = worked.detect < plain.detect
    assert earlier.sum() > 100
    rows, _ = np.nonzero(earlier)
    np.testing.assert_array_equal(worked.detect[earlier], first[rows])   # found exactly then
    assert np.all(worked.detect <= plain.detect) and not earlier[:, 0].any()   # bone is not worked up


def test_it_moves_detections_earlier_and_makes_relapses_multi_organ(pair):
    plain, worked = pair
    t = np.array([2.0, 5.0, 12.0])
    a, b = cohort_incidence(plain, Any(), t).values, cohort_incidence(worked, Any(), t).values
    assert np.all(b >= a)
    np.testing.assert_array_equal(cohort_incidence(plain, Distant(), t).values, cohort_incidence(worked, Distant(), t).values)
    mo_a, mo_b = cohort_incidence(plain, MultiOrgan(), t).values, cohort_incidence(worked, MultiOrgan(), t).values
    assert np.all(mo_b > mo_a)


def test_workup_1_is_todays_cohort_exactly():
    a = simulate_cohort("breast", 3000, seed=9)
    b = simulate_cohort(mk.load_model("breast").with_values({"organs.brain.workup": 1.0}), 3000, seed=9)
    assert np.array_equal(a.detect, b.detect)


def test_formulas_refuse_what_they_do_not_cover_by_name():
    q = mk.incidence("breast", "distant", [2.0, 10.0], params=WORKUP)
    np.testing.assert_array_equal(q.values, mk.incidence("breast", "distant", [2.0, 10.0]).values)
    for ep in ("multi_organ", "lag"):
        with pytest.raises(mk.InputError, match=r"work-up at a first relapse .* \(method 'monte-carlo'\)"):
            mk.incidence("breast", ep, [1.0], params=WORKUP)
    with pytest.raises(mk.InputError, match="without death only"):
        mk.incidence("breast", "any", [5.0], params={**WORKUP, "mortality.hazard": 0.02})
