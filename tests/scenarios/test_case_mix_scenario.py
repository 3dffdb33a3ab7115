"""Scenarios for a cohort (issue 11 item 5): the case mix's values are the baseline that scenarios
transform, its nodal mix weights every scenario and draw, and the table names the cohort."""
import numpy as np
import pytest

import metakinetics as mk
from metakinetics.scenarios import compare

SPREAD = {"nodes.ratio": 4.8e-6, "nodes.coupling": 0.24, "nodes.dispersion": 1.4}


@pytest.fixture(scope="module")
def model():
    return mk.load_model("breast").with_values(SPREAD)


def test_the_baseline_is_the_cohorts_incidence_and_the_table_names_it(model):
    t = [5.0, 10.0]
    c = compare(model, ["adjuvant:kill_dormant=0.5"], "distant", t, case_mix="rotterdam")
    base = mk.incidence(model, "distant", t, case_mix="rotterdam").values[:, 0]
    treated = mk.incidence(model.with_values({"treatment.kill_dormant": 0.5}), "distant", t,
                           case_mix="rotterdam").values[:, 0]
    rows = {(s, tt): v for s, tt, v in zip(c.column("scenario"), c.column("time"), c.column("value"))}
    np.testing.assert_allclose([rows[("baseline", x)] for x in t], base, rtol=1e-12)
    np.testing.assert_allclose([rows[(c.scenarios[1], x)] for x in t], treated, rtol=1e-12)
    assert "cohort rotterdam: Rotterdam tumour bank" in c.source


def test_a_scenario_changes_what_the_cohort_set(model):
    # rotterdam's case mix sets the diameter; a scenario that changes it wins (it transforms the baseline)
    c = compare(model, ["set:diagnosis.diameter_cm=1.0"], "distant", [10.0], case_mix="rotterdam")
    want = mk.incidence(model.with_values({"diagnosis.diameter_cm": 1.0, "population.diameter_sd": 0.675}),
                        "distant", [10.0], case_mix=mk.CaseMix("r", nodes=(("N0", 0.4816), ("N1-3", 0.2562),
                                                                            ("N4-9", 0.1727), ("N10+", 0.0895))))
    got = c.column("value")[list(c.column("scenario")).index(c.scenarios[1])]
    assert got == pytest.approx(want.values[0, 0], rel=1e-12)


def test_draws_of_a_fit_run_for_the_cohort():
    c = compare("fits/breast_nodes", ["adjuvant:kill_dormant=0.5"], "distant", [10.0], draws=4, seed=1,
                case_mix="rotterdam")
    assert np.all(np.isfinite(c.column("lower"))) and "cohort rotterdam" in c.source


def test_a_set_scenario_takes_a_class_value_the_file_does_not_list():
    # trastuzumab for one class, every organ but the brain: class keys the resolver knows are settable
    keys = {f"classes.her2_enriched.organs.{o}.kill_dormant": 0.6 for o in ("bone", "lung", "liver")}
    text = "set:" + ",".join(f"{k}={v}" for k, v in keys.items())
    c = compare("breast_subtypes", [text], "first", [10.0])
    want = mk.incidence("breast_subtypes", "first", [10.0], params=keys).values[0]
    rows = [v for s, v in zip(c.column("scenario"), c.column("value")) if s == c.scenarios[1]]
    np.testing.assert_allclose(rows, want, rtol=1e-12)
    with pytest.raises(mk.InputError, match="unknown parameter 'classes.nosuch"):
        compare("breast_subtypes", ["set:classes.nosuch.organs.bone.kill_dormant=0.5"], "first", [10.0])
