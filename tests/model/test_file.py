"""Model files: bundled models load, units convert, overrides apply and are validated, dump round-trips."""
import math

import pytest

from metakinetics import InputError, ModelFileError, list_models, load_model
from metakinetics.model import dump_toml, load_model_text, parse_override
from metakinetics.units import diameter_to_cells


def test_every_bundled_model_loads():
    names = list_models()
    assert "breast" in names
    for name in names:
        assert load_model(name).name == name


def test_breast_is_the_four_organ_model():
    m = load_model("breast")
    assert m.organ_names == ("bone", "lung", "liver", "brain")
    assert m.primary.growth == "gompertz"
    assert m.diagnosis.size == pytest.approx(diameter_to_cells(2.0))
    assert 0 < sum(o.arrest_fraction for o in m.organs) <= 1


def test_day_units_are_converted_to_years():
    base = dump_toml(load_model("exponential_one_organ"))
    years = load_model_text(base)
    days = base.replace('time_unit = "year"', 'time_unit = "day"')
    # every rate in the file is now read per day, every duration in days
    m = load_model_text(days)
    assert m.primary.rate == pytest.approx(years.primary.rate * 365.25)
    assert m.circulation.clearance == pytest.approx(years.circulation.clearance * 365.25)
    assert m.organs[0].wake == pytest.approx(years.organs[0].wake * 365.25)
    months = base.replace('time_unit = "year"', 'time_unit = "month"').replace(
        "surgery_delay = 0.0", "surgery_delay = 1.5")
    assert load_model_text(months).diagnosis.surgery_delay == pytest.approx(1.5 / 12)


def test_dump_round_trip_every_bundled_model():
    for name in list_models():
        m = load_model(name)
        assert load_model_text(dump_toml(m)) == m


def test_overrides_by_dotted_key():
    m = load_model("breast", overrides={"organs.bone.efficiency": 3e-6, "shedding.mu": 2.0})
    assert m.organ("bone").efficiency == 3e-6
    assert m.shedding.mu == 2.0
    m2 = load_model("breast").with_values({"organs.bone.efficiency": 3e-6}, **{"shedding.mu": 2.0})
    assert m2 == m


def test_override_is_validated():
    with pytest.raises(ModelFileError, match="probability must be in"):
        load_model("breast").with_values({"organs.bone.efficiency": 2.0})
    with pytest.raises(ModelFileError, match="no organ 'kidney'"):
        load_model("breast", overrides={"organs.kidney.efficiency": 1e-6})
    with pytest.raises(ModelFileError, match="did you mean 'shedding'"):
        load_model("breast", overrides={"sheding.mu": 1.0})


def test_parse_override_reads_toml_literals():
    assert parse_override("organs.bone.efficiency=3e-6") == ("organs.bone.efficiency", 3e-6)
    assert parse_override("model.name = foo") == ("model.name", "foo")
    with pytest.raises(ModelFileError, match="key.path=value"):
        parse_override("organs.bone.efficiency")


def test_values_and_get():
    m = load_model("breast")
    vals = m.values()
    assert vals["organs.lung.arrest_fraction"] == 0.2
    assert m.get("circulation.clearance") == 4000.0
    with pytest.raises(InputError, match="did you mean"):
        m.get("circulation.clearence")


def test_open_ended_organs(tmp_path):
    text = dump_toml(load_model("breast")) + """
[organs.adrenal]
arrest_fraction = 0.002
wake = 0.1
dormant_death = 0.1
efficiency = 1e-5
growth = "gompertz"
alpha = 0.5
K = 1e11
detection = 1e8
"""
    p = tmp_path / "with_adrenal.toml"
    p.write_text(text)
    m = load_model(p)
    assert m.organ_names[-1] == "adrenal"
    adrenal = m.organ("adrenal")
    expected = math.log(math.log(1e11) / math.log(1e11 / 1e8)) / 0.5
    assert adrenal.detection_delay == pytest.approx(expected)


def test_unknown_organ_lookup():
    with pytest.raises(InputError, match="did you mean 'bone'"):
        load_model("breast").organ("bones")


def test_deferred_validation_keeps_the_readers_checks_and_leaves_the_value_rules_to_resolution():
    # with_values(validate=False) (the fit objective's many group models): keys, types and signs are
    # still checked on reading; the cross-field rules (here gamma <= 2) apply where the model is resolved
    from metakinetics.model.params import resolve

    base = load_model("breast")
    assert base.with_values({"shedding.mu": 2.0}, validate=False) == base.with_values({"shedding.mu": 2.0})
    with pytest.raises(ModelFileError, match="probability must be in"):
        base.with_values({"organs.bone.efficiency": 2.0}, validate=False)
    with pytest.raises(ModelFileError, match="no organ 'kidney'"):
        base.with_values({"organs.kidney.efficiency": 1e-6}, validate=False)
    with pytest.raises(ModelFileError, match="shedding.gamma.*exponent must be in"):
        base.with_values({"shedding.gamma": 2.5})
    unchecked = base.with_values({"shedding.gamma": 2.5}, validate=False)
    with pytest.raises(InputError, match="shedding.gamma.*exponent must be in"):
        resolve(unchecked)
