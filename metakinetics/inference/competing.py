"""Crude cumulative incidence with death as an independent competing risk (pure numpy)."""
from __future__ import annotations

import numpy as np


def crude_incidence(grid: np.ndarray, net: np.ndarray, death_hazard) -> np.ndarray:
    """Crude cumulative incidence integral_0^t dF(s) exp(-h s) on ``grid`` (trapezoid rule).

    Parameters
    ----------
    grid
        Times (U,), years from 0.
    net
        Net cumulative incidence of the event (metastasis alone), shape (..., U).
    death_hazard
        Independent death hazard h (per year): a number or an array broadcasting to net's leading
        shape (...).

    Returns
    -------
    numpy.ndarray
        Shape (..., U), 0 at grid[0]: the share of patients with the event before death by t.
    """
    grid = np.asarray(grid, dtype=float)
    F = np.asarray(net, dtype=float)
    h = np.asarray(death_hazard, dtype=float)[..., None]
    dens = np.gradient(F, grid, axis=-1)
    f = dens * np.exp(-h * grid)
    steps = 0.5 * (f[..., 1:] + f[..., :-1]) * np.diff(grid)
    return np.concatenate([np.zeros(F.shape[:-1] + (1,)), np.cumsum(steps, axis=-1)], axis=-1)
