"""``metakinetics validate-patients``: exit 0 and validate_patients.json/.csv/.png written (and
nothing else) for a small simulated data set; a data set without the fit's covariate columns, an
aggregate data set and bad options are one-line errors with exit status 2, nothing written."""
from __future__ import annotations

import json

import pytest

from metakinetics.cli.main import main
from tests.inference.test_covariates import EXACT, SETUP, TRUTH, _data, simulated_patients

pytest.importorskip("lifelines", reason="validate-patients needs the optional extra metakinetics[validation]")
pytest.importorskip("sksurv", reason="validate-patients needs the optional extra metakinetics[validation]")


def _folder(tmp_path, patients=600):
    folder = tmp_path / "fit"
    folder.mkdir()
    data = simulated_patients(tmp_path, patients=patients)
    fixed = ", ".join(f'"{k}" = {v}' for k, v in TRUTH.items())
    (folder / "fit.toml").write_text(SETUP.format(fixed=fixed, data=data,
                                                  extra=f'diameter = "diameter_cm"\n{EXACT}'))
    return folder


def test_writes_report(tmp_path, capsys):
    folder = _folder(tmp_path)
    out = tmp_path / "out"
    assert main(["validate-patients", str(folder), "--folds", "2", "--seed", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "2-fold cross-validation on" in text and text.count("Harrell C") == 4 and "targets:" in text
    assert sorted(p.name for p in out.iterdir()) == ["validate_patients.csv", "validate_patients.json",
                                                     "validate_patients.png"]
    d = json.loads((out / "validate_patients.json").read_text())
    assert d["folds"] == 2 and d["seed"] == 1 and d["covariates"] == ["log diameter_cm", "log(1 + nodes)"]
    assert (out / "validate_patients.png").read_bytes()[:4] == b"\x89PNG"


def test_one_line_errors(tmp_path, capsys):
    folder = _folder(tmp_path, patients=200)
    other = _data(tmp_path, ["id,time,event,nodes", "1,2.0,censored,0", "2,3.0,distant,1"], "nodiam")
    for argv, want in (([other], "no covariate column 'diameter_cm'"),
                       (["gse2034_summary"], "needs individual patients"),
                       (["--folds", "1"], "--folds must be"),
                       (["--horizons", "5,x"], "--horizons must be numbers"),
                       (["--start", "result"], "cannot read the full fit's estimates")):
        out = tmp_path / "out"
        assert main(["validate-patients", str(folder), *argv, "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert want in err and err.count("\n") == 1, err
        assert not out.exists() or not any(out.iterdir())
