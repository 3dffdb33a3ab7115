"""Scenario transforms: each built-in changes exactly the parameters it names, by the stated rule;
the string grammar round-trips; bad strings give an InputError naming the piece."""
import math

import numpy as np
import pytest

from metakinetics.errors import InputError, MetakineticsError
from metakinetics.model import load_model
from metakinetics.scenarios import (Adjuvant, Baseline, CTCTherapy, DormancyMaintenance, EarlierDiagnosis,
                                    OrganDrug, SetValues, SurgeryDelay, compose, parse_scenario)
from metakinetics.scenarios.transforms import transform_batch


@pytest.fixture(scope="module")
def model():
    return load_model("breast")


def changed(before, after):
    a, b = before.values(), after.values()
    return {k for k in a if a[k] != b[k]}


def test_surgery_delay_adds_years(model):
    m = SurgeryDelay(0.25).apply(model)
    assert changed(model, m) == {"diagnosis.surgery_delay"}
    assert m.diagnosis.surgery_delay == pytest.approx(model.diagnosis.surgery_delay + 0.25, rel=1e-15)


def test_earlier_diagnosis_sets_diameter(model):
    m = EarlierDiagnosis(1.0).apply(model)
    assert changed(model, m) == {"diagnosis.diameter_cm"}
    # a sphere of 1 cm holds 1e9 * pi/6 cells (units.py)
    assert m.diagnosis.size == pytest.approx(1e9 * math.pi / 6, rel=1e-12)


def test_earlier_diagnosis_on_a_size_model():
    m0 = load_model("exponential_one_organ")
    m = EarlierDiagnosis(1.0).apply(m0)
    assert m.diagnosis.size == pytest.approx(1e9 * math.pi / 6, rel=1e-12)


def test_adjuvant_kills_compose_as_survival_products(model):
    m = (Adjuvant(kill_dormant=0.5) + Adjuvant(kill_dormant=0.5, kill_colony=0.2)).apply(model)
    assert m.treatment.kill_dormant == pytest.approx(0.75, rel=1e-15)  # 1 - 0.5 * 0.5
    assert m.treatment.kill_colony == pytest.approx(0.2, rel=1e-15)


def test_organ_drug_scales_only_that_organ(model):
    m = OrganDrug({"bone": 0.7}).apply(model)
    assert changed(model, m) == {"organs.bone.efficiency"}
    assert m.organ("bone").efficiency == pytest.approx(0.7 * model.organ("bone").efficiency, rel=1e-15)
    assert OrganDrug({"bone": 0.0}).apply(model).organ("bone").efficiency == 0.0


def test_dormancy_scales_wake_rates(model):
    m = DormancyMaintenance(0.5).apply(model)
    assert changed(model, m) == {f"organs.{o}.wake" for o in model.organ_names}
    m = DormancyMaintenance(0.5, ("lung",)).apply(model)
    assert changed(model, m) == {"organs.lung.wake"}


def test_ctc_therapy_keeps_arrest_flux(model):
    m = CTCTherapy(4.0).apply(model)
    assert m.circulation.clearance == pytest.approx(4 * model.circulation.clearance, rel=1e-15)
    for o, o2 in zip(model.organs, m.organs):
        # kappa * f_k / 4: a quarter of the cells that used to arrest still arrest
        assert o2.arrest_fraction * m.circulation.clearance == pytest.approx(
            o.arrest_fraction * model.circulation.clearance / 4 * 4, rel=1e-14)
        assert o2.arrest_fraction == pytest.approx(o.arrest_fraction / 4, rel=1e-15)


def test_baseline_and_compose_identities(model):
    assert Baseline().apply(model) == model
    a = SurgeryDelay(0.1)
    assert compose(a, Baseline()) == a
    assert compose() == Baseline()
    assert (a + OrganDrug()).label == "surgery_delay=0.1 + organ_drug:bone=0.7"


def test_batch_transform_matches_one_at_a_time(model):
    """The array path (used by sweeps) and apply() agree parameter by parameter."""
    s = OrganDrug({"bone": 0.5}) + CTCTherapy(2) + SurgeryDelay(0.2)
    eff = np.array([1e-5, 2e-5, 4e-5])
    batch = transform_batch(s, model, {"organs.bone.efficiency": eff})
    for i, e in enumerate(eff):
        one = s.apply(model.with_values({"organs.bone.efficiency": e})).values()
        for k, v in batch.items():
            assert np.broadcast_to(v, eff.shape)[i] == pytest.approx(one[k], rel=1e-15), k


