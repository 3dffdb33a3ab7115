"""Work budgets checked before simulating: the SSA fires one event per numpy step of a path, so
an absurd size or rate would run for hours up to the step cap; the expected number of events is
estimated first and a request beyond the budget is refused with the estimate and a cheaper method.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._setup import Prepared, apply_event

#: Most reaction events one SSA run may be expected to fire (all paths together). The vectorised
#: SSA fires ~1e6 events per second on one core with 100 paths (breast) and 3-8e6 with 1e4 paths
#: (benchmarks/p2_ssa.py), so 1e9 is minutes to ~15 minutes.
SSA_EVENT_BUDGET = 1e9
#: Events per second used to turn an estimate into a duration in messages (the slow end, above).
SSA_EVENTS_PER_SECOND = 1e6


def expected_events_per_path(prep: Prepared) -> float:
    """Expected reaction events of one path from t = 0 to the last output time: the integral of
    the total propensity along the mass-action (mean-field) solution, fixed-time events applied to
    the mean state between pieces, state triggers ignored. Exact for first-order propensities (the
    mean of a linear propensity is the propensity of the mean); an estimate otherwise. Stiff rates
    are fine (LSODA). A negative or non-finite propensity stops the estimate at what was
    integrated (the simulator then refuses it with its own message)."""
    from scipy.integrate import solve_ivp

    rows, R = prep.rows, prep.R
    change = prep.change[:, :R]
    A = np.empty((R, 1))

    class _Invalid(Exception):
        """A propensity is negative or not finite: the simulator reports it with its own message."""

    def rhs(t, y):
        X = np.maximum(y[:rows], 0.0)[:, None]
        with np.errstate(all="ignore"):
            prep.prop(X, t, A)
        a = A[:, 0]
        if not np.all(np.isfinite(a) & (a >= -1e-12 * np.abs(a).max(initial=0.0))):
            raise _Invalid
        a = np.maximum(a, 0.0)
        return np.concatenate([change @ a, [a.sum()]])

    y = np.concatenate([prep.x0, [0.0]])
    t0 = 0.0
    rng = np.random.default_rng(0)   # only for 'survive' thinning of the mean state
    try:
        rhs(0.0, y)
        for t1, k in zip(prep.bar_t, prep.bar_event):
            if k == -1:      # a thinning window of a forcing: no change of state, no need to stop
                continue
            if t1 > t0:
                sol = solve_ivp(rhs, (t0, float(t1)), y, method="LSODA", t_eval=[float(t1)], rtol=1e-3, atol=1e-9)
                if sol.status < 0 or not np.all(np.isfinite(sol.y[:, -1])):
                    return float(y[-1])      # what was integrated: the simulator meets the trouble itself
                y = sol.y[:, -1]
                t0 = float(t1)
            if k >= 0:
                X = np.maximum(y[:rows], 0.0)[:, None].copy()
                apply_event(prep, int(k), X, np.array([0]), rng)
                y = np.concatenate([X[:, 0], y[rows:]])
    except _Invalid:
        pass
    return float(y[-1])


def check_ssa_budget(prep: Prepared, n_paths: int, max_steps: int, budget: float = SSA_EVENT_BUDGET) -> float:
    """Refuse an SSA run whose expected events exceed ``budget`` in all or ``max_steps`` on one
    path (the step cap); returns the expected events per path."""
    per = expected_events_per_path(prep)
    total = per * n_paths
    t_end = float(prep.times[-1])
    hint = "use method 'tau' or 'cle' (fixed steps), fewer paths or a shorter horizon"
    if per > max_steps:
        raise InputError(f"ssa: one path of network '{prep.net.name}' would fire ~{per:.3g} reaction events up "
                         f"to t = {t_end:g} (mean-field estimate), beyond the step cap {max_steps:,}; {hint}")
    if total > budget:
        raise InputError(f"ssa: network '{prep.net.name}' would fire ~{total:.3g} reaction events "
                         f"({per:.3g} per path x {n_paths:,} paths up to t = {t_end:g}, mean-field estimate; "
                         f"~{total / SSA_EVENTS_PER_SECOND / 3600:.2g} h), beyond the budget of {budget:.0e}; {hint}")
    return per


#: Most fixed steps one tau-leaping or CLE run may take: the step grid is held in memory (8 bytes a
#: step) and every step costs ~70 us of numpy overhead whatever the paths (1e7 steps: 80 MB, ~12 min).
MAX_FIXED_STEPS = 10_000_000
#: Most path x reaction x step updates of one run (~4e7 per second measured on breast: ~40 min).
MAX_FIXED_WORK = 1e11


def check_step_budget(method: str, span: float, step: float, n_paths: int, reactions: int) -> None:
    """Refuse a fixed-step run (tau, cle) whose step count or work exceeds the budgets above,
    before the step grid is built (``--step 1e-12`` over 10 years asked for 1e13 steps)."""
    steps = span / step
    work = steps * n_paths * max(reactions, 1)
    if steps > MAX_FIXED_STEPS or work > MAX_FIXED_WORK:
        least = max(span / MAX_FIXED_STEPS, span * n_paths * max(reactions, 1) / MAX_FIXED_WORK)
        raise InputError(f"{method}: step {step:g} over {span:g} time units is {steps:.3g} steps x {n_paths:,} paths "
                         f"x {reactions} reactions: ~{steps * 8 / 1e9:.3g} GB for the step grid and "
                         f"~{max(steps * 7e-5, work / 4e7) / 3600:.3g} h; the budget is {MAX_FIXED_STEPS:.0e} steps "
                         f"and {MAX_FIXED_WORK:.0e} path-reaction-steps: use a step of at least {least:.3g}")
