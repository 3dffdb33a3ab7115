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
  (c = hb + nu), for every outer Gauss node s and window length l: 6 extra Gauss nodes on the
  partial pieces at both ends, whole pieces summed from a table of positive terms (no cancellation).
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
    """Window integrals' nodes for outer Gauss nodes s_i (the nodes of pieces ``outer``) and
    lengths ``lengths`` (W,): indices into the grid's evaluation points ``u``."""

    outer: np.ndarray        # (n_out_pieces,) piece indices whose nodes are outer nodes
    lengths: np.ndarray      # (W,) window lengths (years)
    s: np.ndarray            # (n_o,) indices in u of the outer nodes s_i (n_o = 6 n_out_pieces)
    nxt: np.ndarray          # (n_o,) break index after s_i
    start: np.ndarray        # (n_o, 6) nodes on [s_i, b_nxt]
    start_len: np.ndarray    # (n_o,) its length
    last: np.ndarray         # (n_o, W) break index of the last break <= s_i + l_j
    same: np.ndarray         # (n_o, W) s_i + l_j within s_i's piece
    a: np.ndarray            # (n_o, W) indices in u of the end interval's start (s_i or b_last)
    end: np.ndarray          # (n_o, W, 6) nodes on the end interval
    end_len: np.ndarray      # (n_o, W) its length


def window_points(b: np.ndarray, pieces: np.ndarray, nodes_u: np.ndarray, outer: np.ndarray,
                  lengths: np.ndarray, offset: int):
    """(extra points (n_extra,), Windows) for outer pieces ``outer`` and window ``lengths``; extra
    points get indices from ``offset`` on (the caller appends them to u)."""
    s = nodes_u[outer].ravel()                                            # (n_o,)
    nxt = np.repeat(outer + 1, 6)
    bn = b[nxt]
    e = s[:, None] + lengths[None, :]
    last = np.clip(np.searchsorted(b, e * (1 + 1e-14), side="right") - 1, 0, b.size - 1)
    same = last < nxt[:, None]
    a_val = np.where(same, s[:, None], b[last])
    start_pts = s[:, None] + (bn - s)[:, None] * _XU[None, :]
    end_pts = a_val[..., None] + (e - a_val)[..., None] * _XU
    extra = np.concatenate([start_pts.ravel(), end_pts.ravel()])
    n_o, W = e.shape
    start_idx = offset + np.arange(n_o * 6).reshape(n_o, 6)
    end_idx = offset + n_o * 6 + np.arange(n_o * W * 6).reshape(n_o, W, 6)
    s_idx = b.size + np.repeat(outer * 6, 6) + np.tile(np.arange(6), outer.size)
    a_idx = np.where(same, s_idx[:, None], last)                          # breaks are u[:b.size]
    return extra, Windows(outer, lengths, s_idx, nxt, start_idx, bn - s, last, same, a_idx, end_idx,
                          e - a_val)


def window_integral(grid, win: Windows, g: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """E (P, n_o, W, K): int_{s_i}^{s_i + l_j} g(v) e^{-(lam(v) - lam(s_i))} dv, with g = mu h_S
    and lam = mu M_S + c v (P, N, K) given on the grid's points ``u`` (lam increasing)."""
    Lp = grid.pieces[:, 1] - grid.pieces[:, 0]
    nb = grid.pieces.shape[0] + 1
    lam_s = lam[:, win.s]                                                 # (P, n_o, K)
    # whole pieces: C[q, r] = sum_{p=q}^{r-1} int_p g e^{-(lam - lam(b_q))}, all terms >= 0
    lam_b = lam[:, :nb]                                                   # breaks first in u
    piece_terms = (g[:, grid.nodes] * np.exp(-(lam[:, grid.nodes] - lam_b[:, :-1, None]))
                   * (Lp[:, None] * _WU)[None, :, :, None]).sum(axis=2)   # (P, n, K) relative to b_p
    q = np.unique(win.nxt)
    C = np.zeros((g.shape[0], q.size, nb, g.shape[2]))
    for r in range(int(q.min()), nb - 1):                                 # add piece r to every q <= r
        on = q <= r
        C[:, on, r + 1] = C[:, on, r] + piece_terms[:, None, r] * np.exp(-(lam_b[:, None, r] - lam_b[:, q[on]]))
    qi = np.searchsorted(q, win.nxt)
    start = (g[:, win.start] * np.exp(-(lam[:, win.start] - lam_s[:, :, None]))
             * (win.start_len[:, None] * _WU)[None, :, :, None]).sum(axis=2)          # (P, n_o, K)
    full = C[:, qi[:, None], np.maximum(win.last, 0)]                                 # (P, n_o, W, K)
    lead = np.exp(-(lam_b[:, win.nxt] - lam_s))                                       # (P, n_o, K)
    lam_a = lam[:, win.a]                                                             # (P, n_o, W, K)
    endp = (g[:, win.end] * np.exp(-(lam[:, win.end] - lam_a[:, :, :, None]))
            * (win.end_len[..., None] * _WU)[None, :, :, :, None]).sum(axis=3)
    tail = np.exp(-(lam_a - lam_s[:, :, None])) * endp
    body = (start + 0.0)[:, :, None] + lead[:, :, None] * full
    return np.where(win.same[None, :, :, None], 0.0, body) + tail
