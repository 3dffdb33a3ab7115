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

from ..endpoints import (AtDiagnosis, Any, BySize, Distant, Endpoint, First, Lag, Landmark, MultiOrgan,
                         NodalShare, OrgansPerRelapse, SiteShare)
from ..errors import InputError
from .relapse import Windows, survival_convolution, window_integral, windows

PIECE = 0.5         # years: longest integration piece near an event (6-point Gauss-Legendre: error < 1e-9 here)
GRADE = 0.1         # farther from the last event, pieces of at most GRADE x the distance from it
_X, _W = np.polynomial.legendre.leggauss(6)
_XU, _WU = (_X + 1.0) / 2.0, _W / 2.0


def split(endpoint: Endpoint) -> tuple[Endpoint, float]:
    """(inner endpoint, landmark time) with landmark 0 for a plain endpoint."""
    if isinstance(endpoint, Landmark):
        inner = endpoint.inner
        if isinstance(inner, (AtDiagnosis, BySize, Landmark, NodalShare)):
            raise InputError(f"a landmark version of '{inner.name}' is not defined "
                             "(use any, first, distant or site_share)")
        if endpoint.at < 0:
            raise InputError(f"landmark time must be zero or positive, found {endpoint.at:g}")
        return inner, float(endpoint.at)
    return endpoint, 0.0


#: endpoints whose value depends on death after relapse (organ k found alive after another organ)
AFTER_FIRST = (Any, SiteShare, OrgansPerRelapse, MultiOrgan, Lag)


def needs_integral(endpoint: Endpoint, hazard: np.ndarray, after_relapse=0.0) -> bool:
    """Whether ``endpoint`` needs an integral in clinical time (Gauss-Legendre pieces): always for
    first-site incidence, multi-organ relapse and the lag, for any endpoint after diagnosis when
    some patient has a background death ``hazard`` (1/year) > 0, since death competes with
    detection, and for the endpoints that follow a patient past the first metastasis when some
    patient has a death hazard ``after_relapse`` (1/year) > 0.
    """
    return bool(np.any(integral_each(endpoint, hazard, after_relapse)))


def integral_each(endpoint: Endpoint, hazard, after_relapse=0.0) -> np.ndarray:
    """:func:`needs_integral` of each patient (or parameter set) on its own, vectorised.

    Parameters
    ----------
    endpoint : Endpoint
    hazard : array_like
        (n,) background death hazards (1/year).
    after_relapse : array_like
        Death hazards after a first metastasis (1/year), scalar or (n,).

    Returns
    -------
    numpy.ndarray
        (n,) bool.
    """
    inner, _ = split(endpoint)
    hazard = np.asarray(hazard, dtype=float)
    if isinstance(inner, (First, MultiOrgan, Lag)):
        return np.ones(hazard.shape, dtype=bool)
    if isinstance(inner, (AtDiagnosis, NodalShare)):
        return np.zeros(hazard.shape, dtype=bool)
    return (hazard > 0) | (isinstance(inner, AFTER_FIRST) & (np.asarray(after_relapse, dtype=float) > 0))


@dataclass(frozen=True)
class Grid:
    """Clinical times (years after diagnosis) where M_k is evaluated, and how to read them."""

    u: np.ndarray            # (N,) evaluation points, u[0] = 0
    user: np.ndarray         # (T,) indices of the user's times in u
    landmark: int            # index of the landmark time in u
    pieces: np.ndarray | None  # (n_pieces, 2) integration pieces, or None
    nodes: np.ndarray | None   # (n_pieces, 6) indices of the Gauss nodes in u
    windows: Windows | None = None   # window integrals after a first metastasis (multi_organ, lag)
    top: int | None = None           # index in u of the end of the outer integral (lag: the horizon)


def endpoint_grid(endpoint: Endpoint, times: np.ndarray, integral: bool, breaks=()) -> Grid:
    """The grid of ``endpoint`` at ``times`` (lags for ``lag``): :func:`clinical_grid`, extended by
    the window after the last outer time and with the window nodes for multi_organ and lag."""
    inner, L = split(endpoint)
    times = np.asarray(times, dtype=float)
    if not isinstance(inner, (MultiOrgan, Lag)):
        return clinical_grid(times, L, integral, breaks)
    if isinstance(inner, MultiOrgan):
        outer_top, lengths = float(times[-1]), np.array([inner.window])
        clinical = times
    else:
        outer_top, lengths = inner.horizon, np.append(np.minimum(times, inner.within), inner.within)
        clinical = np.array([inner.horizon])
    # a window's integral E(s, s + l) has a kink in s where s + l crosses a kink of h: break there too
    shifted = [x - ln for x in breaks for ln in np.unique(lengths) if L < x - ln < outer_top]
    near = np.concatenate([[L, outer_top], times, np.asarray(breaks, dtype=float)])
    shifted = [x for x in np.unique(shifted) if np.min(np.abs(near - x)) > 1e-9 * max(x, 1.0)]
    g = clinical_grid(np.unique(np.append(clinical, outer_top + lengths.max())), L, True, [*breaks, *shifted])
    nb = g.pieces.shape[0] + 1
    b = g.u[:nb]
    outer = np.flatnonzero((g.pieces[:, 0] >= L - 1e-12) & (g.pieces[:, 1] <= outer_top * (1 + 1e-14)))
    win = windows(b, g.u[g.nodes], outer, lengths)
    return Grid(g.u, np.searchsorted(b, clinical), g.landmark, g.pieces, g.nodes, win,
                int(np.searchsorted(b, outer_top)))


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


