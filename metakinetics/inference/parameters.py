"""Free parameters: model dotted keys <-> lmfit.Parameters (flat names, bounds, log-space search,
optional normal priors, shared or group-specific copies)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import lmfit
import numpy as np

from ..errors import FitError, ModelFileError
from .likelihood import OVERDISPERSION


@dataclass(frozen=True)
class FreeParameter:
    """One free parameter: model ``key`` (e.g. ``organs.bone.efficiency``; a pattern such as
    ``organs.*.wake`` ties every matching key to one value, listed in ``targets``), start ``value``,
    bounds, ``log`` (search over ln value), an optional normal prior on the search scale
    (``prior_mean`` natural scale, ``prior_sd`` in search units: log units when ``log``), and the
    ``group`` this copy belongs to (None: shared by every group)."""

    key: str
    value: float
    min: float
    max: float
    log: bool = False
    prior_mean: float | None = None
    prior_sd: float | None = None
    group: str | None = None
    targets: tuple[str, ...] = ()  # model keys set by this parameter (a tie); () means (key,)

    @property
    def keys(self) -> tuple[str, ...]:
        """The dotted model keys this parameter sets (its ``targets``, else its ``key``); none for
        the overdispersion of a data set (a likelihood parameter)."""
        if self.key.startswith(OVERDISPERSION):
            return ()
        return self.targets or (self.key,)

    @property
    def name(self) -> str:
        """lmfit-safe flat name, e.g. ``organs__bone__efficiency__luminal_A``."""
        base = re.sub(r"[^\w]", "_", self.key.replace(".", "__").replace("*", "all"))
        if self.group is not None:
            base += "__" + re.sub(r"\W+", "_", self.group).strip("_")
        return ("log_" + base) if self.log else base

    @property
    def label(self) -> str:
        """Readable name: the dotted key, with ``[group]`` for group-specific copies."""
        return self.key + (f"[{self.group}]" if self.group is not None else "")

    def to_search(self, v: float) -> float:
        """Natural value ``v`` -> search scale (ln v for a log parameter)."""
        return math.log(v) if self.log else float(v)

    def from_search(self, x):
        """Search-scale value(s) ``x`` -> natural scale (exp for a log parameter)."""
        return np.exp(x) if self.log else x

    @property
    def search_bounds(self) -> tuple[float, float]:
        """(min, max) on the search scale."""
        return self.to_search(self.min), self.to_search(self.max)


class ParameterSet:
    """The ordered free parameters of a fit, mapping search vectors to model overrides."""

    def __init__(self, params: list[FreeParameter]):
        names = [p.name for p in params]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise FitError(f"two free parameters map to the same name '{dup}'")
        self.params = list(params)

    def __len__(self) -> int:
        return len(self.params)

    def __iter__(self):
        return iter(self.params)

    @property
    def names(self) -> list[str]:
        """The parameters' names (lmfit names), in order."""
        return [p.name for p in self.params]

    @property
    def labels(self) -> list[str]:
        """The parameters' labels for tables and messages, in order."""
        return [p.label for p in self.params]

    def start_vector(self) -> np.ndarray:
        """The start values on the search scale."""
        return np.array([p.to_search(p.value) for p in self.params])

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) arrays of the search-scale bounds."""
        b = np.array([p.search_bounds for p in self.params])
        return b[:, 0], b[:, 1]

    def to_lmfit(self, x: np.ndarray | None = None) -> lmfit.Parameters:
        """lmfit Parameters on the search scale, at ``x`` (default: the start values) clipped to the bounds."""
        x = self.start_vector() if x is None else x
        out = lmfit.Parameters()
        for p, xi in zip(self.params, x):
            lo, hi = p.search_bounds
            out.add(p.name, value=float(np.clip(xi, lo, hi)), min=lo, max=hi)
        return out

    def natural(self, x: np.ndarray) -> np.ndarray:
        """Search vector ``x`` -> natural-scale values."""
        return np.array([float(p.from_search(xi)) for p, xi in zip(self.params, x)])

    def overrides(self, x: np.ndarray, group: str | None) -> dict[str, float]:
        """Model dotted-key values for one data group: shared values, then that group's copies."""
        out: dict[str, float] = {}
        for p, xi in sorted(zip(self.params, x), key=lambda px: px[0].group is not None):   # shared first (stable)
            if p.group is None or p.group == group:
                out.update(dict.fromkeys(p.keys, float(p.from_search(xi))))
        return out

    def prior_residuals(self, x: np.ndarray) -> np.ndarray:
        """(x_j - prior mean) / prior sd on the search scale, for the parameters with a prior."""
        res = [(xi - p.to_search(p.prior_mean)) / p.prior_sd
               for p, xi in zip(self.params, x) if p.prior_sd is not None]
        return np.asarray(res, dtype=float)


def check_overlaps(params, path: str | None) -> None:
    """Refuse two free parameters that set the same model key for the same group (a specific key
    and an ``organs.*`` pattern, say): the later would silently win and the earlier could not act,
    yet would be reported with an interval."""
    seen: dict[tuple[str, str | None], FreeParameter] = {}
    for p in params:
        for k in p.keys:
            other = seen.get((k, p.group))
            if other is not None and other.key != p.key:
                raise ModelFileError(path, f"parameters.{p.key}", f"overlaps parameters.{other.key} on {k}: "
                                     "a model key can have one free value (narrow the pattern or drop one)")
            seen[(k, p.group)] = p
