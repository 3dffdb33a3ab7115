"""Shared check of the class agreement tests: quadrature (pooled and per class) against a cohort."""
import numpy as np

from metakinetics.population import incidence
from metakinetics.stochastic.cohort import cohort_incidence


def worst_z(model, cohort, ep, times, limit=4.0):
    """Largest |z| of the cohort's Monte Carlo estimate (its own SE, where > 0) against the exact
    mixture and each class's own value; asserts every |z| < ``limit``. Returns (worst, result)."""
    q = incidence(model, ep, times, by_class=True)
    worst = 0.0
    groups = [("pooled", cohort, q.values)] + [(c, cohort.of_class(c), q.by_class[c].values)
                                               for c in model.class_names]
    for name, coh, expected in groups:
        mc = cohort_incidence(coh, ep, times)
        live = mc.se > 0
        z = (mc.values[live] - expected[live]) / mc.se[live]
        worst = max(worst, float(np.abs(z).max()))
        assert np.all(np.abs(z) < limit), f"{ep.name} {name}: max |z| = {np.abs(z).max():.2f}"
    return worst, q
