"""fits/gse2034 (the cohort model on the GSE2034 patients by ER status) parses into what its comments
say, fits the bundled gse2034 rows byte for byte, and its stored estimates give its stored
log-likelihood."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from metakinetics.datasets import load_dataset
from metakinetics.inference.objective import Objective
from metakinetics.inference.problem import load_setup

FOLDER = Path(__file__).resolve().parents[2] / "fits" / "gse2034"
HR_POS = ("luminal_a", "luminal_b")
HR_NEG = ("her2_enriched", "triple_negative")


def test_setup_fits_the_bundled_rows_by_er_group_among_n0_patients():
    obj = Objective(load_setup(FOLDER))
    prob = obj.problems[0]
    rows = load_dataset("gse2034")
    assert prob.data.info.sha256 == rows.info.sha256 and prob.data.rows.size == 286
    assert sorted(prob.groups) == ["ER+ N0", "ER- N0"]
    assert [p.label for p in obj.params] == ["shedding.mu", "classes.luminal_a.organs.*.wake",
                                             "classes.triple_negative.organs.*.wake"]
    spec = prob.spec
    assert spec.set["mortality.hazard"] == 0.0          # no death column: death does not compete
    for group, mine, other in (("ER+", HR_POS, HR_NEG), ("ER-", HR_NEG, HR_POS)):
        prev = {k.split(".")[1]: v for k, v in spec.groups[group].items() if k.endswith(".prevalence")}
        assert sum(prev[c] for c in mine) == pytest.approx(1.0) and all(prev[c] == 0 for c in other)


def test_stored_estimates_give_the_stored_loglik():
    res = json.loads((FOLDER / "result.json").read_text())
    obj = Objective(load_setup(FOLDER))
    est = {e["name"]: e["value"] for e in res["estimates"]}
    x = np.array([p.to_search(est[p.label]) for p in obj.params])
    assert obj.loglik(x) == pytest.approx(res["loglik"], abs=1e-6)
    assert res["datasets"][0]["sha256"] == load_dataset("gse2034").info.sha256
