"""SDEs with diagonal (e.g. multiplicative) noise: dX = f(X, t) dt + g(X, t) dW, Ito, by
Euler-Maruyama (strong order 1/2, weak order 1) or Milstein (strong order 1), all paths at once.

Drift and diffusion come from an :class:`SDESpec` (restricted expressions, e.g. the model's
growth law with environmental noise sigma x: ``sde_from_model``); sympy derives the Milstein
term g g' and compiles the whole update into in-place numpy ufunc calls. Normals are drawn in
blocks into a preallocated buffer. With ``threads > 1`` the paths are split into chunks, each
with its own generator spawned from the seed (numpy releases the GIL in these loops), so results
depend on (seed, threads) and are reproducible for both.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import InputError, SolverError
from ..symbolic.sde_spec import SDESpec
from ..symbolic.sde_step import compile_sde_step
from ._setup import check_sim_args
from .approx import step_grid
from .result import Ensemble, summarise

SDEResult = Ensemble
#: normals per block: B steps x S states x chunk paths, about 8 MB of float64
_BLOCK_BYTES = 8 * 2**20


def simulate_sde(spec: SDESpec, times, n_paths: int, rng: np.random.Generator | int | None = None, *,
                 dt: float = 1e-3, scheme: str = "euler", threads: int = 1, keep_paths: bool = True,
                 progress: Callable[[float], None] | None = None) -> Ensemble:
    """Simulate ``n_paths`` paths of the SDE from its initial state, sampled at ``times``.

    scheme: "euler" (Euler-Maruyama) or "milstein"; dt: largest step (output and grid times are
    hit exactly). rng: Generator or seed (with threads > 1 one child generator per chunk).
    """
    times = check_sim_args(times, n_paths)
    if not (dt > 0 and np.isfinite(dt)):
        raise InputError(f"dt must be a positive number, found {dt!r}")
    if isinstance(threads, bool) or int(threads) != threads or threads < 1:
        raise InputError(f"threads must be a whole number >= 1, found {threads!r}")
    seed = rng if isinstance(rng, (int, np.integer)) else None
    tape = compile_sde_step(spec, scheme)
    grid = step_grid(times, [], dt)
    n = int(n_paths)
    S = len(spec.states)
    threads = min(int(threads), n)
    if threads == 1:
        gens = [np.random.default_rng(rng)]
    else:
        base = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        gens = [np.random.default_rng(s) for s in base.bit_generator.seed_seq.spawn(threads)] \
            if hasattr(base.bit_generator, "seed_seq") else base.spawn(threads)
    bounds = np.linspace(0, n, threads + 1).astype(int)
    out = np.empty((n, len(times), S))

    def run(c: int) -> None:
        lo, hi = bounds[c], bounds[c + 1]
        _chunk(tape, spec, grid, times, hi - lo, gens[c], out[lo:hi], progress if c == 0 else None)

    if threads == 1:
        run(0)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, range(threads)))
    if not np.all(np.isfinite(out)):
        raise SolverError(f"SDE '{spec.name}': non-finite values (step dt = {dt:g} too large?)")
    mean, sd = summarise(out)
    return Ensemble(times, spec.states, mean, sd, n, f"sde-{scheme}", seed, out if keep_paths else None,
                    len(grid) - 1, {"dt": dt, "threads": threads, "steps": len(grid) - 1})


def _chunk(tape, spec, grid, times, m, rng, out, progress) -> None:
    S = len(spec.states)
    X = np.repeat(np.asarray(spec.initial, dtype=float)[:, None], m, axis=1)
    step = tape.make(m)
    nsteps = len(grid) - 1
    B = max(1, min(nsteps, _BLOCK_BYTES // (8 * S * max(m, 1))))
    Z = np.empty((B, S, m))
    gi = 0
    while gi < len(times) and times[gi] <= grid[0]:
        out[:, gi] = X.T
        gi += 1
    k = 0
    while k < nsteps:
        nb = min(B, nsteps - k)
        rng.standard_normal(out=Z)
        for i in range(nb):
            s = grid[k]
            step(X, s, grid[k + 1] - s, Z[i])
            k += 1
            while gi < len(times) and times[gi] <= grid[k] + 1e-12 * max(1.0, grid[k]):
                out[:, gi] = X.T
                gi += 1
        if progress is not None:
            progress(k / nsteps)
