"""Set a scenario against a published effect size: the first-recurrence rate ratio of a trial.

A trial's "rate ratio" for first recurrence at a site (e.g. EBCTCG, Lancet 2015: bone 0.72 with
adjuvant bisphosphonates, postmenopausal) is events per person-year at risk, treated over
control. In the model: events = population ``first`` incidence of the site by the horizon U,
person-years at risk = integral over [0, U] of the distant-metastasis-free proportion
(1 - ``distant``), among M0 patients. :func:`factor_for_rate_ratio` finds by root-finding the
organ-efficiency factor of :class:`OrganDrug` that reproduces a target ratio.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ..endpoints import Distant, First
from ..errors import InputError
from ..model import Model
from .compare import rate_ratio
from .transforms import OrganDrug


@dataclass(frozen=True)
class RateRatio:
    """First-recurrence rate ratios (treated / control) over [0, horizon] years after diagnosis:
    at the targeted organ, at all other organs together, and for any distant recurrence."""

    organ: str
    factor: float
    horizon: float
    site: float
    other_sites: float
    distant: float


def _arm(model: Model, grid: np.ndarray, organ: str, options):
    from ..population import incidence

    first = incidence(model, First(), grid, **options)
    distant = incidence(model, Distant(), grid, **options).values[:, 0]
    k = first.columns.index(organ)
    others = np.delete(first.values, k, axis=1).sum(axis=1)
    return first.values[:, k], others, distant


def organ_drug_rate_ratio(model: Model, factor: float, *, organ: str = "bone", horizon: float = 10.0,
                          points: int = 41, **incidence_options) -> RateRatio:
    """Rate ratios of ``OrganDrug({organ: factor})`` against the model, over [0, horizon] years
    (trapezoid person-time on ``points`` times)."""
    if horizon <= 0:
        raise InputError(f"horizon must be positive years, found {horizon:g}")
    model.organ(organ)
    grid = np.linspace(0.0, horizon, points)
    c_site, c_other, c_dist = _arm(model, grid, organ, incidence_options)
    treated = OrganDrug(((organ, factor),)).apply(model)
    t_site, t_other, t_dist = _arm(treated, grid, organ, incidence_options)
    s1, s0 = 1.0 - t_dist, 1.0 - c_dist
    return RateRatio(organ=organ, factor=float(factor), horizon=float(horizon),
                     site=rate_ratio(t_site, c_site, s1, s0, grid),
                     other_sites=rate_ratio(t_other, c_other, s1, s0, grid),
                     distant=rate_ratio(t_dist, c_dist, s1, s0, grid))


def factor_for_rate_ratio(model: Model, target: float, *, organ: str = "bone", horizon: float = 10.0,
                          xtol: float = 1e-6, **options) -> float:
    """The efficiency factor in (0, 1] whose site rate ratio equals ``target`` (brentq)."""
    if not 0.0 < target < 1.0:
        raise InputError(f"target rate ratio must be in (0, 1) for a drug that lowers efficiency, found {target:g}")

    def gap(f):
        return organ_drug_rate_ratio(model, f, organ=organ, horizon=horizon, **options).site - target

    lo = 1e-6
    if gap(lo) > 0:
        raise InputError(f"no efficiency reduction reaches rate ratio {target:g} at {organ} in model "
                         f"'{model.name}' (competing risks keep it above)")
    return float(brentq(gap, lo, 1.0, xtol=xtol))
