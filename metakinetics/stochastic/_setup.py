"""Shared set-up of every network simulator: compiled propensities, state layout, barriers
(fixed-time events, forcing windows, the end), event application and output rules."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..timegrid import check_times
from ..errors import InputError, SolverError
from ..model.network import Network
from ..seeds import check_seed  # noqa: F401  (re-exported: the simulators check seeds here)
from ..symbolic.network_compile import compile_propensities

#: largest ratio of a forcing across one thinning window (bounds the rejection rate by 1 - 1/ratio)
WINDOW_RATIO = 1.25
MAX_REFINE = 4096


@dataclass
class Prepared:
    """Everything the simulators need, computed once per (network, times)."""

    net: Network
    times: np.ndarray
    S: int
    rows: int
    R: int
    prop: object
    change: np.ndarray        # (rows, R + 1): column R is "no reaction"
    x0: np.ndarray            # (rows,)
    td: np.ndarray            # (R,) time-dependent propensities
    bar_t: np.ndarray         # barrier times, sorted, last = times[-1]
    bar_event: np.ndarray     # event index at each barrier, -1 none, -2 the end
    triggers: tuple           # (event index, Trigger) for state-triggered events
    env_static: dict


def check_sim_args(times, n_paths: int) -> np.ndarray:
    t = check_times(times)
    if isinstance(n_paths, bool) or int(n_paths) != n_paths or n_paths < 1:
        raise InputError(f"n_paths: expected a whole number >= 1, found {n_paths!r}")
    return t


def prepare(net: Network, times, *, refine: bool = True) -> Prepared:
    times = np.asarray(times, dtype=float)
    S = len(net.species)
    dyn = net.dynamic_parameters
    rows = S + len(dyn)
    R = len(net.reactions)
    change = np.zeros((rows, R + 1))
    change[:S, :R] = net.stoichiometry.T
    pv = net.parameter_values
    x0 = np.concatenate([net.initial, [pv[p] for p in dyn]])
    td = net.time_dependent
    t_end = float(times[-1])
    ev_times = [(e.time, i) for i, e in enumerate(net.events) if e.time is not None and e.time <= t_end]
    pts: list[tuple[float, int]] = []
    if td.any() and refine:
        pts += [(float(x), -1) for x in _forcing_windows(net, times, [et for et, _ in ev_times])]
    pts += [(float(et), i) for et, i in ev_times]
    # at equal times: window boundaries first, then events in file order, the end last
    pts.sort(key=lambda p: (p[0], 0 if p[1] == -1 else 1, p[1]))
    pts.append((t_end, -2))
    bar_t = np.array([p[0] for p in pts])
    bar_event = np.array([p[1] for p in pts], dtype=np.int64)
    triggers = tuple((i, e.trigger) for i, e in enumerate(net.events) if e.trigger is not None)
    env_static = {p: v for p, v in pv.items() if p not in dyn}
    return Prepared(net, times, S, rows, R, compile_propensities(net), change, x0, td, bar_t, bar_event,
                    triggers, env_static)


def _forcing_windows(net: Network, times: np.ndarray, event_times) -> np.ndarray:
    """Window boundaries on which every forcing changes by at most WINDOW_RATIO (bisection)."""
    base = np.unique(np.concatenate([[0.0], times, np.asarray(event_times, dtype=float)]))
    base = base[base <= times[-1]]
    env = dict(net.parameter_values)
    out = [base[:1]]
    for a, b in zip(base[:-1], base[1:]):
        m = 1
        while True:
            grid = np.linspace(a, b, m + 1)
            worst = 1.0
            for _, f in net.forcings:
                v = np.abs(np.broadcast_to(np.asarray(f.evaluate({**env, "t": grid}), dtype=float), grid.shape))
                if not np.all(np.isfinite(v)):
                    raise SolverError(f"forcing of network '{net.name}' is not finite on [{a:g}, {b:g}]")
                lo, hi = np.minimum(v[:-1], v[1:]), np.maximum(v[:-1], v[1:])
                with np.errstate(divide="ignore", invalid="ignore"):
                    ratio = np.where(hi > 0, hi / np.where(lo > 0, lo, np.inf), 1.0)
                ratio = np.where(lo > 0, ratio, np.where(hi > 0, np.inf, 1.0))
                worst = max(worst, float(ratio.max()))
            if worst <= WINDOW_RATIO or m >= MAX_REFINE:
                break
            m *= 2
        out.append(grid[1:])
    return np.concatenate(out)


def env_of(prep: Prepared, X: np.ndarray) -> dict:
    """Names -> values for evaluating event expressions on the columns of X (rows, m)."""
    return {**prep.env_static, **dict(zip(prep.net.species_names, X[:prep.S])),
            **dict(zip(prep.net.dynamic_parameters, X[prep.S:]))}


def apply_event(prep: Prepared, k: int, X: np.ndarray, cols, rng: np.random.Generator) -> None:
    """Apply event k to the columns ``cols`` of X in place (values from before the event)."""
    ev = prep.net.events[k]
    sub = X[:, cols]
    env = env_of(prep, sub)
    names = prep.net.species_names
    dyn = prep.net.dynamic_parameters
    new = []
    for target, expr in ev.assignments:
        val = np.broadcast_to(np.asarray(expr.evaluate(env), dtype=float), sub.shape[1:])
        row = names.index(target) if target in names else prep.S + dyn.index(target)
        new.append((row, val.copy()))
    for row, val in new:
        sub[row] = val
    for target, expr in ev.survive:
        p = float(np.asarray(expr.evaluate(env)))
        if not 0.0 <= p <= 1.0:
            raise SolverError(f"event '{ev.name}': survival probability {p:g} for '{target}' is not in [0, 1]")
        row = names.index(target)
        sub[row] = rng.binomial(np.maximum(sub[row], 0).astype(np.int64), p)
    X[:, cols] = sub


def trigger_state(prep: Prepared, X: np.ndarray) -> np.ndarray:
    """(n_triggers, m) booleans: which state conditions hold for each column of X."""
    if not prep.triggers:
        return np.zeros((0, X.shape[1]), dtype=bool)
    env = env_of(prep, X)
    return np.array([np.broadcast_to(tr.evaluate(env), X.shape[1:]) for _, tr in prep.triggers], dtype=bool)


def fire_triggers(prep: Prepared, X: np.ndarray, before: np.ndarray, rng) -> np.ndarray:
    """Fire state-triggered events whose condition went from false to true; returns the new state."""
    now = trigger_state(prep, X)
    for q, (k, _) in enumerate(prep.triggers):
        up = np.flatnonzero(now[q] & ~before[q])
        if up.size:
            apply_event(prep, k, X, up, rng)
    return trigger_state(prep, X) if prep.triggers else now


def outputs(prep: Prepared, paths: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """Append assignment-rule outputs to species paths (n, T, S) -> (names, (n, T, S + rules))."""
    net = prep.net
    names = net.species_names
    if not net.rules:
        return names, paths
    env = {**net.parameter_values, **{s: paths[:, :, i] for i, s in enumerate(names)}}
    extra = [np.broadcast_to(np.asarray(e.evaluate(env), dtype=float), paths.shape[:2]) for _, e in net.rules]
    return names + tuple(n for n, _ in net.rules), np.concatenate([paths, np.stack(extra, axis=2)], axis=2)


def check_propensities(prep: Prepared, A: np.ndarray) -> None:
    bad = ~(A[:prep.R] >= 0)
    if bad.any():
        j = int(np.argmax(bad.any(axis=1)))
        v = A[j][bad[j]][0]
        raise SolverError(f"network '{prep.net.name}': propensity of reaction "
                          f"'{prep.net.reactions[j].name}' is {v:g} (must be finite and >= 0)")


def fastest_decay_rate(prep: Prepared) -> float:
    """Largest first-order rate (per unit time) at which the drift N a(x) pulls the initial state
    back: max |lambda| over the eigenvalues with negative real part of the drift's Jacobian in the
    species, by finite differences of the compiled propensities at t = 0 (exact for first-order,
    i.e. linear, propensities; a state-dependent rate is measured at the initial state). 0 when
    nothing decays. Explicit steps (Euler-Maruyama, Euler) are stable only for rate * step < 2."""
    S, R = prep.S, prep.R
    if R == 0 or S == 0:
        return 0.0
    x0 = prep.x0
    # one column per species, each perturbed by a whole cell (or 1e-3 of a large count)
    d = np.maximum(1.0, 1e-3 * np.abs(x0[:S]))
    X = np.repeat(x0[:, None], S + 1, axis=1)
    X[np.arange(S), np.arange(1, S + 1)] += d
    A = np.empty((R, S + 1))
    with np.errstate(all="ignore"):
        prep.prop(X, 0.0, A)
        dA = (A[:, 1:] - A[:, :1]) / d          # (R, S): d a_j / d x_k
    if not np.all(np.isfinite(dA)):
        return 0.0
    J = prep.change[:S, :R] @ dA                 # (S, S) Jacobian of the drift
    lam = np.linalg.eigvals(J)
    decay = np.abs(lam[lam.real < 0])
    return float(decay.max()) if decay.size else 0.0
