"""Death after relapse and the endpoints that follow a patient past the first metastasis
(docs/model.md, "Death after relapse"), exact given the patient up to quadrature error.

Given a patient, detected colonies in organ k form independent Poisson processes of intensity
mu h_k(u); death has hazard hb from diagnosis plus nu after the first detected distant metastasis.

* ``survival_convolution``: I_k(v) = int_L^v mu h_{-k}(u) e^{-mu dG_{-k}(u)} e^{-nu (v - u)} du,
  the chance that another organ relapsed first and the patient still lives at v (apart from hb).
  A recurrence over the integration pieces carries I from one break to the next (factor
  e^{-nu len}); on a piece, mu h_{-k} e^{-mu dG_{-k}} is replaced by its degree-5 interpolant at
  the 6 Gauss nodes and integrated against e^{-nu (x - u)} exactly (product integration; the
  weights by a 32-point Gauss-Legendre rule, exact for the polynomial times an exponential to
  ~1e-15 while nu x piece <= 30).
* ``window_integral``: E_S(s, s + l) = int_s^{s+l} mu h_S(v) e^{-mu (M_S(v) - M_S(s)) - c (v - s)} dv,
  the chance that organs S are detected alive in (s, s + l] after a first metastasis at s
  (c = hb + nu), for every outer Gauss node s and window length l: product integration on the
  partial pieces at both ends (the same interpolant, exact against e^{-c v}), whole pieces summed
  from a table of positive terms (no cancellation). No point beyond the grid's nodes is needed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_X, _W = np.polynomial.legendre.leggauss(6)
_XU, _WU = (_X + 1.0) / 2.0, _W / 2.0
_X32, _W32 = np.polynomial.legendre.leggauss(32)
_XF, _WF = (_X32 + 1.0) / 2.0, _W32 / 2.0


def _lagrange(z: np.ndarray) -> np.ndarray:
    """(..., 6): the Lagrange basis of the 6 Gauss nodes on [0, 1] evaluated at z (...)."""
    z = np.asarray(z, dtype=float)[..., None]
    out = np.ones(z.shape[:-1] + (6,))
    for m in range(6):
        for j in range(6):
            if j != m:
                out[..., m] *= (z[..., 0] - _XU[j]) / (_XU[m] - _XU[j])
    return out


def convolution_weights(nu: float, lengths: np.ndarray):
    """Product-integration weights for int f(u) e^{-nu (x - u)} du on pieces of ``lengths`` (n,):

    Wn (n, 6, 6): from the piece start to its node i, for f given at node m;
    We (n, 6): over the whole piece, to its end."""
    lengths = np.asarray(lengths, dtype=float)
    ends = np.append(_XU, 1.0)                                            # (7,) targets in [0, 1]
    z = ends[:, None] * _XF[None, :]                                      # (7, 32) points in [0, end]
    basis = _lagrange(z)                                                  # (7, 32, 6)
    lag = (ends[:, None] - z)                                             # (7, 32) x - u in piece units
    kern = np.exp(-nu * lengths[:, None, None] * lag[None])               # (n, 7, 32)
    w = np.einsum("nep,epm,p->nem", kern, basis, _WF) * (ends[None, :, None] * lengths[:, None, None])
    return w[:, :6], w[:, 6]


def survival_convolution(grid, f: np.ndarray, nu: np.ndarray, start: int) -> np.ndarray:
    """I at every Gauss node (P, n_pieces, 6, K) of ``grid``: int_{b_start}^x f(u) e^{-nu (x - u)} du,
    f (P, N, K) given at the grid's nodes, nu (P,) per patient (1/year); 0 before break ``start``."""
    L = grid.pieces[:, 1] - grid.pieces[:, 0]
    fn = f[:, grid.nodes]                                                 # (P, n, 6, K)
    fn = np.where((np.arange(L.size) >= start)[None, :, None, None], fn, 0.0)
    out = np.zeros_like(fn)
    for val in np.unique(nu):
        rows = np.flatnonzero(nu == val)
        Wn, We = convolution_weights(float(val), L)
        decay_n = np.exp(-val * L[:, None] * _XU[None, :])               # (n, 6)
        decay_e = np.exp(-val * L)                                        # (n,)
        local = np.einsum("nim,pnmk->pnik", Wn, fn[rows])                 # from the piece start
        piece = np.einsum("nm,pnmk->pnk", We, fn[rows])                   # whole piece, to its end
        carry = np.zeros((rows.size,) + fn.shape[3:])
        res = np.empty_like(local)
        for p in range(L.size):                                           # the recurrence over pieces
            res[:, p] = local[:, p] + decay_n[p][None, :, None] * carry[:, None]
            carry = carry * decay_e[p] + piece[:, p]
        out[rows] = res
    return out


@dataclass(frozen=True)
class Windows:
    """Where the windows (s_i, s_i + l_j] of the outer Gauss nodes s_i (the nodes of the pieces
    ``outer``) start and end: piece index and position within the piece (0..1)."""

    outer: np.ndarray        # (n_out_pieces,) piece indices whose nodes are outer nodes
    lengths: np.ndarray      # (W,) window lengths (years)
    s: np.ndarray            # (n_o,) indices in u of the outer nodes s_i (n_o = 6 n_out_pieces)
    ps: np.ndarray           # (n_o,) piece of s_i
    zs: np.ndarray           # (n_o,) position of s_i in its piece (a Gauss node)
    pe: np.ndarray           # (n_o, W) piece of s_i + l_j
    ze: np.ndarray           # (n_o, W) its position in that piece, in [0, 1]


