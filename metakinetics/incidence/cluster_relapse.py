"""Death after relapse with metastasis-to-metastasis seeding: organ k detected while alive, from
Lambda on pairs of thresholds (docs/model.md, "Metastasis-to-metastasis seeding").

Clinical time u after diagnosis t_dx, landmark L (patients alive and free of detected distant
metastasis at L; L = 0: the M0 selection), T1 the first detected distant metastasis, D_k the
first detection in organ k. Death: hazard hb from L, plus nu after T1. Detected colonies form a
Poisson cluster process, P(no detected colony in organ j by c_j, every j) = exp(-mu Lambda(c))
(:func:`metakinetics.incidence.secondary.cluster_lambda`), so for L <= s <= x::

  G_k(s, x) = P(T1 > s, D_k > x | landmark) = exp(-mu [Lambda(c(s, x)) - Lambda(all t_dx + L)]),
  c(s, x)_j = t_dx + s (j != k),  c(s, x)_k = t_dx + x,
  F_k(s, x) = -dG_k/dx = mu dLambda/dc_k(c(s, x)) G_k(s, x),

F_k(s, x) dx = P(T1 > s, D_k in dx) for s < x; F_k(L, x) dx = P(D_k in dx) and F_k(x, x) dx =
P(organ k first, at x). Given D_k = x, T1 has density -dF_k/ds on (L, x) and an atom F_k(x, x)
at x, and the patient lives at x with probability e^{-hb (x - L)} e^{-nu (x - T1)}. Integrating
e^{-nu (x - s)} against that law by parts (no second derivative of Lambda needed)::

  P(organ k found alive by t) = int_L^t e^{-hb (x - L)} [F_k(L, x) e^{-nu (x - L)}
                                                        + nu int_L^x F_k(s, x) e^{-nu (x - s)} ds] dx.

nu = 0 gives the seeding ``any`` with background mortality; nu -> inf gives "organ k first";
without seeding F_k(s, x) = mu h_k(x) e^{-mu dM_k(x)} e^{-mu dG_{-k}(s)} and this is, by the same
integration by parts, the A_k of :mod:`metakinetics.incidence.relapse`. site_share = any_k /
distant and organs_per_relapse = sum_k any_k / distant (distant does not depend on nu).

Quadrature: the outer integral in x uses the endpoint grid's Gauss nodes (incidence.terms). For
an x node in piece p the inner integral runs over the whole pieces q < p (from L on) and the
partial piece [b_p, x]: on each piece F_k(., x) is replaced by its degree-5 interpolant at the
piece's 6 Gauss nodes and integrated against e^{-nu (x - s)} exactly (product integration,
:func:`metakinetics.incidence.relapse.convolution_weights`, as the non-seeding formula). So
Lambda and its gradient are needed at the threshold vectors c(s_b, x_a) for every node pair
(x_a, s_b) with s_b in a piece at or before x_a's (s_b may pass x_a within that piece: F_k(., x)
is smooth there, a threshold vector like any other), K vectors per pair: with n pieces after L,
18 n (n + 1) K vectors per patient.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .relapse import convolution_weights

#: patients x pairs x organs per block of the inner integral (~16 MB per array)
PAIR_BUDGET = 2_000_000


@dataclass(frozen=True)
class Pairs:
    """The node pairs (x_a, s_b) of an endpoint grid the inner integral needs, as indices into
    the grid's flattened Gauss nodes (``grid.nodes.ravel()``): s_b in a piece from the landmark's
    to x_a's."""

    x: np.ndarray      # (n_pairs,) flat node index of x_a
    s: np.ndarray      # (n_pairs,) flat node index of s_b


def node_pairs(grid) -> Pairs:
    """The pairs of ``grid`` (an integration grid, incidence.terms.Grid) after its landmark.

    Parameters
    ----------
    grid : metakinetics.incidence.terms.Grid
        With integration pieces; the landmark is break ``grid.landmark``.

    Returns
    -------
    Pairs
    """
    n = grid.pieces.shape[0]
    piece = np.repeat(np.arange(n), 6)                          # piece of each flat node
    xa, sb = np.meshgrid(np.arange(6 * n), np.arange(6 * n), indexing="ij")
    keep = (piece[sb] <= piece[xa]) & (piece[sb] >= grid.landmark)
    return Pairs(xa[keep], sb[keep])


def split_thresholds(tdx: np.ndarray, one: np.ndarray, others: np.ndarray, K: int) -> np.ndarray:
    """(P, V K, K) threshold vectors (absolute years): for each of V pairs of clinical times and
    each organ k, c_k = t_dx + ``one`` and c_j = t_dx + ``others`` for j != k (vector-major, then k).

    Parameters
    ----------
    tdx : numpy.ndarray
        (P,) diagnosis times (years on the patient's clock).
    one, others : numpy.ndarray
        (V,) clinical times (years after diagnosis).
    K : int
        Number of organs.

    Returns
    -------
    numpy.ndarray
    """
    c = np.broadcast_to(np.asarray(others, dtype=float)[:, None, None], (len(others), K, K)).copy()
    idx = np.arange(K)
    c[:, idx, idx] = np.asarray(one, dtype=float)[:, None]
    return tdx[:, None, None] + c.reshape(1, -1, K)


