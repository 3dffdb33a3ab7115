"""mk.predict: a patient with no information is the population; what she shows moves her risk the way
the model says; scenarios act in the right direction; bands are seeded and need a fit; the diameter
grid's interpolation error is bounded."""
import json

import numpy as np
import pytest

import metakinetics as mk
from metakinetics.errors import InputError
from metakinetics.patient.predict import PREDICT_NODES

TIMES = [5.0, 10.0, 20.0]
LUMINAL_B = mk.Patient(2.1, 2, "luminal_b", "endocrine", id="example")


@pytest.mark.parametrize("source", ["breast_cohorts", "fits/breast"])
def test_a_patient_with_no_information_is_the_population(source):
    pred = mk.predict(source, mk.Patient(), times=TIMES, spread=False)
    from metakinetics.scenarios import resolve_source

    model = resolve_source(source)[0]
    for name in ("any", "first", "distant"):
        pop = mk.incidence(model, name, TIMES, nodes=pred.nodes).values
        np.testing.assert_allclose(pred.values[name][0, 0], pop, rtol=0, atol=1e-12)
    assert pred.unused == ({},)


def test_what_she_shows_moves_her_risk():
    pats = [mk.Patient(2.1, n, "luminal_b", "endocrine") for n in (0, 2, 12)]
    d = mk.predict("breast_cohorts", pats, times=TIMES, spread=False).values["distant"][:, 0, :, 0]
    assert np.all(d[0] < d[1]) and np.all(d[1] < d[2])           # nodes read shedding
    size = mk.predict("breast_cohorts", [mk.Patient(1.0), mk.Patient(4.0)], times=TIMES, spread=False)
    assert np.all(size.values["distant"][0, 0] < size.values["distant"][1, 0])
    # endocrine therapy acts on the HR-positive classes only (breast_cohorts: HR- classes carry no effect)
    for sub, lowers in (("luminal_a", True), ("triple_negative", False)):
        r = mk.predict("breast_cohorts", [mk.Patient(2.0, 0, sub, "none"), mk.Patient(2.0, 0, sub, "endocrine")],
                       times=TIMES, spread=False).values["distant"][:, 0, :, 0]
        assert (np.all(r[1] < r[0] - 1e-3) if lowers else np.allclose(r[1], r[0], atol=1e-12)), sub


def test_scenarios_act_in_the_right_direction():
    pred = mk.predict("breast_cohorts", LUMINAL_B, times=TIMES, spread=False,
                      scenarios=["set:organs.bone.kill_dormant=0.5", "set:treatment.endocrine_years=10",
                                 "earlier_diagnosis=1.0"])
    any_ = pred.values["any"][0]                         # (S, T, K)
    bone = pred.organs.index("bone")
    assert pred.scenarios[0] == "baseline"
    assert np.all(any_[1, :, bone] < any_[0, :, bone])                                    # bone-targeted drug
    others = [k for k in range(len(pred.organs)) if k != bone]
    np.testing.assert_allclose(any_[1][:, others], any_[0][:, others], atol=1e-12)       # only bone
    assert any_[2, -1].sum() < any_[0, -1].sum()                                         # extended endocrine
    np.testing.assert_allclose(any_[2, 0], any_[0, 0], atol=1e-12)                        # same for 5 years
    assert pred.values["distant"][0, 3, -1, 0] < pred.values["distant"][0, 0, -1, 0]     # earlier operation
    assert pred.notes[:3] == ("", "", "") and "before surgery" in pred.notes[3]


def test_bands_are_seeded_and_need_a_fit():
    a = mk.predict("fits/breast", LUMINAL_B, times=TIMES, draws=12, seed=3, spread=False)
    b = mk.predict("fits/breast", LUMINAL_B, times=TIMES, draws=12, seed=3, spread=False)
    lo, hi = a.bands["distant"]
    np.testing.assert_array_equal(lo, b.bands["distant"][0])
    assert np.all(hi > lo) and a.level == 0.95 and a.draws == 12
    assert set(a.unused[0]) == {"nodes", "subtype"}            # the default fit's model has neither
    with pytest.raises(InputError, match="draws need a fit"):
        mk.predict("breast_cohorts", LUMINAL_B, draws=5)


def test_the_diameter_grid_interpolates_within_2e_3():
    rng = np.random.default_rng(4)
    pats = [mk.Patient(float(d), int(n), "luminal_a", "endocrine") for d, n in
            zip(np.round(rng.uniform(0.5, 6.0, 12), 2), rng.integers(0, 4, 12))]
    exact = mk.predict("breast_cohorts", pats, times=TIMES, spread=False)
    grid = mk.predict("breast_cohorts", pats, times=TIMES, spread=False, diameter_grid=16)
    for k in exact.values:
        assert np.max(np.abs(exact.values[k] - grid.values[k])) < 2e-3, k


def test_outputs_agree(tmp_path):
    pred = mk.predict("breast_cohorts", [LUMINAL_B, mk.Patient(id="nobody")], times=TIMES,
                      scenarios=["adjuvant:kill_dormant=0.5"])
    frame = pred.to_frame()
    K = len(pred.organs)
    assert len(frame) == 2 * 2 * (2 * K + 2) * len(TIMES)
    row = frame[(frame.patient == "example") & (frame.endpoint == "dmfs") & (frame.time == 10.0)
                & (frame.scenario == "baseline")]
    assert float(row.value.iloc[0]) == pytest.approx(1 - pred.value("distant")[1])
    doc = json.loads(pred.to_json())
    assert doc["patients"][0]["covariates"] == LUMINAL_B.describe() and doc["draws"] == 0
    assert len(doc["table"]["value"]) == len(frame)
    assert pred.to_csv().count("\n") == len(frame) + 1
    assert pred.nodes == PREDICT_NODES
    one = pred.patient(1)
    assert one.patients == (mk.Patient(id="nobody"),) and one.values["any"].shape[0] == 1


@pytest.mark.parametrize("kwargs, words", [
    ({"patients": []}, "non-empty"), ({"patients": ["x"]}, "expected a Patient"),
    ({"times": [-1.0, 5.0]}, "times must be zero or positive"), ({"diameter_grid": 2}, "at least 4"), ({"level": 1.5}, "level"),
    ({"scenarios": ["organ_drug:kidney=0.5"]}, "unknown organ 'kidney'"),
])
def test_bad_arguments(kwargs, words):
    args = {"patients": LUMINAL_B, **kwargs}
    with pytest.raises(InputError, match=words):
        mk.predict("breast_cohorts", args.pop("patients"), **args)