def windows(b: np.ndarray, nodes_u: np.ndarray, outer: np.ndarray, lengths: np.ndarray) -> Windows:
    """The windows of the outer pieces ``outer`` (indices into the pieces between breaks ``b``;
    ``nodes_u`` (n, 6) their Gauss nodes) for window ``lengths`` (W,)."""
    s = nodes_u[outer].ravel()
    ps = np.repeat(outer, 6)
    e = s[:, None] + np.asarray(lengths, dtype=float)[None, :]
    pe = np.clip(np.searchsorted(b, e, side="right") - 1, 0, b.size - 2)
    ze = np.clip((e - b[pe]) / (b[pe + 1] - b[pe]), 0.0, 1.0)
    s_idx = b.size + ps * 6 + np.tile(np.arange(6), outer.size)
    return Windows(outer, np.asarray(lengths, dtype=float), s_idx, ps, np.tile(_XU, outer.size), pe, ze)


def partial_weights(c: float, lengths: np.ndarray, z: np.ndarray) -> np.ndarray:
    """(..., 6) weights of int_0^{z len} p(v) e^{-c v} dv = sum_m w_m p(node_m), p the degree-5
    interpolant at the piece's 6 Gauss nodes; ``lengths`` and ``z`` (...) broadcast together."""
    lengths, z = np.broadcast_arrays(np.asarray(lengths, dtype=float), np.asarray(z, dtype=float))
    y = z[..., None] * _XF                                               # (..., 32) in [0, z]
    kern = np.exp(-c * lengths[..., None] * y) * (z * lengths)[..., None] * _WF
    return np.einsum("...q,...qm->...m", kern, _lagrange(y))


def _apply(w: np.ndarray, piece: np.ndarray, ph: np.ndarray, P: int, K: int) -> np.ndarray:
    """(P, ..., K): sum_m w[..., m] ph[piece[...], m] for weights w (..., 6) on pieces ``piece``
    (...), ph (n 6, P K) the node values, as one dense matrix product."""
    shape = piece.shape
    S = np.zeros((piece.size, ph.shape[0]))
    cols = piece.reshape(-1, 1) * 6 + np.arange(6)[None, :]
    np.put_along_axis(S, cols, w.reshape(-1, 6), axis=1)
    return np.moveaxis((S @ ph).reshape(shape + (P, K)), -2, 0)


def window_integral(grid, win: Windows, g: np.ndarray, m: np.ndarray, c: np.ndarray) -> np.ndarray:
    """E (P, n_o, W, K): int_{s_i}^{s_i + l_j} g(v) e^{-(lam(v) - lam(s_i))} dv with lam = m + c v,
    g = mu h_S and m = mu M_S (P, N, K) on the grid's points, c (P,) the death hazard (1/year).

    On each piece g e^{-(m - m(b_p))} is interpolated at its 6 Gauss nodes and integrated against
    e^{-c (v - b_p)} exactly (product integration), so no point beyond the grid's nodes is needed;
    whole pieces in between come from a table of sums of positive terms (no cancellation)."""
    Lp = grid.pieces[:, 1] - grid.pieces[:, 0]
    n = Lp.size
    b = grid.pieces[:, 0]
    m_b = m[:, :n + 1]                                                   # breaks first in u
    phi = g[:, grid.nodes] * np.exp(-(m[:, grid.nodes] - m_b[:, :-1, None]))   # (P, n, 6, K)
    P, K = g.shape[0], g.shape[2]
    out = np.empty((P,) + win.pe.shape + (K,))
    for val in np.unique(c):
        rows = np.flatnonzero(c == val)
        ph = phi[rows].transpose(1, 2, 0, 3).reshape(n * 6, -1)            # (n 6, P' K): one matmul each
        full = _apply(partial_weights(val, Lp, np.ones(n)), np.arange(n), ph, rows.size, K)     # F_p(1)
        Fs = _apply(partial_weights(val, Lp[win.ps], win.zs), win.ps, ph, rows.size, K)
        Fe = _apply(partial_weights(val, Lp[win.pe], win.ze), win.pe, ph, rows.size, K)
        lam_b = m_b[rows] + val * np.append(b, grid.pieces[-1, 1])[None, :, None]        # (P, n + 1, K)
        lam_s = m[rows][:, win.s] + val * grid.u[win.s][None, :, None]                    # (P, n_o, K)
        # C[q, r] = sum_{p=q}^{r-1} e^{-(lam(b_p) - lam(b_q))} F_p(1)
        q = np.unique(win.ps + 1)
        C = np.zeros((rows.size, q.size, n + 1, K))
        for r in range(int(q.min()), n):
            on = q <= r
            C[:, on, r + 1] = C[:, on, r] + full[:, None, r] * np.exp(-(lam_b[:, None, r] - lam_b[:, q[on]]))
        qi = np.searchsorted(q, win.ps + 1)
        with np.errstate(over="ignore", invalid="ignore"):
            up = np.exp(np.minimum(lam_s - lam_b[:, win.ps], 700.0))                      # e^{lam(s) - lam(b_ps)}
            same = up[:, :, None] * (Fe - Fs[:, :, None])
            head = up * (full[:, win.ps] - Fs)                                             # s to its piece end
            mid = np.exp(-(lam_b[:, win.ps + 1] - lam_s))[:, :, None] * C[:, qi[:, None], win.pe]
            tail = np.exp(-(lam_b[:, win.pe] - lam_s[:, :, None])) * Fe
            E = np.where((win.pe == win.ps[:, None])[None, :, :, None], same, head[:, :, None] + mid + tail)
        out[rows] = np.nan_to_num(np.maximum(E, 0.0))
    return out
