"""Data sets marked ``use = "compare"`` (upper bounds such as 1 - BCFI) are refused as fitted data,
with the reason from their metadata, and accepted for comparison."""
from __future__ import annotations

import subprocess
import sys

import pytest

from metakinetics.errors import FitError
from metakinetics.inference.problem import DataSpec, build_problem
from metakinetics.model import load_model


@pytest.mark.parametrize("name", ["metzgerfilho2013", "colleoni2016"])
def test_compare_only_data_refused_as_fitted_data(name):
    model = load_model("breast_subtypes")
    spec = DataSpec(name=name, likelihood="binomial", key="data[2]", label=name)
    with pytest.raises(FitError) as err:
        build_problem(spec, model)
    msg = str(err.value)
    assert f"'{name}'" in msg and "data[2].name" in msg and "upper bound" in msg and "compare = [...]" in msg
    assert "\n" not in msg


def test_compare_only_data_accepted_for_comparison():
    spec = DataSpec(name="colleoni2016", likelihood="least_squares", sigma=1.0)
    prob = build_problem(spec, load_model("breast_subtypes"), fitted=False)
    assert len(prob.data) > 0


def test_cli_fit_refuses_in_one_line(tmp_path):
    (tmp_path / "fit.toml").write_text(
        '[fit]\nname = "t"\n[model]\nname = "breast"\n[[data]]\nname = "metzgerfilho2013"\n'
        'likelihood = "binomial"\n[parameters."shedding.mu"]\nmin = 1e-3\nmax = 1.0\nlog = true\n')
    run = subprocess.run([sys.executable, "-m", "metakinetics", "fit", str(tmp_path), "--out-dir", str(tmp_path / "o")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "metzgerfilho2013" in run.stderr and "compare" in run.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())   # nothing written


def test_compare_names_the_cohort_and_uses_the_data_sets_own_case_mix():
    """fit.compare predicts a data set for the cohort it describes: its own [case_mix] where it
    states one and the model can express it (equal to population.incidence with that case mix),
    else the model's own mix, with the reason in words."""
    import numpy as np

    from metakinetics.inference.fit import compare
    from metakinetics.population import incidence

    cohorts = load_model("breast_cohorts")
    got = compare(cohorts, "hess2013", nodes={"mu": 8, "rate": 2, "diameter": 2})
    assert got["cohort"].startswith("the data set's own case mix")
    row = next(r for r in got["rows"] if r["organ"] == "distant" and r["time"] == 4.0)
    ref = incidence(cohorts, "distant", np.array([4.0]), nodes={"mu": 8, "rate": 2, "diameter": 2},
                    case_mix="hess2013")
    assert row["predicted"] == pytest.approx(float(ref.values[0][0]), rel=1e-12)
    plain = incidence(cohorts, "distant", np.array([4.0]), nodes={"mu": 8, "rate": 2, "diameter": 2})
    assert abs(row["predicted"] - float(plain.values[0][0])) > 1e-4      # the case mix does matter here
    fallback = compare(load_model("breast"), "hess2013", nodes={"mu": 8, "rate": 2, "diameter": 2})
    assert fallback["cohort"].startswith("the model's own population mix (the data set's own case mix does not "
                                         "apply:") and "luminal_a" in fallback["cohort"]
    none = compare(cohorts, "gse2034_summary", nodes={"mu": 8, "rate": 2, "diameter": 2})
    assert none["cohort"] == "the model's own population mix (the data set states none)"
