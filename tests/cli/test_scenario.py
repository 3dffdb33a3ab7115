"""`metakinetics scenario`: table/csv/json output, draws from a fit, figure, and one-line errors."""
import csv
import io
import json
from pathlib import Path

import pytest

from metakinetics.cli.main import main

FIT = Path(__file__).resolve().parents[2] / "fits" / "breast"


def run(capsys, *argv):
    code = main(["scenario", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_csv_output(capsys):
    code, out, err = run(capsys, "breast", "-s", "surgery_delay=0.25", "-s", "organ_drug:bone=0.7",
                         "--times", "0,10", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3 * 2 * 4  # baseline + 2 scenarios, 2 times, 4 organs
    bone10 = [r for r in rows if r["organ"] == "bone" and r["time"] == "10.0"]
    assert [r["scenario"] for r in bone10] == ["baseline", "surgery_delay=0.25", "organ_drug:bone=0.7"]
    assert float(bone10[1]["abs_diff"]) > 0 > float(bone10[2]["abs_diff"])


def test_json_with_draws_from_the_fit(capsys, tmp_path):
    if not (FIT / "result.json").is_file():
        pytest.skip("fits/breast/result.json not present")
    fig = tmp_path / "cmp.png"
    code, out, err = run(capsys, str(FIT), "-s", "adjuvant:kill_dormant=0.5", "--times", "5,10",
                         "--draws", "3", "--workers", "1", "--seed", "4", "--format", "json",
                         "--figure", str(fig), "--no-progress")
    assert code == 0, err
    d = json.loads(out)
    assert d["draws"] == 3 and "fit breast" in d["source"]
    assert {"lower", "upper", "abs_diff_lower"} <= set(d["columns"])
    assert fig.stat().st_size > 20_000 and (tmp_path / "cmp.txt").is_file()


def test_table_names_scenarios(capsys):
    code, out, _ = run(capsys, "breast", "-s", "ctc_therapy=2 + dormancy=0.5", "--times", "5")
    assert code == 0
    assert out.startswith("# baseline: the model as given")
    assert "ctc_therapy=2 + dormancy=0.5" in out


@pytest.mark.parametrize("argv, fragment", [
    (["breast", "-s", "surgery_dela=1"], "did you mean 'surgery_delay'"),
    (["breast"], "at least one --scenario"),
    (["breast", "-s", "organ_drug:bone=0.7", "--draws", "2"], "need a fit"),
    (["breast", "-s", "organ_drug:bone=0.7", "--figure", "x.gif"], "--figure"),
    (["breast", "-s", "organ_drug:bone=0.7", "--endpoint", "anyy"], "did you mean 'any'"),
    (["breast", "-s", "organ_drug:bone=0.7", "--times", "5:1:1"], "--times"),
])
def test_errors_are_one_line(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert fragment in err and len(err.strip().splitlines()) == 1
