"""The three cohorts bundled for the joint subtype fit (issue 11 item 7): arvold2012 (brain metastasis
by 5 years after breast-conserving therapy, by subtype), metzgerfilho2013 (1 - 10-year BCFI by
subtype, node-negative) and colleoni2016 (BCFI events by period from annual hazards, ER+ / ER-).

The bundled values are the published numbers (or are recomputed here from the published numbers
the bundled rows keep: 1 - BCFI, 1 - exp(-h (b - a))); where ../shared/data is present the rows are
also checked against the shared source rows (skipped with a message when it is absent); and
models/breast_subtypes.toml predicts every row meant to be usable, each a finite proportion.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from metakinetics.cli.main import main
from metakinetics.datasets import dataset_info, list_datasets, load_dataset
from metakinetics.errors import DataError
from metakinetics.inference.fit import compare
from metakinetics.inference.objective import population_predictor
from metakinetics.inference.problem import DataSpec, build_problem
from metakinetics.model import load_model

NEW = ("arvold2012", "metzgerfilho2013", "colleoni2016")
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CLASSES = ("luminal_a", "luminal_b", "her2_enriched", "triple_negative")
#: models/breast_nodes' nodal spread is not in breast_subtypes: fits/breast_nodes/result.json's estimates
NODAL = {"nodes.ratio": 4.805e-6, "nodes.coupling": 0.238, "nodes.dispersion": 1.438}
QUADRATURE = {"mu": 24, "rate": 6, "diameter": 6}   # fits/breast_nodes' nodes


def _shared_rows(relpath: str, key: str, value: str) -> list[dict]:
    path = SHARED / relpath
    if not path.is_file():
        pytest.skip(f"shared source rows not found at {path} (the shared data folder is absent)")
    with path.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if value in r[key]]


def test_bundled_and_listed_with_citation_url_treatment_and_ascertainment():
    for name in NEW:
        assert name in list_datasets()
        d = load_dataset(name)
        info = d.info
        assert len(d) > 0 and info.citation and info.cohort and info.status
        assert info.url.startswith("https://") and info.url in info.citation
        assert info.treatment and info.ascertainment
    # the year of Arvold's paper was not on the page read: the metadata says so
    assert "believed 2012 - verify" in dataset_info("arvold2012").citation
    # BCFI is not distant-only: both BCFI data sets are for comparison, and say why
    for name in ("metzgerfilho2013", "colleoni2016"):
        info = dataset_info(name)
        assert info.use == "compare" and "upper bound" in info.use_reason and "local" in info.use_reason
        assert info.status == "derived"
    assert dataset_info("arvold2012").use == ""


def test_arvold2012_values_are_the_abstracts():
    d = load_dataset("arvold2012")
    assert dict(zip(d.group.tolist(), d.value.tolist())) == {
        "all": 0.017, "luminal A": 0.001, "luminal B": 0.033, "luminal-HER2": 0.032, "HER2": 0.037,
        "triple negative": 0.074}
    assert set(d.organ) == {"brain"} and set(d.endpoint) == {"any"} and set(d.time) == {5.0}
    assert d.denominator[d.group == "all"].item() == 1434
    assert np.isnan(d.denominator[d.group != "all"]).all()          # subtype sizes not in the source read
    assert np.isnan(d.se).all() and d.info.likelihood == "least_squares"
    # classes: by receptors (the model's luminal_b is HR+/HER2+); luminal A/B are parts of luminal_a
    assert dict(zip(d.group.tolist(), d.class_.tolist())) == {
        "all": "", "luminal A": "", "luminal B": "", "luminal-HER2": "luminal_b", "HER2": "her2_enriched",
        "triple negative": "triple_negative"}


def test_arvold2012_against_the_shared_rows():
    rows = _shared_rows("organ_cuminc_additions.csv", "source", "Arvold")
    d = load_dataset("arvold2012")
    assert len(rows) == len(d) == 6
    for r in rows:
        group = r["subtype"]
        i = d.groups().index(group)
        assert d.value[i] == float(r["value"]) and d.time[i] == float(r["time_years"])
        assert r["organ"] == "brain" and r["endpoint"] == "cumulative_incidence_any"
        assert (r["denominator"] or "nan") == ("nan" if np.isnan(d.denominator[i]) else f"{d.denominator[i]:g}")
        assert d.info.url == r["url_read"]


def test_metzgerfilho2013_is_one_minus_bcfi():
    d = load_dataset("metzgerfilho2013")
    bcfi = d.extra["bcfi"].astype(float)
    np.testing.assert_allclose(d.value, 1.0 - bcfi, atol=1e-12)
    assert set(d.nodes) == {"N0"} and set(d.endpoint) == {"distant"} and set(d.time) == {10.0}
    by = dict(zip(d.group.tolist(), zip(d.value.tolist(), d.denominator.tolist())))
    sizes = {g: n for (g, n), c in zip(zip(d.group.tolist(), d.denominator.tolist()), d.class_) if c != "luminal_a"}
    assert sizes == {"luminal A-like": 509, "luminal B-like": 763, "HER2-positive": 369, "triple-negative": 310}
    # the pooled HR+/HER2- row (class luminal_a): the size-weighted mean of the two luminal-like rows
    pooled = (509 * by["luminal A-like"][0] + 763 * by["luminal B-like"][0]) / (509 + 763)
    i = d.class_ == "luminal_a"
    assert abs(d.value[i].item() - pooled) <= 0.005 and d.denominator[i].item() == 1272
    assert "approx" in d.status[i].item()
    assert d.class_[d.group == "triple-negative"].item() == "triple_negative"
    assert all("upper bound" in n.lower() for n in d.note)


def test_metzgerfilho2013_against_the_shared_rows():
    rows = [r for r in _shared_rows("cohorts/subtypes_treatment_timing.csv", "dataset", "metzgerfilho2013")
            if r["endpoint"] == "bcfi_10y"]
    d = load_dataset("metzgerfilho2013")
    names = {"luminal A-like (HR+, low Ki-67)": "luminal A-like", "luminal B-like (HR+, high Ki-67)": "luminal B-like",
             "HER2-positive": "HER2-positive", "triple-negative": "triple-negative"}
    assert len(rows) == 4
    for r in rows:
        i = d.groups().index(names[r["subgroup"]])
        assert d.extra["bcfi"][i] == r["value"] and d.value[i] == pytest.approx(1 - float(r["value"]), abs=1e-12)
        assert d.denominator[i] == float(r["denominator"]) and d.time[i] == float(r["time_years"])


def _period(text: str) -> tuple[float, float]:
    a, b = text.split("-")
    return float(a), float(b)


def test_colleoni2016_rows_are_conditional_probabilities_from_the_hazards():
    d = load_dataset("colleoni2016")
    for i in range(len(d)):
        a, b = _period(d.extra["period"][i])
        h = float(d.extra["hazard_per_year"][i])
        assert d.landmark[i] == a and d.time[i] == b
        assert d.value[i] == pytest.approx(1.0 - math.exp(-h * (b - a)), abs=5e-5)   # stored to 4 decimals
        assert f"1 - exp(-{h:g} x {b - a:g})" in d.note[i]
    assert set(d.status) == {"derived"} and set(d.class_) == {""}
    assert dict(zip(d.group.tolist(), d.nodes.tolist()))["ER+ N1-3"] == "N1-3"
    assert d.denominator[(d.group == "all") & (d.landmark == 0)].item() == 4105


def test_colleoni2016_against_the_shared_rows():
    rows = [r for r in _shared_rows("cohorts/subtypes_treatment_timing.csv", "dataset", "colleoni2016")
            if r["endpoint"] in ("annual_hazard", "annual_hazard_peak")]
    d = load_dataset("colleoni2016")
    names = {"all": "all", "ER-positive": "ER+", "ER-negative": "ER-", "ER-positive, node-negative": "ER+ N0",
             "ER-positive, 1-3 positive nodes": "ER+ N1-3"}
    assert len(rows) == len(d) == 18
    for r in rows:
        a, b = _period(r["time_years"])
        i = np.flatnonzero((d.group == names[r["subgroup"]]) & (d.landmark == a) & (d.time == b)).item()
        assert float(d.extra["hazard_per_year"][i]) == float(r["value"])


def _predict(model, spec, nodes=None) -> tuple:
    """Each row's prediction as a fit's comparison makes it (inference.fit.compare), with the data set's
    group settings (``spec.groups``) applied."""
    prob = build_problem(spec, model, fitted=False)   # predicted for comparison
    predictor = population_predictor(nodes=nodes)
    out = np.full(len(prob.data), np.nan)
    for s in prob.series:
        over = prob.group_overrides(s.group, s.subset)
        cols, vals = predictor(model.with_values(over) if over else model, s.endpoint, s.times)
        for r, ti, c in zip(s.rows, s.t_index, s.columns):
            out[r] = vals[ti, cols.index(c)]
    return prob.data, out


def _only(model, *keep) -> dict:
    """Class prevalences of a group spanning ``keep`` (the model's shares renormalised, others 0)."""
    v = model.values()
    total = sum(v[f"classes.{c}.prevalence"] for c in keep)
    return {f"classes.{c}.prevalence": (v[f"classes.{c}.prevalence"] / total if c in keep else 0.0) for c in CLASSES}


def _usable(d) -> np.ndarray:
    return (d.group == "all") | (d.class_ != "")


def test_breast_subtypes_predicts_the_usable_rows_of_arvold_and_metzgerfilho():
    model = load_model("breast_subtypes")
    for name in ("arvold2012", "metzgerfilho2013"):
        d = load_dataset(name)
        rows = compare(model, name)["rows"]
        assert len(rows) == len(d)
        pred = np.array([r["predicted"] for r in rows])
        usable = _usable(d)
        assert usable.sum() >= 2
        assert np.isfinite(pred[usable]).all() and ((pred[usable] >= 0) & (pred[usable] <= 1)).all()
    # a class row is that class's own incidence: the brain-seeking classes above luminal_b
    d = load_dataset("arvold2012")
    pred = dict(zip(d.group.tolist(), (r["predicted"] for r in compare(model, "arvold2012")["rows"])))
    assert pred["triple negative"] > pred["luminal-HER2"] and pred["HER2"] > pred["luminal-HER2"]


def test_breast_subtypes_predicts_colleoni_with_er_groups_as_class_shares():
    base = load_model("breast_subtypes")
    model = base.with_values(NODAL)        # the N1-3 rows need a nodal spread
    erp, ern = _only(base, "luminal_a", "luminal_b"), _only(base, "her2_enriched", "triple_negative")
    spec = DataSpec(name="colleoni2016", likelihood="least_squares", sigma=1.0,
                    groups={"ER+": erp, "ER-": ern, "ER+ N0": erp, "ER+ N1-3": erp})
    d, pred = _predict(model, spec, nodes=QUADRATURE)
    assert np.isfinite(pred).all() and ((pred >= 0) & (pred <= 1)).all()
    # the ER groups differ (their class shares are applied), and N1-3 relapses more than N0 late on
    at = lambda g, a: pred[(d.group == g) & (d.landmark == a)].item()  # noqa: E731
    assert at("ER-", 0) > at("ER+", 0)
    assert all(at("ER+ N1-3", a) > at("ER+ N0", a) for a in (10, 15, 20))


def test_metzgerfilho2013_case_mix_is_node_negative():
    from metakinetics.population import incidence
    from metakinetics.population.case_mix import resolve_case_mix

    mix = resolve_case_mix("metzgerfilho2013")
    assert dict(mix.nodes) == {"N0": 1.0, "N+": 0.0} and mix.classes == ()
    model = load_model("breast_subtypes").with_values(NODAL)
    t = np.array([10.0])
    whole = incidence(model, "distant", t, nodes=QUADRATURE).values[0, 0]
    n0 = incidence(model, "distant", t, nodes=QUADRATURE, case_mix="metzgerfilho2013").values[0, 0]
    assert 0 < n0 < whole


def test_metadata_use_is_checked(tmp_path):
    (tmp_path / "mine.csv").write_text("group,organ,endpoint,time,value\nall,distant,distant,5,0.2\n")
    (tmp_path / "mine.toml").write_text('[dataset]\nname = "mine"\nuse = "comparison"\n')
    with pytest.raises(DataError, match="dataset.use must be one of fit, compare, found 'comparison'"):
        load_dataset(str(tmp_path / "mine.csv"))


@pytest.mark.parametrize("name, words", [
    ("arvold2012", ("believed 2012 - verify", "luminal_b", "her2_enriched", "0.074", "url: https://")),
    ("metzgerfilho2013", ("use: compare", "upper bound", "N0", "triple_negative", "IBCSG")),
    ("colleoni2016", ("use: compare", "1 - exp(-h (b - a))", "N1-3", "0.4055")),
])
def test_cli_shows_each(capsys, name, words):
    assert main(["datasets", "show", name]) == 0
    out = capsys.readouterr().out
    for w in words:
        assert w in out, w
    assert main(["datasets"]) == 0
    assert name in capsys.readouterr().out
