"""The base model of a fit: its model file with the set-up's fixed values applied.

One meaning for fixed values, everywhere (the fit's objective, its result, the scenarios that read
it): they are in model units, i.e. years (times) and per year (rates), whatever ``time_unit`` the
model file was written in. The loader converts a file to years on load; the fixed values are then
applied with :meth:`Model.with_values`, which takes years.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Model, load_model


def fixed_model(model: str | Model, fixed: Mapping[str, Any] | None = None) -> Model:
    """The model (bundled name, file path or Model) with ``fixed`` dotted-key values applied.

    Parameters
    ----------
    model
        A bundled model name, a model file path (any ``time_unit``) or a Model.
    fixed
        Dotted keys -> values in model units (years, per year), e.g. a fit's ``[model] set``.

    Returns
    -------
    Model
        Validated by the same loader as files.
    """
    base = model if isinstance(model, Model) else load_model(model)
    return base.with_values(dict(fixed)) if fixed else base
