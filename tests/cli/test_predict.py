"""`metakinetics predict`: one patient from options or a CSV of patients, table / csv / json, figure pages
with --out, and one-line errors naming the covariate (or the CSV's row and column) with status 2."""
import csv
import io
import json
from pathlib import Path

import pytest

from metakinetics.cli.main import main

FIT = Path(__file__).resolve().parents[2] / "fits" / "breast"
EXAMPLE = ["--diameter", "2.1", "--nodes", "2", "--subtype", "luminal_b", "--treatment", "endocrine"]


def run(capsys, *argv):
    code = main(["predict", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_example_patient_on_the_default_fit(capsys):
    code, out, err = run(capsys, *EXAMPLE, "--draws", "4", "-s", "set:organs.bone.kill_dormant=0.5")
    assert code == 0, err
    assert out.startswith(f"# for: fit breast ({FIT / 'result.json'})")
    assert "not used: nodes (model 'breast' has no nodal readout" in out
    assert "not used: subtype (model 'breast' has no intrinsic classes)" in out
    assert "# bands: 95% over 4 parameter draws" in out
    assert "set:organs.bone.kill_dormant=0.5" in out and " dmfs " in out


def test_json_and_figure_pages(capsys, tmp_path):
    out_dir = tmp_path / "pred"
    code, out, err = run(capsys, "breast_cohorts", *EXAMPLE, "--id", "Mrs B", "-s", "set:treatment.endocrine_years=10",
                         "--format", "json", "--out", str(out_dir), "--times", "5", "10", "20")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["Mrs_B.png", "Mrs_B.txt", "prediction.json"]
    doc = json.loads((out_dir / "prediction.json").read_text())
    assert doc["patients"][0]["not_used"] == {} and doc["draws"] == 0 and doc["times"] == [5.0, 10.0, 20.0]
    assert set(doc["table"]["time"]) == {5.0, 10.0, 20.0}             # the figure's fine grid is not in the table
    assert (out_dir / "Mrs_B.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    caption = (out_dir / "Mrs_B.txt").read_text()
    assert "Mrs B: 2.1 cm, 2 nodes, luminal_b, endocrine 5 years" in caption


def test_a_csv_of_patients(capsys, tmp_path):
    src = tmp_path / "patients.csv"
    src.write_text("id,diameter_cm,nodes,subtype,treatment\na,2.1,2,luminal_b,endocrine\nb,1.0,0,,none\n")
    code, out, err = run(capsys, "breast_cohorts", "--patients", str(src), "--format", "csv", "--no-spread")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["patient"] for r in rows} == {"a", "b"}
    assert all(r["spread_sd"] == "" and r["lower"] == "" for r in rows)
    a = [r for r in rows if r["patient"] == "a" and r["endpoint"] == "distant"]
    b = [r for r in rows if r["patient"] == "b" and r["endpoint"] == "distant"]
    assert all(float(x["value"]) > float(y["value"]) for x, y in zip(a, b))


@pytest.mark.parametrize("argv, words", [
    (["--diameter", "-1"], "diameter_cm must be in (0, 25] cm, found -1"),
    (["--nodes", "61"], "nodes must be a count 0-60 (involved regional nodes), found 61"),
    (["--subtype", "luminal_c"], "unknown subtype 'luminal_c'"),
    (["--treatment", "radiation"], "unknown treatment 'radiation'"),
    (["--times", "5", "x"], "--times: expected years"),
    (["--draws", "3"], "draws need a fit"),
])
def test_bad_input_is_one_line(capsys, argv, words):
    code, out, err = run(capsys, "breast_cohorts", *argv)
    assert code == 2 and words in err and err.count("\n") == 1, err


def test_bad_csv_names_row_and_column(capsys, tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("diameter_cm,nodes,subtype\n2,0,luminal_a\n")
    code, _, err = run(capsys, "breast_cohorts", "--patients", str(src))
    assert code == 2 and "row 1: column 'treatment': missing column" in err and err.count("\n") == 1
    src.write_text("diameter_cm,nodes,subtype,treatment\n2,0,luminal_a,none\n3,75,luminal_a,none\n")
    code, _, err = run(capsys, "breast_cohorts", "--patients", str(src))
    assert code == 2 and "row 3: column 'nodes'" in err and err.count("\n") == 1
    code, _, err = run(capsys, "breast_cohorts", "--patients", str(src), "--diameter", "2")
    assert code == 2 and "not both" in err


def test_a_table_without_bands_reads_dash_not_nan(capsys):
    # a model (no draws) has no band: its limit columns are undefined and print '-', never 'nan'
    code, out, err = run(capsys, "breast", "--diameter", "2.1", "--times", "5", "10")
    assert code == 0, err
    assert "# bands: none" in out and "nan" not in out
    rows = [line.split() for line in out.splitlines() if line.startswith("patient") and "baseline" in line]
    assert rows and all("-" in r for r in rows)
