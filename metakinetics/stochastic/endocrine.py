"""Exact wake times under endocrine therapy, for the event-level cohort simulator.

During therapy (absolute years [t_s, t_s + d]) a dormant cell wakes at e omega instead of omega
and dies at delta + x instead of delta. Coupled to the untreated cell by the wake clock A(t) = int_0^t a(u) du
(a = e in the window, 1 elsewhere): the treated cell wakes when A has advanced by the untreated
cell's Exp(omega) wake draw since arrest, A(T) = A(arrest) + (T0 - arrest), T = A^{-1}(...), exactly
(inverting a piecewise-linear cumulative hazard). Since a <= 1, T >= T0: the treated cells that
wake are a subset of the untreated ones, so the simulator may keep thinning by the untreated wake
mark omega / (omega + delta) and then decide each kept cell: given that it woke at T0 before dying,
its death time is T0 + Exp(delta) (memoryless), and the treated cell wakes iff T is before it.
The extra death x is an independent competing hazard on the window: the cell survives it to T
with probability exp(-x W), W the time between arrest and T spent in the window, one uniform draw
per exposed cell.
"""
from __future__ import annotations

import numpy as np


def slowed_wake(arrest: np.ndarray, wake: np.ndarray, t_s: np.ndarray, years: np.ndarray, factor: np.ndarray,
                death: np.ndarray, rng: np.random.Generator, extra: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Wake times under therapy and whether the cell still wakes (not dead first), per cell.

    Parameters
    ----------
    arrest, wake : numpy.ndarray
        Absolute arrest times and untreated wake times (years) of cells that wake untreated.
    t_s, years, factor : numpy.ndarray
        Each cell's patient's surgery time (years), endocrine_years and endocrine_wake (years=0 or
        factor=1: no therapy; those cells keep their wake time exactly).
    death : numpy.ndarray
        Dormant death rate delta (1/year); an Exp(delta) residual is drawn only for the cells whose
        wake is delayed and delta > 0.
    rng : numpy.random.Generator
    extra : numpy.ndarray, optional
        endocrine_death x (1/year) of each cell's patient; a uniform is drawn only for the cells
        dormant during the window with x > 0.

    Returns
    -------
    (wake, woken) : the treated wake times (years) and a bool mask (False: died dormant first).
    """
    end = t_s + years

    def clock(t):
        return np.where(t <= t_s, t, np.where(t <= end, t_s + factor * (t - t_s), t - (1.0 - factor) * years))

    y = clock(arrest) + (wake - arrest)
    inside = y <= t_s + factor * years
    treated = np.where(y <= t_s, y, np.where(inside, t_s + (y - t_s) / np.where(factor > 0, factor, 1.0),
                                               y + (1.0 - factor) * years))
    delayed = (years > 0) & (factor < 1) & (wake > t_s)
    treated = np.where(delayed, treated, wake)
    woken = np.ones(wake.shape, dtype=bool)
    draw = delayed & (death > 0)
    if draw.any():
        dies = wake[draw] + rng.exponential(1.0, int(draw.sum())) / death[draw]
        woken[draw] = treated[draw] < dies
    if extra is not None:
        exposed = np.maximum(np.minimum(treated, end) - np.maximum(arrest, t_s), 0.0) * (years > 0)
        draw = (extra > 0) & (exposed > 0)
        if draw.any():
            woken[draw] &= rng.random(int(draw.sum())) < np.exp(-extra[draw] * exposed[draw])
    return treated, woken
