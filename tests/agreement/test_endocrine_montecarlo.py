"""Endocrine therapy (a time-limited slowing of waking): population quadrature == exact event-level
Monte Carlo within 4 SE at every time and organ.

The cohort simulator draws each kept cell's wake time through the therapy's wake clock
(metakinetics.stochastic.endocrine: the untreated Exp(omega) draw inverted through the piecewise-
linear cumulative hazard, and, where delta > 0, whether the cell dies dormant first); nothing in it
uses the chain formulas. Parameter sets where the effect is large: the breast model with fast wake
(0.3/year), 4x efficiencies, dormant death 0.1/year in lung and brain, background death, and
endocrine_wake 0.2 with an extra dormant death of 0.1/year for 5 years (distant incidence at 5.5
years ~0.37 against 0.48 untreated);
stochastic birth-death colonies; and breast_subtypes with therapy for the HR+ classes only
(luminal A and B), pooled and per class. The SE is the binomial one from the quadrature value
(floored at 1/n); ~150 comparisons at 4 SE: a false alarm has probability ~1% (fixed seeds).
"""
import numpy as np
import pytest

from metakinetics.endpoints import Any, Distant, First, Landmark
from metakinetics.model import load_model
from metakinetics.population import incidence
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort

from .class_checks import worst_z

N = 100_000
TIMES = np.array([1.0, 3.0, 5.5, 8.0, 12.0])     # years after diagnosis: therapy ends at 5.08
THERAPY = {"treatment.endocrine_wake": 0.2, "treatment.endocrine_years": 5.0}
ENDPOINTS = [Any(), First(), Distant(), Landmark(Distant(), 2.0), Landmark(Any(), 2.0)]


def fast_breast():
    """The breast model where relapse is common and dormant death matters in two organs."""
    m = load_model("breast")
    vals = {"mortality.hazard": 0.05, **THERAPY, "treatment.endocrine_death": 0.1}
    for i, o in enumerate(m.organ_names):
        vals[f"organs.{o}.wake"] = 0.3
        vals[f"organs.{o}.efficiency"] = 4 * m.get(f"organs.{o}.efficiency")
        vals[f"organs.{o}.dormant_death"] = 0.1 * (i % 2)
    return m.with_values(vals)


def _z(mc, q):
    n = np.maximum(mc.n, 2)
    se = np.sqrt(np.maximum(q * (1 - q), (1.0 / n) * (1 - 1.0 / n)) / n)
    return np.where(mc.n > 0, (mc.values - q) / se, 0.0)


@pytest.mark.statistical
@pytest.mark.parametrize("case", ["fast", "birth-death"])
def test_endocrine_therapy_agrees_with_cohort(case):
    if case == "fast":
        model, nodes, seed = fast_breast(), {"mu": 24, "rate": 8, "diameter": 8}, 3
    else:
        model, nodes, seed = load_model("breast_birth_death").with_values(THERAPY), {"rate": 6, "diameter": 6}, 9
    cohort = simulate_cohort(model, N, seed=seed)
    worst = 0.0
    for ep in ENDPOINTS:
        times = TIMES[TIMES > getattr(ep, "at", 0.0)]
        q = incidence(model, ep, times, nodes=nodes).values
        z = _z(cohort_incidence(cohort, ep, times), q)
        worst = max(worst, float(np.abs(z).max()))
        assert np.all(np.abs(z) < 4.0), f"{case} {ep.name}: max |z| = {np.abs(z).max():.2f}"
    assert worst > 0.5                                      # the comparison is live
    untreated = incidence(model.with_values({"treatment.endocrine_wake": 1.0}), Distant(), TIMES, nodes=nodes)
    treated = incidence(model, Distant(), TIMES, nodes=nodes)
    gap = (untreated.values - treated.values)[2, 0]       # at 5.5 years, just after the therapy
    se = np.sqrt(treated.values[2, 0] * (1 - treated.values[2, 0]) / N)
    assert gap > (20 if case == "fast" else 4) * se         # the therapy matters far beyond the noise


@pytest.mark.statistical
def test_endocrine_therapy_for_hr_positive_classes_agrees_with_cohort():
    """A class value: therapy for luminal A and B only (HR+; luminal A with an extra dormant death
    too); HR- classes keep factor 1."""
    base = load_model("breast_subtypes")
    vals = {"treatment.endocrine_years": 5.0, "classes.luminal_a.treatment.endocrine_wake": 0.2,
            "classes.luminal_b.treatment.endocrine_wake": 0.2, "classes.luminal_a.treatment.endocrine_death": 0.1}
    for o in base.organ_names:
        vals[f"organs.{o}.efficiency"] = 4 * base.get(f"organs.{o}.efficiency")
    model = base.with_values(vals)
    cohort = simulate_cohort(model, N, seed=20261130)
    worst = 0.0
    for ep in (Any(), Distant(), First()):
        w, q = worst_z(model, cohort, ep, TIMES)
        worst = max(worst, w)
    assert worst > 0.5
    off = incidence(model.with_values({"classes.luminal_a.treatment.endocrine_wake": 1.0,
                                       "classes.luminal_b.treatment.endocrine_wake": 1.0,
                                       "classes.luminal_a.treatment.endocrine_death": 0.0}),
                    Distant(), TIMES, by_class=True)
    on = incidence(model, Distant(), TIMES, by_class=True)
    for c in model.class_names:
        if c not in ("luminal_a", "luminal_b"):                           # HR-: unchanged exactly
            assert np.array_equal(on.by_class[c].values, off.by_class[c].values)
    assert on.by_class["luminal_a"].values[-1, 0] < off.by_class["luminal_a"].values[-1, 0]
