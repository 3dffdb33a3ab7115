"""Parameter uncertainty from a fit, as seeded draws of the free parameters.

Two sources: the fit's covariance (multivariate normal on the search scale, i.e. log scale for
parameters fitted in logs: the Laplace approximation) or the profile-likelihood intervals (each
parameter independently from a split normal whose 2.5% and 97.5% points are the interval ends;
correlations ignored). Draws outside a parameter's bounds are redrawn, deterministically for a
given seed. The fit is read through :class:`FitSummary`, a small view every fit result maps onto.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import FitError, InputError
from ..model import Model

#: Normal quantile of 97.5%: a 95% interval spans +-Z95 standard deviations.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class FitSummary:
    """What uncertainty needs from a fit: the model at the estimates and, per free parameter,
    its dotted key, estimate (natural scale), search scale (log or not), bounds, and either the
    covariance on the search scale or 95% intervals (natural scale)."""

    model: Model
    keys: tuple[str, ...]
    estimate: np.ndarray
    log: tuple[bool, ...]
    covariance: np.ndarray | None = None
    lower_bound: np.ndarray | None = None
    upper_bound: np.ndarray | None = None
    intervals: Mapping[str, tuple[float, float]] | None = None
    name: str = "fit"
    source: str | None = field(default=None, compare=False)
    targets: tuple[tuple[str, ...], ...] | None = None
    result: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        p = len(self.keys)
        est = np.asarray(self.estimate, dtype=float)
        object.__setattr__(self, "estimate", est)
        object.__setattr__(self, "keys", tuple(self.keys))
        object.__setattr__(self, "log", tuple(bool(b) for b in self.log))
        if est.shape != (p,) or len(self.log) != p:
            raise FitError(f"fit '{self.name}': {p} parameter keys but estimate shape {est.shape} "
                           f"and {len(self.log)} scale flags")
        values = self.model.values()
        targets = self.targets if self.targets is not None else tuple((k,) for k in self.keys)
        targets = tuple(tuple(t) for t in targets)
        if len(targets) != p:
            raise FitError(f"fit '{self.name}': {p} parameters but {len(targets)} target lists")
        for k, tk in zip(self.keys, targets):
            missing = [t for t in tk if t not in values]
            if missing or not tk:
                raise FitError(f"fit '{self.name}': free parameter '{k}' is not a parameter of model "
                               f"'{self.model.name}'")
        object.__setattr__(self, "targets", targets)
        if self.covariance is not None:
            cov = np.asarray(self.covariance, dtype=float)
            if cov.shape != (p, p) or not np.all(np.isfinite(cov)):
                raise FitError(f"fit '{self.name}': covariance must be a finite {p}x{p} matrix, "
                               f"found shape {cov.shape}")
            object.__setattr__(self, "covariance", cov)
        for name in ("lower_bound", "upper_bound"):
            b = getattr(self, name)
            default = np.full(p, -np.inf if name == "lower_bound" else np.inf)
            object.__setattr__(self, name, default if b is None else np.asarray(b, dtype=float))

    def to_search(self, natural: np.ndarray) -> np.ndarray:
        """Natural values (..., p) -> search scale (log where fitted in logs)."""
        x = np.array(natural, dtype=float)
        for j, lg in enumerate(self.log):
            if lg:
                x[..., j] = np.log(x[..., j])
        return x

    def to_natural(self, search: np.ndarray) -> np.ndarray:
        x = np.array(search, dtype=float)
        for j, lg in enumerate(self.log):
            if lg:
                x[..., j] = np.exp(x[..., j])
        return x


@dataclass(frozen=True)
class ParameterDraws:
    """``values[i, j]``: draw i of parameter ``keys[j]`` (natural scale); row 0 is not special."""

    keys: tuple[str, ...]
    values: np.ndarray
    method: str
    seed: int | None
    targets: tuple[tuple[str, ...], ...] = ()

    @property
    def n(self) -> int:
        return self.values.shape[0]

    def as_params(self, rows: slice | Sequence[int] = slice(None)) -> dict[str, np.ndarray]:
        """Dotted key -> (n,) arrays of the selected rows (the ``params`` of dynamics/population);
        a tied parameter (``organs.*.wake``) fills each of its target keys."""
        targets = self.targets or tuple((k,) for k in self.keys)
        return {t: self.values[rows, j].copy() for j, tk in enumerate(targets) for t in tk}


def _rng(seed) -> np.random.Generator:
    return np.random.default_rng(seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed))


def draw_parameters(fit: FitSummary, n: int, *, seed: int | None = None, method: str = "covariance",
                    max_tries: int = 100) -> ParameterDraws:
    """``n`` seeded parameter sets from the fit's uncertainty (``method`` 'covariance' or
    'profile'); draws outside the parameters' bounds are redrawn."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"draws: expected a whole number >= 1, found {n!r}")
    if method not in ("covariance", "profile"):
        raise InputError(f"uncertainty method: unknown '{method}' (expected covariance or profile)")
    rng = _rng(seed)
    p = len(fit.keys)
    center = fit.to_search(fit.estimate)
    if method == "covariance":
        if fit.covariance is None:
            raise FitError(f"fit '{fit.name}' has no covariance matrix (not estimable); use the "
                           f"profile intervals (method='profile') or no draws")
        cov = 0.5 * (fit.covariance + fit.covariance.T)
        w, v = np.linalg.eigh(cov)
        if np.min(w) < -1e-10 * max(1.0, np.max(np.abs(w))):
            raise FitError(f"fit '{fit.name}': covariance is not positive semi-definite "
                           f"(smallest eigenvalue {np.min(w):.3g})")
        root = v * np.sqrt(np.clip(w, 0.0, None))  # cov = root @ root.T

        def sample(m):
            return center + rng.standard_normal((m, p)) @ root.T
    else:
        if not fit.intervals:
            raise FitError(f"fit '{fit.name}' has no profile-likelihood intervals; use the "
                           f"covariance (method='covariance')")
        lo_sd = np.empty(p)
        hi_sd = np.empty(p)
        for j, k in enumerate(fit.keys):
            if k not in fit.intervals:
                raise FitError(f"fit '{fit.name}': no interval for free parameter '{k}'")
            lo, hi = (float(a) for a in fit.intervals[k])
            if not (lo <= fit.estimate[j] <= hi) or (fit.log[j] and lo <= 0):
                raise FitError(f"fit '{fit.name}': interval ({lo:g}, {hi:g}) of '{k}' does not "
                               f"bracket the estimate {fit.estimate[j]:g}")
            s_lo, s_hi = (math.log(lo), math.log(hi)) if fit.log[j] else (lo, hi)
            lo_sd[j] = (center[j] - s_lo) / Z95
            hi_sd[j] = (s_hi - center[j]) / Z95

        def sample(m):
            z = rng.standard_normal((m, p))
            return center + np.where(z < 0, z * lo_sd, z * hi_sd)

    out = np.empty((0, p))
    for _ in range(max_tries):
        nat = fit.to_natural(sample(n))
        ok = np.all((nat >= fit.lower_bound) & (nat <= fit.upper_bound) & np.isfinite(nat), axis=1)
        out = np.concatenate([out, nat[ok]])
        if len(out) >= n:
            break
    else:
        raise FitError(f"fit '{fit.name}': fewer than {n} of the parameter draws fall inside the "
                       f"bounds after {max_tries} rounds (is the covariance far too wide?)")
    return ParameterDraws(keys=fit.keys, values=out[:n], method=method, targets=fit.targets,
                          seed=seed if isinstance(seed, (int, np.integer)) or seed is None else None)


