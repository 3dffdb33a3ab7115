"""The independent numeric reference: scipy solve_ivp (stiff LSODA/Radau/BDF) on the full ODE.

Clearance (~4000/yr) against growth (0.1-3/yr) makes the system stiff, so a stiff method with the
analytic sympy Jacobian is used. Surgery is an event at t_s: the primary is removed (x = 0,
shedding stops) and dormant pools are multiplied by (1 - kill_dormant). One solve per parameter
set (the reference path; the fast path is :func:`metakinetics.model.chain.chain`).
"""
from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from ..errors import SolverError
from ..symbolic.compile import ode_functions
from ..model.params import PatientParams
from .args import row, structure_of

#: Default tolerances: rtol 1e-10 keeps the reference ~1e-8 relative (P1 checks it at 1e-6);
#: atol tiny so components that start at 0 are still resolved relatively once they grow.
RTOL = 1e-10
ATOL = 1e-30


def solve_ode(p: PatientParams, times: np.ndarray, t_s: np.ndarray, *, stiff_method: str = "LSODA",
              rtol: float = RTOL, atol: float = ATOL):
    """States (P, T, 2 + 2K) at ``times``; integration from t = 0, surgery at t_s (inf: none)."""
    structure = structure_of(p)
    K = structure.n_organs
    rhs1, jac1 = ode_functions(structure, True)
    rhs0, jac0 = ode_functions(structure, False)
    out = np.empty((p.n, times.size, 2 + 2 * K))
    for i in range(p.n):
        args = row(p, i)
        y = np.zeros(2 + 2 * K)
        y[0] = p.x0[i]
        ts = t_s[i]
        if ts > times[-1]:  # no surgery within the output window
            out[i] = _integrate(rhs1, jac1, args, 0.0, times[-1], y, times, stiff_method, rtol, atol)
            continue
        before = times < ts
        out[i, before] = _integrate(rhs1, jac1, args, 0.0, ts, y, times[before],
                                    stiff_method, rtol, atol, end_state=True, out_end=y)
        y[0] = 0.0
        y[2:2 + K] *= 1.0 - p.kill_dormant[i]
        after = ~before
        out[i, after] = _integrate(rhs0, jac0, args, ts, times[-1], y, times[after], stiff_method,
                                   rtol, atol)
    return out


def _integrate(rhs, jac, row, t0, t1, y0, t_eval, method, rtol, atol, *, end_state=False, out_end=None):
    """Solve from t0 to t1, values at t_eval; with end_state, write the state at t1 into out_end."""
    def f(t, y):
        return np.asarray(rhs(t, y, *row), dtype=float)

    def J(t, y):
        return np.asarray(jac(t, y, *row), dtype=float)

    if t1 <= t0:
        return np.repeat(y0[:, None], t_eval.size, axis=1).T
    evals = np.clip(np.concatenate([t_eval, [t1]]) if end_state else t_eval, t0, t1)
    sol = solve_ivp(f, (t0, t1), y0, method=method, jac=J, t_eval=evals, rtol=rtol, atol=atol)
    if not sol.success:
        raise SolverError(f"ODE solver ({method}) failed between t = {t0:g} and {t1:g} years: {sol.message}")
    if not np.all(np.isfinite(sol.y)):
        raise SolverError(f"ODE solver ({method}) produced non-finite values")
    if end_state:
        out_end[:] = sol.y[:, -1]
        return sol.y[:, :-1].T
    return sol.y.T
