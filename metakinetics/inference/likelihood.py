"""Log-likelihoods of data given model predictions (pure functions of arrays).

Each aggregate likelihood also gives residuals r with ``-2 log L = sum r^2 + const``, so a
least-squares optimiser finds the maximum-likelihood estimate and ``J^T J`` is the Fisher
information:

- :class:`Binomial`: events out of a denominator (deviance residuals);
- :class:`BetaBinomial`: events out of a denominator with extra between-patient (intra-cohort)
  correlation ``rho`` (a free or fixed parameter of the fit), for large cohorts whose systematic
  differences a binomial would call p ~ 1e-95;
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
from scipy.special import betaln, gammaln, xlogy

from ..errors import FitError

#: Predictions are clipped into [EPS, 1 - EPS] before taking logs: a model proportion of exactly
#: 0 or 1 facing data strictly inside (0, 1) has log-likelihood -inf; the clip turns that into a
#: large finite penalty (about 2 x 36 per patient) that the optimiser can climb out of.
EPS = 1e-15
LOG_2PI = float(np.log(2 * np.pi))
#: Free parameters whose key starts with this are likelihood parameters, not model values: the
#: overdispersion rho of a beta-binomial data set, ``overdispersion.<data set label>``.
OVERDISPERSION = "overdispersion."


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
class BetaBinomial:
    """``events`` out of ``n`` patients per row with intra-cohort correlation ``rho`` in (0, 1).

    y ~ BetaBinomial(n, a, b) with ``a = p (1 - rho) / rho``, ``b = (1 - p)(1 - rho) / rho``: mean
    n p and variance n p (1 - p) (1 + (n - 1) rho), i.e. each row's patients share a risk q drawn
    from Beta(a, b) around the model's p. rho -> 0 is the binomial. Events may be non-integer
    (value x denominator): the log-pmf is the continuous extension through gamma and beta functions.

    ``rho`` comes with each call (the fit's free parameter ``overdispersion.<label>``), or is
    ``fixed`` here.
    """

    events: np.ndarray
    n: np.ndarray
    fixed: float | None = None
    kind = "beta_binomial"

    def __post_init__(self):
        if np.any(~np.isfinite(self.n)) or np.any(self.n <= 0):
            raise FitError("beta-binomial likelihood: every row needs a positive denominator")
        if self.fixed is not None and not 0.0 < self.fixed < 1.0:
            raise FitError(f"beta-binomial likelihood: overdispersion rho must be in (0, 1), found {self.fixed!r}")

    @property
    def observed(self) -> np.ndarray:
        """Observed proportions events / n."""
        return self.events / self.n

    def _rho(self, rho) -> float:
        rho = self.fixed if rho is None else float(rho)
        if rho is None:
            raise FitError("beta-binomial likelihood: no overdispersion rho given")
        if not 0.0 < rho < 1.0:
            raise FitError(f"beta-binomial likelihood: overdispersion rho must be in (0, 1), found {rho!r}")
        return rho

    def row_loglik(self, p, rho=None, events=None) -> np.ndarray:
        """Per-row log-pmf (binomial coefficient included) of ``events`` (default: the data; an
        array of the rows' shape, or (draws, rows)) given predicted probabilities ``p`` and ``rho``."""
        p = np.clip(_check_pred(p, self.n.size, "beta-binomial"), EPS, 1 - EPS)
        k = self.events if events is None else np.asarray(events, dtype=float)
        return self._logpmf(k, p, self._rho(rho))

    def bound_rows(self, events=None) -> np.ndarray:
        """Per-row upper bound c_i of the log-pmf over every p and rho: the binomial log-pmf at
        p = y/n. (The beta-binomial pmf is the binomial pmf averaged over q ~ Beta(a, b), and the
        binomial pmf is largest at q = y/n; the same holds for non-integer y.)"""
        k = self.events if events is None else np.asarray(events, dtype=float)
        n = self.n
        q = k / n
        return (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
                + xlogy(k, q) + xlogy(n - k, 1 - q))

    def loglik(self, p, rho=None) -> float:
        """Log-likelihood (full log-pmf) of predicted probabilities ``p`` with overdispersion ``rho``."""
        return float(np.sum(self.row_loglik(p, rho)))

    def residuals(self, p, rho=None) -> np.ndarray:
        """r_i = sign(p - y/n) sqrt(2 (c_i - l_i)) with c_i = :meth:`bound_rows` >= l_i at every p and
        rho, so sum r^2 = -2 log L + 2 sum c_i and a least-squares optimiser over (p, rho) maximises
        the likelihood. (The deviance residual would use the beta-binomial at p = y/n in place of c_i,
        but with rho free that is not an upper bound: a wider rho can make the data likelier.)"""
        p = _check_pred(p, self.n.size, "beta-binomial")
        dev = 2.0 * (self.bound_rows() - self.row_loglik(p, rho))
        return np.sign(p - self.observed) * np.sqrt(np.maximum(dev, 0.0))

    def residual_constant(self) -> float:
        """c in -2 log L = sum r^2 + c."""
        return float(-2.0 * np.sum(self.bound_rows()))

    def deviance_rows(self, p, rho=None, events=None) -> np.ndarray:
        """Per-row deviance at fixed ``rho``: 2 (max over q of l(y; q, rho) - l(y; p, rho)), the
        row's best proportion against the prediction (``events`` as in :meth:`row_loglik`).

        The maximum is not at q = y/n (a wider rho moves it), so it is searched for: golden-section
        search on logit q (60 steps: the bracket shrinks by 0.618^60 ~ 3e-13 of its width), kept no
        lower than the value at y/n, so every row's deviance is >= 0."""
        k = self.events if events is None else np.asarray(events, dtype=float)
        rho = self._rho(rho)
        return 2.0 * (self._best_rows(k, rho) - self.row_loglik(p, rho, events=k))

    def _best_rows(self, k: np.ndarray, rho: float) -> np.ndarray:
        f = lambda z: self._logpmf(k, 1.0 / (1.0 + np.exp(-z)), rho)  # noqa: E731
        lo, hi = np.full(k.shape, -30.0), np.full(k.shape, 30.0)       # logit q in [-30, 30]: q in (1e-13, 1)
        g = (np.sqrt(5.0) - 1) / 2
        x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
        f1, f2 = f(x1), f(x2)
        for _ in range(60):
            right = f1 < f2                                             # the maximum lies in [x1, hi]
            lo, hi = np.where(right, x1, lo), np.where(right, hi, x2)
            x1n, x2n = hi - g * (hi - lo), lo + g * (hi - lo)
            f1n = np.where(right, f2, f(x1n))
            f2n = np.where(right, f(x2n), f1)
            x1, x2, f1, f2 = x1n, x2n, f1n, f2n
        at_obs = self._logpmf(k, np.clip(k / self.n, EPS, 1 - EPS), rho)
        return np.maximum(np.maximum(f1, f2), at_obs)

    def _logpmf(self, k, p, rho: float) -> np.ndarray:
        n = self.n
        a, b = p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho
        return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + betaln(k + a, n - k + b) - betaln(a, b)

    def deviance(self, p, rho=None) -> float:
        """Deviance (:meth:`deviance_rows` summed) of predictions ``p`` at overdispersion ``rho``."""
        return float(np.sum(self.deviance_rows(p, rho)))

    def simulate(self, p, rho, draws: int, rng: np.random.Generator) -> np.ndarray:
        """``draws`` replicate data sets (draws, rows) from the fitted beta-binomial: q ~ Beta(a, b)
        per row and draw, then Binomial(round(n), q) (a non-integer denominator is rounded)."""
        p = np.clip(_check_pred(p, self.n.size, "beta-binomial"), EPS, 1 - EPS)
        rho = self._rho(rho)
        a, b = p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho
        q = rng.beta(a, b, size=(draws, p.size))
        return rng.binomial(np.round(self.n).astype(np.int64), q).astype(float)


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

    def row_loglik(self, grid: np.ndarray, cif: np.ndarray, death_hazard=0.0, weights=None) -> np.ndarray:
        """Per-patient log-likelihood; ``grid`` (U,) years from 0, ``cif`` (G, U, K); with ``weights``
        (N, G), each patient's cumulative incidence is the weighted sum of the G sets' (per-patient
        covariates: metakinetics.inference.covariates; ``group`` then only labels the report)."""
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
        if weights is not None:
            return self._mixed_loglik(grid, cif, death_hazard, weights)
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

    def _mixed_loglik(self, grid, cif, death_hazard, weights) -> np.ndarray:
        """Per-patient log-likelihood of patients whose incidence mixes the G sets with ``weights``
        (N, G): one death hazard for all (a mixture of death hazards is not one hazard)."""
        h = np.unique(np.asarray(death_hazard, dtype=float))
        if h.size != 1:
            raise FitError("time-to-event with per-patient covariates: one death hazard for every patient, "
                           f"found {h.size}")
        h = float(h[0])
        G, U, K = cif.shape
        w = np.asarray(weights, dtype=float)
        if w.shape != (self.time.size, G):
            raise FitError(f"time-to-event: weights must be ({self.time.size}, {G}), found {w.shape}")
        spline = PchipInterpolator(grid, np.maximum.accumulate(cif, axis=1).transpose(1, 0, 2).reshape(U, G * K),
                                   axis=0)
        t, c = self.time, self.cause
        F = np.einsum("ng,ngk->nk", w, spline(t).reshape(-1, G, K))                  # (N, K)
        dens = np.einsum("ng,ngk->nk", w, spline.derivative()(t).reshape(-1, G, K))
        s_m = np.clip(1.0 - F.sum(axis=1), EPS, 1.0)
        log_sd = -h * t
        ll = np.log(s_m) + log_sd
        ev, anyc, dead = c >= 0, c == self.ANY, c == self.DEATH
        ll[ev] = np.log(np.maximum(dens[np.flatnonzero(ev), c[ev]], EPS)) + log_sd[ev]
        ll[anyc] = np.log(np.maximum(dens[anyc].sum(axis=1), EPS)) + log_sd[anyc]
        ll[dead] = np.log(max(h, EPS)) + log_sd[dead] + np.log(s_m[dead])
        return ll

    def loglik(self, grid, cif, death_hazard=0.0, weights=None) -> float:
        """Log-likelihood of all patients: ``grid`` (U,) years from 0, ``cif`` (G, U, K) cumulative
        incidence by group (or parameter set) and cause, ``death_hazard`` (1/year) per group or one
        for all, ``weights`` (N, G) each patient's mixture of the sets (None: its group's own).
        """
        return float(np.sum(self.row_loglik(grid, cif, death_hazard, weights)))

