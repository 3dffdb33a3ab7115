"""Argument checks shared by every population entry point: times, method, endpoint."""
from __future__ import annotations

import numpy as np

from ..endpoints import Endpoint, endpoint_from_name
from ..errors import InputError
from ..model import Model

METHODS = ("auto", "closed-form", "numeric", "monte-carlo")


def check_method(method) -> str:
    """The method's name, one of METHODS (InputError otherwise)."""
    name = getattr(method, "name", method)
    if name not in METHODS:
        raise InputError(f"unknown method '{name}' (expected one of {', '.join(METHODS)})")
    return name


def closed_form_available(model: Model) -> bool:
    """Closed-form M_k: exponential primary and deterministic exponential colonies."""
    return model.primary.growth == "exponential" and all(o.growth == "exponential" for o in model.organs)


def use_closed_form(model: Model, method: str) -> bool:
    """Whether ``method`` (a checked name) computes M_k in closed form for ``model``."""
    if method == "closed-form":
        if not closed_form_available(model):
            raise InputError(f"no closed form for model '{model.name}' (needs an exponential primary and "
                             "exponential colonies); use --method numeric")
        return True
    return method == "auto" and closed_form_available(model)


def check_times(times, *, what: str = "times", diameters: bool = False) -> np.ndarray:
    """A strictly increasing 1-D float array of finite times >= 0 (diameters > 0)."""
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
        raise InputError(f"{what}: {'diameters must be positive' if diameters else 'times must be zero or positive'},"
                         f" found {t[t <= 0 if diameters else t < 0][0]:g}")
    if np.any(np.diff(t) <= 0):
        i = int(np.argmax(np.diff(t) <= 0))
        raise InputError(f"{what}: values must be strictly increasing ({t[i]:g} then {t[i + 1]:g})")
    return t


def as_endpoint(endpoint) -> Endpoint:
    """An Endpoint from an object or its name."""
    if isinstance(endpoint, Endpoint):
        return endpoint
    if isinstance(endpoint, str):
        return endpoint_from_name(endpoint)
    raise InputError(f"endpoint must be an Endpoint or a name, found {type(endpoint).__name__}")
