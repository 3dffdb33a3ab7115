"""The one check of a time grid (years) or a list of diameters (cm) a user passes in."""
from __future__ import annotations

import numpy as np

from .errors import InputError


def check_times(times, *, what: str = "times", diameters: bool = False) -> np.ndarray:
    """A strictly increasing 1-D float array of finite times >= 0 (diameters > 0).

    Parameters
    ----------
    times : array_like
        Years (or diameters in cm with ``diameters=True``).
    what : str
        The argument's name in error messages.
    diameters : bool
        Values must be strictly positive.

    Returns
    -------
    numpy.ndarray
        The checked values as floats (InputError naming ``what`` and the reason otherwise).
    """
    if isinstance(times, (str, bytes, dict)) or np.iscomplexobj(times):
        raise InputError(f"{what}: expected numbers, found {type(times).__name__} {times!r}")
    try:
        t = np.atleast_1d(np.asarray(times, dtype=float))
    except (TypeError, ValueError):
        raise InputError(f"{what}: expected numbers, found {times!r}") from None
    if t.ndim != 1 or t.size == 0:
        raise InputError(f"{what}: expected a 1-D list of at least one value")
    if not np.all(np.isfinite(t)):
        raise InputError(f"{what}: values must be finite numbers")
    if np.any(t < 0) or (diameters and np.any(t <= 0)):
        bad = t[t <= 0 if diameters else t < 0][0]
        raise InputError(f"{what}: {'diameters must be positive' if diameters else 'times must be zero or positive (>= 0)'},"
                         f" found {bad:g}")
    if np.any(np.diff(t) <= 0):
        i = int(np.argmax(np.diff(t) <= 0))
        raise InputError(f"{what}: values must be strictly increasing ({t[i]:g} then {t[i + 1]:g})")
    return t