def percentile_bands(samples: np.ndarray, level: float = 0.95, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, median, upper) percentiles of ``samples`` along ``axis`` for a central ``level``
    band, e.g. 2.5/50/97.5 for 0.95."""
    if not 0 < level < 1:
        raise InputError(f"level must be in (0, 1), found {level:g}")
    a = 100.0 * (1 - level) / 2
    lo, med, hi = np.percentile(samples, [a, 50.0, 100.0 - a], axis=axis)
    return lo, med, hi


def summary_from_model(model: Model, keys: Sequence[str], sd: Mapping[str, float] | Sequence[float],
                       *, log: bool = True, name: str = "model") -> FitSummary:
    """A FitSummary with independent uncertainty of ``sd`` (log units when ``log``) around the
    model's own values: for exploring a model file without a fit."""
    sds = np.array([sd[k] for k in keys] if isinstance(sd, Mapping) else sd, dtype=float)
    est = np.array([model.get(k) for k in keys])
    return FitSummary(model=model, keys=tuple(keys), estimate=est, log=(log,) * len(keys),
                      covariance=np.diag(sds**2), name=name, source=model.source,
                      lower_bound=np.zeros(len(keys)) if not log else None,
                      upper_bound=np.array([1.0 if _is_probability(k) else math.inf for k in keys]))


def _is_probability(key: str) -> bool:
    return key.rsplit(".", 1)[-1] in ("efficiency", "arrest_fraction", "kill_dormant", "kill_colony", "blood_flow")
