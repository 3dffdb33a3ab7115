"""Every generation of metastasis-to-metastasis seeding: the formulas iterated over generations
(incidence.generations) = the exact event-level simulator following the same generations, within
4 SE at every time and organ, 10^5 typical patients, on the hub model where generations beyond the
first-generation formula change bone incidence by a quarter, with and without the adjuvant kill
and death (background and after relapse refused: see the population engine)."""
import numpy as np
import pytest

from metakinetics.endpoints import Landmark
from metakinetics.model import load_model
from metakinetics.population.checks import as_endpoint
from metakinetics.population.incidence import incidence
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort

TIMES = np.array([4.0, 6.0, 8.0, 10.0])
ENDPOINTS = ["any", "first", "distant", "site_share", "landmark"]
HUB = load_model("tests/incidence/exp_hub.toml").with_values({"organs.liver.secondary_shedding": 1e4})
SETS = {"hub": HUB,
        # daughters dormant at surgery killed too; background mortality (integrated endpoints)
        "hub_kill_death": HUB.with_values({"treatment.kill_dormant": 0.5, "mortality.hazard": 0.03})}
CASES = [("hub", 3), ("hub", None), ("hub_kill_death", None)]
_COHORTS = {}


def _cohort(name, G):
    if (name, G) not in _COHORTS:
        _COHORTS[name, G] = simulate_cohort(SETS[name], 100_000, seed=17, individual=True, generations=G,
                                            horizon=float(TIMES[-1]))
    return _COHORTS[name, G]


def _endpoint(name):
    return Landmark(as_endpoint("any"), 6.0) if name == "landmark" else as_endpoint(name)


@pytest.mark.parametrize("name, G", CASES)
@pytest.mark.parametrize("ep", ENDPOINTS)
def test_generations_match_the_simulator(name, G, ep):
    endpoint = _endpoint(ep)
    t = TIMES[TIMES >= 6.0] if ep == "landmark" else TIMES
    f = incidence(SETS[name], endpoint, t, individual=True, generations=G).values
    r = cohort_incidence(_cohort(name, G), endpoint, t)
    # 4 SE: the simulator's, or the binomial SE at the formula's value where the cohort saw no event
    se = np.sqrt(np.maximum(r.se ** 2, f * (1 - f) / np.maximum(r.n, 1)))
    assert np.all(np.abs(f - r.values) <= 4 * se), (np.abs(f - r.values) / se).max()


def test_later_generations_matter_on_the_hub_model():
    """Bone by 10 years: first-generation formula 0.150, every generation 0.192 (simulator 0.1925)."""
    t = np.array([10.0])
    two = incidence(HUB, "any", t, individual=True).values[0, 0]
    every = incidence(HUB, "any", t, individual=True, generations=None).values[0, 0]
    assert every - two > 0.03
    r = cohort_incidence(_cohort("hub", None), as_endpoint("any"), t)
    assert abs(every - r.values[0, 0]) <= 4 * r.se[0, 0]
