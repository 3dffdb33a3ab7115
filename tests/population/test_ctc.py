"""CTC positivity (metakinetics.population.ctc) for a model with intrinsic classes: the mixture over
the classes, each class's patients with its own values (before: the base model's values, silently)."""
import pytest

import metakinetics as mk
from metakinetics.population.ctc import ctc_positivity


def test_a_model_with_classes_is_the_mixture_of_its_classes():
    m = mk.load_model("breast_subtypes")
    per = {c: ctc_positivity(m.of_class(c)) for c in m.class_names}
    for c in m.class_names:                      # one class of prevalence 1: that class exactly
        only = {f"classes.{k}.prevalence": float(k == c) for k in m.class_names}
        assert ctc_positivity(m, params=only) == pytest.approx(per[c], rel=1e-12)
    mix = ctc_positivity(m)
    assert min(per.values()) < mix < max(per.values())
    assert mix != pytest.approx(ctc_positivity(m, params={f"classes.{k}.prevalence": float(k == "luminal_a")
                                                          for k in m.class_names}), rel=1e-6)
