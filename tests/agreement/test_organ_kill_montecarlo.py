"""An organ's own adjuvant kill of dormant cells at surgery (organs.<k>.kill_dormant, issue 11 item 2:
a bone-targeted drug; trastuzumab on the HER2 classes, the brain a sanctuary): formulas = the
cohort simulator within 4 SE, the dynamics' methods agree, the reaction network keeps each organ's
dormant cells with its own probability, and 0 is today's model exactly.

200,000 virtual patients per case; any and first at 3 times and 4 organs, pooled and per class
(~150 comparisons at 4 SE: a false alarm has probability ~1%; seeds fixed, deterministic).
"""
import numpy as np
import pytest

import metakinetics as mk
from metakinetics.symbolic.model_network import network_from_model

BONE = {"treatment.kill_dormant": 0.3, "organs.bone.kill_dormant": 0.6}
HER2 = ("luminal_b", "her2_enriched")
TRASTUZUMAB = {f"classes.{c}.organs.{o}.kill_dormant": 0.6 for c in HER2 for o in ("bone", "lung", "liver")}


def _z(q, mc):
    return np.abs(q.values - mc.values) / np.maximum(mc.se, 1e-4)


@pytest.mark.parametrize("ep", ["any", "first", "distant"])
def test_a_bone_targeted_kill_agrees_with_the_simulator(ep):
    q = mk.incidence("breast", ep, [2.0, 5.0, 10.0], params=BONE)
    mc = mk.incidence("breast", ep, [2.0, 5.0, 10.0], params=BONE, method="monte-carlo", patients=200_000, seed=3)
    assert _z(q, mc).max() < 4.0


@pytest.mark.parametrize("ep", ["any", "first"])
def test_trastuzumab_on_the_her2_classes_agrees_with_the_simulator_per_class(ep):
    q = mk.incidence("breast_subtypes", ep, [3.0, 10.0], params=TRASTUZUMAB, by_class=True)
    mc = mk.incidence("breast_subtypes", ep, [3.0, 10.0], params=TRASTUZUMAB, by_class=True, method="monte-carlo",
                      patients=200_000, seed=6)
    assert _z(q, mc).max() < 4.0
    for c in q.by_class:
        assert _z(q.by_class[c], mc.by_class[c]).max() < 4.0, c


def test_sparing_the_brain_makes_it_a_more_frequent_first_site():
    # Olson 2013: with adjuvant trastuzumab the CNS is more often the first site of recurrence
    base = mk.incidence("breast_subtypes", "first", [10.0], by_class=True).by_class["her2_enriched"].values[0]
    treated = mk.incidence("breast_subtypes", "first", [10.0], params=TRASTUZUMAB,
                           by_class=True).by_class["her2_enriched"].values[0]
    assert treated[3] > base[3] and treated[3] / treated.sum() > base[3] / base.sum()
    assert treated[:3].sum() < base[:3].sum()


def test_zero_is_todays_model_and_the_dynamics_agree():
    a = mk.incidence("breast", "any", [5.0, 10.0]).values
    assert np.array_equal(a, mk.incidence("breast", "any", [5.0, 10.0], params={"organs.brain.kill_dormant": 0.0}).values)
    m = mk.load_model("breast").with_values(BONE)
    t = np.linspace(0.0, 30.0, 31)
    ode, semi = mk.solve(m, t, method="ode"), mk.solve(m, t, method="semi-analytic")
    cols = [c for c in ode.columns if c.startswith("D_")]
    x = ode.values[:, [ode.columns.index(c) for c in cols]]
    y = semi.values[:, [semi.columns.index(c) for c in cols]]
    np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-9)
    e = mk.load_model("exponential_one_organ").with_values({**BONE, "diagnosis.surgery_delay": 0.1})
    np.testing.assert_allclose(mk.solve(e, t, method="closed-form").values, mk.solve(e, t, method="ode").values,
                               rtol=1e-6, atol=1e-9)
    keep = dict(next(ev for ev in network_from_model(mk.load_model("breast").with_values(BONE)).events
                     if ev.name == "surgery").survive)
    assert float(keep["D_bone"].text) == pytest.approx(0.7 * 0.4) and float(keep["D_lung"].text) == pytest.approx(0.7)
