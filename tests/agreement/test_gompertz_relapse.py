"""The two seeding extensions together: metastasis-to-metastasis seeding by Gompertz colonies
(tabulated kernel, model/colony_tables.py) with death after relapse (incidence.cluster_relapse,
incidence.cluster_windows) = the exact event-level simulator within 4 SE, for any, site_share,
organs_per_relapse and multi_organ (1 year), every organ, at 6, 8 and 10 years, on the Gompertz hub
model's typical patient (background death 0.03/year, nu = 1/year), 10^5 patients, generations 2.
The two branches were built apart; this is the path where both act at once. The SE rule and the 4 SE
criterion are those of tests/agreement/test_seeding_relapse.py; the same cohort rejects the formula
that ignores nu (|z| > 6), so the comparison is live."""
import numpy as np
import pytest

from metakinetics.endpoints import Any, MultiOrgan, OrgansPerRelapse, SiteShare
from metakinetics.model import load_model
from metakinetics.population.incidence import incidence
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort
from tests.agreement.test_seeding_relapse import _z

N = 100_000
TIMES = np.array([6.0, 8.0, 10.0])
MODEL = load_model("tests/incidence/gompertz_hub.toml").with_values({"mortality.hazard": 0.03,
                                                                       "mortality.after_relapse": 1.0})
ENDPOINTS = [Any(), SiteShare(), OrgansPerRelapse(), MultiOrgan(window=1.0)]


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(MODEL, N, seed=np.random.default_rng(41), generations=2, individual=True,
                           horizon=float(TIMES[-1]) + 2.0)


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.name)
def test_gompertz_seeding_with_death_after_relapse_equals_the_simulator(cohort, ep):
    f = np.asarray(incidence(MODEL, ep, TIMES, individual=True, generations=2).values, dtype=float)
    r = cohort_incidence(cohort, ep, TIMES)
    z = _z(ep, f, r)
    assert np.all(np.abs(z) <= 4), (ep.name, np.round(z, 2))
    if not isinstance(ep, MultiOrgan):          # the death after relapse is what the cohort sees
        f0 = np.asarray(incidence(MODEL.with_values({"mortality.after_relapse": 0.0}), ep, TIMES, individual=True,
                                  generations=2).values, dtype=float)
        assert np.max(np.abs(_z(ep, f0, r))) > 6
