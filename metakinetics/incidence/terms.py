"""Endpoints (design/model.md section 4) per patient, as ratio terms a / b with a log weight.

For P patients with expected detectable colonies M_k, the population value of an endpoint is
sum_i q_i e^{lw_i} a_i / sum_i q_i e^{lw_i} b_i, q the random-effect quadrature (or Monte Carlo)
weights and lw the log selection weight: -sum_j M_j(t_dx) (M0 at diagnosis) minus the distant
metastasis accrued by the landmark. One patient's value is a / b. Endpoints that need an integral
in clinical time (``first``; anything with background mortality) use Gauss-Legendre pieces of at
most ``PIECE`` years between breakpoints (user times, landmark, surgery, shifted surgery).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..endpoints import AtDiagnosis, Any, BySize, Distant, Endpoint, First, Landmark, SiteShare
from ..errors import InputError

PIECE = 0.5         # years: longest integration piece (6-point Gauss-Legendre: error < 1e-9 here)
_X, _W = np.polynomial.legendre.leggauss(6)
_XU, _WU = (_X + 1.0) / 2.0, _W / 2.0


def split(endpoint: Endpoint) -> tuple[Endpoint, float]:
    """(inner endpoint, landmark time) with landmark 0 for a plain endpoint."""
    if isinstance(endpoint, Landmark):
        inner = endpoint.inner
        if isinstance(inner, (AtDiagnosis, BySize, Landmark)):
            raise InputError(f"a landmark version of '{inner.name}' is not defined "
                             "(use any, first, distant or site_share)")
        if endpoint.at < 0:
            raise InputError(f"landmark time must be zero or positive, found {endpoint.at:g}")
        return inner, float(endpoint.at)
    return endpoint, 0.0


def needs_integral(endpoint: Endpoint, hazard: np.ndarray) -> bool:
    inner, _ = split(endpoint)
    return isinstance(inner, First) or (not isinstance(inner, AtDiagnosis) and bool(np.any(hazard > 0)))


@dataclass(frozen=True)
class Grid:
    """Clinical times (years after diagnosis) where M_k is evaluated, and how to read them."""

    u: np.ndarray            # (N,) evaluation points, u[0] = 0
    user: np.ndarray         # (T,) indices of the user's times in u
    landmark: int            # index of the landmark time in u
    pieces: np.ndarray | None  # (n_pieces, 2) integration pieces, or None
    nodes: np.ndarray | None   # (n_pieces, 6) indices of the Gauss nodes in u


def clinical_grid(times: np.ndarray, landmark: float, integral: bool, breaks=()) -> Grid:
    """Evaluation grid for ``times`` (T,), with integration pieces when ``integral``."""
    times = np.asarray(times, dtype=float)
    if not integral:
        u = np.unique(np.concatenate([[0.0, landmark], times]))
        return Grid(u, np.searchsorted(u, times), int(np.searchsorted(u, landmark)), None, None)
    top = max(float(times[-1]), landmark)
    b = [0.0, landmark, *times, *(x for x in breaks if 0 < x < top)]
    b = np.unique(np.asarray(b, dtype=float))
    fine = [b[:1]]
    for lo, hi in zip(b[:-1], b[1:]):
        n = max(int(np.ceil((hi - lo) / PIECE - 1e-9)), 1)
        fine.append(lo + (hi - lo) * np.arange(1, n + 1) / n)
    b = np.concatenate(fine)
    pieces = np.stack([b[:-1], b[1:]], axis=1)
    nodes = pieces[:, :1] + (pieces[:, 1:] - pieces[:, :1]) * _XU
    u = np.concatenate([b, nodes.ravel()])
    nb = b.size
    return Grid(u, np.searchsorted(b, times), int(np.searchsorted(b, landmark)), pieces,
                nb + np.arange(nodes.size).reshape(nodes.shape))


def _cumulative(grid: Grid, f: np.ndarray) -> np.ndarray:
    """int_0^{b_j} f du at the breakpoints, f given at the Gauss nodes: f (P, N, ...)."""
    L = grid.pieces[:, 1] - grid.pieces[:, 0]
    vals = f[:, grid.nodes]                                   # (P, n_pieces, 6, ...)
    w = (L[:, None] * _WU).reshape((1,) + L.shape + (6,) + (1,) * (f.ndim - 2))
    piece = (vals * w).sum(axis=2)
    z = np.zeros((f.shape[0], 1) + f.shape[2:])
    return np.concatenate([z, np.cumsum(piece, axis=1)], axis=1)


def terms(endpoint: Endpoint, grid: Grid, M0: np.ndarray, M: np.ndarray, h: np.ndarray | None,
          hazard: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lw (P,), a (P, T, K'), b (P, T, K' or 1)) for ``endpoint``.

    M0 (P, K) = M_k(t_dx); M (P, N, K) = M_k(t_dx + u) on ``grid.u``; h = dM/dt there; hazard (P,).
    """
    inner, L = split(endpoint)
    P, K = M0.shape
    T = grid.user.size
    if isinstance(inner, AtDiagnosis):                        # all patients, no M0 selection
        prev = -np.expm1(-(M0 if inner.per_organ else M0.sum(axis=1, keepdims=True)))
        return np.zeros(P), np.broadcast_to(prev[:, None, :], (P, T, prev.shape[1])), np.ones((P, 1, 1))
    dM = np.maximum(M - M0[:, None, :], 0.0)                  # detected after diagnosis
    G = dM.sum(axis=2)                                        # (P, N)
    iL = grid.landmark
    lw = -M0.sum(axis=1) - G[:, iL]
    u = grid.u
    after = (u[grid.user] >= L)[None, :, None]
    hz = hazard[:, None]
    if grid.pieces is None:                                   # closed expressions, no mortality
        dk = np.maximum(dM[:, grid.user] - dM[:, iL][:, None], 0.0)
        dG = np.maximum(G[:, grid.user] - G[:, iL][:, None], 0.0)[:, :, None]
        any_k = -np.expm1(-dk) if L == 0 else np.where(after, -np.expm1(-dk), 0.0)
        dist = -np.expm1(-dG) if L == 0 else np.where(after, -np.expm1(-dG), 0.0)
    else:
        decay = np.exp(-hz * np.maximum(u[None, :] - L, 0.0))  # (P, N) survival from death since L
        rel_k = np.exp(-np.maximum(dM - dM[:, iL][:, None], 0.0))             # (P, N, K)
        rel_G = np.exp(-np.maximum(G - G[:, iL][:, None], 0.0))[:, :, None]
        parts = {}
        if isinstance(inner, First):
            parts["first"] = h * rel_G * decay[:, :, None]
        if isinstance(inner, (Any, SiteShare)):
            parts["any"] = h * rel_k * decay[:, :, None]
        if isinstance(inner, (Distant, SiteShare)):
            parts["dist"] = h.sum(axis=2, keepdims=True) * rel_G * decay[:, :, None]
        out = {}
        for key, f in parts.items():
            cum = _cumulative(grid, f)                        # (P, n_break, K or 1)
            out[key] = np.where(after, np.maximum(cum[:, grid.user] - cum[:, iL][:, None], 0.0), 0.0)
        any_k, dist = out.get("any"), out.get("dist")
        if isinstance(inner, First):
            return lw, np.minimum(out["first"], 1.0), np.ones((P, 1, 1))
    if isinstance(inner, Any):
        return lw, any_k, np.ones((P, 1, 1))
    if isinstance(inner, First):                              # no mortality, no integral requested
        raise AssertionError("first needs the integral grid")
    if isinstance(inner, Distant):
        return lw, dist, np.ones((P, 1, 1))
    if isinstance(inner, SiteShare):
        return lw, any_k, dist
    raise InputError(f"endpoint '{inner.name}' cannot be computed here")
