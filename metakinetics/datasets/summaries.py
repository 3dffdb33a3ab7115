"""Non-parametric summaries of individual rows: Aalen-Johansen cumulative incidence with a
competing risk, and Kaplan-Meier. Used to check fits against the patients themselves."""
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


def aalen_johansen(time, event, at=None):
    """Cumulative incidence of cause 1 with cause 2 competing (event codes 1, 2; 0 censored).

    Returns the step function at the unique times, or evaluated at ``at`` (right-continuous).
    """
    ut, d1, d2, n = _steps(time, event)
    surv_before = np.concatenate([[1.0], np.cumprod(1.0 - (d1 + d2) / n)[:-1]])
    cif = np.cumsum(surv_before * d1 / n)
    if at is None:
        return ut, cif
    idx = np.searchsorted(ut, np.asarray(at, dtype=float), side="right") - 1
    return np.where(idx >= 0, cif[np.maximum(idx, 0)], 0.0)


def kaplan_meier(time, event, at=None):
    """1 - Kaplan-Meier of cause 1, cause 2 treated as censoring (event codes as above)."""
    ut, d1, _, n = _steps(time, event)
    F = 1.0 - np.cumprod(1.0 - d1 / n)
    if at is None:
        return ut, F
    idx = np.searchsorted(ut, np.asarray(at, dtype=float), side="right") - 1
    return np.where(idx >= 0, F[np.maximum(idx, 0)], 0.0)
