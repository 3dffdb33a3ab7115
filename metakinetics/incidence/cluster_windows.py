"""The clinician endpoints multi_organ and lag with metastasis-to-metastasis seeding, from Lambda
on pairs of thresholds (docs/model.md, "Metastasis-to-metastasis seeding").

Notation of :mod:`metakinetics.incidence.cluster_relapse` (landmark L, Lambda differences from
the landmark's, death hazard hb from L and c = hb + nu after the first relapse at s). For
s <= e, with T_{-k} the first detection outside organ k::

  H_k(s, e)  = P(D_k in ds, T_{-k} > e) / ds = mu dLambda/dc_k e^{-mu dLambda}  at c_k = s, c_{-k} = e,
  H'_k(s, e) = P(T_{-k} in ds, D_k > e) / ds = mu sum_{j != k} dLambda/dc_j e^{-mu dLambda}  at c_{-k} = s, c_k = e.

H_k(s, s) is the density of organ k first at s and H'_k(s, s) that of another organ first;
-dH/de is the density of the next organ at e. The chance that it is detected alive within
(s, s + l] is, by parts (first derivatives of Lambda only),

  N(s, l) = H(s, s) - H(s, s + l) e^{-c l} - c int_s^{s+l} H(s, e) e^{-c (e - s)} de,

so that multi_organ(t) = int_L^t e^{-hb (s - L)} sum_k N_k(s, w) ds / distant(t) (H_k) and
lag_k(l) = int_L^H e^{-hb (s - L)} N'_k(s, min(l, W)) ds / (the same at l = W) (H'_k). Without
seeding H_k(s, e) = mu h_k(s) e^{-mu dM_k(s)} e^{-mu dG_{-k}(e)} and N is the window integral
E_S of :mod:`metakinetics.incidence.relapse` times the first-site density.

Quadrature: s on the outer Gauss nodes of the endpoint grid (``grid.windows``); for each, e on
the Gauss nodes of the pieces from s's to the window's end, H(s, .) interpolated at each piece's
6 nodes and integrated against e^{-c (e - s)} exactly on the partial pieces at both ends and the
whole pieces between (relapse.partial_weights), and H at the window's end s + l itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .relapse import partial_weights

#: patients x window pairs x lengths x organs per block of the window integrals (~16 MB per array)
WINDOW_BUDGET = 2_000_000


@dataclass(frozen=True)
class WindowPairs:
    """The (s_i, e) pairs of the windows of an endpoint grid: outer node i (index into
    ``grid.windows.s``) and e a flat Gauss node (``grid.nodes.ravel()``) in a piece from s_i's to
    the end of its longest window; sorted by i."""

    i: np.ndarray       # (n_pairs,) outer node
    e: np.ndarray       # (n_pairs,) flat node index of e


def window_pairs(grid) -> WindowPairs:
    """The window pairs of a multi_organ or lag ``grid`` (incidence.terms.endpoint_grid).

    Parameters
    ----------
    grid : metakinetics.incidence.terms.Grid

    Returns
    -------
    WindowPairs
    """
    win = grid.windows
    piece = np.repeat(np.arange(grid.pieces.shape[0]), 6)
    ii, ee = np.meshgrid(np.arange(win.s.size), np.arange(piece.size), indexing="ij")
    keep = (piece[ee] >= win.ps[ii]) & (piece[ee] <= win.pe.max(axis=1)[ii])
    return WindowPairs(ii[keep], ee[keep])


def window_ends(grid) -> np.ndarray:
    """(n_o, W) the window ends s_i + l_j (years after diagnosis).

    Parameters
    ----------
    grid : metakinetics.incidence.terms.Grid

    Returns
    -------
    numpy.ndarray
    """
    return grid.u[grid.windows.s][:, None] + grid.windows.lengths[None, :]


def window_weights(grid, wp: WindowPairs, c: float) -> np.ndarray:
    """(W, n_pairs) weights with int_{s_i}^{s_i + l_j} f(e) e^{-c (e - s_i)} de = sum over the pairs
    of i of weight[j, pair] f(e_pair), exact for the degree-5 interpolant of f on each piece
    (c in 1/year).

    Parameters
    ----------
    grid : metakinetics.incidence.terms.Grid
    wp : WindowPairs
    c : float
        Death hazard after the first relapse, hb + nu (1/year).

    Returns
    -------
    numpy.ndarray
    """
    win = grid.windows
    Lp = grid.pieces[:, 1] - grid.pieces[:, 0]
    q, m = wp.e // 6, wp.e % 6                                    # piece and node of e
    ps, pe = win.ps[wp.i], win.pe[wp.i].T                         # (n_pairs,), (W, n_pairs)
    whole = partial_weights(c, Lp, np.ones(Lp.size))[q, m]        # (n_pairs,) F_q(1)
    start = partial_weights(c, Lp[win.ps], win.zs)[wp.i, m]       # F_ps(zs)
    end = partial_weights(c, Lp[win.pe], win.ze)[wp.i, :, m].T    # (W, n_pairs) F_pe(ze)
    hi = np.where(q[None] == pe, end, np.where(q[None] < pe, whole[None], 0.0))
    lo = np.where(q == ps, start, 0.0)[None]
    s = grid.u[win.s][wp.i]
    return np.exp(-c * (grid.pieces[q, 0] - s))[None] * (hi - lo)


def window_counts(grid, wp: WindowPairs, h0, lam_pair, g_pair, lam_end, g_end, hazard, nu, mu, L: float) -> np.ndarray:
    """(Po J, n_o, W, K) e^{-hb (s - L)} N_k(s_i, l_j): the first relapse at the outer node s_i
    (of organ k for multi_organ, elsewhere for lag) and the next organ (another one; organ k)
    detected alive within l_j, given the unit-mu Lambda differences and rates (H's factors).

    Parameters
    ----------
    grid : metakinetics.incidence.terms.Grid
    wp : WindowPairs
    h0 : tuple of numpy.ndarray
        (lam (Po, n_o, K), rate (Po, n_o, K)): at c = s_i in every organ.
    lam_pair, g_pair : numpy.ndarray
        (Po, n_pairs, K) at the pairs (s_i, e).
    lam_end, g_end : numpy.ndarray
        (Po, n_o W, K) at the window ends (s_i, s_i + l_j).
    hazard, nu : numpy.ndarray
        (Po,) death hazards (1/year) from the landmark and after the first relapse.
    mu : numpy.ndarray
        (Po, J) shedding constants (P = Po J).
    L : float
        Landmark (years after diagnosis).

    Returns
    -------
    numpy.ndarray
    """
    Po, J = mu.shape
    win = grid.windows
    n_o, W = win.pe.shape
    K = lam_pair.shape[2]
    s = grid.u[win.s]
    starts = np.flatnonzero(np.r_[True, np.diff(wp.i) != 0])
    out = np.empty((Po, J, n_o, W, K))
    c_all = hazard + nu
    step = max(WINDOW_BUDGET // max(wp.i.size * W * K * J, 1), 1)
    for val in np.unique(c_all):
        wt = window_weights(grid, wp, float(val))                   # (W, n_pairs)
        own = np.flatnonzero(c_all == val)
        for lo in range(0, own.size, step):
            rows = own[lo:lo + step]
            m = mu[rows][:, :, None, None]                           # (R, J, 1, 1)
            H0 = m * h0[1][rows][:, None] * np.exp(-m * h0[0][rows][:, None])           # (R, J, n_o, K)
            He = (m * g_end[rows][:, None] * np.exp(-m * lam_end[rows][:, None])).reshape(rows.size, J, n_o, W, K)
            Hp = m * g_pair[rows][:, None] * np.exp(-m * lam_pair[rows][:, None])       # (R, J, n_pairs, K)
            inner = np.add.reduceat(wt[None, None, :, :, None] * Hp[:, :, None], starts, axis=3)   # (R, J, W, n_o, K)
            N = H0[:, :, :, None] - He * np.exp(-val * win.lengths)[None, None, None, :, None] \
                - val * np.moveaxis(inner, 2, 3)
            out[rows] = np.maximum(N, 0.0) * np.exp(-hazard[rows][:, None, None, None, None]
                                                    * np.maximum(s - L, 0.0)[None, None, :, None, None])
    return out.reshape((Po * J, n_o, W, K))
