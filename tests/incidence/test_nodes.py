"""The nodal selection weight (metakinetics.incidence.nodes): the Poisson mean from the shedding
integral, and that a selection of every patient is today's model exactly."""
import numpy as np
import pytest
from scipy import integrate

import metakinetics as mk
from metakinetics.incidence.nodes import nodal_mean
from metakinetics.model.params import resolve


@pytest.mark.parametrize("model,closed", [("breast", False), ("exponential_one_organ", True)])
def test_nodal_mean_is_ratio_times_the_shedding_integral_to_surgery(model, closed):
    m = mk.load_model(model)
    pat = resolve(m, {"nodes.ratio": 2e-6, "nodes.coupling": 0.7})
    t_s = float(pat.surgery_time()[0])
    law, x0, r, K, g = pat.law, pat.x0[0], pat.rate[0], pat.K[0], pat.gamma[0]
    S, _ = integrate.quad(lambda t: float(np.exp(g * law.log_size(np.array(t), x0, r, K))), 0.0, t_s,
                          epsabs=0.0, epsrel=1e-12, limit=200)
    mu0 = pat.mu[0]
    for mu in (mu0, 10 * mu0, 0.01 * mu0):   # the patient's mu enters as mu_ref^(1 - b) mu^b
        got = nodal_mean(pat.with_arrays(mu=np.ones(1)), np.array([[mu]]), np.array([mu0]), closed=closed)[0, 0]
        assert got == pytest.approx(2e-6 * S * mu0 * (mu / mu0) ** 0.7, rel=1e-9)


@pytest.mark.parametrize("endpoint,times", [("distant", [1.0, 5.0, 20.0]), ("first", [2.0, 10.0]),
                                            ("at_diagnosis", [0.0])])
def test_every_patient_is_todays_model_exactly(endpoint, times):
    base = mk.incidence("breast", endpoint, times).values
    spread = mk.incidence("breast", endpoint, times, params={"nodes.ratio": 5e-6, "nodes.coupling": 0.3}).values
    assert np.array_equal(base, spread)


def test_classes_partition_the_patients_at_diagnosis():
    # without the M0 weight (prevalence at diagnosis) E[a] = sum_c E[P_c a], with E[P_c] the class
    # shares among all patients: the classes' values combine into the unselected value
    from metakinetics.incidence.nodes import log_class_probability
    from metakinetics.nodal_classes import nodal_class
    from metakinetics.population.effects import hermite
    from metakinetics.population.engine import node_patients, spreads

    m = mk.load_model("breast").with_values({"nodes.ratio": 3e-6, "nodes.coupling": 0.6})
    sd = spreads(m, 1, {}, False)
    sc = hermite({k: 1.0 for k in ("mu", "rate", "diameter")}, None)
    base = resolve(m)
    pat, mu = node_patients(base, np.zeros(1, dtype=np.intp), sc, sd)
    mean = nodal_mean(pat, mu, np.full(pat.n, base.mu[0]), closed=False)
    q = sc.q / sc.q.sum()
    whole = mk.incidence(m, "distant_at_diagnosis", [0.0]).values[0, 0]
    total = 0.0
    for name in ("N0", "N1-3", "N4-9", "N10+"):
        lo, hi = nodal_class(name)
        share = float((q * np.exp(log_class_probability(mean, lo, hi))).sum())
        value = mk.incidence(m.with_values({"nodes.min": lo, "nodes.max": hi}), "distant_at_diagnosis", [0.0]).values[0, 0]
        total += share * value
    assert total == pytest.approx(whole, rel=1e-9)
