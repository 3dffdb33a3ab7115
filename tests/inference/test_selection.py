"""The model-selection table (``inference.selection``): k, n, log L, AIC, BIC and deltas straight from
the committed results of two fits of the same data (fits/breast and fits/breast_overdispersed); fits of
different data (rows of a data file, a data set in one only, patients, a counts vs proportion
likelihood) refused in one line naming both fits and the data set; a renamed data set is the same
data; the cross-validated log-likelihood from validations of two small fits of the same data; a
validation of another fit, a missing one or one written before cv_loglik are refused."""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest

from metakinetics.errors import FitError
from metakinetics.inference import fit, parse_setup
from metakinetics.inference.selection import SelectionRow, check_same_data, load_fit, selection_table, to_markdown
from metakinetics.inference.validation import validate
from tests.inference.test_validation import TWO

ROOT = Path(__file__).resolve().parents[2]
FITS = ROOT / "fits"


def _result(name):
    return json.loads((FITS / name / "result.json").read_text())


def test_rows_of_two_fits_of_the_same_data():
    rows = selection_table([FITS / "breast" / "result.json", FITS / "breast_overdispersed" / "result.json"])
    b, od = (_result("breast"), _result("breast_overdispersed"))
    assert [r.name for r in rows] == ["breast", "breast_overdispersed"]
    for r, d in zip(rows, (b, od)):
        assert (r.k, r.n, r.loglik, r.aic, r.bic) == (d["n_par"], d["n_obs"], d["loglik"], d["aic"], d["bic"])
        assert r.aic == pytest.approx(2 * r.k - 2 * r.loglik)
        assert r.bic == pytest.approx(r.k * math.log(r.n) - 2 * r.loglik)
        assert r.cv_datasets is None and math.isnan(r.cv_loglik) and r.n_datasets == 4
    assert rows[1].delta_aic == 0 and rows[0].delta_aic == pytest.approx(b["aic"] - od["aic"])
    assert rows[1].delta_bic == 0 and rows[0].delta_bic == pytest.approx(b["bic"] - od["bic"])
    md = to_markdown(rows)
    head, rule, first, second = md.splitlines()[:4]
    assert head == "| fit | k | n | log L | AIC | ΔAIC | BIC | ΔBIC |" and rule.count("|") == 9
    assert first == (f"| breast | 8 | 14 | {b['loglik']:.2f} | {b['aic']:.2f} | {b['aic'] - od['aic']:.2f} | "
                     f"{b['bic']:.2f} | {b['bic'] - od['bic']:.2f} |")
    assert second.startswith("| breast_overdispersed | 10 | 14 |") and "| 0.00 |" in second
    assert "AIC = 2k - 2 log L, BIC = k ln(n) - 2 log L" in md and "CV" not in md
    assert rows[0].to_dict()["cv_loglik"] is None and isinstance(rows[0], SelectionRow)


@pytest.mark.parametrize("a, b, says", [
    ("breast", "breast_sites", "data set 'hess2013': different rows of the data file (7 rows in 'breast', 9 in "
                               "'breast_sites'; data-file lines in one only: 9, 10)"),
    ("breast", "breast_nodes", "data set 'rotterdam_nodes' (datasets/rotterdam_nodes.csv) is in 'breast_nodes' only"),
    ("breast_nodes", "breast", "data set 'rotterdam_nodes' (datasets/rotterdam_nodes.csv) is in 'breast_nodes' only"),
    ("rotterdam", "rotterdam_nodes", "data set 'rotterdam': 1436 rows or patients in 'rotterdam', 2091 in "
                                     "'rotterdam_nodes'"),
])
def test_fits_of_different_data_are_refused(a, b, says):
    with pytest.raises(FitError) as err:
        selection_table([FITS / a / "result.json", FITS / b / "result.json"])
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"fits '{a}' and '{b}' are not fitted to the same data")
    assert msg.endswith(says)


def test_changed_file_values_and_likelihood_family():
    base = _result("breast")
    other = copy.deepcopy(base)
    other["name"] = "other"
    other["datasets"][2]["sha256"] = "0" * 64
    with pytest.raises(FitError, match=r"data set 'xiao2018': the data files differ \(sha256 cb3ed57f6b"):
        check_same_data([load_fit(base), load_fit(other)])
    other = copy.deepcopy(base)
    other["datasets"][1]["rows"][0]["observed"] = 0.5
    with pytest.raises(FitError, match="'pan2017': the same data-file lines are read differently"):
        check_same_data([load_fit(base), load_fit(other)])
    other = copy.deepcopy(base)
    other["datasets"][1]["likelihood"] = "binomial"
    with pytest.raises(FitError, match="'pan2017' is fitted as least_squares in 'breast' and as binomial in 'breast'"):
        check_same_data([load_fit(base), load_fit(other)])
    # binomial against beta-binomial is the same counts (breast vs breast_overdispersed); a renamed data set too
    other = copy.deepcopy(base)
    other["datasets"][0]["label"] = "hess"
    check_same_data([load_fit(base), load_fit(other)])