def pair_thresholds(grid, pairs: Pairs, tdx: np.ndarray, K: int) -> np.ndarray:
    """(P, n_pairs K, K) threshold vectors c(s_b, x_a) (absolute years) for patients diagnosed at
    ``tdx`` (P,): pair-major, then the organ k whose threshold is x_a (the others at s_b).

    Parameters
    ----------
    grid : metakinetics.incidence.terms.Grid
    pairs : Pairs
    tdx : numpy.ndarray
        (P,) diagnosis times (years on the patient's clock).
    K : int
        Number of organs.

    Returns
    -------
    numpy.ndarray
    """
    u = grid.u[grid.nodes.ravel()]
    return split_thresholds(tdx, u[pairs.x], u[pairs.s], K)


def pair_weights(grid, pairs: Pairs, nu: float) -> np.ndarray:
    """(n_nodes, n_pairs) weights W with int_L^{x_a} f(s) e^{-nu (x_a - s)} ds = sum_pairs W[a, pair]
    f(s_pair) for f given at the pairs' s nodes (product integration on the pieces, exact for the
    degree-5 interpolant of f on each piece; nu in 1/year).

    Parameters
    ----------
    grid : metakinetics.incidence.terms.Grid
    pairs : Pairs
    nu : float
        Death hazard after the first relapse (1/year).

    Returns
    -------
    numpy.ndarray
    """
    lengths = grid.pieces[:, 1] - grid.pieces[:, 0]
    Wn, We = convolution_weights(nu, lengths)                    # (n, 6, 6), (n, 6)
    u = grid.u[grid.nodes.ravel()]
    pa, ia = pairs.x // 6, pairs.x % 6
    pb, mb = pairs.s // 6, pairs.s % 6
    whole = np.exp(-nu * (u[pairs.x] - grid.pieces[pb, 1])) * We[pb, mb]
    w = np.where(pa == pb, Wn[pa, ia, mb], whole)
    W = np.zeros((u.size, pairs.x.size))
    W[pairs.x, np.arange(pairs.x.size)] = w
    return W


def alive_density(grid, pairs: Pairs, lam_any, g_any, lam_pair, g_pair, hazard, nu, mu, L: float) -> np.ndarray:
    """(Po J, N, K) the x-density of organ k found alive, e^{-hb (x - L)} [F_k(L, x) e^{-nu (x - L)}
    + nu int_L^x F_k(s, x) e^{-nu (x - s)} ds], at the grid's Gauss nodes (0 elsewhere and before L).

    Parameters
    ----------
    grid : metakinetics.incidence.terms.Grid
    pairs : Pairs
    lam_any, g_any : numpy.ndarray
        (Po, N, K) Lambda(c_k = t_dx + u, others t_dx + L) - Lambda(base) and dLambda/dc_k there
        (unit mu; clinical years).
    lam_pair, g_pair : numpy.ndarray
        (Po, n_pairs, K) the same at c(s_b, x_a).
    hazard, nu : numpy.ndarray
        (Po,) background death hazard and death hazard after the first relapse (1/year).
    mu : numpy.ndarray
        (Po, J) shedding constants (every patient stands for J, P = Po J).
    L : float
        Landmark (years after diagnosis).

    Returns
    -------
    numpy.ndarray
    """
    Po, J = mu.shape
    flat = grid.nodes.ravel()
    x = grid.u[flat]
    since = np.maximum(x - L, 0.0)
    live = (x >= L)[None, :, None]
    out = np.zeros((Po, J) + lam_any.shape[1:])
    n_pairs, K = lam_pair.shape[1:]
    step = max(PAIR_BUDGET // max(n_pairs * K * J, 1), 1)
    decay_nu = np.exp(-nu[:, None] * since[None, :])[:, None, :, None]              # (Po, 1, n_nodes, 1)
    decay_hb = np.exp(-hazard[:, None] * since[None, :])[:, None, :, None]
    head = mu[:, :, None, None] * g_any[:, None][:, :, flat] * np.exp(-mu[:, :, None, None] * lam_any[:, None][:, :, flat])
    dens = head * decay_nu                                                           # (Po, J, n_nodes, K)
    for val in np.unique(nu[nu > 0]):
        W = pair_weights(grid, pairs, float(val))
        own = np.flatnonzero(nu == val)
        for lo in range(0, own.size, step):
            rows = own[lo:lo + step]
            m = mu[rows][:, :, None, None]
            F = m * g_pair[rows][:, None] * np.exp(-m * lam_pair[rows][:, None])         # (R, J, n_pairs, K)
            inner = W @ np.moveaxis(F, 2, 0).reshape(n_pairs, -1)                        # (n_nodes, R J K)
            dens[rows] += val * np.moveaxis(inner.reshape(flat.size, rows.size, J, K), 0, 2)
    out[:, :, flat] = np.where(live[:, None], dens * decay_hb, 0.0)
    return out.reshape((Po * J,) + lam_any.shape[1:])
