"""Fit results as :class:`FitSummary` views: the one place scenarios read a fit.

A fit directory (``fits/NAME/`` with ``result.json`` and ``fit.toml``), a result.json path or a
:class:`metakinetics.inference.FitResult` is mapped onto what uncertainty needs: the model at the
estimates (the set-up's fixed values, then the estimates), the free parameters with the model
keys each sets (``organs.*.wake`` ties every organ's wake), their search scale, bounds, Wald or
profile intervals, and the covariance on the search scale (SE x correlation x SE).
Group-specific parameters (one copy per data group) are left out: a scenario runs on the base model.
"""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FitError, InputError
from ..inference import FitResult, load_setup, read_result
from ..model import load_model
from .uncertainty import FitSummary


def looks_like_fit(path: str | os.PathLike) -> bool:
    """True for a fit directory (holding result.json) or a fit result file (*.json)."""
    p = Path(path)
    return (p.is_dir() and (p / "result.json").is_file()) or (p.is_file() and p.suffix == ".json")


def _targets(key: str, values) -> tuple[str, ...]:
    if "*" in key:
        return tuple(k for k in values if fnmatch.fnmatchcase(k, key))
    return (key,)


def _setup_model(result: FitResult, directory: Path | None):
    """The base model of the fit: its model with the set-up's fixed values ([model] set)."""
    candidates = []
    if directory is not None:
        candidates.append(directory / "fit.toml")
    if result.setup_path:
        candidates.append(Path(result.setup_path))
    for path in candidates:
        if path.is_file():
            setup = load_setup(path)
            model = setup.model if not isinstance(setup.model, str) else load_model(setup.model)
            return model.with_values(dict(setup.model_set)) if setup.model_set else model, str(path)
    return load_model(result.model), None


def summary_of_result(result: FitResult, *, directory: Path | None = None, source: str | None = None) -> FitSummary:
    """FitSummary of a FitResult (the model rebuilt from its set-up and the estimates)."""
    base, _ = _setup_model(result, directory)
    values = base.values()
    shared = [e for e in result.estimates if e.group is None]
    overrides: dict[str, float] = {}
    targets = []
    for e in shared:
        tk = _targets(e.key, values)
        if not tk:
            raise FitError(f"fit '{result.name}': parameter '{e.key}' matches no key of model '{base.name}'")
        targets.append(tk)
        overrides.update({t: e.value for t in tk})
    model = base.with_values(overrides)
    names = list(result.correlations.get("names", [])) if result.correlations else []
    idx = [names.index(e.name) if e.name in names else None for e in shared]
    cov = None
    se = np.array([e.se_search for e in shared], dtype=float)
    if names and all(i is not None for i in idx) and np.all(np.isfinite(se)):
        R = np.asarray(result.correlations["matrix"], dtype=float)[np.ix_(idx, idx)]
        if np.all(np.isfinite(R)):
            cov = R * np.outer(se, se)
    intervals = {e.name: (e.lower, e.upper) for e in shared
                 if np.isfinite(e.lower) and np.isfinite(e.upper)}
    return FitSummary(model=model, keys=tuple(e.name for e in shared),
                      estimate=np.array([e.value for e in shared]), log=tuple(e.log for e in shared),
                      covariance=cov, lower_bound=np.array([e.min for e in shared]),
                      upper_bound=np.array([e.max for e in shared]),
                      intervals=intervals if len(intervals) == len(shared) else None,
                      name=result.name, source=source, targets=tuple(targets), result=result)


def as_fit_summary(obj: Any) -> FitSummary:
    """A FitSummary from itself, a FitResult, or a fit directory / result.json path."""
    if isinstance(obj, FitSummary):
        return obj
    if isinstance(obj, FitResult):
        return summary_of_result(obj)
    if isinstance(obj, (str, os.PathLike)):
        p = Path(obj)
        if not looks_like_fit(p):
            raise InputError(f"{obj}: not a fit directory (expected a folder holding result.json)")
        file = p / "result.json" if p.is_dir() else p
        result = read_result(file)
        return summary_of_result(result, directory=file.parent, source=str(file))
    raise InputError(f"expected a model, a fit result or a fit directory, found {type(obj).__name__}")
