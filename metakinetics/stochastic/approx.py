"""Approximate network simulators on a fixed step, all trajectories at once: tau-leaping and the
chemical Langevin equation (Euler-Maruyama).

Both step every path together on a grid that contains the output times and the event times.
Tau-leaping fires Poisson(a_j(t + h/2) h) of each reaction per leap (midpoint rule for
time-dependent propensities); a leap that would make a species negative is redone for those paths
as two half leaps (counted in ``info["halved"]``; down to h / 2^12, after which negatives are set
to 0 and the paths counted in ``info["clipped"]``). The CLE steps dX = N a dt + N diag(sqrt(a)) dW;
it is a diffusion approximation, good when every reaction fires many times per step and
populations are large; values are kept >= 0 (clipped entries counted in ``info["clipped"]``; many
clips mean low counts, where the clipped CLE is biased upwards: prefer tau or ssa there). Its
default step is the smaller of span/1000 and STABLE_FRACTION / the network's fastest decay rate
(``info["step"]``, ``info["fastest_rate"]``), and a step with rate * step >= 2 is refused.
Neither is exact: docs/stochastic.md reports their error on the DSMTS cases.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import InputError
from ..model.network import Network
from ._setup import (apply_event, check_propensities, check_sim_args, fastest_decay_rate, fire_triggers,
                     outputs, prepare, trigger_state)
from .budget import check_step_budget
from .result import Ensemble, summarise

MAX_HALVINGS = 12

#: Default CLE step as a fraction of 1 / (fastest decay rate). Euler-Maruyama on a linear decay
#: dX = -k X dt + ... multiplies X by (1 - k dt) per step: stable for k dt < 2, and (1 - k dt)
#: against exp(-k dt) is a relative error of about k dt / 2 per step on the transient, while the
#: stationary mean of a linear drift is exact and its variance is inflated by 1 / (1 - k dt / 2):
#: at 0.5, +33% variance (+15% sd) on the fastest species only (on the bundled breast model,
#: kappa = 4000 / year, whose blood count C is ~0; the organ counts depend on its mean). Smaller
#: constants cost steps in proportion: 0.5 keeps breast at 8,000 steps per year.
STABLE_FRACTION = 0.5
#: Euler-Maruyama's stability limit on rate * step for a real decay rate.
STABILITY_LIMIT = 2.0


def tau_leap(net: Network, times, n_paths: int, rng: np.random.Generator | int | None = None, *,
             tau: float | None = None, keep_paths: bool = True,
             progress: Callable[[float], None] | None = None) -> Ensemble:
    """Tau-leaping with leap ``tau`` (default: span/1000) and the negative-population guard."""
    return _run(net, times, n_paths, rng, tau, keep_paths, progress, "tau")


def cle(net: Network, times, n_paths: int, rng: np.random.Generator | int | None = None, *,
        dt: float | None = None, keep_paths: bool = True,
        progress: Callable[[float], None] | None = None) -> Ensemble:
    """Chemical Langevin equation by Euler-Maruyama with step ``dt`` (default: the smaller of
    span/1000 and STABLE_FRACTION / the fastest decay rate; refused at rate * dt >= 2)."""
    return _run(net, times, n_paths, rng, dt, keep_paths, progress, "cle")


def step_grid(times: np.ndarray, event_times, h: float) -> np.ndarray:
    """0, the output times and event times, with steps of at most h in between."""
    pts = np.unique(np.concatenate([[0.0], times, [e for e in event_times if e <= times[-1]]]))
    out = [pts[:1]]
    for a, b in zip(pts[:-1], pts[1:]):
        k = max(1, int(np.ceil((b - a) / h - 1e-9)))
        out.append(np.linspace(a, b, k + 1)[1:])
    return np.concatenate(out)


def _run(net, times, n_paths, rng, h, keep_paths, progress, method) -> Ensemble:
    times = check_sim_args(times, n_paths)
    seed = rng if isinstance(rng, (int, np.integer)) else None
    rng = np.random.default_rng(rng)
    span = float(times[-1])
    if h is not None and not (h > 0 and np.isfinite(h)):
        raise InputError(f"{method}: step must be a positive number, found {h!r}")
    prep = prepare(net, times, refine=False)
    rate = fastest_decay_rate(prep) if method == "cle" else 0.0
    if h is None:
        h = span / 1000 if span > 0 else 1.0
        if rate > 0:
            h = min(h, STABLE_FRACTION / rate)
    elif rate * h >= STABILITY_LIMIT:
        raise InputError(f"cle: step {h:g} is unstable on network '{net.name}' (fastest decay rate "
                         f"{rate:g} per unit time, rate * step = {rate * h:.3g}, Euler-Maruyama needs "
                         f"< {STABILITY_LIMIT:g}); use a step of at most {STABLE_FRACTION / rate:.3g}")
    S, R = prep.S, prep.R
    n = int(n_paths)
    ev_at: dict[float, list[int]] = {}
    for i, e in enumerate(net.events):
        if e.time is not None:
            ev_at.setdefault(float(e.time), []).append(i)
    check_step_budget(method, span, h, n, R)
    grid = step_grid(times, list(ev_at), h)
    X = np.repeat(prep.x0[:, None], n, axis=1)
    out = np.empty((n, len(times), S))
    trig = trigger_state(prep, X)
    if method == "cle":
        # the CLE clips rounding negatives of propensities on its continuous states (below); on the
        # whole-number initial state a negative or non-finite propensity is a model error, as in ssa/tau
        A0 = np.empty((R, n))
        prep.prop(X, 0.0, A0)
        check_propensities(prep, A0)
    # tau: "halved" counts path-leaps redone as two half leaps by the negative-population guard
    info = {"clipped": 0, "steps": 0, "step": float(h),
            **({"fastest_rate": rate} if method == "cle" else {"halved": 0})}
    gi = 0
    cols = np.arange(n)
    N = prep.change[:, :R]
    for k, s in enumerate(grid):
        for i in ev_at.get(float(s), ()):
            apply_event(prep, i, X, cols, rng)
        if prep.triggers:
            trig = trigger_state(prep, X)
        while gi < len(times) and times[gi] <= s + 1e-12 * max(1.0, abs(s)):
            out[:, gi] = X[:S].T
            gi += 1
        if k + 1 == len(grid):
            break
        hk = grid[k + 1] - s
        if method == "tau":
            _leap(prep, X, s, hk, rng, 0, info, N)
        else:
            _cle_step(prep, X, s, hk, rng, info, N)
        info["steps"] += 1
        if prep.triggers:
            trig = fire_triggers(prep, X, trig, rng)
        if progress is not None and k % 200 == 0:
            progress(s / span if span else 1.0)
    if progress is not None:
        progress(1.0)
    names, full = outputs(prep, out)
    mean, sd = summarise(full)
    return Ensemble(times, names, mean, sd, n, method, seed, full if keep_paths else None,
                    info["steps"], info)


def _leap(prep, X, t, h, rng, depth, info, N) -> None:
    A = np.empty((prep.R, X.shape[1]))
    prep.prop(X, t + 0.5 * h, A)
    check_propensities(prep, A)
    K = rng.poisson(A * h)
    new = X + N @ K
    bad = (new[:prep.S] < 0).any(axis=0)
    if bad.any():
        if depth < MAX_HALVINGS:
            info["halved"] += int(bad.sum())
            sub = X[:, bad]
            _leap(prep, sub, t, 0.5 * h, rng, depth + 1, info, N)
            _leap(prep, sub, t + 0.5 * h, 0.5 * h, rng, depth + 1, info, N)
            new[:, bad] = sub
        else:
            info["clipped"] += int(bad.sum())
            np.maximum(new[:prep.S], 0, out=new[:prep.S])
    X[:] = new


def _cle_step(prep, X, t, h, rng, info, N) -> None:
    A = np.empty((prep.R, X.shape[1]))
    prep.prop(X, t, A)
    np.maximum(A, 0, out=A)   # propensities of clipped states can round below 0
    check_propensities(prep, A)
    Z = rng.standard_normal(A.shape)
    Z *= np.sqrt(A * h)
    Z += A * h
    X += N @ Z
    neg = X[:prep.S] < 0
    if neg.any():
        info["clipped"] += int(neg.sum())
        np.maximum(X[:prep.S], 0, out=X[:prep.S])
