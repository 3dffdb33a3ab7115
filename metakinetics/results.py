"""The result protocol every verb's result follows, and its one ``to_frame`` implementation.

A result has ``times`` (T,), ``columns`` (names), ``values`` of shape (T, columns) or
(sets, T, columns), ``method`` (the name of what computed it) and ``to_frame()`` for pandas
users (pandas is optional: it is imported only here, on demand).
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from .errors import InputError


@runtime_checkable
class Result(Protocol):
    """What ``solve``, ``incidence`` and ``simulate`` return."""

    times: np.ndarray
    method: str

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the value columns (organs, outputs or compartments)."""

    @property
    def values(self) -> np.ndarray:
        """The numbers: (T, columns), or (sets, T, columns) for several parameter sets."""

    def to_frame(self):
        """A pandas DataFrame: one row per time (and set), one column per name (needs pandas)."""


def frame(times, columns, values, *, time_name: str = "time", set_name: str = "set", extra=None):
    """A pandas DataFrame: one row per time (and per set for 3-D values), one column per name;
    ``extra`` adds named (T, V)-shaped arrays as ``<name>_<column>`` columns."""
    try:
        import pandas as pd
    except ImportError:
        raise InputError("to_frame needs pandas (pip install pandas)") from None
    values = np.asarray(values)
    times = np.asarray(times)
    if values.ndim == 2:
        data = {time_name: times, **{c: values[:, j] for j, c in enumerate(columns)}}
        for name, arr in (extra or {}).items():
            data.update({f"{c}_{name}": np.asarray(arr)[:, j] for j, c in enumerate(columns)})
        return pd.DataFrame(data)
    n, T = values.shape[:2]
    data = {set_name: np.repeat(np.arange(n), T), time_name: np.tile(times, n)}
    data.update({c: values[:, :, j].reshape(-1) for j, c in enumerate(columns)})
    return pd.DataFrame(data)
