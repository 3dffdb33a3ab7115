"""Intrinsic classes in model files: schema, dotted keys, overrides and the resolver."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from metakinetics.errors import InputError, ModelFileError
from metakinetics.model import dump_toml, load_model, load_model_text
from metakinetics.model.params import prevalences, resolve

FOUR = Path(__file__).parents[1] / "agreement" / "four_classes.toml"


def test_class_values_are_dotted_keys_of_the_model():
    m = load_model(FOUR)
    v = m.values()
    assert m.class_names == ("slow", "shedder", "brainy", "fast")
    assert v["classes.slow.prevalence"] == 0.4
    assert v["classes.slow.primary.rate"] == 2.0
    assert v["classes.slow.organs.brain.preference"] == -1.0
    assert v["classes.shedder.organs.brain.preference"] == 0.0      # every organ has one (default 0)


def test_resolve_uses_each_sets_class_then_the_base():
    m = load_model(FOUR)
    p = resolve(m, classes=np.array([0, 1, 2, 3]))
    base = resolve(m)
    assert p.rate.tolist() == [2.0, 2.5, 2.5, 3.5]
    assert p.mu.tolist() == [3e-3, 6e-3, 3e-3, 3e-3]
    bone, lung, brain = 0, 1, 2
    assert p.eps[0, brain] == pytest.approx(base.eps[0, brain] * np.exp(-1.0), rel=1e-15)
    assert p.eps[3, lung] == pytest.approx(base.eps[0, lung] * np.exp(0.7), rel=1e-15)
    assert p.wake[0, bone] == 0.1 and p.wake[1, bone] == 0.2
    assert p.colony_rate[3, lung] == 4.0 and p.hazard[3] == 0.06


def test_overrides_reach_class_keys_through_the_one_path():
    m = load_model(FOUR)
    p = resolve(m, {"classes.fast.organs.brain.wake": [0.5, 0.7], "organs.brain.wake": 0.3},
                classes=np.array([3, 0]))
    assert p.wake[:, 2].tolist() == [0.5, 0.3]        # a class key beats a base key
    m2 = m.with_values({"classes.slow.organs.lung.preference": 0.25})
    assert m2.get("classes.slow.organs.lung.preference") == 0.25
    with pytest.raises(InputError, match="unknown parameter 'classes.slow.organs.lung.prefrence'"):
        resolve(m, {"classes.slow.organs.lung.prefrence": 0.1})


def test_prevalences_overridden_must_sum_to_one():
    m = load_model(FOUR)
    ok = {"classes.slow.prevalence": 0.3, "classes.shedder.prevalence": 0.35}
    assert prevalences(m, ok)[0].tolist() == [0.3, 0.35, 0.15, 0.2]
    with pytest.raises(InputError, match="classes.\\*.prevalence class prevalences sum to 0.9"):
        prevalences(m, {"classes.slow.prevalence": 0.3})
    with pytest.raises(ModelFileError, match="sum to 1.1"):
        m.with_values({"classes.slow.prevalence": 0.5})


def test_dump_and_load_round_trip_classes():
    m = load_model(FOUR)
    back = load_model_text(dump_toml(m))
    assert back.classes == m.classes
    assert back.values() == m.values()


def test_class_values_follow_the_files_time_unit():
    text = FOUR.read_text().replace('name = "four_classes"', 'name = "four_classes"\ntime_unit = "month"')
    m = load_model_text(text)
    assert m.get("classes.fast.organs.lung.rate") == pytest.approx(4.0 * 12)


def test_a_class_value_out_of_range_names_the_class():
    m = load_model(FOUR)
    with pytest.raises(ModelFileError, match="classes.brainy.organs.brain.efficiency"):
        m.with_values({"classes.brainy.organs.brain.preference": 20.0})      # eps e^20 > 1


def test_model_without_classes_is_unchanged():
    m = load_model("breast")
    assert m.classes == () and not any(k.startswith("classes.") for k in m.values())
    assert replace(m, classes=()) == m


def test_of_class_is_what_resolve_gives_that_class():
    """One class as a model of its own (for the one-patient paths: dynamics, networks, SDEs):
    the same parameters as resolve(model, classes=[c]) and the same incidence as by_class."""
    import dataclasses

    import metakinetics as mk

    model = load_model("breast_subtypes")
    pooled = mk.incidence(model, "any", [2.0, 8.0], by_class=True)
    for i, name in enumerate(model.class_names):
        one = model.of_class(name)
        assert one.classes == () and one.name == f"breast_subtypes.{name}"
        a, b = resolve(one), resolve(model, classes=[i])
        for f in dataclasses.fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if isinstance(x, np.ndarray):
                np.testing.assert_allclose(x, y, rtol=1e-14, atol=0, err_msg=f.name)
        np.testing.assert_allclose(mk.incidence(one, "any", [2.0, 8.0]).values, pooled.by_class[name].values,
                                   rtol=1e-12, atol=1e-15)


def test_of_class_errors_name_the_class():
    with pytest.raises(InputError, match="class 'tnbc': model 'breast_subtypes' has classes luminal_a"):
        load_model("breast_subtypes").of_class("tnbc")
    with pytest.raises(InputError, match="has no classes"):
        load_model("breast").of_class("luminal_a")
