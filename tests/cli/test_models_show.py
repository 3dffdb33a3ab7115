"""CLI: models, show, --set, errors as one line with exit status 2, python -m entry point."""
import json
import subprocess
import sys

from metakinetics.cli.main import main


def test_models_lists_bundled(capsys):
    assert main(["models"]) == 0
    assert "breast" in capsys.readouterr().out


def test_show_prints_units(capsys):
    assert main(["show", "breast"]) == 0
    out = capsys.readouterr().out
    assert "circulation.clearance" in out and "1/year" in out


def test_show_json_with_override(capsys):
    assert main(["show", "breast", "--json", "--set", "organs.bone.efficiency=3e-6"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["organs"]["bone"]["efficiency"] == 3e-6


def test_bad_override_is_one_line_exit_2(capsys):
    assert main(["show", "breast", "--set", "organs.bone.efficiency=7"]) == 2
    err = capsys.readouterr().err
    assert "organs.bone.efficiency" in err and "probability" in err and err.count("\n") == 1


def test_python_dash_m():
    res = subprocess.run([sys.executable, "-m", "metakinetics", "models"], capture_output=True, text=True)
    assert res.returncode == 0 and "breast" in res.stdout
