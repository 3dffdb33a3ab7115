"""``metakinetics validate``: exit 0 and validate.json/.csv/.png written (and nothing else) on a small
two-data-set set-up; the printed summary names every left-out row, the share against the target and
the cross-validated log-likelihood;
a single data set or a missing fit.toml is a one-line error with exit status 2, nothing written."""
from __future__ import annotations

import json

import numpy as np

from metakinetics.cli.main import main
from tests.inference.test_validation import TWO


def _folder(tmp_path, text=None):
    folder = tmp_path / "two"
    folder.mkdir(parents=True)
    (folder / "fit.toml").write_text(text or TWO.format(extra=""))
    return folder


def test_validate_writes_json_csv_png(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["validate", str(folder), "--draws", "20", "--seed", "3", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "without hess2013: validated" in out and "without xiao2018: validated" in out
    assert "inside their band:" in out and "target 80%" in out
    assert out.count("    held-out log-likelihood -") == 2
    assert "cross-validated log-likelihood: " in out and "over 2 of 2 data sets (hess2013, xiao2018;" in out
    files = sorted(p.name for p in (folder / "validate").iterdir())
    assert files == ["validate.csv", "validate.json", "validate.png"]        # no lock or temporary left
    d = json.loads((folder / "validate" / "validate.json").read_text())
    assert d["seed"] == 3 and d["draws"] == 20 and d["n_rows"] == 2
    assert [r["dataset"] for r in d["datasets"][0]["rows"]] == ["hess2013"]
    assert d["n_cv_datasets"] == 2 and d["cv_loglik"] == sum(x["heldout_loglik"] for x in d["datasets"])
    assert f"{d['cv_loglik']:.4f}" in out
    assert (folder / "validate" / "validate.png").read_bytes()[:4] == b"\x89PNG"
    assert (folder / "validate" / "validate.csv").read_text().count("\n") == 3


def test_out_dir_and_one_line_errors(tmp_path, capsys):
    folder = _folder(tmp_path)
    one = TWO.format(extra="").split("[[data]]")
    single = _folder(tmp_path / "s", "[[data]]".join(one[:2]) + "[parameters." + one[2].split("[parameters.", 1)[1])
    assert main(["validate", str(single), "--out", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "this set-up has 1" in err and str(single / "fit.toml") in err
    assert not (tmp_path / "v").exists()
    assert main(["validate", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no fit set-up there" in err
    assert main(["validate", str(folder), "--draws", "3"]) == 2
    assert "--draws must be at least 20" in capsys.readouterr().err
    assert not (folder / "validate").exists()


def test_no_bands_writes_the_cv_loglik_without_bands(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["validate", str(folder), "--no-bands", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "refits at their point estimates (no bands)" in out and "inside their band" not in out
    assert "cross-validated log-likelihood: " in out and "over 2 of 2 data sets" in out
    files = sorted(p.name for p in (folder / "validate").iterdir())
    assert files == ["validate.csv", "validate.json", "validate.png"]
    d = json.loads((folder / "validate" / "validate.json").read_text())
    assert d["bands"] is False and d["draws"] == 0 and all(r["inside"] is None for x in d["datasets"] for r in x["rows"])
    assert f"{d['cv_loglik']:.4f}" in out



def test_no_bands_with_scoring_on_two_workers_gives_the_serial_numbers(tmp_path, capsys):
    """The path that hung (refits with the scoring information on two workers: the optimiser's
    pool, then the scoring pool): it ends, and gives the serial numbers (the objective is
    deterministic and the same points are evaluated; 1e-9 allows for the order of summation)."""
    from tests.inference.test_information_parts import TTE
    cv = {}
    for workers in (1, 2):
        text = TTE.replace("[fit]\n", f'[fit]\ninformation = "scoring"\nworkers = {workers}\n', 1)
        assert 'information = "scoring"' in text
        folder = _folder(tmp_path / str(workers), text)
        assert main(["validate", str(folder), "--no-bands", "--no-progress"]) == 0
        cv[workers] = json.loads((folder / "validate" / "validate.json").read_text())["cv_loglik"]
    capsys.readouterr()
    assert np.isfinite(cv[1]) and abs(cv[1] - cv[2]) <= 1e-9 * abs(cv[1])


def test_start_result_confirms_the_committed_estimates(tmp_path, capsys):
    """--start result: the full fit starts at result.json's estimates (the same numbers as from the
    set-up's start, to the optimiser's stopping point) and says so in validate.json; without a
    result.json it is a one-line error naming the file."""
    folder = _folder(tmp_path)
    assert main(["validate", str(folder), "--no-bands", "--no-progress", "--start", "result"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--start result" in err and str(folder / "result.json") in err
    assert main(["fit", str(folder), "--no-figure"]) == 0
    assert main(["validate", str(folder), "--no-bands", "--no-progress", "--start", "result"]) == 0
    d = json.loads((folder / "validate" / "validate.json").read_text())
    assert d["start"] == "result"
    assert main(["validate", str(folder), "--no-bands", "--no-progress"]) == 0
    e = json.loads((folder / "validate" / "validate.json").read_text())
    capsys.readouterr()
    assert e["start"] == "setup"
    assert abs(d["cv_loglik"] - e["cv_loglik"]) <= 1e-6 * abs(e["cv_loglik"])
