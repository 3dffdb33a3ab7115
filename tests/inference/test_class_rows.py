"""Data rows about one intrinsic class (the ``class`` column): a fit predicts them with that class's
own incidence, exactly as ``incidence(..., by_class=True)`` gives it; unknown classes are refused."""
from __future__ import annotations

import numpy as np
import pytest

from metakinetics.errors import DataError, ModelFileError
from metakinetics.inference.objective import Objective
from metakinetics.inference.problem import DataSpec, FitSetup, build_problem
from metakinetics.model import load_model
from metakinetics.population import incidence

from .synthetic_data import write_dataset

ROWS = """group,class,organ,endpoint,time,value,denominator
all,luminal_a,distant,distant,5,0.08,500
all,triple_negative,distant,distant,5,0.25,400
all,triple_negative,brain,any,5,0.05,400
all,,distant,distant,5,0.12,1000
"""


def _write(tmp_path, rows=ROWS):
    return write_dataset(tmp_path, "cls", rows, "binomial")


def test_class_rows_are_predicted_with_the_class_incidence(tmp_path):
    model = load_model("breast_subtypes")
    path = _write(tmp_path)
    setup = FitSetup(name="cls", model=model, data=(DataSpec(name=str(path), likelihood="binomial", label="cls"),),
                     parameters=())
    obj = Objective(setup)
    ev = obj.evaluate(np.zeros(0))
    assert ev.failed is None
    pred = ev.predictions[0]
    t = np.array([5.0])
    per = incidence(model, "distant", t, by_class=True)
    brain = incidence(model, "any", t, by_class=True).by_class["triple_negative"]
    # same quadrature, same class parameters: equal to rounding (the skipped classes have weight 0)
    np.testing.assert_allclose(pred[0], per.by_class["luminal_a"].values[0, 0], rtol=1e-12)
    np.testing.assert_allclose(pred[1], per.by_class["triple_negative"].values[0, 0], rtol=1e-12)
    np.testing.assert_allclose(pred[2], brain.values[0, list(brain.columns).index("brain")], rtol=1e-12)
    np.testing.assert_allclose(pred[3], per.values[0, 0], rtol=1e-12)
    assert len({round(float(p), 6) for p in pred[[0, 1, 3]]}) == 3     # the classes differ


def test_unknown_class_names_file_row_and_known_classes(tmp_path):
    path = _write(tmp_path, ROWS.replace("triple_negative,brain", "triple_negativ,brain"))
    with pytest.raises(DataError) as err:
        build_problem(DataSpec(name=str(path), likelihood="binomial"), load_model("breast_subtypes"))
    msg = str(err.value)
    assert "cls.csv" in msg and "class" in msg and "row 4" in msg and "triple_negativ'" in msg
    assert "luminal_a" in msg and "did you mean 'triple_negative'" in msg


def test_class_rows_need_a_model_with_classes(tmp_path):
    with pytest.raises(DataError, match="unknown class 'luminal_a'.*none"):
        build_problem(DataSpec(name=str(_write(tmp_path)), likelihood="binomial"), load_model("breast"))


def test_a_free_base_value_that_classes_override_is_flagged(tmp_path):
    from metakinetics.inference.fit import fit

    (tmp_path / "fit.toml").write_text(
        '[fit]\nname = "c"\n[model]\nname = "breast_subtypes"\n[[data]]\nname = "cls.csv"\n'
        'likelihood = "binomial"\n[parameters."organs.*.wake"]\nvalue = 0.05\nmin = 1e-3\nmax = 1\nlog = true\n')
    _write(tmp_path)
    res = fit(tmp_path / "fit.toml")
    flags = [i for i in res.identifiability if i["issue"] == "overridden by classes"]
    # luminal_a, her2_enriched and triple_negative set their own wake; luminal_b does not
    assert flags and "her2_enriched, luminal_a, triple_negative" in flags[0]["detail"]
    assert "luminal_b" not in flags[0]["detail"]


def test_report_names_each_rows_class(tmp_path):
    from metakinetics.inference.fit import fit
    from metakinetics.inference.results import write_result
    from metakinetics.report.build import build_report

    (tmp_path / "fit.toml").write_text(
        '[fit]\nname = "c"\nmax_nfev = 3\n[model]\nname = "breast_subtypes"\n[[data]]\nname = "cls.csv"\n'
        'likelihood = "binomial"\n[parameters."classes.luminal_a.organs.*.wake"]\nvalue = 0.03\nmin = 1e-3\n'
        'max = 1\nlog = true\n')
    _write(tmp_path)
    write_result(fit(tmp_path / "fit.toml"), tmp_path / "result.json")
    html = build_report(tmp_path / "fit.toml", draws=0)
    assert "class luminal_a" in html and "class triple_negative" in html



def test_a_class_value_the_file_does_not_list_can_be_freed_and_starts_at_the_base_value(tmp_path):
    """breast_subtypes' luminal_b lists no wake and no lung preference: a fit may still free them
    (start: the base wake, preference 0); a class the model lacks is still refused."""
    from metakinetics.inference import parse_setup

    _write(tmp_path)
    text = ('[fit]\nname = "c"\n[model]\nname = "breast_subtypes"\n[[data]]\nname = "cls.csv"\n'
            'likelihood = "binomial"\n[parameters."classes.luminal_b.organs.*.wake"]\nmin = 1e-3\nmax = 1\nlog = true\n'
            '[parameters."classes.luminal_b.organs.lung.preference"]\nmin = -3\nmax = 3\n')
    setup = parse_setup(text, path=str(tmp_path / "fit.toml"))
    model = load_model("breast_subtypes")
    wake, pref = setup.parameters
    assert wake.value == pytest.approx(model.get("organs.bone.wake")) and pref.value == 0.0
    assert len(wake.keys) == len(model.organ_names)
    with pytest.raises(ModelFileError, match="not a numeric parameter"):
        parse_setup(text.replace("luminal_b.organs.lung.preference", "luminal_c.organs.lung.preference"),
                    path=str(tmp_path / "fit.toml"))
