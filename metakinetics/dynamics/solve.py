"""``solve`` and ``diagnosis_time``: the contract stated in ``metakinetics.dynamics``.

Absolute time t is years since the primary was x0 cells. Diagnosis at t_dx (primary reaches
diagnosis.size), surgery at t_s = t_dx + surgery_delay removes the primary and multiplies every
dormant pool by (1 - kill_dormant).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import InputError, SolverError
from ..model.spec import Model
from ..timegrid import check_times
from ..symbolic import compile as comp
from ..model.params import PatientParams, resolve
from .args import columns, structure_of
from .trajectory import Trajectory

METHODS = ("auto", "closed-form", "semi-analytic", "ode")


def _t_dx(p: PatientParams) -> np.ndarray:
    return np.asarray(comp.diagnosis_time(structure_of(p))(p.size, *columns(p)[:3]), dtype=float) \
        * np.ones(p.n)


def diagnosis_time(model: Model, params: Mapping | None = None) -> np.ndarray:
    """t_dx (years), shape (P,): when the primary reaches diagnosis.size, closed form per growth law."""
    return _t_dx(resolve(model, params))


def solve(model: Model, times, params: Mapping | None = None, *, method: str = "auto",
          surgery: bool = True) -> Trajectory:
    """Expected x, C, D_k and founded colonies at ``times`` (years since onset) for P parameter sets.

    method: "auto" (closed form if available, else semi-analytic), "closed-form" (exponential
    primary), "semi-analytic" (fast, vectorised), "ode" (scipy solve_ivp LSODA, the reference).
    """
    if method not in METHODS:
        raise InputError(f"method: unknown '{method}' (expected one of {', '.join(METHODS)})")
    t = check_times(times)
    p = resolve(model, params)
    t_dx = _t_dx(p)
    t_s = t_dx + p.delay
    t_cut = t_s if surgery else np.full(p.n, np.inf)
    if method == "auto":
        from .semi_analytic import series_order

        if comp.chain(structure_of(p)) is not None:
            method = "closed-form"
        else:  # the series needs kappa >> the log-rate of shedding; otherwise the ODE reference
            method = "semi-analytic" if series_order(p) is not None else "ode"
    if method == "ode":
        from .ode import solve_ode

        y = solve_ode(p, t, t_cut)
        x, C, D, A = y[..., 0], y[..., 1], y[..., 2:2 + p.f.shape[1]], y[..., 2 + p.f.shape[1]:]
    elif method == "closed-form":
        from .closed import solve_closed_form

        x, C, D, A = solve_closed_form(p, t, t_cut)
    else:
        from .semi_analytic import solve_semi_analytic

        x, C, D, A = solve_semi_analytic(p, t, t_cut)
    x = np.where(t[None, :] >= t_cut[:, None], 0.0, x)
    rate = (p.eps * p.wake)[:, None, :] * D
    traj = Trajectory(times=t, organs=model.organ_names, x=x, C=C, D=D, founded=A, founding_rate=rate,
                      t_dx=t_dx, t_s=t_s, method=method)
    for name in ("x", "C", "D", "founded"):
        if not np.all(np.isfinite(getattr(traj, name))):
            raise SolverError(f"{method} solver produced non-finite values of {name}")
    return traj
