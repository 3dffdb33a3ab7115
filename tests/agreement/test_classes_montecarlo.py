"""Intrinsic classes: the exact mixture (quadrature) == event-level Monte Carlo within 4 SE.

Four classes that differ in primary growth, shedding and its spread, wake rates, colony growth,
organ preferences and mortality (four_classes.toml), 10^5 virtual patients whose classes are
drawn from the prevalences. Pooled and per class (the cohort's patients of that class), at every
time and organ, for any, first, distant, site_share and at_diagnosis. ~375 comparisons at 4 SE:
a false alarm has probability ~2% (the seed is fixed, so the test is deterministic).
"""
from pathlib import Path

import numpy as np
import pytest

from metakinetics.endpoints import AtDiagnosis, Any, Distant, First, SiteShare
from metakinetics.model import load_model
from metakinetics.population import incidence
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort

from .class_checks import worst_z

MODEL = Path(__file__).parent / "four_classes.toml"
N = 100_000
TIMES = np.array([1.0, 5.0, 8.0, 12.0, 20.0])


def _z(mc, q):
    """Standardised differences; the binomial SE from the quadrature value (floored at 1/n)
    where the estimate is 0."""
    n = np.maximum(mc.n, 2)
    se = np.sqrt(np.maximum(q * (1 - q), (1.0 / n) * (1 - 1.0 / n)) / n)
    return np.where(mc.n > 0, (mc.values - q) / se, 0.0)


@pytest.mark.statistical
def test_class_mixture_agrees_with_cohort_pooled_and_per_class():
    model = load_model(MODEL)
    cohort = simulate_cohort(model, N, seed=20261129)
    share = np.bincount(cohort.klass, minlength=4) / N
    prev = np.array([c.prevalence for c in model.classes])
    assert np.all(np.abs(share - prev) < 4 * np.sqrt(prev * (1 - prev) / N))   # classes drawn right
    worst, spread = 0.0, 0.0
    for ep in (Any(), First(), Distant(), SiteShare(), AtDiagnosis()):
        times = np.zeros(1) if ep.name == "at_diagnosis" else TIMES
        q = incidence(model, ep, times, by_class=True)
        groups = [("pooled", cohort, q.values)] + [(c, cohort.of_class(c), q.by_class[c].values)
                                                   for c in model.class_names]
        for name, coh, expected in groups:
            z = _z(cohort_incidence(coh, ep, times), expected)
            worst = max(worst, float(np.abs(z).max()))
            assert np.all(np.abs(z) < 4.0), f"{ep.name} {name}: max |z| = {np.abs(z).max():.2f}"
        per = np.stack([q.by_class[c].values for c in model.class_names])
        spread = max(spread, float((per.max(0) - per.min(0)).max()))
    assert worst > 0.5          # the comparison is live
    assert spread > 0.05        # and the classes really differ (by more than 5 points somewhere)


@pytest.mark.statistical
def test_plain_average_of_class_ratios_is_caught():
    """site_share is a ratio: the mixture is sum pi E[w a] / sum pi E[w b], not sum pi (E[w a] /
    E[w b]). The cohort tells the two apart."""
    model = load_model(MODEL)
    cohort = simulate_cohort(model, N, seed=11)
    q = incidence(model, SiteShare(), TIMES, by_class=True)
    pi = np.array([c.prevalence for c in model.classes])
    naive = sum(p * q.by_class[c].values for p, c in zip(pi, model.class_names))
    mc = cohort_incidence(cohort, SiteShare(), TIMES)
    assert np.all(np.abs(_z(mc, q.values)) < 4.0)
    assert np.abs(_z(mc, naive)).max() > 4.0


@pytest.mark.statistical
def test_classes_with_their_own_death_after_relapse_agree_with_cohort():
    """Classes x death after relapse (a class-specific rate) x the clinicians' endpoints: the
    mixture (organs_per_relapse is a count, not a proportion: its mixture must not be clipped at 1)
    equals the cohort within 4 Monte Carlo SE, pooled and per class."""
    from metakinetics.endpoints import MultiOrgan, OrgansPerRelapse

    model = load_model(MODEL).with_values({"mortality.after_relapse": 1.0,
                                           "classes.fast.mortality.after_relapse": 3.0})
    cohort = simulate_cohort(model, N, seed=5)
    times = np.array([8.0, 12.0, 20.0])
    worst = 0.0
    for ep in (Any(), SiteShare(), OrgansPerRelapse(), MultiOrgan()):
        w, q = worst_z(model, cohort, ep, times)
        worst = max(worst, w)
        if isinstance(ep, OrgansPerRelapse):
            assert q.values.max() > 1.01      # a count above 1: a clip at 1 would fail above
    assert worst > 0.5
