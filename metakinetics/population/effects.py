"""Log-normal random effects of ``[population]``: quadrature nodes or seeded draws.

log mu, log primary rate and log diameter at diagnosis are normal around the log of the model's
value with SDs mu_sd, rate_sd, diameter_sd. Gauss-Hermite (probabilists') nodes give a smooth
expectation for fitting; Monte Carlo draws are standard normal scores from a seeded Generator,
so the same seed gives the same patients for every parameter value (common random numbers).
"""
from __future__ import annotations

from functools import lru_cache

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

DEFAULT_NODES = {"mu": 48, "rate": 12, "diameter": 12}
DIMENSIONS = ("mu", "rate", "diameter")


@dataclass(frozen=True)
class Scores:
    """Normal scores: ``other`` (P_o, 2) for (rate, diameter) with weights ``q`` (P_o, J) over
    ``mu`` scores (P_o, J). Patients are the P_o x J pairs."""

    rate: np.ndarray
    diameter: np.ndarray
    mu: np.ndarray
    q: np.ndarray


@lru_cache(maxsize=64)
def _gh(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n-node Gauss-Hermite nodes and normalised weights (read-only, computed once per n: a fit asks
    for the same few thousands of times)."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    x.flags.writeable = w.flags.writeable = False
    return x, w


def hermite(sd: dict[str, float], nodes=None) -> Scores:
    """Tensor Gauss-Hermite grid over the active dimensions (sd > 0). ``nodes``: an int (per
    dimension) or a dict {dimension: count}."""
    if nodes is None:
        per = dict(DEFAULT_NODES)
    elif isinstance(nodes, dict):
        per = {**DEFAULT_NODES, **nodes}
    else:
        if int(nodes) < 1:
            raise InputError(f"nodes must be a positive integer, found {nodes}")
        per = {k: int(nodes) for k in DIMENSIONS}
    active = [per[k] for k in DIMENSIONS if sd[k] > 0]
    if int(np.prod(active, dtype=float)) > 200_000:
        raise InputError(f"{int(np.prod(active, dtype=float))} quadrature nodes is too many (at most 200,000); "
                         "use fewer nodes per dimension or Monte Carlo (patients=...)")
    grids = {k: _gh(per[k]) if sd[k] > 0 else (np.zeros(1), np.ones(1)) for k in DIMENSIONS}
    (xr, wr), (xd, wd), (xm, wm) = grids["rate"], grids["diameter"], grids["mu"]
    R, D = np.meshgrid(xr, xd, indexing="ij")
    WR, WD = np.meshgrid(wr, wd, indexing="ij")
    wo = (WR * WD).ravel()
    return Scores(R.ravel(), D.ravel(), np.broadcast_to(xm, (wo.size, xm.size)).copy(), wo[:, None] * wm[None, :])


def draws(sd: dict[str, float], patients: int, seed) -> Scores:
    """Monte Carlo normal scores for ``patients`` patients (weights 1/patients)."""
    if patients is None or int(patients) < 1:
        raise InputError(f"number of patients must be at least 1, found {patients}")
    n = int(patients)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    z = rng.standard_normal((n, 3))           # always 3 columns: same seed, same patients
    z = z * np.array([sd["mu"] > 0, sd["rate"] > 0, sd["diameter"] > 0], dtype=float)
    return Scores(z[:, 1], z[:, 2], z[:, :1], np.full((n, 1), 1.0 / n))
