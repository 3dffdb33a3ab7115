"""``metakinetics select``: the Markdown table of two committed fits of the same data printed and,
with --out, written (the same text, atomically: nothing else left in the folder); --validate reads
each fit's validate/validate.json; fits of different data, a fit without a validation, a fit without
a result and a fit named twice are one-line errors with exit status 2 and nothing written."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from metakinetics.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
FITS = ROOT / "fits"


def test_prints_and_writes_the_table(tmp_path, capsys):
    out = tmp_path / "selection.md"
    assert main(["select", str(FITS / "breast"), str(FITS / "breast_overdispersed" / "result.json"),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    text = out.read_text()
    assert printed == text + f"\nwrote {out}\n"
    assert text.startswith("| fit | k | n | log L | AIC | ΔAIC | BIC | ΔBIC |\n")
    assert "| breast | 8 | 14 | -373.65 | 763.30 |" in text and "| breast_overdispersed | 10 | 14 |" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["selection.md"]


def _fit_folder(tmp_path, name, cv=None):
    """A copy of fits/NAME's result.json and validate.json, with the cross-validated log-likelihood
    ``cv`` (loglik, data sets) in place of the committed one, or (None) without one, as a
    validate.json written before it existed."""
    folder = tmp_path / name
    (folder / "validate").mkdir(parents=True)
    shutil.copy(FITS / name / "result.json", folder / "result.json")
    v = json.loads((FITS / name / "validate" / "validate.json").read_text())
    for key in ("cv_loglik", "cv_datasets", "n_cv_datasets"):
        v.pop(key, None)
    for d in v["datasets"]:
        d.pop("heldout_loglik", None)
    if cv is not None:
        v.update({"cv_loglik": cv[0], "cv_datasets": cv[1], "n_cv_datasets": len(cv[1])})
    (folder / "validate" / "validate.json").write_text(json.dumps(v))
    return folder


def test_validate_adds_the_cv_columns(tmp_path, capsys):
    a = _fit_folder(tmp_path, "breast", (-300.0, ["hess2013", "pan2017", "xiao2018", "janni2016_ctc"]))
    b = _fit_folder(tmp_path, "breast_overdispersed", (-120.5, ["pan2017", "xiao2018", "janni2016_ctc"]))
    assert main(["select", str(a), str(b), "--validate"]) == 0
    text = capsys.readouterr().out
    assert "| CV log L | CV data sets |" in text
    assert "| -300.00 | 4 of 4 |" in text and "| -120.50 | 3 of 4 |" in text
    assert "cover different data sets" in text


def test_committed_validations(capsys):
    assert main(["select", str(FITS / "breast"), str(FITS / "breast_overdispersed"), "--validate"]) == 0
    text = capsys.readouterr().out
    for name in ("breast", "breast_overdispersed"):
        v = json.loads((FITS / name / "validate" / "validate.json").read_text())
        assert f"| {v['cv_loglik']:.2f} | {v['n_cv_datasets']} of {len(v['datasets'])} |" in text


def test_one_line_errors(tmp_path, capsys):
    out = tmp_path / "t.md"
    assert main(["select", str(FITS / "breast"), str(FITS / "breast_sites"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("metakinetics select: error: fits 'breast' and 'breast_sites' "
                                                   "are not fitted to the same data")
    assert "data set 'hess2013'" in err and not out.exists()
    # a fit without a validation: named
    a = _fit_folder(tmp_path, "breast", (-300.0, ["hess2013"]))
    b = tmp_path / "od"
    b.mkdir()
    shutil.copy(FITS / "breast_overdispersed" / "result.json", b / "result.json")
    assert main(["select", str(a), str(b), "--validate", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"--validate: fit {b} has no validation at {b / 'validate' / 'validate.json'}" in err
    assert not out.exists()
    # a validation written before the cross-validated log-likelihood existed: named, with the command to re-run
    old = _fit_folder(tmp_path / "old", "breast")
    assert main(["select", str(old), "--validate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fit 'breast': " in err and f"re-run metakinetics validate {old}" in err
    # no result, named twice
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "fit.toml").write_text((FITS / "breast" / "fit.toml").read_text())
    assert main(["select", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no fit result at" in err and "metakinetics fit" in err
    assert main(["select", str(FITS / "breast"), str(FITS / "breast" / "result.json")]) == 2
    assert "name each fit once" in capsys.readouterr().err
