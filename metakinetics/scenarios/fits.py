"""Fit results as :class:`FitSummary` views: the one place scenarios read a fit.

A fit directory (``fits/NAME/`` holding ``result.json``), a result.json path or a
:class:`metakinetics.inference.FitResult` is mapped onto what uncertainty needs, all of it from
the result itself (never the set-up): the fitted model (``FitResult.model(group)``: the fit's fixed
values in model units = years, then the estimates), the free parameters acting in that group with
the model keys each sets (``organs.*.wake`` ties every organ's wake), their search scale, bounds,
intervals, and their block of the covariance on the search scale.

Group-specific fits (e.g. fits/subtypes: organ efficiencies per subtype) need a group: the summary
is that group's model and parameters (shared ones and the group's copies); without one a
FitError lists the groups.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..inference import FitResult, read_result
from ..model import list_models
from .uncertainty import FitSummary


def looks_like_fit(path: str | os.PathLike) -> bool:
    """True for a fit directory (holding ``result.json``) or a fit result file (``*.json``).

    Parameters
    ----------
    path : str or os.PathLike
        A path that may name a fit or something else (a model name, a model file).

    Returns
    -------
    bool
    """
    p = _fit_path(path)
    return (p.is_dir() and (p / "result.json").is_file()) or (p.is_file() and p.suffix == ".json")


def _fit_path(path: str | os.PathLike) -> Path:
    """``path`` itself, or for a bare name that is neither a path here nor a bundled model's name
    (``breast_joint``), the bundled fit of that name: the fits a fresh install carries."""
    p = Path(path)
    name = str(path)
    if p.exists() or "/" in name or os.sep in name or name.endswith((".json", ".toml")) or name in list_models():
        return p
    res = resources.files("metakinetics._fits") / name
    return Path(str(res)) if (res / "result.json").is_file() else p


def read_fit(path: str | os.PathLike) -> tuple[FitResult, str]:
    """The fit result of a fit directory or result file.

    Parameters
    ----------
    path : str or os.PathLike
        A folder holding result.json, or the file.

    Returns
    -------
    result : FitResult
    path : str
        The result.json read.

    Raises
    ------
    InputError
        When ``path`` is not a fit.
    """
    p = _fit_path(path)
    if not looks_like_fit(p):
        raise InputError(f"{path}: not a fit directory (expected a folder holding result.json)")
    file = p / "result.json" if p.is_dir() else p
    return read_result(file), str(file)


def fit_result_of(obj: Any) -> tuple[FitResult | None, str | None]:
    """The fit result behind ``obj``, if it is a fit.

    Parameters
    ----------
    obj : object
        A fit summary, a fit result, a fit directory / result file, or anything else (a model).

    Returns
    -------
    result : FitResult or None
    path : str or None
        Its result.json path when known.
    """
    if isinstance(obj, FitSummary):
        return obj.result, obj.source
    if isinstance(obj, FitResult):
        return obj, None
    if isinstance(obj, (str, os.PathLike)) and looks_like_fit(obj):
        return read_fit(obj)
    return None, None


def summary_of_result(result: FitResult, *, group: str | None = None, source: str | None = None) -> FitSummary:
    """FitSummary of a FitResult for ``group`` (required when the fit has group-specific
    parameters; FitError listing the groups otherwise)."""
    g = result.check_group(group)
    which = result.indices(g)
    est = [result.estimates[i] for i in which]
    cov = result.covariance_matrix()
    intervals = {e.name: (e.lower, e.upper) for e in est if np.isfinite(e.lower) and np.isfinite(e.upper)}
    return FitSummary(model=result.model(g), keys=tuple(e.name for e in est),
                      estimate=np.array([e.value for e in est]), log=tuple(e.log for e in est),
                      covariance=None if cov is None else cov[np.ix_(which, which)],
                      lower_bound=np.array([e.min for e in est]), upper_bound=np.array([e.max for e in est]),
                      intervals=intervals if len(intervals) == len(est) else None,
                      name=result.name if g is None else f"{result.name} [{g}]", source=source,
                      targets=tuple(e.keys for e in est), result=result)


def as_fit_summary(obj: Any, *, group: str | None = None) -> FitSummary:
    """A FitSummary from itself, a FitResult, or a fit directory / result.json path.

    Parameters
    ----------
    obj : FitSummary, FitResult, str or os.PathLike
        The fit.
    group : str, optional
        The group of a fit with group-specific parameters (not allowed with a ready summary).

    Returns
    -------
    FitSummary
    """
    if isinstance(obj, FitSummary):
        if group is not None:
            raise InputError("a group is chosen when the summary is made from a fit result, not afterwards")
        return obj
    if isinstance(obj, FitResult):
        return summary_of_result(obj, group=group)
    if isinstance(obj, (str, os.PathLike)):
        result, file = read_fit(obj)
        return summary_of_result(result, group=group, source=file)
    raise InputError(f"expected a model, a fit result or a fit directory, found {type(obj).__name__}")
