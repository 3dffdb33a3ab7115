"""Non-parametric cumulative incidence of censored rows (times in years, event codes 1, 2; 0
censored): Aalen-Johansen with a competing risk, and Kaplan-Meier. A leaf module: data sets use
it to check fits against the patients themselves, the cohort simulator to estimate incidence from
censored virtual cohorts (``se=True`` adds delta-method standard errors)."""
from __future__ import annotations

import numpy as np


def _steps(time, event):
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    ut, inv = np.unique(time, return_inverse=True)
    d1 = np.bincount(inv, weights=(event == 1), minlength=ut.size)
    d2 = np.bincount(inv, weights=(event == 2), minlength=ut.size)
    n_at = np.bincount(inv, minlength=ut.size)[::-1].cumsum()[::-1].astype(float)  # at risk at t- (ties: events first)
    return ut, d1, d2, n_at


def _index(ut, at):
    """Index of the last step at or before each ``at`` (-1: before the first step)."""
    return np.searchsorted(ut, np.asarray(at, dtype=float), side="right") - 1


def _pick(arr, idx):
    return np.where(idx >= 0, arr[np.maximum(idx, 0)], 0.0)


def _aj_variance(S_before, cif, d1, d, n, idx):
    """Delta-method (Greenwood-type) variance of the Aalen-Johansen estimate at the steps ``idx``:
    sum_j [S_{j-1}^2 d1 (n-d1)/n^3 - 2 S_{j-1} D_j d1/n^2 + D_j^2 d/(n(n-d))], D_j = F(t) - F(t_j)
    (Marubini & Valsecchi 1995; reduces to Greenwood without competing events and to the binomial
    F(1-F)/N without censoring). Expanded in F(t) so it is three cumulative sums, O(steps)."""
    g = np.where(n > d, d / (n * np.maximum(n - d, 1.0)), 0.0)   # n == d: nobody left, F is flat after
    c0 = np.cumsum(S_before**2 * d1 * (n - d1) / n**3 + 2.0 * S_before * d1 * cif / n**2 + cif**2 * g)
    c1 = np.cumsum(2.0 * S_before * d1 / n**2 + 2.0 * cif * g)
    c2 = np.cumsum(g)
    F = _pick(cif, idx)
    var = _pick(c0, idx) - F * _pick(c1, idx) + F**2 * _pick(c2, idx)
    return np.sqrt(np.maximum(var, 0.0))


def aalen_johansen(time, event, at=None, *, se: bool = False):
    """Cumulative incidence of cause 1 with cause 2 competing (event codes 1, 2; 0 censored).

    Returns the step function at the unique times, or evaluated at ``at`` (right-continuous).
    ``se=True`` appends the delta-method standard errors (same shape as the estimate).
    """
    ut, d1, d2, n = _steps(time, event)
    surv_before = np.concatenate([[1.0], np.cumprod(1.0 - (d1 + d2) / n)[:-1]])
    cif = np.cumsum(surv_before * d1 / n)
    idx = np.arange(ut.size) if at is None else _index(ut, at)
    out = (ut, cif) if at is None else (_pick(cif, idx),)
    if se:
        out += (_aj_variance(surv_before, cif, d1, d1 + d2, n, idx),)
    return out if len(out) > 1 else out[0]


def kaplan_meier(time, event, at=None, *, se: bool = False):
    """1 - Kaplan-Meier of cause 1, cause 2 treated as censoring (event codes as above).
    ``se=True`` appends Greenwood standard errors."""
    ut, d1, _, n = _steps(time, event)
    S = np.cumprod(1.0 - d1 / n)
    F = 1.0 - S
    idx = np.arange(ut.size) if at is None else _index(ut, at)
    out = (ut, F) if at is None else (_pick(F, idx),)
    if se:
        gw = np.cumsum(np.where(n > d1, d1 / (n * np.maximum(n - d1, 1.0)), 0.0))
        s_at = np.where(idx >= 0, S[np.maximum(idx, 0)], 1.0)
        out += (s_at * np.sqrt(_pick(gw, idx)),)
    return out if len(out) > 1 else out[0]
