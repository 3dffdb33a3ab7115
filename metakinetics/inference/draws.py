"""Seeded draws of fitted parameters from their uncertainty: the one sampler of the package.

Two sources: the fit's covariance (multivariate normal on the search scale, i.e. log scale for
parameters fitted in logs: the Laplace approximation) or the 95% intervals (each parameter
independently from a split normal whose 2.5% and 97.5% points are the interval ends; correlations
ignored). Draws outside a parameter's bounds are redrawn, deterministically for a given seed.
:meth:`FitResult.draw` and ``scenarios.draw_parameters`` both call :func:`draw_natural`, so the
same seed gives the same numbers through either.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import FitError, InputError
from .intervals import Z95

METHODS = ("covariance", "profile")


def rng_of(seed) -> np.random.Generator:
    """A Generator from an int, None or a SeedSequence (always through a SeedSequence)."""
    return np.random.default_rng(seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed))


def to_search(natural, log: Sequence[bool]) -> np.ndarray:
    """Natural values (..., p) -> search scale (ln where ``log[j]``)."""
    return _columns(natural, log, np.log)


def to_natural(search, log: Sequence[bool]) -> np.ndarray:
    """Search-scale values (..., p) -> natural scale (exp where ``log[j]``)."""
    return _columns(search, log, np.exp)


def _columns(values, log: Sequence[bool], fn) -> np.ndarray:
    """A float copy of ``values`` (..., p) with ``fn`` applied to the columns j where ``log[j]``."""
    x = np.array(values, dtype=float)
    cols = np.flatnonzero(np.asarray(log, dtype=bool))
    x[..., cols] = fn(x[..., cols])
    return x


def draw_natural(estimate, log: Sequence[bool], n: int, *, seed=None, method: str = "covariance",
                 covariance=None, intervals: Mapping[str, tuple[float, float]] | None = None,
                 keys: Sequence[str] = (), lower=None, upper=None, name: str = "fit",
                 max_tries: int = 100) -> np.ndarray:
    """``n`` parameter sets (n, p), natural scale, drawn around ``estimate`` (p,).

    Parameters
    ----------
    estimate, log
        Estimates (natural scale, the model's units: years, per year) and whether each was
        searched on the log scale.
    n, seed
        How many sets; the seed (int, None or SeedSequence): same seed, same numbers.
    method
        'covariance': multivariate normal with ``covariance`` (p x p, search scale) around the
        estimate on the search scale; 'profile': independent split normals whose 2.5% and 97.5%
        points are ``intervals[keys[j]]`` (natural scale).
    covariance : numpy.ndarray, optional
        Covariance on the search scale (p x p), for 'covariance'.
    intervals : mapping, optional
        Key -> (lower, upper) 95% interval on the natural scale, for 'profile'.
    keys : sequence of str
        The keys of ``intervals`` in parameter order, for 'profile'.
    lower, upper
        Bounds (natural scale); draws outside are redrawn (at most ``max_tries`` rounds).
    name : str
        The fit's name, for messages.
    max_tries : int
        Rounds of redrawing before giving up.

    Returns
    -------
    numpy.ndarray
        Shape (n, p), natural scale.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise InputError(f"draws: expected a whole number >= 1, found {n!r}")
    if method not in METHODS:
        raise InputError(f"uncertainty method: unknown '{method}' (expected covariance or profile)")
    est = np.asarray(estimate, dtype=float)
    p = est.size
    lo_b = np.full(p, -np.inf) if lower is None else np.asarray(lower, dtype=float)
    hi_b = np.full(p, np.inf) if upper is None else np.asarray(upper, dtype=float)
    rng = rng_of(seed)
    center = to_search(est, log)
    if method == "covariance":
        if covariance is None:
            raise FitError(f"fit '{name}' has no covariance matrix (not estimable, or fitted with intervals = "
                           f"'none'); use the profile intervals (method='profile') or no draws")
        cov = np.asarray(covariance, dtype=float)
        cov = 0.5 * (cov + cov.T)
        w, v = np.linalg.eigh(cov) if p else (np.zeros(0), np.zeros((0, 0)))
        if p and np.min(w) < -1e-10 * max(1.0, np.max(np.abs(w))):
            raise FitError(f"fit '{name}': covariance is not positive semi-definite "
                           f"(smallest eigenvalue {np.min(w):.3g})")
        root = v * np.sqrt(np.clip(w, 0.0, None))  # cov = root @ root.T

        def sample(m):
            return center + rng.standard_normal((m, p)) @ root.T
    else:
        if not intervals:
            raise FitError(f"fit '{name}' has no profile-likelihood intervals; use the "
                           f"covariance (method='covariance')")
        lo_sd = np.empty(p)
        hi_sd = np.empty(p)
        for j, k in enumerate(keys):
            if k not in intervals:
                raise FitError(f"fit '{name}': no interval for free parameter '{k}'")
            lo, hi = (float(a) for a in intervals[k])
            if not (lo <= est[j] <= hi) or (log[j] and lo <= 0):
                raise FitError(f"fit '{name}': interval ({lo:g}, {hi:g}) of '{k}' does not "
                               f"bracket the estimate {est[j]:g}")
            s_lo, s_hi = (math.log(lo), math.log(hi)) if log[j] else (lo, hi)
            lo_sd[j] = (center[j] - s_lo) / Z95
            hi_sd[j] = (s_hi - center[j]) / Z95

        def sample(m):
            z = rng.standard_normal((m, p))
            return center + np.where(z < 0, z * lo_sd, z * hi_sd)

    out = np.empty((0, p))
    for _ in range(max_tries):
        nat = to_natural(sample(n), log)
        ok = np.all((nat >= lo_b) & (nat <= hi_b) & np.isfinite(nat), axis=1)
        out = np.concatenate([out, nat[ok]])
        if len(out) >= n:
            break
    else:
        raise FitError(f"fit '{name}': fewer than {n} of the parameter draws fall inside the "
                       f"bounds after {max_tries} rounds (is the covariance far too wide?)")
    return out[:n]


def percentile_bands(samples: np.ndarray, level: float = 0.95, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, median, upper) percentiles of ``samples`` along ``axis`` for a central ``level`` band,
    e.g. 2.5/50/97.5 for 0.95.

    Parameters
    ----------
    samples : numpy.ndarray
        Draws along ``axis``.
    level : float
        Central coverage, in (0, 1).
    axis : int
        The axis of the draws.

    Returns
    -------
    lower, median, upper : numpy.ndarray
    """
    if not 0 < level < 1:
        raise InputError(f"level must be in (0, 1), found {level:g}")
    a = 100.0 * (1 - level) / 2
    lo, med, hi = np.percentile(samples, [a, 50.0, 100.0 - a], axis=axis)
    return lo, med, hi
