"""Metastasis-to-metastasis seeding with death after relapse: the formulas
(incidence.cluster_relapse: organ k found alive from Lambda on node pairs; incidence.cluster_windows:
multi_organ and lag) = the exact event-level simulator with the same generations (2: the primary's
colonies shed, their daughters do not), within 4 SE for any, site_share, organs_per_relapse,
multi_organ (3 months and 1 year), lag (within 2 years of a first relapse by 10 years) and
landmark site_share / multi_organ, every organ, at 6, 8 and 10 years (lags 0.25 to 2 years),
10^5 patients per set (as the other seeding agreement tests).

Sets, on the hub model with strong seeding (liver colonies seed liver and bone; liver is found
mostly after bone, so death after the first relapse hides it):

- ``typical``: the typical patient (no random effects), background death 0.03/year, nu = 1/year;
- ``population``: log-normal random effects (Gauss-Hermite 24 x 5 x 5: against 24 x 3 x 3 the
  values move by < 0.4 SE of this cohort), background death 0.05/year, nu = 2/year.

In both about half or more of the relapsed patients die of the relapse within the horizon. The
SE: the simulator's, floored by the binomial SE at the formula's value (proportions) or 1/n
(the mean organ count), where few relapses make the cohort's own SE 0. 4 SE over ~60
comparisons per set: a false alarm has probability ~0.3%, and the seeds are fixed. The same
cohort rejects the seeding formula that ignores nu (|z| > 6), so the comparison is live.
"""
import numpy as np
import pytest

from metakinetics.endpoints import Any, Lag, Landmark, MultiOrgan, OrgansPerRelapse, SiteShare
from metakinetics.model import load_model
from metakinetics.population.incidence import incidence
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort

N = 100_000
TIMES = np.array([6.0, 8.0, 10.0])
LAGS = np.array([0.25, 0.5, 1.0, 2.0])
ENDPOINTS = [Any(), SiteShare(), OrgansPerRelapse(), MultiOrgan(), MultiOrgan(window=1.0), Lag(horizon=10.0, within=2.0),
             Landmark(SiteShare(), 6.0), Landmark(MultiOrgan(window=1.0), 6.0)]
HUB = load_model("tests/incidence/exp_hub.toml").with_values({"organs.liver.secondary_shedding": 1e4})
SETS = {"typical": (HUB.with_values({"mortality.hazard": 0.03, "mortality.after_relapse": 1.0}),
                    {"individual": True}, 23),
        "population": (HUB.with_values({"mortality.hazard": 0.05, "mortality.after_relapse": 2.0}),
                       {"nodes": {"mu": 24, "rate": 5, "diameter": 5}}, 29)}
_COHORTS = {}


def _cohort(name):
    if name not in _COHORTS:
        model, how, seed = SETS[name]
        _COHORTS[name] = simulate_cohort(model, N, seed=np.random.default_rng(seed), generations=2,
                                         individual=how.get("individual", False), horizon=float(TIMES[-1]) + 2.0)
    return _COHORTS[name]


def _z(ep, f, r):
    """(formula - cohort) / SE, 0 where the cohort has no patient in the denominator."""
    n = np.maximum(r.n, 1)
    if isinstance(getattr(ep, "inner", ep), OrgansPerRelapse):
        se = np.maximum(r.se, 1.0 / n)
    else:
        se = np.sqrt(np.maximum(r.se ** 2, np.maximum(f * (1 - f), (1.0 / n) * (1 - 1.0 / n)) / n))
    return np.where(r.n > 0, (f - r.values) / se, 0.0)


def _times(ep):
    return LAGS if isinstance(ep, Lag) else TIMES[TIMES > getattr(ep, "at", 0.0)]


@pytest.mark.statistical
@pytest.mark.parametrize("name", sorted(SETS))
def test_seeding_with_death_after_relapse_matches_the_simulator(name):
    model, how, _ = SETS[name]
    cohort = _cohort(name)
    assert cohort.relapse_death.mean() > 0.3          # the mechanism matters here
    worst = 0.0
    for ep in ENDPOINTS:
        t = _times(ep)
        z = _z(ep, incidence(model, ep, t, **how).values, cohort_incidence(cohort, ep, t))
        worst = max(worst, float(np.abs(z).max()))
        assert np.all(np.abs(z) <= 4.0), f"{name} {ep.name}: max |z| = {np.abs(z).max():.2f}"
    assert worst > 0.5                                 # the comparison is live


@pytest.mark.statistical
@pytest.mark.parametrize("ep", [Any(), OrgansPerRelapse(), MultiOrgan(window=1.0), Lag(horizon=10.0, within=2.0)])
def test_ignoring_death_after_relapse_is_rejected(ep):
    """The seeding formula without death after relapse (nu = 0: the old numbers of any) is far
    from the same cohort: liver found alive by 10 years, a second organ within a year and organ k
    within each lag are lower with nu."""
    model, how, _ = SETS["typical"]
    ignored = model.with_values({"mortality.after_relapse": 0.0})
    t = _times(ep)
    z = _z(ep, incidence(ignored, ep, t, **how).values, cohort_incidence(_cohort("typical"), ep, t))
    assert np.abs(z).max() > 6.0
