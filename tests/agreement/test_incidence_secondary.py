"""Metastasis-to-metastasis seeding: the first-generation cluster formulas (incidence.secondary,
incidence.cluster_terms) = the exact event-level simulator with the same generations (colonies of
the primary shed, their daughters do not: ``generations=2``), within 4 SE at every time and organ,
10^5 patients, on two parameter sets where seeding matters; seeding off is today's model exactly."""
import numpy as np
import pytest

from metakinetics.endpoints import Landmark
from metakinetics.model import load_model
from metakinetics.population.checks import as_endpoint
from metakinetics.population.incidence import incidence
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort

TIMES = np.array([3.0, 6.0, 10.0, 15.0])
ENDPOINTS = ["any", "first", "distant", "site_share", "landmark"]


def _sets():
    two = load_model("tests/incidence/exp_two_organs.toml")
    breast = load_model("breast")
    return {
        # exponential primary, kill_dormant 0.3 (daughters dormant at surgery too), background mortality:
        # at 15 years bone 0.125 -> 0.187 and liver 0.127 -> 0.195 with seeding
        "two_organs": two.with_values({"treatment.kill_colony": 0.0, "organs.bone.secondary_shedding": 1e3,
                                       "organs.liver.secondary_shedding": 1e3}),
        # default breast model, every organ's colonies shedding strongly (gamma' = 2/3)
        "breast_strong": breast.with_values({**{f"organs.{o}.secondary_shedding": 1e4 for o in breast.organ_names},
                                             "shedding.secondary_gamma": 2 / 3}),
    }


SETS = _sets()
_COHORTS = {}


def _cohort(name):
    if name not in _COHORTS:
        _COHORTS[name] = simulate_cohort(SETS[name], 100_000, seed=11, generations=2, horizon=float(TIMES[-1]))
    return _COHORTS[name]


def _endpoint(name):
    return Landmark(as_endpoint("any"), 5.0) if name == "landmark" else as_endpoint(name)


@pytest.mark.parametrize("name", sorted(SETS))
@pytest.mark.parametrize("ep", ENDPOINTS)
def test_first_generation_formula_matches_the_simulator(name, ep):
    endpoint = _endpoint(ep)
    t = TIMES[TIMES >= 5.0] if ep == "landmark" else TIMES
    f = incidence(SETS[name], endpoint, t).values
    r = cohort_incidence(_cohort(name), endpoint, t)
    # 4 SE: the simulator's SE, or the binomial SE at the formula's value where the cohort saw no
    # event (its own SE is then 0); Gauss-Hermite quadrature error is far below the MC noise
    se = np.sqrt(np.maximum(r.se ** 2, f * (1 - f) / np.maximum(r.n, 1)))
    assert np.all(np.abs(f - r.values) <= 4 * se), (np.abs(f - r.values) / se).max()


def test_seeding_matters_on_these_sets():
    off = incidence(load_model("tests/incidence/exp_two_organs.toml").with_values({"treatment.kill_colony": 0.0}),
                    "any", TIMES).values
    on = incidence(SETS["two_organs"], "any", TIMES).values
    assert np.all(on[-1] > 1.4 * off[-1])


@pytest.mark.parametrize("ep", ["any", "first", "distant", "site_share", "at_diagnosis"])
def test_seeding_off_is_todays_model(ep):
    base = load_model("tests/incidence/exp_two_organs.toml").with_values({"treatment.kill_colony": 0.0})
    t = np.zeros(1) if ep == "at_diagnosis" else TIMES
    today = incidence(base, ep, t).values
    # mu' = 0 (whatever gamma') takes today's path: identical numbers
    assert np.array_equal(today, incidence(base.with_values({"shedding.secondary_gamma": 1.7}), ep, t).values)
    # the cluster path itself with a negligible mu' gives today's numbers to 1e-12
    tiny = base.with_values({"organs.bone.secondary_shedding": 1e-30})
    assert np.abs(incidence(tiny, ep, t).values - today).max() <= 1e-12


@pytest.mark.parametrize("ep", ["first", "distant"])
def test_death_after_relapse_leaves_first_and_distant_to_the_formulas(ep):
    """Death after relapse cannot change the first detected metastasis, so the cluster formulas
    give first and distant with it (and refuse any / site_share): = the simulator within 4 SE."""
    model = SETS["two_organs"].with_values({"mortality.after_relapse": 0.8})
    t = TIMES[:3]
    f = incidence(model, as_endpoint(ep), t).values
    r = cohort_incidence(simulate_cohort(model, 50_000, seed=12, generations=2, horizon=float(t[-1])),
                         as_endpoint(ep), t)
    se = np.sqrt(np.maximum(r.se ** 2, f * (1 - f) / np.maximum(r.n, 1)))
    assert np.all(np.abs(f - r.values) <= 4 * se), (np.abs(f - r.values) / se).max()
    assert np.array_equal(f, incidence(SETS["two_organs"], as_endpoint(ep), t).values)
