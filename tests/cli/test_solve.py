"""``metakinetics solve``: output formats, overrides, methods and one-line errors (exit 2)."""
import json

import numpy as np
import pytest

from metakinetics.cli.main import main
from metakinetics.dynamics import solve
from metakinetics.model import load_model


def test_table_default(capsys):
    assert main(["solve", "breast", "--times", "0:20:5"]) == 0
    out = capsys.readouterr().out
    assert "years since onset" in out and "founded_brain" in out
    assert len([ln for ln in out.splitlines() if not ln.startswith("#")]) == 1 + 5


def test_csv_matches_api(capsys):
    assert main(["solve", "breast", "--times", "1,8,12", "--format", "csv", "--set", "shedding.mu=0.5"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split(",")[:4] == ["time", "x", "C", "D_bone"]
    vals = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]])
    tr = solve(load_model("breast", overrides={"shedding.mu": 0.5}), [1, 8, 12])
    np.testing.assert_allclose(vals[:, 1], tr.x[0], rtol=1e-15)
    np.testing.assert_allclose(vals[:, 3], tr.D[0, :, 0], rtol=1e-15)


def test_json_and_methods(capsys):
    assert main(["solve", "exponential_one_organ", "--times", "0:10:2", "--format", "json",
                 "--method", "ode"]) == 0
    ode = json.loads(capsys.readouterr().out)
    assert ode["method"] == "ode" and ode["time_unit"] == "year since onset"
    assert main(["solve", "exponential_one_organ", "--times", "0:10:2", "--format", "json"]) == 0
    cf = json.loads(capsys.readouterr().out)
    assert cf["method"] == "closed-form"
    # closed form vs ODE reference (rtol 1e-10 -> ~1e-8); floor 1e-6 of the peak as in P1
    a, b = np.array(cf["columns"]["founded_bone"]), np.array(ode["columns"]["founded_bone"])
    assert np.max(np.abs(a - b) / np.maximum(b, 1e-6 * b.max())) < 1e-6


def test_help_says_absolute_years(capsys):
    with pytest.raises(SystemExit):
        main(["solve", "--help"])
    assert "years since" in capsys.readouterr().out


@pytest.mark.parametrize("argv, match", [
    (["solve", "breast", "--times", "5:1:1"], "stop 1 is before start 5"),
    (["solve", "breast", "--set", "primary.rat=3"], "did you mean 'rate'"),
    (["solve", "nonexistent_model"], "nonexistent_model"),
    (["solve", "breast", "--method", "closed-form"], "no closed form"),
])
def test_errors_one_line_exit_2(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_one_patient_paths_take_a_class_and_refuse_a_mixture(capsys):
    """solve, the reaction network and the SDE follow one patient: a model with classes needs
    --class (or Model.of_class); colony seeding is refused by the network (incidence, the cohort
    simulator and solve's ODE follow it), with one-line errors."""
    from metakinetics import simulate
    from metakinetics.errors import InputError

    assert main(["solve", "breast_subtypes", "--times", "1,5"]) == 2
    assert "choose a class, model.of_class('luminal_a') (CLI: --class luminal_a)" in capsys.readouterr().err
    assert main(["solve", "breast_subtypes", "--class", "luminal_b", "--times", "1,5", "--format", "csv"]) == 0
    vals = np.array([[float(v) for v in ln.split(",")] for ln in capsys.readouterr().out.strip().splitlines()[1:]])
    tr = solve(load_model("breast_subtypes").of_class("luminal_b"), [1, 5])
    np.testing.assert_allclose(vals[:, 1], tr.x[0], rtol=1e-15)
    model = load_model("breast_subtypes")
    for method in ("ssa", "sde"):
        with pytest.raises(InputError, match="intrinsic classes"):
            simulate(model, [0.0, 1.0], paths=2, seed=1, method=method, sigma=0.1)
    ens = simulate(model.of_class("her2_enriched"), [0.0, 1.0], paths=2, seed=1, method="sde", sigma=0.1)
    assert ens.n_paths == 2
    seeding = load_model("breast", overrides={"organs.bone.secondary_shedding": 10.0})
    assert solve(seeding, [1.0]).method == "ode"          # the mean of every generation (tests/dynamics)
    with pytest.raises(InputError, match="use method 'ode'"):
        solve(load_model("breast"), [1.0], params={"organs.bone.secondary_shedding": 10.0}, method="semi-analytic")
    with pytest.raises(InputError, match="not in the reaction network"):
        simulate(seeding, [0.0, 1.0], paths=2, seed=1, method="ssa")
    assert main(["simulate", "breast_subtypes", "--class", "luminal_a", "--paths", "2", "--times", "0:1:1",
                 "--no-progress", "--summary"]) == 0
