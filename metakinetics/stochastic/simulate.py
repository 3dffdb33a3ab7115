"""One entry point for the stochastic simulators: a network (or a model, via its network) and a
method name -> an :class:`Ensemble`."""
from __future__ import annotations

import numpy as np

from ..errors import InputError, did_you_mean
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
    """Simulate ``n_paths`` trajectories of a network, a model's network or a model's noisy primary.

    Parameters
    ----------
    source : Network, Model or SDESpec
        What to simulate; a Model becomes its network (``network_from_model``) for "ssa", "tau"
        and "cle", and its noisy primary (``sde_from_model``) for "sde".
    times : array_like
        Years at which the paths are recorded.
    n_paths : int
        Number of trajectories (all simulated at once).
    rng : numpy.random.Generator or int, optional
        The random generator, or a seed for one.
    method : str
        "ssa" (exact), "tau" (tau-leaping, leap ``step``), "cle" (chemical Langevin,
        Euler-Maruyama step ``step``) or "sde" (``dx = g(x) dt + sigma x dW``).
    step : float, optional
        Leap or time step (years); for "sde" the default is 1e-3.
    sigma : float, optional
        Noise level (1/sqrt(year)) of "sde"; required when ``source`` is a Model.
    scheme : str
        "euler" or "milstein" (for "sde").
    keep_paths : bool
        Keep every path, else only the mean and SD across paths.
    progress : callable, optional
        Called with the fraction done (0..1).
    **network_options
        Passed to ``network_from_model``.

    Returns
    -------
    Ensemble
        The trajectories (or their mean and SD) at ``times``.
    """
    check_seed(rng)
    check_sim_args(times, n_paths)
    if method not in METHODS:
        raise InputError(f"unknown method '{method}' (one of {', '.join(METHODS)})" + did_you_mean(method, METHODS))
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
