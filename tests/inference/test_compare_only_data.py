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
