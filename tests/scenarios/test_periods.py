"""Period rate ratios (scenarios.periods) and the endocrine science check of docs/model.md
("Endocrine therapy"): EBCTCG 2011 tamoxifen, ER+, recurrence rate ratios 0.53 / 0.68 / 0.97 in
years 0-4 / 5-9 / 10-14 (data/cohorts/subtypes_treatment_timing.csv)."""
import numpy as np
import pytest

from metakinetics.errors import InputError
from metakinetics.model import load_model
from metakinetics.scenarios import Endocrine, period_rate_ratios


def test_no_change_gives_ratio_one_and_bad_periods_are_refused():
    m = load_model("breast")
    r = period_rate_ratios(m, "set:treatment.kill_dormant=0")
    assert np.allclose(r.ratios, 1.0, rtol=0, atol=1e-12)
    with pytest.raises(InputError, match="periods"):
        period_rate_ratios(m, "endocrine=0.5", periods=((5.0, 5.0),))


def test_slowing_waking_alone_delays_recurrence_it_cannot_carry_over():
    """Wake suppression alone holds cells dormant that wake after the therapy: in the default model
    (with its large shedding spread) a rebound (ratio above 1) after year 5 whatever the factor,
    where EBCTCG saw 0.68 and 0.97."""
    m = load_model("breast")
    for e in (0.0, 0.2, 0.6):
        early, mid, late = period_rate_ratios(m, Endocrine(e, 5.0)).ratios
        assert early < 1.0 < mid < late


def test_slowing_waking_with_dormant_death_reproduces_ebctcg():
    """Factor 0.131 on waking and an extra dormant death of 0.169/year for 5 years: 0.535, 0.654,
    1.037 against 0.53 (SE 0.03), 0.68 (0.06), 0.97 (0.10): each within 1 SE."""
    r = period_rate_ratios(load_model("breast"), "endocrine:wake=0.131,years=5,death=0.169").ratios
    np.testing.assert_allclose(r, [0.535, 0.654, 1.037], atol=0.003)
    assert np.all(np.abs(np.array(r) - [0.53, 0.68, 0.97]) < [0.03, 0.06, 0.10])
