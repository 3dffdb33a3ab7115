"""The six-organ breast model (models/breast_sites.toml): `distant` counts every organ, the two
other distant sites included.

For one patient organs are independent Poisson processes, so distant = 1 - prod_k (1 - any_k) over
all six organs exactly (docs/model.md, "Why the answers are exact"). For the population, the
quadrature of `distant` and of each organ's `any` agrees with the exact event-level Monte Carlo
cohort simulator (method="monte-carlo", seeded) within 4 standard errors at a few times: 21
comparisons, so a false alarm has probability ~21 x 6e-5 ~ 1e-3 (the seed is fixed: deterministic).
"""
import numpy as np
import pytest

from metakinetics.model import load_model
from metakinetics.population import incidence

TIMES = [2.0, 5.0, 12.0]
PATIENTS = 40_000
SITES = ("distant_nodes", "pleura")


def test_distant_is_one_minus_the_product_over_all_six_organs_for_one_patient():
    model = load_model("breast_sites")
    anyk = incidence(model, "any", TIMES, individual=True)
    assert anyk.columns == ("bone", "lung", "liver", "brain") + SITES
    distant = incidence(model, "distant", TIMES, individual=True).values[:, 0]
    np.testing.assert_allclose(distant, 1 - np.prod(1 - anyk.values, axis=1), rtol=1e-12)
    # the two sites count: without them distant is the four-organ product, visibly lower
    four = 1 - np.prod(1 - anyk.values[:, :4], axis=1)
    assert np.all(distant - four > 0.1 * (distant - four).max()) and (distant - four).max() > 1e-3


@pytest.mark.statistical
@pytest.mark.parametrize("endpoint", ["distant", "any"])
def test_six_organ_quadrature_agrees_with_the_monte_carlo_cohort(endpoint):
    model = load_model("breast_sites")
    q = incidence(model, endpoint, TIMES)
    mc = incidence(model, endpoint, TIMES, method="monte-carlo", patients=PATIENTS, seed=20261130)
    assert mc.columns == q.columns
    z = (mc.values - q.values) / np.maximum(mc.se, 1.0 / PATIENTS)
    assert np.all(np.abs(z) < 4.0), f"{endpoint}: z = {np.round(z, 2).tolist()}"
    assert np.abs(z).max() > 0.05          # the comparison is live