def test_empty_and_mismatched_inputs():
    with pytest.raises(FitError, match="at least one fit"):
        selection_table([])
    with pytest.raises(FitError, match="1 validations for 2 fits"):
        selection_table([FITS / "breast" / "result.json"] * 2, [None])


# ------------------------------------------------------------------ with validations

@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """Two small fits of the same two data sets (the second with the bone colonies' growth rate fixed
    at 5 per year), each with its validation."""
    out = []
    for name, text in (("two", TWO.format(extra="")),
                       ("two_slow", TWO.format(extra="").replace('name = "two"', 'name = "two_slow"').replace(
                           'name = "breast"\n', 'name = "breast"\nset = { "organs.bone.rate" = 5.0 }\n'))):
        folder = tmp_path_factory.mktemp(name)
        (folder / "fit.toml").write_text(text)
        setup = parse_setup(text, path=str(folder / "fit.toml"))
        full = fit(setup, intervals="wald", curves=False)
        out.append((full, validate(setup, draws=20, seed=1, full=full)))
    return out


def test_cv_loglik_from_validations(validated):
    (a, va), (b, vb) = validated
    # in memory (NaN landmarks) and read back (None) are the same data
    check_same_data([a, load_fit(json.loads(b.to_json()))])
    assert b.fixed["organs.bone.rate"] == 5.0 and a.loglik != b.loglik
    rows = selection_table([a, b], [va, vb.to_dict()])
    for r, v in zip(rows, (va, vb)):
        assert r.cv_loglik == pytest.approx(v.cv_loglik, rel=1e-15) and r.cv_datasets == ("hess2013", "xiao2018")
    md = to_markdown(rows)
    assert md.splitlines()[0].endswith("| CV log L | CV data sets |")
    assert f"| {va.cv_loglik:.2f} | 2 of 2 |" in md.splitlines()[2]
    assert "CV log L: the sum, over the data sets left out one at a time" in md and "do not compare" not in md
    # a validation without one of the data sets (a failed refit): the note says they do not compare
    part = vb.to_dict()
    part["cv_datasets"], part["cv_loglik"] = ["xiao2018"], vb.datasets[1].heldout_loglik
    md = to_markdown(selection_table([a, b], [va, part]))
    assert "| 1 of 2 |" in md and "cover different data sets (two: hess2013, xiao2018; two_slow: xiao2018)" in md
    # ... and sums each over the data sets all of them cover
    assert (f"summed over the data sets all cover (xiao2018): two {va.datasets[1].heldout_loglik:.2f}, "
            f"two_slow {vb.datasets[1].heldout_loglik:.2f}.") in md
    # one fit without a validation: dashes
    md = to_markdown(selection_table([a, b], [va, None]))
    assert md.splitlines()[3].endswith("| – | – |")


def test_validations_must_belong_to_their_fit(validated, tmp_path):
    (a, va), (b, vb) = validated
    with pytest.raises(FitError, match="fit 'two': its validation is of fit 'two_slow'"):
        selection_table([a, b], [vb, va])
    other = va.to_dict()
    other["full_estimates"] = {"organs.bone.efficiency": 2 * a.estimates[0].value}
    with pytest.raises(FitError, match="fit 'two': its validation was made from another fit"):
        selection_table([a], [other])
    with pytest.raises(FitError, match=r"fit 'two': no validation at .*nowhere\.json"):
        selection_table([a], [tmp_path / "nowhere.json"])
    old = va.to_dict()
    for k in ("cv_loglik", "cv_datasets", "n_cv_datasets"):
        del old[k]
    (tmp_path / "validate").mkdir()
    (tmp_path / "validate" / "validate.json").write_text(json.dumps(old))
    with pytest.raises(FitError, match=r"fit 'two': .*validate\.json has no cross-validated log-likelihood "
                                       r"\(written before it existed\): re-run metakinetics validate"):
        selection_table([a], [tmp_path / "validate" / "validate.json"])
