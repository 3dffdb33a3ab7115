"""`metakinetics scenario`: table/csv/json output, draws from a fit, figure, and one-line errors."""
import csv
import io
import json
from pathlib import Path

import numpy as np
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
    assert out.startswith("# for: model breast") and "\n# baseline: the model as given" in out
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


SUBTYPES = FIT.parent / "subtypes"
GROUPS = ("luminal A", "luminal B", "HER2-overexpressing", "triple negative")


@pytest.mark.parametrize("extra", [["--draws", "20"], []])
def test_grouped_fit_without_a_group_is_a_clear_error(capsys, extra):
    """Defect 4: with --draws this ended in a numpy ValueError traceback (exit 1); without, it
    silently ran the base model with every group parameter dropped. Now: one line naming the groups."""
    if not (SUBTYPES / "result.json").is_file():
        pytest.skip("fits/subtypes/result.json not present")
    code, out, err = run(capsys, str(SUBTYPES), "-s", "baseline", "--endpoint", "at_diagnosis", "--times", "0",
                         "--workers", "1", "--no-progress", *extra)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "choose a group" in err
    assert all(g in err for g in GROUPS)


def test_group_option_runs_the_group_model_with_its_parameters_drawn(capsys):
    from metakinetics.inference import read_result

    if not (SUBTYPES / "result.json").is_file():
        pytest.skip("fits/subtypes/result.json not present")
    result = read_result(SUBTYPES / "result.json")
    code, out, err = run(capsys, str(SUBTYPES), "--group", "triple negative", "-s", "baseline", "--endpoint",
                         "at_diagnosis", "--times", "0", "--draws", "20", "--seed", "1", "--workers", "1",
                         "--format", "json", "--no-progress")
    assert code == 0, err
    d = json.loads(out)
    assert d["draws"] == 20 and "subtypes [triple negative]" in d["source"]
    c = d["columns"]
    # the CLI uses the population default quadrature (no --nodes), not the fit's coarser one
    expected = result.predict("at_diagnosis", [0.0], group="triple negative", nodes=None)
    np.testing.assert_allclose(c["value"], expected.values[0], rtol=1e-9)
    assert all(lo < hi for lo, hi in zip(c["lower"], c["upper"]))  # the group's parameters are drawn
    code, _, err = run(capsys, str(SUBTYPES), "--group", "basal", "-s", "baseline", "--times", "0")
    assert code == 2 and "no group 'basal'" in err and "triple negative" in err
    code, _, err = run(capsys, "breast", "--group", "basal", "-s", "baseline", "--times", "0")
    assert code == 2 and "not a model" in err


def test_class_option_compares_one_class(capsys):
    """--class: the scenarios on one intrinsic class as a model of its own (not on the mixture)."""
    from metakinetics.model import load_model
    from metakinetics.scenarios import compare
    from metakinetics.scenarios.transforms import parse_scenario

    assert main(["scenario", "breast_subtypes", "--class", "her2_enriched", "-s", "adjuvant:kill_dormant=0.5",
                 "--times", "5", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    own = compare(load_model("breast_subtypes").of_class("her2_enriched"),
                  [parse_scenario("adjuvant:kill_dormant=0.5")], "any", [5.0])
    assert rows[1:] == own.to_csv().strip().splitlines()[1:]
    assert main(["scenario", "fits/breast", "--class", "luminal_a", "-s", "dormancy=0.5", "--times", "5"]) == 2
    assert "give a model" in capsys.readouterr().err


def test_generations_reach_the_scenarios(capsys):
    """--generations (and compare(..., generations=)) follow the colonies' generations of seeding
    as incidence does: the baseline's bone value equals incidence with the same generations."""
    from metakinetics.model import load_model
    from metakinetics.population.incidence import incidence

    model = load_model("tests/incidence/exp_hub.toml").with_values({"organs.liver.secondary_shedding": 1e4})
    for g, gen in (("2", 2), ("all", None)):
        assert main(["scenario", "tests/incidence/exp_hub.toml", "--set", "organs.liver.secondary_shedding=1e4",
                     "-s", "dormancy=0.5", "--times", "10", "--generations", g, "--format", "json", "--nodes", "3"]) == 0
        cols = json.loads(capsys.readouterr().out)["columns"]
        pairs = list(zip(cols["scenario"], cols["organ"]))
        i = pairs.index(("baseline", "bone"))
        want = incidence(model, "any", [10.0], nodes=3, generations=gen).values[0, 0]
        assert cols["value"][i] == pytest.approx(want, rel=1e-12)
