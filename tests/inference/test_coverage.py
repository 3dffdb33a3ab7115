"""Rows on organs a model lacks (metakinetics.inference.coverage): one rule, two uses. A fit refuses
them with a one-line error naming the file, row and the select that keeps the rest (a typo stays an
error); a comparison of a model with every row of a data set skips them and says why."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from metakinetics.cli.fit import report
from metakinetics.errors import DataError
from metakinetics.inference import build_problem, read_result
from metakinetics.inference.coverage import rows_outside_model
from metakinetics.inference.fit import compare
from metakinetics.inference.problem import DataSpec
from metakinetics.model import load_model
from metakinetics.datasets import load_dataset

from .synthetic_data import write_dataset

FOUR = ("distant", "bone", "liver", "lung", "brain")
#: coarse quadrature: these tests check which rows are predicted, not the numbers
NODES = {"mu": 8, "rate": 3, "diameter": 3}


def test_hess2013_rows_outside_the_four_organ_model_are_its_two_other_sites():
    data = load_dataset("hess2013", organs=load_model("breast").organ_names)
    out = rows_outside_model(data, load_model("breast").organ_names, "breast")
    assert [(s.row, s.organ) for s in out] == [(9, "distant_nodes"), (10, "pleura")]
    assert out[0].reason == "organ 'distant_nodes' is not in model 'breast' (bone, lung, liver, brain)"
    assert out[1].as_dict() == {"row": 10, "organ": "pleura", "reason": out[1].reason}
    six = load_model("breast_sites")
    assert rows_outside_model(data, six.organ_names, six.name) == ()


def test_a_fit_with_select_takes_the_rows_the_model_holds():
    prob = build_problem(DataSpec(name="hess2013", likelihood="binomial", select={"organ": FOUR}), load_model("breast"))
    assert prob.n_obs == 7 and set(prob.data.organ) == set(FOUR)
    six = build_problem(DataSpec(name="hess2013", likelihood="binomial"), load_model("breast_sites"))
    assert six.n_obs == 9


def test_a_fit_without_select_is_one_line_naming_file_row_and_the_remedy():
    with pytest.raises(DataError) as err:
        build_problem(DataSpec(name="hess2013", likelihood="binomial", key="data[0]", label="hess2013"),
                      load_model("breast"))
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("datasets/hess2013.csv: row 9: column 'organ': organ 'distant_nodes' is not in model 'breast'")
    assert "(and 1 more row)" in msg
    assert 'add select = { organ = ["distant", "bone", "liver", "lung", "brain"] } to data[0]' in msg


def test_an_organ_typo_in_a_data_file_is_still_an_error(tmp_path):
    # a file that declares its organ (so it loads) but misspells it against the model: not skipped
    path = write_dataset(tmp_path, "typo", "organ,endpoint,time,value,denominator\nbone,any,5,0.1,100\n"
                         "lugn,any,5,0.05,100\n", "binomial")
    (tmp_path / "typo.toml").write_text((tmp_path / "typo.toml").read_text() + 'organs = ["lugn"]\n')
    with pytest.raises(DataError, match="row 3: column 'organ': organ 'lugn' is not in model 'breast'"):
        build_problem(DataSpec(name=str(path), likelihood="binomial"), load_model("breast"))


def test_compare_skips_rows_on_organs_the_model_lacks_and_says_why():
    four = compare(load_model("breast"), "hess2013", nodes=NODES)
    assert [(r["organ"], r["time"]) for r in four["rows"]] == [
        ("distant", 4.0), ("distant", 8.0), ("distant", 12.0), ("bone", 12.0), ("liver", 12.0), ("lung", 12.0),
        ("brain", 12.0)]
    assert all(0 < r["predicted"] < 1 for r in four["rows"])
    assert [(s["row"], s["organ"]) for s in four["skipped"]] == [(9, "distant_nodes"), (10, "pleura")]
    assert all("is not in model 'breast'" in s["reason"] for s in four["skipped"])
    six = compare(load_model("breast_sites"), "hess2013", nodes=NODES)
    assert len(six["rows"]) == 9 and "skipped" not in six
    # the rows both models predict, predicted the same way (same row order, same observed values)
    assert [r["observed"] for r in six["rows"][:7]] == [r["observed"] for r in four["rows"]]


def test_compare_with_no_row_the_model_holds_skips_them_all(tmp_path):
    path = write_dataset(tmp_path, "spleen", "organ,endpoint,time,value,denominator\nspleen,any,5,0.01,100\n",
                         "binomial")
    (tmp_path / "spleen.toml").write_text((tmp_path / "spleen.toml").read_text() + 'organs = ["spleen"]\n')
    out = compare(load_model("breast"), str(path), nodes=NODES)
    assert out["rows"] == [] and [s["organ"] for s in out["skipped"]] == ["spleen"]


def test_the_fit_report_lists_skipped_rows():
    res = read_result(Path(__file__).resolve().parents[2] / "fits" / "breast" / "result.json")
    res = replace(res, comparisons=(compare(load_model("breast"), "hess2013", nodes=NODES),))
    text = report(res, "result.json", None)
    assert "    hess2013: 7 rows predicted" in text
    assert "      skipped row 9: organ 'distant_nodes' is not in model 'breast'" in text
    assert "      skipped row 10: organ 'pleura' is not in model 'breast'" in text


def test_patient_events_on_an_organ_the_model_lacks_are_refused_not_censored(tmp_path):
    # before: the lung metastases of a one-organ (bone) model's data counted as censored, silently
    path = tmp_path / "patients.csv"
    path.write_text("id,time,event\n1,2,bone\n2,3,lung\n3,4,censored\n4,1,lung\n5,2,distant\n")
    model = load_model("exponential_one_organ")
    with pytest.raises(DataError) as err:
        build_problem(DataSpec(name=str(path), likelihood="time_to_event"), model)
    msg = str(err.value)
    assert "\n" not in msg and "row 3: column 'event': event 'lung' is not an organ of model" in msg
    assert "(and 1 more)" in msg and "censoring" in msg
    ok = tmp_path / "recoded.csv"
    ok.write_text(path.read_text().replace("lung", "distant"))
    assert build_problem(DataSpec(name=str(ok), likelihood="time_to_event"), model).n_obs == 5
