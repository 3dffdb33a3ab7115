"""CLI: metakinetics simulate on a bundled network, a model, an SBML file; summary columns; errors."""
import csv
import io
import json

import numpy as np
import pytest

from metakinetics.cli.main import main


def _csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_summary_csv_columns_and_reproducible(capsys):
    args = ["simulate", "immigration_death", "--paths", "2000", "--seed", "3", "--times", "0:50:10",
            "--summary", "--no-progress"]
    assert main(args) == 0
    first = capsys.readouterr().out
    rows = _csv(first)
    assert list(rows[0]) == ["time", "X_mean", "X_sd"]
    assert [float(r["time"]) for r in rows] == [0, 10, 20, 30, 40, 50]
    # Poisson with mean 10 (1 - e^{-t/10}): at t = 50 mean 9.93, SE sqrt(9.93/2000) = 0.07 -> 4 SE = 0.28
    assert abs(float(rows[-1]["X_mean"]) - 10 * (1 - np.exp(-5))) < 0.28
    assert main(args) == 0
    assert capsys.readouterr().out == first   # same seed, same numbers


def test_all_paths_json_from_model(capsys):
    assert main(["simulate", "exponential_one_organ", "--set", "shedding.mu=2", "--set",
                 "circulation.clearance=5", "--set", "diagnosis.size=20", "--paths", "4", "--seed", "1",
                 "--times", "0:1:0.5", "--format", "json", "--no-progress"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["paths"] == 4 and data["method"] == "ssa"
    assert data["columns"]["path"] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert set(data["outputs"]) == {"C", "D_bone", "F_bone"}


def test_sbml_file_with_tau(tmp_path, capsys):
    pytest.importorskip("libsbml")
    from metakinetics.interop import save_sbml
    from metakinetics.stochastic import load_network

    path = tmp_path / "bd.xml"
    save_sbml(load_network("birth_death"), path)
    assert main(["simulate", str(path), "--method", "tau", "--paths", "50", "--seed", "1",
                 "--times", "0:5:1", "--summary", "--no-progress"]) == 0
    assert _csv(capsys.readouterr().out)[0]["X_mean"] == "100"


def test_sde_needs_sigma_and_unknown_source_is_one_line(capsys):
    assert main(["simulate", "breast", "--method", "sde", "--paths", "10", "--no-progress"]) == 2
    assert "sigma" in capsys.readouterr().err
    assert main(["simulate", "birth_deth", "--paths", "10", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "birth_death" in err
