"""Case mix (issue 11 item 5): a cohort's values, class shares and nodal shares on top of a model.

The nodal mix is exact: with the model's own nodal shares it reproduces the unselected population
(sum_c pi_c P_c = P for every endpoint conditioned on M0 patients; ratio endpoints by numerators
and denominators), and it equals the cohort simulator within 4 SE. A data set's case mix applies
its class shares (hess2013's are breast_subtypes' own prevalences: the same numbers).
"""
import numpy as np
import pytest

import metakinetics as mk
from metakinetics.errors import InputError
from metakinetics.model.case_mix import CaseMix
from metakinetics.nodal_classes import nodal_class

SPREAD = {"nodes.ratio": 4.8e-6, "nodes.coupling": 0.24, "nodes.dispersion": 1.4}
CLASSES = ("N0", "N1-3", "N4-9", "N10+")


@pytest.fixture(scope="module")
def model():
    return mk.load_model("breast").with_values(SPREAD)


def test_the_models_own_nodal_shares_reproduce_the_whole_population(model):
    shares = {}
    for c in CLASSES:
        lo, hi = nodal_class(c)
        shares[c] = mk.incidence(model.with_values({"nodes.min": lo, "nodes.max": hi}), "nodal_share", [0.0]).values[0, 0]
    mix = CaseMix("own", nodes=tuple(shares.items()))
    for ep in ("any", "first", "distant", "site_share", "organs_per_relapse"):
        t = [2.0, 5.0, 12.0]
        a = mk.incidence(model, ep, t, case_mix=mix).values
        b = mk.incidence(model, ep, t).values
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("ep", ["distant", "any", "first", "site_share", "multi_organ"])
def test_a_nodal_mix_agrees_with_the_simulator(model, ep):
    mix = CaseMix("clinic", nodes=(("N0", 0.4), ("N1-3", 0.3), ("N4-9", 0.2), ("N10+", 0.1)))
    t = [2.0, 5.0, 10.0]
    q = mk.incidence(model, ep, t, case_mix=mix)
    mc = mk.incidence(model, ep, t, case_mix=mix, method="monte-carlo", patients=150_000, seed=8)
    z = np.abs(q.values - mc.values) / np.maximum(mc.se, 1e-4)
    assert z.max() < 4.0, z.max()
    assert q.info["cohort"] == "clinic" and q.info["nodal_mix"]["N10+"] == pytest.approx(0.1)


def test_a_data_sets_case_mix_applies_its_class_shares():
    a = mk.incidence("breast_subtypes", "distant", [5.0, 10.0], case_mix="hess2013")
    b = mk.incidence("breast_subtypes", "distant", [5.0, 10.0])     # its prevalences are hess2013's / 1.01
    np.testing.assert_allclose(a.values, b.values, rtol=1e-9)
    assert a.info["cohort"].startswith("hess2013: 11,011 women")
    assert b.info["cohort"] == "breast_subtypes: the model file's own population"


def test_rotterdams_case_mix_sets_its_diameters_and_nodal_shares(model):
    r = mk.incidence(model, "distant", [10.0], case_mix="rotterdam")
    mix = CaseMix("r", values=(("diagnosis.diameter_cm", 2.12), ("population.diameter_sd", 0.675)),
                  nodes=(("N0", 0.4816), ("N1-3", 0.2562), ("N4-9", 0.1727), ("N10+", 0.0895)))
    np.testing.assert_allclose(r.values, mk.incidence(model, "distant", [10.0], case_mix=mix).values, rtol=1e-12)


def test_endpoints_a_nodal_mix_does_not_combine_are_refused(model):
    mix = CaseMix("clinic", nodes=(("N0", 0.5), ("N+", 0.5)))
    for ep, t in (("lag", [1.0]), ("nodal_share", [0.0]), ("by_size", [1.0, 2.0])):
        with pytest.raises(mk.InputError, match="a nodal mix weights"):
            mk.incidence(model, ep, t, case_mix=mix)


def test_a_zero_share_nodal_class_is_not_evaluated():
    """metzgerfilho2013's cohort is node-negative (N0 1, N+ 0): on a model without nodal spread every
    patient is N0, so the cohort is the whole population, by quadrature and by simulation (4 SE)."""
    plain = mk.load_model("breast")
    t = np.array([5.0, 10.0])
    whole = mk.incidence(plain, "distant", t).values
    mixed = mk.incidence(plain, "distant", t, case_mix="metzgerfilho2013")
    np.testing.assert_allclose(mixed.values, whole, rtol=1e-12)
    assert mixed.info["nodal_mix"] == {"N0": 1.0}
    mc = mk.incidence(plain, "distant", t, case_mix="metzgerfilho2013", method="monte-carlo", patients=20_000, seed=3)
    assert np.all(np.abs(mc.values - whole) < 4 * mc.se)


def test_a_node_positive_share_without_nodal_spread_is_refused_by_simulation():
    mix = CaseMix(name="half", nodes=(("N0", 0.5), ("N+", 0.5)))
    with pytest.raises(InputError, match="no nodal spread.*node-positive"):
        mk.incidence(mk.load_model("breast"), "distant", [5.0], case_mix=mix, method="monte-carlo", patients=2000, seed=1)
