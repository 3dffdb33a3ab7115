"""Period rate ratios of a scenario against its model, as adjuvant trials report them.

EBCTCG (Lancet 2011, tamoxifen) gives recurrence rate ratios by period since randomisation: years
0-4, 5-9 and 10-14. In the model, per period [a, b] (years after diagnosis), among M0 patients:
events = the increment of population ``distant`` incidence over the period, person-years at risk =
the integral over [a, b] of the distant-metastasis-free proportion (1 - distant) (trapezoid), and
the ratio is (events / person-years) treated over control (:func:`compare.rate_ratio` on the
increments): a ratio of the period's average hazards.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..endpoints import Distant
from ..errors import InputError
from ..model import Model
from .compare import rate_ratio
from .transforms import Scenario, as_scenario

#: EBCTCG's periods: years 0-4, 5-9, 10-14 after randomisation (~surgery)
EBCTCG_PERIODS = ((0.0, 5.0), (5.0, 10.0), (10.0, 15.0))


@dataclass(frozen=True)
class PeriodRateRatios:
    """Distant-recurrence rate ratios (treated / control) per period (years after diagnosis)."""

    scenario: str
    periods: tuple[tuple[float, float], ...]
    ratios: tuple[float, ...]


def period_rate_ratios(model: Model, scenario: Scenario | str, periods=EBCTCG_PERIODS, *, points_per_year: int = 20,
                       **incidence_options) -> PeriodRateRatios:
    """Rate ratios of distant recurrence of ``scenario`` against ``model`` in each period.

    Parameters
    ----------
    model : Model
        The control arm.
    scenario : Scenario or str
        The treated arm, e.g. ``"endocrine:wake=0.13,years=5,death=0.17"``.
    periods : sequence of (start, end)
        Years after diagnosis, 0 <= start < end.
    points_per_year : int
        Trapezoid points per year for the person-time.
    **incidence_options
        Passed to :func:`metakinetics.population.incidence` (e.g. ``nodes``).

    Returns
    -------
    PeriodRateRatios
    """
    from ..population import incidence

    scenario = as_scenario(scenario)
    periods = tuple((float(a), float(b)) for a, b in periods)
    if not periods or any(not 0.0 <= a < b for a, b in periods):
        raise InputError(f"periods must be (start, end) years with 0 <= start < end, found {periods}")
    grids = [np.linspace(a, b, max(2, int(np.ceil((b - a) * points_per_year)) + 1)) for a, b in periods]
    t = np.unique(np.concatenate(grids))
    arms = [incidence(m, Distant(), t, **incidence_options).values[:, 0] for m in (model, scenario.apply(model))]
    ratios = []
    for g in grids:
        c, d = (np.interp(g, t, F) for F in arms)
        ratios.append(rate_ratio(d - d[0], c - c[0], 1.0 - d, 1.0 - c, g))
    return PeriodRateRatios(scenario=scenario.label, periods=periods, ratios=tuple(ratios))
