"""The public verbs ``solve`` and ``incidence`` (``metakinetics.simulate`` is ``stochastic.simulate``).

Each accepts a model as a :class:`Model`, a bundled name or a path, plus dotted-key overrides;
checks that model, endpoint and method fit together; dispatches to ``dynamics`` or
``population``; and returns a result that records the name of the method used.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .endpoints import Endpoint, endpoint_from_name
from .errors import InputError
from .methods import Method
from .model import Model, load_model


def _model(model: Model | str, overrides: Mapping[str, Any] | None) -> Model:
    if isinstance(model, Model):
        return model.with_values(dict(overrides)) if overrides else model
    return load_model(model, overrides=overrides)


def _method_name(method: str | Method) -> str:
    return method.name if isinstance(method, Method) else str(method)


def solve(model: Model | str, times, *, params=None, method: str | Method = "auto",
          surgery: bool = True, overrides: Mapping[str, Any] | None = None):
    """Expected compartments x, C, D_k and founded colonies at ``times`` (years since onset).

    Returns a ``dynamics.Trajectory``; ``params`` maps dotted keys to per-patient arrays (P,).
    """
    from .dynamics import solve as _solve

    return _solve(_model(model, overrides), times, params, method=_method_name(method), surgery=surgery)


def incidence(model: Model | str, endpoint: str | Endpoint = "any", times=None, *,
              method: str | Method = "auto", individual: bool = False, landmark: float | None = None,
              patients: int | None = None, seed=None, nodes=None, overrides: Mapping[str, Any] | None = None):
    """Incidence of ``endpoint`` (``any``, ``first``, ``distant``, ``at_diagnosis``, ``site_share``,
    ``by_size``; ``landmark`` years for the landmark version) at ``times`` years after diagnosis.

    method: ``auto`` | ``closed-form`` | ``numeric`` | ``monte-carlo`` (or a ``methods`` object;
    ``MonteCarlo(patients, seed)`` carries its own size and seed). Returns a
    ``population.IncidenceResult`` (values shaped (time, organ)).
    """
    from .methods import MonteCarlo
    from .population import incidence as _incidence

    mod = _model(model, overrides)
    ep = endpoint_from_name(endpoint, landmark=landmark) if isinstance(endpoint, str) else endpoint
    if isinstance(endpoint, Endpoint) and landmark is not None:
        raise InputError("give the landmark either inside the endpoint object or as landmark=, not both")
    if times is None:
        raise InputError("times: give the times (years after diagnosis) at which to compute incidence")
    if isinstance(method, MonteCarlo):
        patients = method.patients if patients is None else patients
        seed = method.seed if seed is None else seed
    return _incidence(mod, ep, times, individual=individual, method=_method_name(method),
                      nodes=nodes, patients=patients, seed=seed)