@pytest.mark.parametrize("text", [
    "baseline", "surgery_delay=0.25", "surgery_delay=12w", "earlier_diagnosis=1.5",
    "adjuvant:kill_dormant=0.5,kill_colony=0.2", "organ_drug:bone=0.7,liver=0.9", "dormancy=0.5",
    "dormancy:bone=0.5", "ctc_therapy=2", "set:organs.bone.wake=0.05",
    "surgery_delay=0.25 + adjuvant:kill_dormant=0.5,kill_colony=0",
])
def test_label_round_trips(text, model):
    s = parse_scenario(text)
    assert parse_scenario(s.label) == s
    assert s.describe() and "\n" not in s.describe()
    s.apply(model)


def test_parse_values_and_units():
    assert parse_scenario("surgery_delay=12w").years == pytest.approx(12 * 7 / 365.25, rel=1e-15)
    assert parse_scenario("surgery_delay=3mo").years == pytest.approx(0.25, rel=1e-15)
    assert parse_scenario("adjuvant=0.4") == Adjuvant(kill_dormant=0.4)
    assert parse_scenario("organ_drug:bone=0.7") == OrganDrug((("bone", 0.7),))
    assert parse_scenario("set:organs.bone.wake=0.05") == SetValues((("organs.bone.wake", 0.05),))


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"),
    ("surgery_dela=1", "did you mean 'surgery_delay'"),
    ("surgery_delay", "needs a value"),
    ("surgery_delay=", "missing value"),
    ("surgery_delay=soon", "expected a duration"),
    ("surgery_delay=-1", "zero or positive"),
    ("adjuvant:kill_dormant=1.5", "probability"),
    ("adjuvant:kil_dormant=0.5", "did you mean 'kill_dormant'"),
    ("adjuvant:kill_dormant", "expected KEY=VALUE"),
    ("organ_drug=0.7", "name the organ"),
    ("organ_drug:bone=-1", "zero or positive"),
    ("ctc_therapy=0.5", ">= 1"),
    ("earlier_diagnosis=0", "positive"),
    ("set=3", "key=value"),
    ("dormancy=nan", "finite"),
    ("two words", "cannot read"),
])
def test_bad_strings(text, fragment):
    with pytest.raises(InputError, match=None) as info:
        parse_scenario(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize("text, fragment", [
    ("organ_drug:bon=0.5", "did you mean 'bone'"),
    ("dormancy:lungs=0.5", "did you mean 'lung'"),
    ("set:organs.bone.wak=1", "did you mean 'organs.bone.wake'"),
])
def test_bad_names_found_at_apply(text, fragment, model):
    with pytest.raises(InputError) as info:
        parse_scenario(text).apply(model)
    assert fragment in str(info.value)


def test_invalid_result_is_a_model_error(model):
    # efficiency 2e-5 x 1e6 = 20 is not a probability: the model layer says so
    with pytest.raises(MetakineticsError, match="efficiency"):
        OrganDrug({"bone": 1e6}).apply(model)


def test_scaling_scenarios_reach_class_values():
    """A class with its own wake (or efficiency, arrest fraction) is changed by the scenario too,
    and a class preference is untouched (it multiplies the scaled efficiency)."""
    from metakinetics.model import load_model
    from metakinetics.scenarios.transforms import parse_scenario

    v = load_model("breast_subtypes").values()
    out = parse_scenario("dormancy=0.5").transform(v)
    assert out["organs.bone.wake"] == v["organs.bone.wake"] * 0.5
    assert out["classes.triple_negative.organs.bone.wake"] == v["classes.triple_negative.organs.bone.wake"] * 0.5
    out = parse_scenario("organ_drug:brain=0.3").transform(v)
    assert out["organs.brain.efficiency"] == v["organs.brain.efficiency"] * 0.3
    assert out["classes.her2_enriched.organs.brain.preference"] == v["classes.her2_enriched.organs.brain.preference"]
