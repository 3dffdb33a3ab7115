"""The endocrine scenario preset: grammar, labels that parse back, class-specific therapy, errors."""
import numpy as np
import pytest

from metakinetics.errors import InputError
from metakinetics.model import load_model
from metakinetics.population import incidence
from metakinetics.scenarios import Endocrine, parse_scenario


@pytest.mark.parametrize("text, want", [
    ("endocrine=0.5", Endocrine(0.5, 5.0)),
    ("endocrine:wake=0.3,years=10", Endocrine(0.3, 10.0)),
    ("endocrine:luminal_a=0.5,luminal_b=0.4", Endocrine(1.0, 5.0, (("luminal_a", 0.5), ("luminal_b", 0.4)))),
    ("endocrine:luminal_a=0.5,years=6mo", Endocrine(1.0, 0.5, (("luminal_a", 0.5),))),
    ("endocrine:wake=0.13,years=5,death=0.17", Endocrine(0.13, 5.0, death=0.17)),
    ("endocrine:death=0.1", Endocrine(1.0, 5.0, death=0.1)),
    ("endocrine:luminal_a=0.2,death=0.1", Endocrine(1.0, 5.0, (("luminal_a", 0.2),), 0.1)),
])
def test_grammar_and_labels(text, want):
    s = parse_scenario(text)
    assert s == want and parse_scenario(s.label) == s and "endocrine therapy" in s.describe()


def test_sets_the_model_keys_and_only_the_named_classes():
    model = load_model("breast_subtypes")
    m = parse_scenario("endocrine:luminal_a=0.5,luminal_b=0.4").apply(model)
    v = m.values()
    assert (v["treatment.endocrine_wake"], v["treatment.endocrine_years"]) == (1.0, 5.0)
    assert v["classes.luminal_a.treatment.endocrine_wake"] == 0.5
    assert v["classes.luminal_b.treatment.endocrine_wake"] == 0.4
    q = incidence(m, "distant", np.array([5.0, 10.0]), by_class=True)
    q0 = incidence(model, "distant", np.array([5.0, 10.0]), by_class=True)
    assert np.array_equal(q.by_class["triple_negative"].values, q0.by_class["triple_negative"].values)
    assert np.all(q.by_class["luminal_a"].values < q0.by_class["luminal_a"].values)
    d = parse_scenario("endocrine:luminal_a=0.5,death=0.1").apply(model).values()
    assert d["classes.luminal_a.treatment.endocrine_death"] == 0.1 and d["treatment.endocrine_death"] == 0.0
    every = parse_scenario("endocrine=0.5").apply(m).values()      # replaces the class values too
    assert every["classes.luminal_a.treatment.endocrine_wake"] == 0.5 == every["treatment.endocrine_wake"]


@pytest.mark.parametrize("text, match", [
    ("endocrine:luminal_c=0.5", "unknown class 'luminal_c'.*did you mean 'luminal_b'"),
    ("endocrine=1.5", r"must be in \[0, 1\]"),
    ("endocrine:wake=0.5,years=0", "years of therapy must be positive"),
    ("endocrine:wake=0.5,lumin=3", "unknown argument 'lumin'"),
    ("endocrine:wake=0.5,death=-1", "extra dormant death rate must be zero or positive"),
])
def test_bad_strings_name_the_problem(text, match):
    with pytest.raises(InputError, match=match):
        parse_scenario(text).apply(load_model("breast_subtypes"))