def cumulative(grid: Grid, f: np.ndarray) -> np.ndarray:
    """int_0^{b_j} f du at the grid's breakpoints, f (P, N, ...) given on ``grid.u`` (Gauss nodes
    used): the piecewise Gauss-Legendre integral the endpoints use."""
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
          hazard: np.ndarray, mu: np.ndarray | None = None,
          after_relapse: np.ndarray | None = None, workup=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lw (P,), a (P, T, K'), b (P, T, K' or 1)) for ``endpoint``.

    M0 (Po, K) = M_k(t_dx); M (Po, N, K) = M_k(t_dx + u) on ``grid.u``; h = dM/dt there; hazard
    and after_relapse (Po,) death hazards (1/year) from diagnosis and after the first detected
    distant metastasis. M_k is linear in the shedding constant: with ``mu`` (Po, J) the counts are
    those of unit mu and every patient stands for J patients with counts scaled by mu[p, j], in
    that order (P = Po J); the differences and sums over organs are then taken once per Po, not per P.
    ``workup``: (S (Po, N, K), lead (K,)) with the work-up at a first relapse (incidence.workup: any
    and first change, no death).
    """
    inner, L = split(endpoint)
    Po, K = M0.shape
    mu = np.ones((Po, 1)) if mu is None else np.asarray(mu, dtype=float)
    nu = np.zeros(Po) if after_relapse is None else np.broadcast_to(np.asarray(after_relapse, dtype=float), (Po,))
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
    wants_any = isinstance(inner, (Any, SiteShare, OrgansPerRelapse))
    wants_dist = isinstance(inner, (Distant, SiteShare, OrgansPerRelapse, MultiOrgan))
    if grid.pieces is None:                                   # closed expressions, no mortality
        dk = np.maximum(dM[:, grid.user] - dM[:, iL][:, None], 0.0)
        dG = np.maximum(G[:, grid.user] - G[:, iL][:, None], 0.0)[:, :, None]
        any_k = full(-np.expm1(-m4 * dk[:, None])) if wants_any else None
        dist = full(-np.expm1(-m4 * dG[:, None])) if wants_dist else None
        if L > 0:
            any_k = None if any_k is None else np.where(after, any_k, 0.0)
            dist = None if dist is None else np.where(after, dist, 0.0)
    else:
        decay = np.exp(-hazard[:, None] * np.maximum(u[None, :] - L, 0.0))    # (Po, N) alive since L
        rel_G = full(np.exp(-mu[:, :, None] * np.maximum(G - G[:, iL][:, None], 0.0)[:, None]))[..., None]
        hd = full(m4 * (h * decay[:, :, None])[:, None])      # (P, N, K) mu h e^{-hazard (u - L)}
        nu_p = np.repeat(nu, J)
        parts = {}
        if isinstance(inner, First):
            parts["first"] = hd * rel_G
        if wants_any:
            dMk = np.maximum(dM - dM[:, iL][:, None], 0.0)                        # (Po, N, K) since L
            rel_k = full(np.exp(-m4 * dMk[:, None]))
            parts["any"] = hd * rel_k * _alive(grid, dM, G, h, mu, nu, nu_p, full)
        if wants_dist:
            parts["dist"] = hd.sum(axis=2, keepdims=True) * rel_G
        if isinstance(inner, (MultiOrgan, Lag)):
            E = _windows(inner, grid, dM, G, h, mu, hazard, nu, full)            # (P, n_o, W, K)
            s_i = grid.windows.s
            if isinstance(inner, MultiOrgan):                    # first in k, another organ within w
                f = ((hd * rel_G)[:, s_i] * E[:, :, 0]).sum(axis=2, keepdims=True)          # (P, n_o, 1)
                cum = outer_cumulative(grid, f)                                                # (P, nb, 1)
                multi = np.where(after, np.maximum(cum[:, grid.user] - cum[:, iL][:, None], 0.0), 0.0)
            else:                                                # first elsewhere, k within each lag
                first_el = (hd.sum(axis=2, keepdims=True) - hd)[:, s_i] * rel_G[:, s_i]    # (P, n_o, K)
                w = outer_weights(grid)                                                        # (n_o,)
                cum = np.einsum("i,pik,pijk->pjk", w, first_el, E)                              # (P, W, K)
                return lw, np.maximum(cum[:, :-1], 0.0), np.maximum(cum[:, -1:], 0.0)
        out = {}
        for key, f in parts.items():
            cum = cumulative(grid, f)                        # (P, n_break, K or 1)
            out[key] = np.where(after, np.maximum(cum[:, grid.user] - cum[:, iL][:, None], 0.0), 0.0)
        if workup is not None:                               # organs found at the first relapse elsewhere
            from .workup import workup_terms

            wu_any, wu_first = workup_terms(grid, dM, h, workup[0], workup[1], mu)
            if "any" in out:
                out["any"] = np.where(after, wu_any, 0.0)
            if "first" in out:
                out["first"] = np.where(after, out["first"] + wu_first, 0.0)
        any_k, dist = out.get("any"), out.get("dist")
        if isinstance(inner, First):
            return lw, np.minimum(out["first"], 1.0), np.ones((P, 1, 1))
        if isinstance(inner, MultiOrgan):
            return lw, multi, dist
    if isinstance(inner, Any):
        return lw, any_k, np.ones((P, 1, 1))
    if isinstance(inner, First):                              # no mortality, no integral requested
        raise AssertionError("first needs the integral grid")
    if isinstance(inner, Distant):
        return lw, dist, np.ones((P, 1, 1))
    if isinstance(inner, SiteShare):
        return lw, any_k, dist
    if isinstance(inner, OrgansPerRelapse):
        return lw, any_k.sum(axis=2, keepdims=True), dist
    raise InputError(f"endpoint '{inner.name}' cannot be computed here")


def outer_weights(grid: Grid) -> np.ndarray:
    """(n_o,) Gauss weights (years) of the outer nodes of ``grid.windows``.

    Parameters
    ----------
    grid : Grid
        A multi_organ or lag grid (:func:`endpoint_grid`).

    Returns
    -------
    numpy.ndarray
    """
    o = grid.windows.outer
    return ((grid.pieces[o, 1] - grid.pieces[o, 0])[:, None] * _WU[None, :]).ravel()


def outer_cumulative(grid: Grid, f: np.ndarray) -> np.ndarray:
    """int_{b_0}^{b_j} f du at every break (P, nb, ...), f (P, n_o, ...) given at the outer nodes
    of ``grid.windows`` (0 on the other pieces).

    Parameters
    ----------
    grid : Grid
        A multi_organ or lag grid (:func:`endpoint_grid`).
    f : numpy.ndarray
        (P, n_o, ...) the integrand at the outer nodes.

    Returns
    -------
    numpy.ndarray
    """
    o = grid.windows.outer
    nb = grid.pieces.shape[0] + 1
    w = outer_weights(grid).reshape((1, -1) + (1,) * (f.ndim - 2))
    per = (f * w).reshape((f.shape[0], o.size, 6) + f.shape[2:]).sum(axis=2)
    piece = np.zeros((f.shape[0], nb - 1) + f.shape[2:])
    piece[:, o] = per
    return np.concatenate([np.zeros((f.shape[0], 1) + f.shape[2:]), np.cumsum(piece, axis=1)], axis=1)


def _alive(grid: Grid, dM, G, h, mu, nu, nu_p, full) -> np.ndarray:
    """(P, N, K) A_k(u) = e^{-mu dG_{-k}(u)} + I_k(u): given organ k undetected until u, the
    chance of not having died after another organ's relapse (docs/model.md, "Death after
    relapse"), at the grid's Gauss nodes; exactly 1 where nu = 0 (today's model)."""
    A = np.ones((mu.size,) + h.shape[1:])
    if not np.any(nu > 0):
        return A
    iL = grid.landmark
    dMk = np.maximum(dM - dM[:, iL][:, None], 0.0)
    dGk = np.maximum(np.maximum(G - G[:, iL][:, None], 0.0)[:, :, None] - dMk, 0.0)   # other organs
    m4 = mu[:, :, None, None]
    rel_o = full(np.exp(-m4 * dGk[:, None]))                   # (P, N, K) e^{-mu dG_{-k}}
    f = full(m4 * (h.sum(axis=2, keepdims=True) - h)[:, None]) * rel_o
    I = survival_convolution(grid, f, nu_p, iL)                # (P, n, 6, K) at the nodes
    val = rel_o[:, grid.nodes] + I
    A[:, grid.nodes] = np.where((nu_p > 0)[:, None, None, None], val, 1.0)
    return A


def _windows(inner, grid: Grid, dM, G, h, mu, hazard, nu, full) -> np.ndarray:
    """E (P, n_o, W, K): after a first metastasis at each outer node, the chance of detecting
    (alive, death hazard hb + nu) the organs other than k within the window (multi_organ), or
    organ k within each lag (lag)."""
    m4 = mu[:, :, None, None]
    c = full(np.broadcast_to((hazard + nu)[:, None], mu.shape))              # (P,) death hazard after s
    multi = isinstance(inner, MultiOrgan)
    g_unit, M_unit = (h.sum(axis=2, keepdims=True) - h, G[:, :, None] - dM) if multi else (h, dM)
    return window_integral(grid, grid.windows, full(m4 * g_unit[:, None]), full(m4 * M_unit[:, None]), c)
