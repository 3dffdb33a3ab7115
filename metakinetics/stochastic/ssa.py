"""Gillespie's direct method (exact), all trajectories at once.

Every numpy step draws the next event of every still-running path: state X has shape
(species + event-changed parameters, n_paths) and propensities (R, n_paths). Propensities that
depend on time (a deterministic forcing such as the primary's size x(t)) are simulated exactly by
thinning: on each window (between barriers refined so the forcing changes by at most 25%) the
bound max(a(t), a(window end)) is used, and a candidate is accepted with probability
a(candidate time)/bound. This is exact for propensities monotone in t within a window (growth
laws are); a candidate above its bound raises SolverError instead of silently biasing.
Fixed-time events (surgery, a dose) are barriers every path stops at; state-triggered events
fire when their condition turns true.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import SolverError
from ..model.network import Network
from ._setup import (apply_event, check_propensities, check_sim_args, fire_triggers, outputs, prepare,
                     trigger_state)
from .budget import SSA_EVENT_BUDGET, check_ssa_budget
from .result import Ensemble, summarise

#: a thinning candidate may exceed its bound by this relative rounding before it is an error
_BOUND_SLACK = 1e-9


def ssa(net: Network, times, n_paths: int, rng: np.random.Generator | int | None = None, *,
        keep_paths: bool = True, max_steps: int = 20_000_000, max_events: float = SSA_EVENT_BUDGET,
        progress: Callable[[float], None] | None = None) -> Ensemble:
    """Exact stochastic simulation of ``n_paths`` trajectories sampled at ``times``.

    times: increasing times (network units, from t = 0); rng: a Generator or a seed. A run whose
    expected number of events (mean-field estimate, ``info["expected_events"]``) exceeds
    ``max_events`` in all or ``max_steps`` on one path is refused before simulating.
    Returns an :class:`Ensemble` with paths (n_paths, T, species + rules), mean and SD.
    """
    times = check_sim_args(times, n_paths)
    seed = rng if isinstance(rng, (int, np.integer)) else None
    rng = np.random.default_rng(rng)
    prep = prepare(net, times)
    S, R = prep.S, prep.R
    n = int(n_paths)
    per_path = check_ssa_budget(prep, n, max_steps, max_events)
    T = len(times)
    t_end = float(times[-1])
    times_ext = np.concatenate([times, [np.inf]])
    out = np.empty((n, T, S))
    X = np.repeat(prep.x0[:, None], n, axis=1)
    t = np.zeros(n)
    g = np.zeros(n, dtype=np.int64)
    b = np.zeros(n, dtype=np.int64)
    ids = np.arange(n)
    A = np.empty((R, n))
    Ab = np.empty((R, n))
    CS = np.empty((R, n))
    td = prep.td
    has_td = bool(td.any())
    td_rows = np.flatnonzero(td)
    change = prep.change
    bar_t, bar_event = prep.bar_t, prep.bar_event
    trig = trigger_state(prep, X)
    events = 0
    steps = 0
    while ids.size:
        m = ids.size
        if A.shape[1] != m:
            A, Ab, CS = A[:, :m], Ab[:, :m], CS[:, :m]
        tb = bar_t[b]
        prep.prop(X, t, A)
        if has_td:
            prep.prop(X, tb, Ab)
            A[td_rows] = np.maximum(A[td_rows], Ab[td_rows])
        if steps % 256 == 0:
            check_propensities(prep, A)
        # cumulative propensities row by row (numpy's cumsum along axis 0 is slow)
        np.copyto(CS[0], A[0])
        for i in range(1, R):
            np.add(CS[i - 1], A[i], out=CS[i])
        a0 = CS[R - 1]
        e = rng.standard_exponential(m)
        u = rng.random(m)
        with np.errstate(divide="ignore"):
            tn = t + e / a0
        hit = tn >= tb
        tstop = np.where(hit, tb, tn)
        final = hit & (bar_event[b] == -2)
        _record(out, ids, g, times_ext, tstop, final, X, S)
        u *= a0
        j = np.count_nonzero(CS < u, axis=0)
        np.minimum(j, R - 1, out=j)
        j[hit] = R
        if has_td:
            cand = np.flatnonzero(td[np.minimum(j, R - 1)] & ~hit)
            if cand.size:
                Xc = X[:, cand]
                Ac = np.empty((R, cand.size))
                prep.prop(Xc, tn[cand], Ac)
                jc = j[cand]
                num = Ac[jc, np.arange(cand.size)]
                den = A[jc, cand]
                if np.any(num > den * (1 + _BOUND_SLACK) + 1e-300):
                    k = int(np.argmax(num > den * (1 + _BOUND_SLACK)))
                    raise SolverError(
                        f"network '{net.name}': time-dependent propensity of "
                        f"'{net.reactions[jc[k]].name}' exceeded its thinning bound at t = {tn[cand][k]:g} "
                        "(the forcing is not monotone within a window)")
                reject = rng.random(cand.size) * den >= num
                j[cand[reject]] = R
        events += int(m - np.count_nonzero(j == R))
        X += np.take(change, j, axis=1)
        t = tstop
        steps += 1
        if prep.triggers:
            trig = fire_triggers(prep, X, trig, rng)
        if hit.any():
            done = _barriers(prep, X, b, hit, rng)
            if prep.triggers:
                trig = trigger_state(prep, X)
            if done.any():
                keep = ~done
                ids, X, t, g, b = ids[keep], X[:, keep], t[keep], g[keep], b[keep]
                if prep.triggers:
                    trig = trig[:, keep]
                A, Ab, CS = np.empty((R, ids.size)), np.empty((R, ids.size)), np.empty((R, ids.size))
        if steps >= max_steps:
            raise SolverError(f"ssa: {steps} steps without reaching t = {t_end:g} for every path "
                              "(too many events: use tau-leaping or the CLE, or fewer paths/shorter times)")
        if progress is not None and steps % 1000 == 0:
            progress(float(1.0 - ids.size / n) if ids.size else 1.0)
    if progress is not None:
        progress(1.0)
    names, full = outputs(prep, out)
    mean, sd = summarise(full)
    return Ensemble(times, names, mean, sd, n, "ssa", seed, full if keep_paths else None, events,
                    {"steps": steps, "expected_events": per_path * n})


def _record(out, ids, g, times_ext, tstop, final, X, S) -> None:
    """Write the current state into every grid time before ``tstop`` (through the end when final)."""
    while True:
        gt = times_ext[g]
        rec = (gt < tstop) | (final & (gt <= tstop))
        if not rec.any():
            return
        idx = np.flatnonzero(rec)
        out[ids[idx], g[idx]] = X[:S, idx].T
        g[idx] += 1


def _barriers(prep, X, b, hit, rng) -> np.ndarray:
    """Apply the barrier each hitting path reached; advance its barrier index; True = finished."""
    done = np.zeros(hit.shape, dtype=bool)
    hb = b[hit]
    hit_idx = np.flatnonzero(hit)
    for k in np.unique(prep.bar_event[hb]):
        cols = hit_idx[prep.bar_event[hb] == k]
        if k == -2:
            done[cols] = True
        elif k >= 0:
            apply_event(prep, int(k), X, cols, rng)
    b[hit] += 1
    return done
