"""``metakinetics fit``: result.json and figure written atomically, exit statuses for converged,
not converged, bad set-ups and interrupted runs; the default set-up runs with no argument."""
from __future__ import annotations

import json

import pytest

from metakinetics.cli.main import main
from metakinetics.inference import default_setup_path, resolve_setup_path

SMALL = """
[fit]
name = "small"
seed = 1
nodes = {{ mu = 12, rate = 4, diameter = 4 }}
{extra}
[model]
name = "breast"
[[data]]
name = "hess2013"
likelihood = "binomial"
select = {{ organ = ["bone"] }}
[parameters."organs.bone.efficiency"]
value = 5e-6
min = 1e-9
max = 1e-2
log = true
"""


def _setup(tmp_path, extra=""):
    folder = tmp_path / "small"
    folder.mkdir()
    (folder / "fit.toml").write_text(SMALL.format(extra=extra))
    return folder


def test_fit_writes_result_and_figure(tmp_path, capsys):
    folder = _setup(tmp_path)
    assert main(["fit", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "converged" in out and "organs.bone.efficiency" in out and "within 3 pp" in out
    d = json.loads((folder / "result.json").read_text())
    assert d["status"] == "converged" and d["estimates"][0]["key"] == "organs.bone.efficiency"
    # one free parameter, one data point: the fit meets the point exactly (to 0.01 pp)
    assert d["datasets"][0]["max_abs_diff_pp"] < 0.01
    assert (folder / "fit.png").read_bytes()[:4] == b"\x89PNG"


def test_not_converged_exits_3_and_says_so(tmp_path, capsys):
    folder = _setup(tmp_path, extra="max_nfev = 1")
    assert main(["fit", str(folder), "--no-figure"]) == 3
    err = capsys.readouterr().err
    assert "did NOT converge" in err
    assert json.loads((folder / "result.json").read_text())["status"] == "not_converged"


def test_bad_setup_is_one_line_error(tmp_path, capsys):
    folder = _setup(tmp_path)
    p = folder / "fit.toml"
    p.write_text(p.read_text().replace('likelihood = "binomial"', 'likelihood = "poisson"'))
    assert main(["fit", str(folder)]) == 2
    err = capsys.readouterr().err
    assert str(p) in err and "data[0].likelihood" in err and "Traceback" not in err
    assert main(["fit", str(tmp_path / "nowhere")]) == 2


def test_interrupted_run_leaves_no_result(tmp_path, monkeypatch, capsys):
    folder = _setup(tmp_path)
    import metakinetics.cli.fit as cli_fit

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_fit, "fit", interrupted)
    assert main(["fit", str(folder)]) == 130
    assert not (folder / "result.json").exists()
    assert [p.name for p in folder.iterdir()] == ["fit.toml"]


def test_default_setup_runs_without_argument(tmp_path, capsys):
    assert resolve_setup_path(None) == default_setup_path()
    assert default_setup_path().parent.name == "breast"
    assert main(["fit", "--out-dir", str(tmp_path), "--no-figure", "--quiet"]) == 0
    d = json.loads((tmp_path / "result.json").read_text())
    assert d["name"] == "breast" and d["status"] == "converged"
    assert {x["name"] for x in d["datasets"]} == {"hess2013", "pan2017", "xiao2018", "ctc_positivity"}


def test_intervals_none_prints_the_estimates_without_limit_columns(tmp_path, capsys):
    """--intervals none: the report has no limit columns (and never 'nan'); a fit with intervals
    keeps them."""
    folder = _setup(tmp_path)
    assert main(["fit", str(folder), "--no-figure", "--intervals", "none"]) == 0
    out = capsys.readouterr().out
    assert "intervals: none" in out and "95% lower" not in out and "nan" not in out
    row = next(line for line in out.splitlines() if line.strip().startswith("organs.bone.efficiency"))
    assert len(row.split()) == 2          # name and estimate
    assert main(["fit", str(folder), "--no-figure"]) == 0
    out = capsys.readouterr().out
    assert "95% lower" in out and "nan" not in out
