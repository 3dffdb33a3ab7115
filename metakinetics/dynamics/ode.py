"""The independent numeric reference: scipy solve_ivp (stiff LSODA/Radau/BDF) on the full ODE.

Clearance (~4000/yr) against growth (0.1-3/yr) makes the system stiff, so a stiff method with the
analytic sympy Jacobian is used. Surgery is an event at t_s: the primary is removed (x = 0,
shedding stops) and dormant pools are multiplied by (1 - kill_dormant); endocrine therapy is a
second event at t_s + endocrine_years, with the wake and dormant death rates of the therapy between the two
(docs/model.md, "Endocrine therapy"). One solve per parameter
set (the reference path; the fast path is :func:`metakinetics.model.chain.chain`).
"""
from __future__ import annotations

import numpy as np
from dataclasses import replace

from scipy.integrate import solve_ivp

from ..errors import SolverError
from ..symbolic.compile import ode_functions
from ..model.params import PatientParams
from .args import row, structure_of

#: Default tolerances: rtol 1e-10 keeps the reference ~1e-8 relative (P1 checks it at 1e-6);
#: atol tiny so components that start at 0 are still resolved relatively once they grow.
RTOL = 1e-10
ATOL = 1e-30


def _with_seeding(rhs, jac, K: int, g: np.ndarray, birth: np.ndarray):
    """(rhs, jac) of the states (x, C, D, A, S) from those of (x, C, D, A): S_k (cells/year) is
    the shedding of organ k's colonies, sum_i mu'_k y_i^gamma' over its colonies y_i = e^{lambda_k a_i};
    in expectation dS_k/dt = g_k S_k + mu'_k a_k (g_k = gamma' lambda_k; a new colony adds mu'_k,
    a_k = eps_k omega_k D_k its founding rate) and dC/dt gains sum_k S_k: the exact mean of every
    generation of metastasis-to-metastasis seeding (a linear system)."""
    n = 2 + 2 * K

    def f(t, y, *args):
        base = np.asarray(rhs(t, y[:n], *args), dtype=float)
        S = y[n:]
        base[1] += S.sum()
        return np.concatenate([base, g * S + birth * y[2:2 + K]])

    def J(t, y, *args):
        out = np.zeros((n + K, n + K))
        out[:n, :n] = np.asarray(jac(t, y[:n], *args), dtype=float)
        out[1, n:] = 1.0
        out[n:, n:] = np.diag(g)
        out[n + np.arange(K), 2 + np.arange(K)] = birth
        return out

    return f, J


def solve_ode(p: PatientParams, times: np.ndarray, t_s: np.ndarray, *, stiff_method: str = "LSODA",
              rtol: float = RTOL, atol: float = ATOL):
    """States (P, T, 2 + 2K) at ``times``; integration from t = 0, surgery at t_s (inf: none). With
    metastasis-to-metastasis seeding the colonies' shedding is integrated too (K more states, not
    returned): C, D and A then hold every generation."""
    structure = structure_of(p)
    K = structure.n_organs
    rhs1, jac1 = ode_functions(structure, True)
    rhs0, jac0 = ode_functions(structure, False)
    out = np.empty((p.n, times.size, 2 + 2 * K))
    slowed = replace(p, **dict(zip(("wake", "dormant_death"), p.therapy_rates()))) if p.endocrine.any() else None
    for i in range(p.n):
        args = row(p, i)
        window = (float(p.endocrine_years[i]), row(slowed, i)) if p.endocrine[i] else None
        fns = (rhs1, jac1, rhs0, jac0)
        if p.secondary:
            g = p.secondary_gamma[i] * p.colony_rate[i]
            birth = p.secondary_shedding[i] * p.eps[i] * p.wake[i]
            fns = _with_seeding(rhs1, jac1, K, g, birth) + _with_seeding(rhs0, jac0, K, g, birth)
        y = np.zeros(2 + (3 if p.secondary else 2) * K)
        y[0] = p.x0[i]
        out[i] = _solve_one(*fns, args, y, p, i, t_s[i], times, stiff_method, rtol, atol, window)[:, :2 + 2 * K]
    return out


def _solve_one(rhs1, jac1, rhs0, jac0, args, y, p: PatientParams, i: int, ts: float, times, method, rtol, atol,
               window=None):
    """One parameter set's states at ``times`` from ``y`` at t = 0: the primary in place until
    ``ts``, then removed (x = 0) and every dormant pool kept w.p. 1 - kill_dormant. ``window``:
    (years, arguments with the slowed wake rates) of endocrine therapy from ``ts``, or None."""
    K = len(p.organs)
    out = np.empty((times.size, y.size))
    if ts > times[-1]:
        return _integrate(rhs1, jac1, args, 0.0, times[-1], y, times, method, rtol, atol)
    before = times < ts
    out[before] = _integrate(rhs1, jac1, args, 0.0, ts, y, times[before], method, rtol, atol, end_state=True,
                             out_end=y)
    y[0] = 0.0
    y[2:2 + K] *= 1.0 - p.kill_by_organ[i]
    if window is not None:
        end = ts + window[0]
        during = ~before & (times < end)
        out[during] = _integrate(rhs0, jac0, window[1], ts, min(end, times[-1]), y, times[during], method, rtol,
                                 atol, end_state=True, out_end=y)
        if end >= times[-1]:
            return out
        ts, before = end, before | during
    out[~before] = _integrate(rhs0, jac0, args, ts, times[-1], y, times[~before], method, rtol, atol)
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
