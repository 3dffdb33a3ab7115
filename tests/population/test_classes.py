"""The class mixture in the population engine: reductions, batches and Monte Carlo SE."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from metakinetics.errors import InputError
from metakinetics.model import load_model
from metakinetics.model.spec import IntrinsicClass
from metakinetics.population import incidence, incidence_batch

FOUR = Path(__file__).parents[1] / "agreement" / "four_classes.toml"
ENDPOINTS = ("any", "first", "distant", "site_share", "at_diagnosis")


def _times(ep):
    return [0.0] if ep == "at_diagnosis" else [1.0, 5.0, 12.0]


@pytest.mark.parametrize("ep", ENDPOINTS)
def test_one_class_of_prevalence_one_is_todays_model(ep):
    """The class path (class sets, sums kept with their scale, mixture) equals the plain path."""
    base = load_model("breast").with_values({"mortality.hazard": 0.02})
    one = replace(base, classes=(IntrinsicClass("all", 1.0),))
    sets = {"shedding.mu": [0.04, 0.08]}
    a = incidence_batch(base, ep, _times(ep), sets).values
    b = incidence_batch(one, ep, _times(ep), sets).values
    assert np.abs(a - b).max() <= 1e-12
    am = incidence_batch(base, ep, _times(ep), patients=2000, seed=4)
    bm = incidence_batch(one, ep, _times(ep), patients=2000, seed=4)
    assert np.abs(am.values - bm.values).max() <= 1e-12
    assert np.allclose(am.se, bm.se, rtol=1e-9, atol=1e-15)


def test_identical_classes_are_the_base_model():
    """Two classes without overrides (any prevalences): the mixture is the base model."""
    base = load_model(FOUR)
    plain = replace(base, classes=())
    two = replace(base, classes=(IntrinsicClass("x", 0.3), IntrinsicClass("y", 0.7)))
    for ep in ENDPOINTS:
        assert np.abs(incidence(two, ep, _times(ep)).values - incidence(plain, ep, _times(ep)).values).max() < 1e-12


def test_batch_rows_equal_single_calls_and_prevalence_overrides():
    m = load_model(FOUR)
    sets = {"classes.slow.prevalence": [0.4, 0.1], "classes.fast.prevalence": [0.2, 0.5]}
    b = incidence_batch(m, "site_share", [5.0, 12.0], sets)
    for d in range(2):
        one = incidence(m, "site_share", [5.0, 12.0], params={k: v[d] for k, v in sets.items()})
        assert np.abs(b.values[d] - one.values).max() < 1e-13
    assert np.abs(b.values[0] - b.values[1]).max() > 1e-3     # the prevalences matter


def test_unconditional_endpoint_is_the_plain_mixture():
    m = load_model(FOUR)
    r = incidence(m, "at_diagnosis", [0.0], by_class=True)
    pi = [c.prevalence for c in m.classes]
    mix = sum(p * r.by_class[c].values for p, c in zip(pi, m.class_names))
    assert np.abs(r.values - mix).max() < 1e-15


def test_monte_carlo_expectation_se_covers_the_quadrature():
    """Monte Carlo over the random effects (independent streams per class): |MC - GH| < 4 SE, and
    the SE shrinks like 1/sqrt(n)."""
    m = load_model(FOUR)
    q = incidence(m, "distant", [8.0, 20.0]).values
    small = incidence(m, "distant", [8.0, 20.0], patients=4000, seed=1)
    big = incidence(m, "distant", [8.0, 20.0], patients=16000, seed=1)
    assert np.all(np.abs(big.values - q) < 4 * big.se)
    assert np.all(np.abs(small.values - q) < 4 * small.se)
    assert np.allclose(small.se / big.se, 2.0, rtol=0.25)


def test_by_class_needs_classes():
    with pytest.raises(InputError, match="has no classes"):
        incidence("breast", "any", [1.0], by_class=True)
