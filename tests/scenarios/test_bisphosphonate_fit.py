"""The bisphosphonate-like calibration on the default FIT (fits/breast: models/breast.toml with the
fitted estimates applied, via scenarios.as_fit_summary), as recorded in docs/scenarios.md.

EBCTCG, Lancet 2015;386:1353 (copied from ../shared/data/README.md): adjuvant bisphosphonates,
first-recurrence rate ratios, postmenopausal: bone 0.72 (0.60-0.86), distant 0.82 (0.74-0.92);
all women: bone 0.83 (0.73-0.94), distant 0.92 (0.85-0.99); no significant effect on non-bone
recurrence. The factors below were found by factor_for_rate_ratio (brentq, xtol 1e-6) on the fit,
10-year horizon. A refit of fits/breast that moves the estimates makes this test fail on purpose:
the note's numbers must then be recomputed.
"""
from pathlib import Path

import pytest

from metakinetics.scenarios.calibrate import factor_for_rate_ratio, organ_drug_rate_ratio
from metakinetics.scenarios.fits import as_fit_summary

FIT = Path(__file__).resolve().parents[2] / "fits" / "breast"

# target bone rate ratio -> (bone-efficiency factor, model non-bone RR, model distant RR) on the fit
FIT_FACTORS = {
    0.72: (0.61914, 1.1629, 0.8887),  # postmenopausal point estimate
    0.60: (0.48385, 1.2401, 0.8438),  # its 95% CI ends
    0.86: (0.79739, 1.0785, 0.9432),
    0.83: (0.75723, 1.0961, 0.9314),  # all women point estimate
    0.73: (0.63112, 1.1567, 0.8925),  # its 95% CI ends
    0.94: (0.91002, 1.0329, 0.9754),
}


@pytest.fixture(scope="module")
def fitted():
    if not (FIT / "result.json").is_file():
        pytest.skip("fits/breast/result.json not present")
    summary = as_fit_summary(FIT)
    bone = summary.result.estimate("organs.bone.efficiency").value
    assert summary.model.get("organs.bone.efficiency") == bone  # the fit's estimate, not the model file's
    return summary.model


@pytest.mark.parametrize("target", sorted(FIT_FACTORS))
def test_fit_bone_factor_reproduces_ebctcg_rate_ratio(fitted, target):
    """The recorded factor gives the target bone rate ratio to 5e-4 (the factor is rounded to 5
    decimals and d(RR)/d(factor) ~ 0.8, so rounding adds < 1e-5; the rest is room for quadrature
    changes, while a 1% change of the factor moves the ratio by ~0.008 and fails). Non-bone and
    distant ratios as recorded to 2e-3 (they are quoted to 3 decimals in docs/scenarios.md)."""
    factor, other, distant = FIT_FACTORS[target]
    rr = organ_drug_rate_ratio(fitted, factor, organ="bone", horizon=10.0)
    assert rr.site == pytest.approx(target, abs=5e-4)
    assert rr.other_sites == pytest.approx(other, abs=2e-3)
    assert rr.distant == pytest.approx(distant, abs=2e-3)
    # competing risks: fewer bone-first relapses leave more patients to relapse first elsewhere
    assert rr.other_sites > 1.0 and rr.distant < 1.0


def test_fit_calibration_differs_from_the_model_file(fitted):
    """Root-finding on the fit reproduces the pinned factor for the postmenopausal 0.72 (to 1e-3 in
    the factor: coarse xtol 1e-4 plus the ratio's numerical error over the slope ~0.8), and the
    fit needs a clearly larger reduction than the model file's 0.68763 (tests/scenarios/
    test_sanity.py): the difference, 0.07, is far beyond either calibration's numerical error."""
    f = factor_for_rate_ratio(fitted, 0.72, organ="bone", horizon=10.0, xtol=1e-4)
    assert f == pytest.approx(FIT_FACTORS[0.72][0], abs=1e-3)
    assert f < 0.68763 - 0.03
