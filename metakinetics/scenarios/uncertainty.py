"""Parameter uncertainty from a fit, as seeded draws of the free parameters.

Two sources: the fit's covariance (multivariate normal on the search scale, i.e. log scale for
parameters fitted in logs: the Laplace approximation) or the profile-likelihood intervals (each
parameter independently from a split normal whose 2.5% and 97.5% points are the interval ends;
correlations ignored). Draws outside a parameter's bounds are redrawn, deterministically for a
given seed (the sampler is ``inference.draw_natural``). The fit is read through
:class:`FitSummary`, a small view that a fit result (for one group of a grouped fit) or a bare
model with stated spreads maps onto.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import FitError
from ..inference import draw_natural, percentile_bands
from ..inference.draws import to_natural, to_search
from ..model import Model

__all__ = ["FitSummary", "ParameterDraws", "draw_parameters", "percentile_bands", "summary_from_model"]


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

    def with_values(self, overrides: Mapping[str, Any]) -> "FitSummary":
        """The summary with model values fixed by the user (``--set``): the model takes them, and
        they are no longer drawn (a tied parameter keeps its other targets; a parameter whose
        every target is fixed is dropped with its covariance rows)."""
        if not overrides:
            return self
        model = self.model.with_values(dict(overrides))
        targets = [tuple(t for t in tk if t not in overrides) for tk in self.targets]
        keep = np.array([bool(tk) for tk in targets])
        idx = np.flatnonzero(keep)
        cov = None if self.covariance is None else self.covariance[np.ix_(idx, idx)]
        keys = tuple(k for k, kp in zip(self.keys, keep) if kp)
        intervals = None if self.intervals is None else {k: v for k, v in self.intervals.items() if k in keys}
        return replace(self, model=model, keys=keys, estimate=self.estimate[idx],
                       log=tuple(b for b, kp in zip(self.log, keep) if kp), covariance=cov,
                       lower_bound=self.lower_bound[idx], upper_bound=self.upper_bound[idx],
                       intervals=intervals, targets=tuple(tk for tk in targets if tk))

    def to_search(self, natural: np.ndarray) -> np.ndarray:
        """Natural values (..., p) -> search scale (log where fitted in logs)."""
        return to_search(natural, self.log)

    def to_natural(self, search: np.ndarray) -> np.ndarray:
        """Search-scale values (..., p) -> natural scale (exp where the parameter is searched on the log scale)."""
        return to_natural(search, self.log)


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
        """Number of draws."""
        return self.values.shape[0]

    def as_params(self, rows: slice | Sequence[int] = slice(None)) -> dict[str, np.ndarray]:
        """Dotted key -> (n,) arrays of the selected rows (the ``params`` of dynamics/population);
        a tied parameter (``organs.*.wake``) fills each of its target keys."""
        targets = self.targets or tuple((k,) for k in self.keys)
        return {t: self.values[rows, j].copy() for j, tk in enumerate(targets) for t in tk}


def draw_parameters(fit: FitSummary, n: int, *, seed: int | None = None, method: str = "covariance",
                    max_tries: int = 100) -> ParameterDraws:
    """``n`` seeded parameter sets from the fit's uncertainty.

    Draws outside the parameters' bounds are redrawn. The sampler is ``inference.draw_natural``,
    the one behind ``FitResult.draw``: a summary of a fit result for a group draws the same
    numbers as ``result.draw(n, seed, group=...)``.

    Parameters
    ----------
    fit : FitSummary
        The estimates and their uncertainty.
    n : int
        Number of parameter sets.
    seed : int, optional
        Same seed, same draws.
    method : str
        'covariance' (multivariate normal on the search scale) or 'profile' (split normals
        through the 95% intervals).
    max_tries : int
        Rounds of redrawing out-of-bounds sets before giving up.

    Returns
    -------
    ParameterDraws
    """
    values = draw_natural(fit.estimate, fit.log, n, seed=seed, method=method, covariance=fit.covariance,
                          intervals=fit.intervals, keys=fit.keys, lower=fit.lower_bound,
                          upper=fit.upper_bound, name=fit.name, max_tries=max_tries)
    return ParameterDraws(keys=fit.keys, values=values, method=method, targets=fit.targets,
                          seed=seed if isinstance(seed, (int, np.integer)) or seed is None else None)


def summary_from_model(model: Model, keys: Sequence[str], sd: Mapping[str, float] | Sequence[float],
                       *, log: bool = True, name: str = "model") -> FitSummary:
    """A FitSummary with independent uncertainty around the model's own values.

    For exploring a model file without a fit.

    Parameters
    ----------
    model : Model
        The model (its values are the "estimates").
    keys : sequence of str
        Dotted keys of the uncertain parameters.
    sd : mapping or sequence of float
        Standard deviation per key (log units when ``log``).
    log : bool
        Whether the uncertainty is on the log scale (else natural scale, bounded below by 0).
    name : str
        Name of the summary.

    Returns
    -------
    FitSummary
    """
    sds = np.array([sd[k] for k in keys] if isinstance(sd, Mapping) else sd, dtype=float)
    est = np.array([model.get(k) for k in keys])
    return FitSummary(model=model, keys=tuple(keys), estimate=est, log=(log,) * len(keys),
                      covariance=np.diag(sds**2), name=name, source=model.source,
                      lower_bound=np.zeros(len(keys)) if not log else None,
                      upper_bound=np.array([1.0 if _is_probability(k) else math.inf for k in keys]))


def _is_probability(key: str) -> bool:
    return key.rsplit(".", 1)[-1] in ("efficiency", "arrest_fraction", "kill_dormant", "kill_colony", "blood_flow")
