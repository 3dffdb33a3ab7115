"""Endpoints (docs/model.md, "What the clinic sees") per patient, as ratio terms a / b with a log weight.

For P patients with expected detectable colonies M_k, the population value of an endpoint is
sum_i q_i e^{lw_i} a_i / sum_i q_i e^{lw_i} b_i, q the random-effect quadrature (or Monte Carlo)
weights and lw the log selection weight: -sum_j M_j(t_dx) (M0 at diagnosis) minus the distant
metastasis accrued by the landmark. One patient's value is a / b. Endpoints that need an integral
in clinical time (``first``; anything with background mortality) use 6-point Gauss-Legendre
pieces between breakpoints (user times, landmark, surgery, surgery + detection delays). A piece is
at most ``PIECE`` years long within PIECE / GRADE years of the last event (0, landmark, surgery
and its shifts, where the integrand has kinks or fast transients) and at most GRADE times the
distance from it after that: the integrand is a sum of exponentials decaying since the event, so
the relative quadrature error stays that of a 0.5-year piece (< 1e-9 here) while the number of
pieces grows with the log of the horizon, not linearly (1e6 years: ~150 pieces, not 2e6).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..endpoints import AtDiagnosis, Any, BySize, Distant, Endpoint, First, Landmark, SiteShare
from ..errors import InputError

PIECE = 0.5         # years: longest integration piece near an event (6-point Gauss-Legendre: error < 1e-9 here)
GRADE = 0.1         # farther from the last event, pieces of at most GRADE x the distance from it
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
    """Whether ``endpoint`` needs an integral in clinical time (Gauss-Legendre pieces): always for
    first-site incidence, and for any endpoint after diagnosis when some patient has a background
    death ``hazard`` (1/year) > 0, since death competes with detection.
    """
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
    events = np.unique(np.asarray([0.0, landmark, *(x for x in breaks if 0 < x < top)], dtype=float))
    b = np.unique(np.concatenate([events, np.asarray(times, dtype=float)]))
    fine = [b[:1]]
    for lo, hi in zip(b[:-1], b[1:]):
        e = events[np.searchsorted(events, lo, side="right") - 1]           # last event at or before lo
        x, cuts = lo, []
        while x < hi - 1e-12 * max(hi, 1.0):
            x = min(x + max(PIECE, GRADE * (x - e)), hi)
            cuts.append(x)
        n = len(cuts)
        if n > 1 and (hi - lo) <= PIECE * n:          # near an event: equal pieces, as before
            cuts = list(lo + (hi - lo) * np.arange(1, n + 1) / n)
        cuts[-1] = hi
        fine.append(np.asarray(cuts))
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


def log_weight(grid: Grid, M0: np.ndarray, M: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """(Po J,) log selection weight: -(M0 total + distant metastasis accrued by the landmark),
    counts at unit mu scaled by ``mu`` (Po, J); 0 for endpoints without selection is the
    caller's choice (at diagnosis)."""
    G_L = np.maximum(M[:, grid.landmark] - M0, 0.0).sum(axis=1)
    return (-mu * (M0.sum(axis=1) + G_L)[:, None]).reshape(-1)


def terms(endpoint: Endpoint, grid: Grid, M0: np.ndarray, M: np.ndarray, h: np.ndarray | None,
          hazard: np.ndarray, mu: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lw (P,), a (P, T, K'), b (P, T, K' or 1)) for ``endpoint``.

    M0 (Po, K) = M_k(t_dx); M (Po, N, K) = M_k(t_dx + u) on ``grid.u``; h = dM/dt there; hazard
    (Po,). M_k is linear in the shedding constant: with ``mu`` (Po, J) the counts are those of
    unit mu and every patient stands for J patients with counts scaled by mu[p, j], in that order
    (P = Po J); the differences and sums over organs are then taken once per Po, not per P.
    """
    inner, L = split(endpoint)
    Po, K = M0.shape
    mu = np.ones((Po, 1)) if mu is None else np.asarray(mu, dtype=float)
    J = mu.shape[1]
    P = Po * J
    T = grid.user.size
    m4 = mu[:, :, None, None]

    def full(x):                                              # (Po, J, ...) -> (P, ...)
        return x.reshape((P,) + x.shape[2:])

    if isinstance(inner, AtDiagnosis):                        # all patients, no M0 selection
        tot = M0 if inner.per_organ else M0.sum(axis=1, keepdims=True)
        prev = full(-np.expm1(-mu[:, :, None] * tot[:, None, :]))
        return np.zeros(P), np.broadcast_to(prev[:, None, :], (P, T, prev.shape[1])), np.ones((P, 1, 1))
    dM = np.maximum(M - M0[:, None, :], 0.0)                  # detected after diagnosis (unit mu)
    G = dM.sum(axis=2)                                        # (Po, N)
    iL = grid.landmark
    lw = log_weight(grid, M0, M, mu)
    u = grid.u
    after = (u[grid.user] >= L)[None, :, None]
    if grid.pieces is None:                                   # closed expressions, no mortality
        dk = np.maximum(dM[:, grid.user] - dM[:, iL][:, None], 0.0)
        dG = np.maximum(G[:, grid.user] - G[:, iL][:, None], 0.0)[:, :, None]
        any_k = full(-np.expm1(-m4 * dk[:, None])) if isinstance(inner, (Any, SiteShare)) else None
        dist = full(-np.expm1(-m4 * dG[:, None])) if isinstance(inner, (Distant, SiteShare)) else None
        if L > 0:
            any_k = None if any_k is None else np.where(after, any_k, 0.0)
            dist = None if dist is None else np.where(after, dist, 0.0)
    else:
        decay = np.exp(-hazard[:, None] * np.maximum(u[None, :] - L, 0.0))    # (Po, N) alive since L
        rel_G = full(np.exp(-mu[:, :, None] * np.maximum(G - G[:, iL][:, None], 0.0)[:, None]))[..., None]
        hd = full(m4 * (h * decay[:, :, None])[:, None])      # (P, N, K) mu h e^{-hazard (u - L)}
        parts = {}
        if isinstance(inner, First):
            parts["first"] = hd * rel_G
        if isinstance(inner, (Any, SiteShare)):
            rel_k = full(np.exp(-m4 * np.maximum(dM - dM[:, iL][:, None], 0.0)[:, None]))
            parts["any"] = hd * rel_k
        if isinstance(inner, (Distant, SiteShare)):
            parts["dist"] = hd.sum(axis=2, keepdims=True) * rel_G
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


def cumulative(grid: Grid, f: np.ndarray) -> np.ndarray:
    """int_0^{b_j} f du at the grid's breakpoints, f (P, N, ...) given on ``grid.u`` (Gauss nodes
    used); the public form of the piecewise Gauss-Legendre integral the endpoints use."""
    return _cumulative(grid, f)
