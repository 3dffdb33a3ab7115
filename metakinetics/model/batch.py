"""Per-patient parameter batches: a model's values with dotted-key overrides broadcast to (P,).

``params`` maps dotted keys of :meth:`Model.values` (plus ``diagnosis.size`` in cells or
``diagnosis.diameter_cm`` for any model) to numbers or 1-D arrays that broadcast to one length P.
Both ``dynamics`` and ``incidence`` resolve their parameters through :func:`broadcast`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, nearest
from ..units import diameter_to_cells
from .file import field_info
from .spec import Model

SIZE_KEYS = ("diagnosis.size", "diagnosis.diameter_cm")


@dataclass(frozen=True)
class ParamBatch:
    """P parameter sets: ``get`` a (P,) array by dotted key, ``organ`` a (P, K) array by field."""

    model: Model
    P: int
    given: Mapping[str, np.ndarray] = field(repr=False)
    values: Mapping[str, float] = field(repr=False)

    def get(self, key: str, default: float | None = None) -> np.ndarray:
        """(P,) values of ``key``: the override if given, else the model's value (or ``default``)."""
        if key in self.given:
            return np.broadcast_to(self.given[key], (self.P,)).astype(float)
        v = self.values.get(key, default)
        return np.full(self.P, np.nan if v is None else float(v))

    def organ(self, fld: str, default: float | None = None) -> np.ndarray:
        """(P, K) values of ``organs.<k>.<fld>`` in model organ order."""
        return np.stack([self.get(f"organs.{o.name}.{fld}", default) for o in self.model.organs], axis=1)

    def size(self) -> np.ndarray:
        """(P,) primary size at diagnosis (cells), from diagnosis.size or diagnosis.diameter_cm."""
        if "diagnosis.size" in self.given:
            return self.get("diagnosis.size")
        if "diagnosis.diameter_cm" in self.given:
            return np.asarray(diameter_to_cells(self.get("diagnosis.diameter_cm")), dtype=float).reshape(self.P)
        return np.full(self.P, self.model.diagnosis.size)


def check_override(key: str, value) -> None:
    """Range check of an override (scalar or array) against the model-file schema of ``key``:
    rates positive, probabilities in [0, 1], non-negative quantities >= 0 (InputError naming it)."""
    info = field_info(key)
    if info is None or info.kind != "float":
        return
    a = np.asarray(value, dtype=float)
    bad = {"positive": a <= 0, "nonneg": a < 0, "prob": (a < 0) | (a > 1)}.get(info.check)
    if bad is not None and np.any(bad):
        first = float(a[bad].ravel()[0]) if a.ndim else float(a)
        need = {"positive": "must be positive", "nonneg": "must be zero or positive",
                "prob": "must be a probability in [0, 1]"}[info.check]
        raise InputError(f"params: {key} {need}, found {first:g}")


def broadcast(model: Model, params: Mapping[str, object] | None = None) -> ParamBatch:
    """Check the override keys and values and broadcast them to one length P (InputError otherwise)."""
    values = model.values()
    given: dict[str, np.ndarray] = {}
    for key, val in (params or {}).items():
        if key not in values and key not in SIZE_KEYS:
            hint = nearest(key, list(values) + list(SIZE_KEYS))
            raise InputError(f"params: unknown parameter '{key}' for model '{model.name}'"
                             + (f"; did you mean '{hint}'?" if hint else ""))
        try:
            arr = np.asarray(val, dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"params: '{key}' must be numbers, found {val!r}") from None
        if arr.ndim > 1:
            raise InputError(f"params: '{key}' must be a number or a 1-D array of patients, found shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise InputError(f"params: '{key}' has a non-finite value")
        check_override(key, arr)
        given[key] = arr
    if all(k in given for k in SIZE_KEYS):
        raise InputError("params: give diagnosis.size or diagnosis.diameter_cm, not both")
    try:
        P = int(np.broadcast_shapes((1,), *(a.shape for a in given.values()))[0])
    except ValueError:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in given.items())
        raise InputError(f"params: arrays do not broadcast to one length P ({shapes})") from None
    return ParamBatch(model=model, P=P, given=given, values=values)
