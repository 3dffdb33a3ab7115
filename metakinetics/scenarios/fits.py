"""Fit results as :class:`FitSummary` views: the one place scenarios read a fit.

A fit directory (``fits/NAME/`` with ``result.json``) or a fit result object of
``metakinetics.inference`` is mapped onto the few things uncertainty needs.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import FitError, InputError
from .uncertainty import FitSummary


def looks_like_fit(path: str | os.PathLike) -> bool:
    """True for a fit directory (holding result.json) or a fit result file (*.json)."""
    p = Path(path)
    return (p.is_dir() and (p / "result.json").is_file()) or (p.is_file() and p.suffix == ".json")


def as_fit_summary(obj: Any) -> FitSummary:
    """A FitSummary from itself, a fit directory / result.json path, or a fit result object."""
    if isinstance(obj, FitSummary):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        if not looks_like_fit(obj):
            raise InputError(f"{obj}: not a fit directory (expected a folder holding result.json)")
        raise FitError(f"{obj}: reading fit results needs metakinetics.inference.results, "
                       f"which is not available in this installation")
    raise InputError(f"expected a model, a fit result or a fit directory, found {type(obj).__name__}")
