"""``metakinetics reproduce``: the committed default fit reproduces; a tampered copy of a data file
(checksum alone, and numbers) or a tampered estimate in a copied result.json fails with exit 1; the
committed result is never written; bad input is one line with exit 2."""
from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from metakinetics.cli.main import main
from metakinetics.reproduce import Tolerance, compare_results

ROOT = Path(__file__).resolve().parents[2]
BREAST = ROOT / "fits" / "breast"


@pytest.fixture(scope="module")
def committed_untouched():
    def files():     # every file below fits/breast (it has a folder of analyses since issue 10)
        return {str(p.relative_to(BREAST)): p.read_bytes() for p in sorted(BREAST.rglob("*")) if p.is_file()}

    before = files()
    yield
    assert files() == before, "reproduce wrote into fits/breast"


def test_committed_default_fit_reproduces(committed_untouched, capsys):
    assert main(["reproduce", str(BREAST)]) == 0
    out = capsys.readouterr().out
    assert "data checksums match: hess2013, pan2017, xiao2018, janni2016_ctc" in out
    assert "DIFFERS" not in out and "reproduced: 30 of 30 compared values agree" in out


def test_committed_sites_fit_reproduces(capsys):
    sites = ROOT / "fits" / "breast_sites"
    before = (sites / "result.json").read_bytes()
    assert main(["reproduce", str(sites)]) == 0
    out = capsys.readouterr().out
    assert "data checksums match: hess2013, pan2017, xiao2018, janni2016_ctc" in out and "DIFFERS" not in out
    assert (sites / "result.json").read_bytes() == before


def _copy_with_local_data(tmp_path, data="hess2013") -> Path:
    """fits/breast copied, with one bundled data set copied beside it and named by path in fit.toml."""
    folder = tmp_path / "breast"
    folder.mkdir()
    shutil.copy(BREAST / "result.json", folder / "result.json")
    files = resources.files("metakinetics.datasets") / "files"
    for ext in (".csv", ".toml"):
        (folder / f"{data}{ext}").write_bytes((files / f"{data}{ext}").read_bytes())
    text = (BREAST / "fit.toml").read_text()
    assert f'name = "{data}"\n' in text
    (folder / "fit.toml").write_text(text.replace(f'name = "{data}"\n', f'name = "{data}.csv"\n'))
    return folder


def test_tampered_data_file_fails(committed_untouched, tmp_path, capsys):
    folder = _copy_with_local_data(tmp_path)
    assert main(["reproduce", str(folder)]) == 0  # an exact copy has the recorded checksum
    capsys.readouterr()
    csv = folder / "hess2013.csv"
    # a change that leaves every number alone: only the checksum can catch it
    csv.write_text(csv.read_text().replace("abstract; organs not mutually exclusive", "abstract"))
    assert main(["reproduce", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS data hess2013 sha256" in out and "data file changed" in out
    assert out.count("DIFFERS") == 1
    csv.write_text(csv.read_text().replace("all,distant,distant,12,0.36,", "all,distant,distant,12,0.40,"))
    assert main(["reproduce", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS data hess2013 sha256" in out and "DIFFERS loglik" in out
    assert "DIFFERS estimate organs.*.wake value" in out


def test_tampered_estimate_fails(committed_untouched, tmp_path, capsys):
    rec = json.loads((BREAST / "result.json").read_text())
    bone = next(e for e in rec["estimates"] if e["name"] == "organs.bone.efficiency")
    bone["value"] *= 1.001  # ten times the tolerance
    bone["upper"] *= 1 + 0.2 * Tolerance().rtol  # within the tolerance: not reported
    rec["draws"] = [[1.0, 2.0]]  # fields a newer result format may add are ignored
    path = tmp_path / "result.json"
    path.write_text(json.dumps(rec))
    assert main(["reproduce", str(BREAST), "--result", str(path)]) == 1
    out = capsys.readouterr().out
    # 0.1% tampering, measured against the re-fit (which itself sits within the 1e-4 tolerance of
    # the record): the stated difference is 0.001 to within that tolerance
    assert "DIFFERS estimate organs.bone.efficiency value" in out
    stated = float(out.split("relative difference ")[1].split(" ")[0])
    assert abs(stated - 0.001) <= 1.5e-4 and "> 0.0001" in out
    assert out.count("DIFFERS") == 1


def test_compare_reads_by_key_and_states_what_differs():
    rec = {"estimates": [{"name": "a", "value": 1.0, "lower": 0.5, "upper": None},
                         {"name": "b", "value": 2.0}], "loglik": -10.0, "aic": 24.0,
           "datasets": [{"label": "d", "sha256": "x"}]}
    same = json.loads(json.dumps(rec))
    diffs, n = compare_results(rec, same)
    assert diffs == [] and n == 1 + 4 + 2  # checksum; a: value, lower, upper; b: value; loglik, aic
    new = json.loads(json.dumps(rec))
    new["estimates"][0]["upper"] = 3.0  # null recorded, a number now
    new["estimates"] = new["estimates"][:1] + [{"name": "c", "value": 1.0}]
    new["loglik"] += 2e-6
    new["aic"] -= 2e-6
    new["datasets"][0]["sha256"] = "y"
    whats = [d.what for d in compare_results(rec, new)[0]]
    assert whats == ["data d sha256", "estimate a upper", "estimate b", "estimate c", "loglik"]


@pytest.mark.parametrize("case, message", [
    ("missing", "no fit set-up there"),
    ("no_result", "cannot read the recorded fit result"),
    ("bad_json", "not a fit result (invalid JSON"),
    ("not_result", "not a fit result (no 'estimates' list)"),
    ("into_setup", "reproduce never writes over the recorded result"),
    ("rtol", "--rtol must be a finite number >= 0"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, case, message):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "fit.toml").write_text((BREAST / "fit.toml").read_text())
    args = ["reproduce", str(folder)]
    if case == "missing":
        args = ["reproduce", str(tmp_path / "nowhere")]
    elif case == "bad_json":
        (folder / "result.json").write_text("{")
    elif case == "not_result":
        (folder / "result.json").write_text("[1, 2]")
    elif case in ("into_setup", "rtol"):
        shutil.copy(BREAST / "result.json", folder / "result.json")
        args += ["--out-dir", str(folder)] if case == "into_setup" else ["--rtol", "-1"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
