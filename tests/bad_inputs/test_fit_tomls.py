"""Numbered bad fit set-ups (tests/bad_inputs/fit_tomls/NN_*.toml): each gives one ModelFileError
naming the file, the key and the reason (expected.json), through the API and through the CLI.
Strict types: a value of the wrong type is refused, never coerced (``log = "false"`` is not true)."""
from pathlib import Path

import numpy as np
import pytest

from metakinetics import ModelFileError
from metakinetics.cli.main import main
from tests.bad_inputs.expect import check_named_error, load_expected
from metakinetics.inference import fit, load_setup, parse_setup

HERE = Path(__file__).parent / "fit_tomls"
EXPECTED = load_expected(HERE)


def test_every_fixture_is_listed():
    assert {p.stem for p in HERE.glob("*.toml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_fit_toml_names_file_key_and_reason(name):
    path = HERE / f"{name}.toml"
    with pytest.raises(ModelFileError) as info:
        load_setup(path)
    check_named_error(info.value, path, EXPECTED[name])


@pytest.mark.parametrize("name", ["01_log_is_a_string", "10_binary_file", "12_key_shadowed_by_a_glob"])
def test_cli_one_line_exit_2(name, capsys, tmp_path):
    assert main(["fit", str(HERE / f"{name}.toml"), "--out-dir", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and str(HERE / name) in err
    assert list(tmp_path.iterdir()) == []


def test_fixtures_fail_for_their_defect_only():
    text = (HERE / "01_log_is_a_string.toml").read_text().replace('log = "false"', "log = false")
    setup = parse_setup(text, path=str(HERE / "restored.toml"))
    assert setup.parameters[0].log is False


def test_a_parameter_the_data_ignore_is_flagged_not_given_a_zero_width_interval(tmp_path):
    # toy predictor of tests/inference/test_fit.py: the data hold bone and lung rows only, so the
    # liver efficiency cannot act on the likelihood
    from tests.inference.test_fit import _data, _setup, toy

    extra = """
[parameters."organs.liver.efficiency"]
value = 5e-6
min = 1e-9
max = 1e-2
log = true
"""
    setup = _setup(tmp_path, _data(tmp_path))
    setup = parse_setup(Path(setup.path).read_text() + extra, path=setup.path)
    r = fit(setup, predictor=toy, curves=False)
    liver = r.estimate("organs.liver.efficiency")
    assert liver.lower == pytest.approx(1e-9) and liver.upper == pytest.approx(1e-2)
    assert any(i["issue"] == "no effect" and i["parameters"] == ["organs.liver.efficiency"]
               for i in r.identifiability)
    assert "cannot act" in r.message
    corr = np.array(r.correlations["matrix"])
    assert np.all(np.abs(corr) <= 1.0)
    bone = r.estimate("organs.bone.efficiency")
    assert bone.lower < bone.value < bone.upper


@pytest.mark.parametrize("step", ["1e-5", "1e-12"])
def test_an_individual_data_grid_beyond_the_memory_budget_is_refused_before_allocating(step, tmp_path, capsys):
    # fits/rotterdam with grid_step = 1e-5 asked for ~50 GiB; refused with what it would need
    import resource

    text = (Path(__file__).parents[2] / "fits" / "rotterdam" / "fit.toml").read_text()
    path = tmp_path / "fit.toml"
    path.write_text(text.replace("grid_step = 0.25", f"grid_step = {step}"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert main(["fit", str(path), "--out-dir", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fit.grid_step" in err and "GiB; the budget is 2 GiB" in err
    assert "use a grid_step of at least" in err and "rotterdam" in err
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000   # KiB: nothing big allocated


def test_a_fit_toml_read_from_dev_stdin_is_one_line_not_a_traceback():
    # /dev/stdin resolves near /, which has no grandparent (IndexError before)
    import subprocess
    import sys

    text = (Path(__file__).parents[2] / "fits" / "rotterdam" / "fit.toml").read_text()
    proc = subprocess.run([sys.executable, "-m", "metakinetics", "fit", "/dev/stdin", "--quiet"],
                          input=text.replace("grid_step = 0.25", "grid_step = 1e-5"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "fit.grid_step" in proc.stderr
