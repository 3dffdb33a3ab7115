"""CTC positivity of the default breast model against published early-breast-cancer rates.

Data: tests/reference/data/ctc_positivity.csv (Janni et al. Clin Cancer Res 2016; Rack et al.
J Natl Cancer Inst 2014; see README_ctc.md). The model: C(t_dx) expected CTCs in 5 L of blood at
diagnosis, P(>= 1 CTC in v mL) = 1 - exp(-C v / 5000), averaged over the M0 population.

The default model's shedding mu is the default fit's estimate (fits/breast/result.json), which
fits Janni's row jointly with the incidence data (incidence alone sees only mu x efficiency).

Band: +-5 percentage points around the published share. The binomial SE of Janni's 20.2% (n = 3173)
is 0.7 points; the band is wider because the model's mu is rounded in the model file and may be
refitted with other data, and because what a CTC count means is uncertain beyond sampling
(CellSearch recovers ~80% of spiked cells, and cohorts differ in stage mix: published rates range
~15-25%), so agreement closer than that says nothing more.
"""
import csv
from pathlib import Path

import numpy as np
import pytest

from scipy.optimize import brentq

from metakinetics.model import load_model
from metakinetics.population import ctc_positivity

DATA = Path(__file__).parent / "data" / "ctc_positivity.csv"
BAND = 0.05


def _rows():
    with open(DATA, newline="") as fh:
        return {r["dataset"]: r for r in csv.DictReader(fh)}


def test_data_file_is_the_published_numbers():
    rows = _rows()
    assert float(rows["janni2016"]["share_with_1_or_more_ctc"]) == 0.202
    assert int(rows["janni2016"]["n"]) == 3173
    assert float(rows["rack2014"]["share_with_1_or_more_ctc"]) == 0.215


def test_default_breast_model_matches_janni2016():
    row = _rows()["janni2016"]
    p = ctc_positivity(load_model("breast"), draw_ml=float(row["blood_volume_ml"]))
    assert abs(p - float(row["share_with_1_or_more_ctc"])) < BAND


def test_default_breast_model_value_is_reported():
    """The default model's positivity, pinned so a change of the model or the method is noticed."""
    p = ctc_positivity(load_model("breast"))
    assert 0.19 < p < 0.215                      # 0.2020 with 48 x 12 x 12 Gauss-Hermite nodes
    assert p > ctc_positivity(load_model("breast"), individual=True)   # spread adds high shedders


def test_default_mu_is_the_root_of_janni2016():
    """Solving ctc_positivity(mu) = 20.2% directly (brentq, other values as the default model) gives
    the model's mu: the joint fit met the Janni row exactly, so its mu must be this root."""
    row = _rows()["janni2016"]
    model = load_model("breast")
    target, vol = float(row["share_with_1_or_more_ctc"]), float(row["blood_volume_ml"])
    root = brentq(lambda mu: ctc_positivity(model, draw_ml=vol, params={"shedding.mu": mu}) - target,
                  0.01, 1.0, xtol=1e-6)
    # the fit used 24 x 6 x 6 nodes (0.2% apart in p from the 48 x 12 x 12 here) and the file
    # rounds mu to 4 digits: 1% is ample and still far below the 4.7-fold change it replaced
    assert root == pytest.approx(model.shedding.mu, rel=0.01)


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
                                       "(model 35% at 26.5 mL before surgery vs 21.5%)")
def test_calibrated_model_matches_rack2014_volume():
    row = _rows()["rack2014"]
    lo, hi = (float(x) for x in row["blood_volume_ml"].split("-"))
    model = load_model("breast")
    p = ctc_positivity(model, draw_ml=(lo + hi) / 2)
    assert abs(p - float(row["share_with_1_or_more_ctc"])) < BAND
