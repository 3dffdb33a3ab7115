"""CTC positivity of the default breast model against published early-breast-cancer rates.

Data: tests/reference/data/ctc_positivity.csv (Janni et al. Clin Cancer Res 2016; Rack et al.
J Natl Cancer Inst 2014; see README_ctc.md). The model: C(t_dx) expected CTCs in 5 L of blood at
diagnosis, P(>= 1 CTC in v mL) = 1 - exp(-C v / 5000), averaged over the M0 population.

Band: +-5 percentage points around the published share. The binomial SE of Janni's 20.2% (n = 3173)
is 0.7 points; the band is wider because the model is not fitted to this number alone (CellSearch
recovers ~80% of spiked cells, and cohorts differ in stage mix: published rates range ~15-25%).
"""
import csv
from pathlib import Path

import numpy as np
import pytest

from metakinetics.model import load_model
from metakinetics.population import ctc_positivity

DATA = Path(__file__).parent / "data" / "ctc_positivity.csv"
BAND = 0.05
#: shedding.mu that reproduces Janni 2016 (found by root-finding on ctc_positivity, 2026-11-25)
MU_FIT = 0.1044


def _rows():
    with open(DATA, newline="") as fh:
        return {r["dataset"]: r for r in csv.DictReader(fh)}


def test_data_file_is_the_published_numbers():
    rows = _rows()
    assert float(rows["janni2016"]["share_with_1_or_more_ctc"]) == 0.202
    assert int(rows["janni2016"]["n"]) == 3173
    assert float(rows["rack2014"]["share_with_1_or_more_ctc"]) == 0.215


@pytest.mark.xfail(strict=True, reason="models/breast.toml shedding.mu = 0.3 gives 36% CTC-positive in 7.5 mL; "
                                       "mu ~ 0.104 gives Janni's 20.2% (reported to the lead, who owns the model)")
def test_default_breast_model_matches_janni2016():
    row = _rows()["janni2016"]
    p = ctc_positivity(load_model("breast"), draw_ml=float(row["blood_volume_ml"]))
    assert abs(p - float(row["share_with_1_or_more_ctc"])) < BAND


def test_default_breast_model_value_is_reported():
    """The default model's positivity, pinned so a change of the model or the method is noticed."""
    p = ctc_positivity(load_model("breast"))
    assert 0.30 < p < 0.42                       # 0.363 with 48 x 12 x 12 Gauss-Hermite nodes
    assert p > ctc_positivity(load_model("breast"), individual=True)   # spread adds high shedders


def test_calibrated_shedding_matches_janni2016():
    row = _rows()["janni2016"]
    model = load_model("breast").with_values({"shedding.mu": MU_FIT})
    p = ctc_positivity(model, draw_ml=float(row["blood_volume_ml"]))
    assert abs(p - float(row["share_with_1_or_more_ctc"])) < BAND


def test_positivity_grows_with_draw_volume_and_shedding():
    m = load_model("breast")
    a, b = ctc_positivity(m, draw_ml=7.5), ctc_positivity(m, draw_ml=30.0)
    assert 0 < a < b < 1
    assert ctc_positivity(m, params={"shedding.mu": 0.03}) < a


def test_population_ctc_equals_monte_carlo_over_random_effects():
    m = load_model("breast")
    q = ctc_positivity(m)
    mc = ctc_positivity(m, patients=40_000, seed=3)
    # Monte Carlo over the random effects: SD of a positivity indicator <= 0.5, SE <= 0.0025;
    # Gauss-Hermite error ~1e-4: tolerance 0.01 is 4 SE
    assert abs(q - mc) < 0.01


@pytest.mark.xfail(strict=True, reason="Rack 2014 drew 23-30 mL after surgery; the model's CTCs clear within hours "
                                       "of surgery and Poisson counts make positivity grow with volume "
                                       "(model ~40% at 26.5 mL before surgery vs 21.5%)")
def test_calibrated_model_matches_rack2014_volume():
    row = _rows()["rack2014"]
    lo, hi = (float(x) for x in row["blood_volume_ml"].split("-"))
    model = load_model("breast").with_values({"shedding.mu": MU_FIT})
    p = ctc_positivity(model, draw_ml=(lo + hi) / 2)
    assert abs(p - float(row["share_with_1_or_more_ctc"])) < BAND
