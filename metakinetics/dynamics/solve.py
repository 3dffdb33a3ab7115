"""``solve`` and ``diagnosis_time``: the contract stated in ``metakinetics.dynamics``.

Absolute time t is years since the primary was x0 cells. Diagnosis at t_dx (primary reaches
diagnosis.size), surgery at t_s = t_dx + surgery_delay removes the primary and multiplies every
dormant pool by (1 - kill_dormant); endocrine therapy slows waking for its years after surgery
(the semi-analytic and ODE methods; the sympy closed forms have one wake rate and refuse it).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import InputError, SolverError
from ..model.spec import Model
from ..timegrid import check_times
from ..model.chain import chain, wake_factor
from ..model.colony_shedding import exponential_colonies
from ..model.params import one_patient, resolve
from .trajectory import Trajectory

METHODS = ("auto", "closed-form", "semi-analytic", "ode")


def diagnosis_time(model: Model, params: Mapping | None = None) -> np.ndarray:
    """t_dx (years), shape (P,): when the primary reaches diagnosis.size, closed form per growth law."""
    return resolve(model, params).diagnosis_time()


def solve(model: Model, times, params: Mapping | None = None, *, method: str = "auto",
          surgery: bool = True) -> Trajectory:
    """Expected x, C, D_k and founded colonies at ``times`` (years since onset) for P parameter sets.

    method: "auto" (closed form if available, else semi-analytic; "ode" with metastasis-to-metastasis
    seeding), "closed-form" (exponential primary, sympy sums of exponentials), "semi-analytic" (fast,
    vectorised: the shedding moments of :mod:`metakinetics.model.chain`, shared with incidence),
    "ode" (scipy solve_ivp LSODA, the reference; with seeding the colonies' shedding is integrated
    too, so C, D and the founded colonies hold every generation).
    """
    if method not in METHODS:
        raise InputError(f"method: unknown '{method}' (expected one of {', '.join(METHODS)})")
    t = check_times(times)
    one_patient(model, "solve", seeding=False)
    p = resolve(model, params)
    t_dx = p.diagnosis_time()
    t_s = t_dx + p.delay
    t_cut = t_s if surgery else np.full(p.n, np.inf)
    endocrine = surgery and bool(p.endocrine.any())
    if method == "auto":
        method = "ode" if p.secondary else "closed-form" if p.law.name == "exponential" and not endocrine \
            else "semi-analytic"
    if endocrine and method == "closed-form":
        raise InputError("solve: method 'closed-form' has one wake rate per organ; with endocrine therapy "
                         "(treatment.endocrine_wake < 1) use method 'semi-analytic' (exact) or 'ode'")
    if p.secondary and not exponential_colonies(p):
        law = next(n for n, on in zip(p.colony_laws, p.secondary_shedding.any(axis=0)) if on and n != "exponential")
        raise InputError(f"solve: the mean dynamics with metastasis-to-metastasis seeding need exponential colonies "
                         f"(the shedding mu' y^gamma' of {law} colonies is not linear in the colony counts); use "
                         f"incidence or the cohort simulator")
    if p.secondary and method != "ode":
        raise InputError(f"solve: method '{method}' follows the primary's colonies only; with metastasis-to-"
                         f"metastasis seeding (secondary_shedding > 0) use method 'ode' (or 'auto'), which "
                         f"integrates the mean of every generation")
    K = len(p.organs)
    if method == "ode":
        from .ode import solve_ode

        y = solve_ode(p, t, t_cut)
        x, C, D, A = y[..., 0], y[..., 1], y[..., 2:2 + K], y[..., 2 + K:]
    elif method == "closed-form":
        from .closed import solve_closed_form

        C, D, A = solve_closed_form(p, t, t_cut)
        x = np.exp(p.log_size(np.broadcast_to(t, (p.n, t.size))))
    else:
        C, D, A = chain(p, np.broadcast_to(t[None, :, None], (p.n, t.size, 1)), t_cut,
                        closed=p.law.name == "exponential", knots=t)
        C = C[..., 0]
        x = np.exp(p.log_size(np.broadcast_to(t, (p.n, t.size))))
    x = np.where(t[None, :] >= t_cut[:, None], 0.0, x)
    rate = (p.eps * p.wake)[:, None, :] * D
    if endocrine:
        rate = rate * wake_factor(p, np.broadcast_to(t[None, :, None], (p.n, t.size, 1)))
    traj = Trajectory(times=t, organs=model.organ_names, x=x, C=C, D=D, founded=A, founding_rate=rate,
                      t_dx=t_dx, t_s=t_s, method=method)
    for name in ("x", "C", "D", "founded"):
        if not np.all(np.isfinite(getattr(traj, name))):
            raise SolverError(f"{method} solver produced non-finite values of {name}")
    return traj
