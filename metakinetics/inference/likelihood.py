"""Log-likelihoods of data given model predictions (pure functions of arrays).

Each aggregate likelihood also gives residuals r with ``-2 log L = sum r^2 + const``, so a
least-squares optimiser finds the maximum-likelihood estimate and ``J^T J`` is the Fisher
information:

- :class:`Binomial`: events out of a denominator (deviance residuals);
- :class:`LeastSquares`: a proportion with a standard error (from confidence limits, ``se``, or a
  stated sigma), Gaussian;
- :class:`CensoredTimeToEvent`: individual times to first metastasis by organ, censored, with
  death as an independent competing risk, from the model's cumulative incidence on a time grid.

Independent data sets add: the fit's objective is the sum of their log-likelihoods.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.special import gammaln, xlogy

from ..errors import FitError

#: Predictions are clipped into [EPS, 1 - EPS] before taking logs: a model proportion of exactly
#: 0 or 1 facing data strictly inside (0, 1) has log-likelihood -inf; the clip turns that into a
#: large finite penalty (about 2 x 36 per patient) that the optimiser can climb out of.
EPS = 1e-15
LOG_2PI = float(np.log(2 * np.pi))


def _check_pred(p: np.ndarray, n: int, what: str) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if p.shape != (n,):
        raise FitError(f"{what}: expected {n} predictions, found shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise FitError(f"{what}: the model gave non-finite predictions")
    return p


@dataclass(frozen=True)
class Binomial:
    """``events`` out of ``n`` patients per row; events may be non-integer (value x denominator)."""

    events: np.ndarray
    n: np.ndarray
    kind = "binomial"

    def __post_init__(self):
        if np.any(~np.isfinite(self.n)) or np.any(self.n <= 0):
            raise FitError("binomial likelihood: every row needs a positive denominator")

    @property
    def observed(self) -> np.ndarray:
        """Observed proportions events / n."""
        return self.events / self.n

    def _ll_rows(self, p: np.ndarray) -> np.ndarray:
        p = np.clip(p, EPS, 1 - EPS)
        return xlogy(self.events, p) + xlogy(self.n - self.events, 1 - p)

    def _saturated_rows(self) -> np.ndarray:
        return self._ll_rows(self.observed)

    def constant(self) -> float:
        """log of the binomial coefficients (so loglik is the full log-pmf)."""
        k, n = self.events, self.n
        return float(np.sum(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)))

    def loglik(self, p) -> float:
        """Log-likelihood (the full log-pmf, binomial coefficients included) of predicted probabilities ``p``."""
        p = _check_pred(p, self.n.size, "binomial")
        return float(np.sum(self._ll_rows(p))) + self.constant()

    def residuals(self, p) -> np.ndarray:
        """Deviance residuals: sign(y - p) sqrt(2 (l_sat - l)); their squares sum to the deviance."""
        p = _check_pred(p, self.n.size, "binomial")
        dev = 2.0 * (self._saturated_rows() - self._ll_rows(p))
        return np.sign(p - self.observed) * np.sqrt(np.maximum(dev, 0.0))

    def residual_constant(self) -> float:
        """c in -2 log L = sum r^2 + c."""
        return float(-2.0 * (np.sum(self._saturated_rows()) + self.constant()))

    def deviance(self, p) -> float:
        """Deviance of predicted probabilities ``p``: the sum of squared deviance residuals."""
        return float(np.sum(self.residuals(p) ** 2))


@dataclass(frozen=True)
class LeastSquares:
    """Gaussian errors with known standard deviation ``sigma`` per row (weighted least squares)."""

    values: np.ndarray
    sigma: np.ndarray
    kind = "least_squares"

    def __post_init__(self):
        if np.any(~np.isfinite(self.sigma)) or np.any(self.sigma <= 0):
            raise FitError("least-squares likelihood: every row needs a positive sigma")

    @property
    def observed(self) -> np.ndarray:
        """The observed proportions."""
        return self.values

    def residuals(self, p) -> np.ndarray:
        """Standardised residuals (p - observed) / sigma of the predictions ``p``."""
        p = _check_pred(p, self.values.size, "least squares")
        return (p - self.values) / self.sigma

    def residual_constant(self) -> float:
        """The constant of -2 log L = sum r^2 + constant: sum 2 ln sigma + n ln(2 pi)."""
        return float(np.sum(2 * np.log(self.sigma)) + self.values.size * LOG_2PI)

    def loglik(self, p) -> float:
        """Gaussian log-likelihood of the predictions ``p``."""
        return -0.5 * (float(np.sum(self.residuals(p) ** 2)) + self.residual_constant())

    def deviance(self, p) -> float:
        """Sum of squared standardised residuals of the predictions ``p``."""
        return float(np.sum(self.residuals(p) ** 2))


@dataclass(frozen=True)
class CensoredTimeToEvent:
    """Individual patients: ``time`` (years) and ``cause`` per patient, an index into the
    prediction columns (>= 0: that organ/column first), ``CENSORED`` or ``DEATH``; ``group`` indexes
    the prediction group (covariate class) of each patient.

    The model supplies, per group g, the net cumulative incidence of the first metastasis by
    cause on a time grid, ``F[g, u, k]`` (metastasis alone, among M0 patients), and an independent
    death hazard ``death_hazard[g]`` (1/year). With ``S_m = 1 - sum_k F_k`` and ``S_d = exp(-h t)``
    the likelihood of a patient is

    - metastasis k at t: ``dF_k/dt(t) S_d(t)``;
    - death at t: ``h S_d(t) S_m(t)``;
    - censored at t: ``S_m(t) S_d(t)``.
    """

    time: np.ndarray
    cause: np.ndarray
    group: np.ndarray
    kind = "time_to_event"
    CENSORED = -1
    DEATH = -2
    ANY = -3  # a metastasis whose organ is unknown: density summed over the columns

    def __post_init__(self):
        if np.any(self.time < 0) or not np.all(np.isfinite(self.time)):
            raise FitError("time-to-event likelihood: times must be finite and >= 0")

    def row_loglik(self, grid: np.ndarray, cif: np.ndarray, death_hazard=0.0) -> np.ndarray:
        """Per-patient log-likelihood; ``grid`` (U,) years from 0, ``cif`` (G, U, K)."""
        grid = np.asarray(grid, dtype=float)
        cif = np.asarray(cif, dtype=float)
        if cif.ndim != 3 or cif.shape[1] != grid.size:
            raise FitError(f"time-to-event: cumulative incidence must be (groups, {grid.size}, causes), "
                           f"found {cif.shape}")
        if not np.all(np.isfinite(cif)):
            raise FitError("time-to-event: the model gave non-finite cumulative incidence")
        if self.time.max(initial=0.0) > grid[-1] + 1e-12:
            raise FitError(f"time-to-event: prediction grid ends at {grid[-1]:g} y before the last "
                           f"patient time {self.time.max():g} y")
        h = np.broadcast_to(np.asarray(death_hazard, dtype=float), (cif.shape[0],))
        out = np.empty(self.time.size)
        for g in range(cif.shape[0]):
            sel = self.group == g
            if not sel.any():
                continue
            t, c = self.time[sel], self.cause[sel]
            # Monotone cubic interpolation keeps F non-decreasing and gives a smooth density.
            spline = PchipInterpolator(grid, np.maximum.accumulate(cif[g], axis=0), axis=0)
            F = spline(t)                       # (n, K)
            dens = spline.derivative()(t)       # (n, K)
            s_m = np.clip(1.0 - F.sum(axis=1), EPS, 1.0)
            log_sd = -h[g] * t
            ll = np.log(s_m) + log_sd           # censored
            ev, anyc, dead = c >= 0, c == self.ANY, c == self.DEATH      # (empty selections change nothing)
            ll[ev] = np.log(np.maximum(dens[np.flatnonzero(ev), c[ev]], EPS)) + log_sd[ev]
            ll[anyc] = np.log(np.maximum(dens[anyc].sum(axis=1), EPS)) + log_sd[anyc]
            ll[dead] = np.log(max(h[g], EPS)) + log_sd[dead] + np.log(s_m[dead])
            out[sel] = ll
        return out

    def loglik(self, grid, cif, death_hazard=0.0) -> float:
        """Log-likelihood of all patients: ``grid`` (U,) years from 0, ``cif`` (G, U, K) cumulative
        incidence by group and cause, ``death_hazard`` (1/year) per group or one for all.
        """
        return float(np.sum(self.row_loglik(grid, cif, death_hazard)))

