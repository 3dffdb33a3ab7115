"""Argument checks shared by every population entry point: times, method, endpoint."""
from __future__ import annotations


from ..endpoints import Endpoint, endpoint_from_name
from ..errors import InputError
from ..model import Model
from ..timegrid import check_times  # noqa: F401  (re-exported: population.check_times)

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


def as_endpoint(endpoint) -> Endpoint:
    """An Endpoint from an object or its name."""
    if isinstance(endpoint, Endpoint):
        return endpoint
    if isinstance(endpoint, str):
        return endpoint_from_name(endpoint)
    raise InputError(f"endpoint must be an Endpoint or a name, found {type(endpoint).__name__}")
