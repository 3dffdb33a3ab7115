"""One entry point for the stochastic simulators: a network (or a model, via its network) and a
method name -> an :class:`Ensemble`."""
from __future__ import annotations

import numpy as np

from ..errors import InputError, nearest
from ..model.spec import Model
from ..model.network import Network
from ..symbolic.model_network import network_from_model
from ..symbolic.sde_spec import SDESpec, sde_from_model
from ._setup import check_seed, check_sim_args
from .approx import cle, tau_leap
from .result import Ensemble
from .sde import simulate_sde
from .ssa import ssa

METHODS = ("ssa", "tau", "cle", "sde")


def simulate(source: Network | Model | SDESpec, times, n_paths: int,
             rng: np.random.Generator | int | None = None, *, method: str = "ssa",
             step: float | None = None, sigma: float | None = None, scheme: str = "euler",
             keep_paths: bool = True, progress=None, **network_options) -> Ensemble:
    """Simulate ``n_paths`` trajectories at ``times``.

    method: "ssa" (exact), "tau" (tau-leaping, leap ``step``), "cle" (chemical Langevin,
    Euler-Maruyama step ``step``) on the network of ``source``; "sde": noisy primary growth
    dx = g(x) dt + sigma x dW of a model (or an SDESpec) with ``scheme`` euler|milstein and
    step ``step`` (default 1e-3). ``network_options`` go to ``network_from_model``.
    """
    check_seed(rng)
    check_sim_args(times, n_paths)
    if method not in METHODS:
        hint = nearest(method, METHODS)
        raise InputError(f"unknown method '{method}' (one of {', '.join(METHODS)})"
                         + (f"; did you mean '{hint}'?" if hint else ""))
    if method == "sde":
        if isinstance(source, Model):
            if sigma is None:
                raise InputError("method 'sde' needs the noise level sigma (1/sqrt(year))")
            source = sde_from_model(source, sigma)
        if not isinstance(source, SDESpec):
            raise InputError("method 'sde' simulates a model's noisy primary growth (give a model)")
        return simulate_sde(source, times, n_paths, rng, dt=step or 1e-3, scheme=scheme,
                            keep_paths=keep_paths, progress=progress)
    if isinstance(source, Model):
        source = network_from_model(source, **network_options)
    if not isinstance(source, Network):
        raise InputError(f"cannot simulate a {type(source).__name__} with method '{method}'")
    if method == "ssa":
        return ssa(source, times, n_paths, rng, keep_paths=keep_paths, progress=progress)
    if method == "tau":
        return tau_leap(source, times, n_paths, rng, tau=step, keep_paths=keep_paths, progress=progress)
    return cle(source, times, n_paths, rng, dt=step, keep_paths=keep_paths, progress=progress)
