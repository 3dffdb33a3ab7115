"""Endpoint ratio terms when colonies seed colonies (metastasis-to-metastasis seeding).

Detected colonies are then a Poisson cluster process: P(no detected colony in organ j by c_j for
all j) = exp(-mu Lambda(c)) (incidence.secondary.cluster_lambda, linear in mu), no longer a product
over organs. Every endpoint of incidence.terms is read off Lambda at suitable thresholds (clinical
time u after diagnosis t_dx, landmark L; with L = 0 the landmark is the M0 selection at t_dx)::

  selection weight  exp(-mu Lambda(all c = t_dx + L)),
  any_k(u)          1 - exp(-mu [Lambda(c_k = t_dx + u, others t_dx + L) - Lambda(all t_dx + L)]),
  distant(u)        1 - exp(-mu [Lambda(all t_dx + u) - Lambda(all t_dx + L)]),
  site_share        any_k / distant,
  first_k(u)        int_L^u mu dLambda/dc_k(all t_dx + v) exp(-mu [Lambda(all t_dx + v) - ...]) dv,
  at_diagnosis      1 - exp(-mu Lambda(c_k = t_dx, others unconstrained)) (per organ; all t_dx: distant)

with background mortality the any/distant events are integrated like first, weighted by survival;
with death after relapse (mortality.after_relapse > 0) any_k counts organ k found alive, from
Lambda on pairs of thresholds (:mod:`metakinetics.incidence.cluster_relapse`), and
organs_per_relapse = sum_k any_k / distant; multi_organ and lag (any death hazards) from Lambda
on the pairs (first relapse, end of its window) (:mod:`metakinetics.incidence.cluster_windows`).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ..endpoints import AtDiagnosis, Any, Distant, Endpoint, First, Lag, MultiOrgan, OrgansPerRelapse, SiteShare
from ..errors import InputError
from ..model.params import PatientParams
from .cluster_relapse import alive_density, node_pairs, split_thresholds
from .cluster_windows import window_counts, window_ends, window_pairs
from .secondary import cluster_lambda
from .terms import Grid, cumulative, outer_cumulative, outer_weights, split


@dataclass(frozen=True)
class Lambdas:
    """Lambda at the thresholds an endpoint needs, unit mu, per patient (P rows)."""

    base: np.ndarray                  # (P,) Lambda(all t_dx + L), or the at-diagnosis values (P, K')
    any: np.ndarray | None = None     # (P, N, K) Lambda(c_k = t_dx + u, others t_dx + L) - base
    all: np.ndarray | None = None     # (P, N) Lambda(all t_dx + u) - base
    g_any: np.ndarray | None = None   # (P, N, K) dLambda/dc_k at the any thresholds
    g_all: np.ndarray | None = None   # (P, N, K) dLambda/dc_k at the all thresholds
    pair: np.ndarray | None = None    # (P, n_pairs, K) Lambda(c(s, x)) - base (incidence.cluster_relapse)
    g_pair: np.ndarray | None = None  # (P, n_pairs, K) dLambda/dc_k there
    win: np.ndarray | None = None     # (P, n_wpairs, K) Lambda - base at the window pairs (incidence.cluster_windows)
    g_win: np.ndarray | None = None   # (P, n_wpairs, K) the rate there (organ k: multi_organ; the others: lag)
    win_end: np.ndarray | None = None   # (P, n_o W, K) the same at the window ends
    g_win_end: np.ndarray | None = None

    def take(self, rows) -> "Lambdas":
        """The patients ``rows``.

        Parameters
        ----------
        rows : slice or index array

        Returns
        -------
        Lambdas
        """
        return replace(self, **{f.name: getattr(self, f.name)[rows] for f in fields(self)
                                if getattr(self, f.name) is not None})


#: threshold vectors per call of cluster_lambda for the node pairs (bounds its working memory)
PAIR_VECTORS = 2048


def lambdas(endpoint: Endpoint, grid: Grid, pat: PatientParams, *, closed: bool, integral: bool,
            generations: int | None = 2, relapse: bool = False, only_base: bool = False) -> Lambdas:
    """Lambda and its gradients for ``endpoint`` on ``grid`` (clinical years) for every patient.

    Parameters
    ----------
    endpoint : Endpoint
    grid : Grid
        From :func:`metakinetics.incidence.terms.clinical_grid`.
    pat : PatientParams
        Unit-mu patients.
    closed : bool
        Closed-form primary moments (exponential primary).
    integral : bool
        Whether the endpoint is integrated in time (first, or background mortality).
    generations : int or None
        Generations of colonies followed (2: the primary's colonies shed, their daughters do
        not; None: every generation).
    relapse : bool
        Whether some patient dies faster after a first relapse (mortality.after_relapse > 0):
        the endpoints counting organs found alive then need Lambda on node pairs
        (:mod:`metakinetics.incidence.cluster_relapse`; needs the integral grid).
    only_base : bool
        Only ``base`` (the selection's Lambda, one threshold vector per patient): what the weights
        of every patient need before the rest is computed chunk by chunk.

    Returns
    -------
    Lambdas
    """
    inner, L = split(endpoint)
    tdx = pat.diagnosis_time()
    K = len(pat.organs)
    P = pat.n
    if only_base and not isinstance(inner, AtDiagnosis):
        return Lambdas(cluster_lambda(pat, np.broadcast_to((tdx + L)[:, None, None], (P, 1, K)).copy(),
                                      closed=closed, generations=generations)[0][:, 0])
    if isinstance(inner, AtDiagnosis):
        if inner.per_organ:
            c = np.full((P, K, K), -np.inf)
            idx = np.arange(K)
            c[:, idx, idx] = tdx[:, None]
        else:
            c = np.broadcast_to(tdx[:, None, None], (P, 1, K)).copy()
        return Lambdas(cluster_lambda(pat, c, closed=closed, generations=generations)[0])
    u = grid.u
    N = u.size
    ref = tdx + L
    uu = tdx[:, None] + np.maximum(u, L)[None, :]                 # (P, N): before the landmark, nothing counts
    blocks = [np.broadcast_to(ref[:, None, None], (P, 1, K))]
    want_any = isinstance(inner, (Any, SiteShare, OrgansPerRelapse))
    want_all = isinstance(inner, (Distant, SiteShare, OrgansPerRelapse, First, MultiOrgan, Lag))
    if want_any:
        c = np.broadcast_to(ref[:, None, None, None], (P, N, K, K)).copy()    # (P, N, k varied, organ)
        idx = np.arange(K)
        c[:, :, idx, idx] = uu[:, :, None]
        blocks.append(c.reshape(P, N * K, K))
    if want_all:
        blocks.append(np.broadcast_to(uu[:, :, None], (P, N, K)))
    Lam, grad = cluster_lambda(pat, np.concatenate(blocks, axis=1), closed=closed, grad=integral,
                               generations=generations)
    base = Lam[:, 0]
    out = {"base": base}
    pos = 1
    if want_any:
        out["any"] = np.maximum(Lam[:, pos:pos + N * K].reshape(P, N, K) - base[:, None, None], 0.0)
        if integral:
            g = grad[:, pos:pos + N * K].reshape(P, N, K, K)
            out["g_any"] = g[:, :, np.arange(K), np.arange(K)]
        pos += N * K
    if want_all:
        out["all"] = np.maximum(Lam[:, pos:pos + N] - base[:, None], 0.0)
        if integral:
            out["g_all"] = grad[:, pos:pos + N]
    if want_any and relapse:
        out["pair"], out["g_pair"] = _pair_lambdas(grid, pat, base, closed=closed, generations=generations)
    if isinstance(inner, (MultiOrgan, Lag)):
        out.update(_window_lambdas(grid, pat, base, isinstance(inner, Lag), closed=closed, generations=generations))
    return Lambdas(**out)


def _window_lambdas(grid: Grid, pat: PatientParams, base: np.ndarray, lag: bool, *, closed: bool, generations):
    """Lambda - base and the rates at the window pairs (s_i, e) and ends (s_i, s_i + l_j) of a
    multi_organ grid (organ k at s, the others at e; the rate of organ k) or a lag grid (the
    others at s, organ k at e; the others' rate), incidence.cluster_windows."""
    wp = window_pairs(grid)
    s = grid.u[grid.windows.s]
    e = grid.u[grid.nodes.ravel()][wp.e]
    ends = window_ends(grid)
    s_end = np.broadcast_to(s[:, None], ends.shape).ravel()
    first = (e, s[wp.i]) if lag else (s[wp.i], e)
    last = (ends.ravel(), s_end) if lag else (s_end, ends.ravel())
    lam, g = _split_lambdas(pat, *first, base, others=lag, closed=closed, generations=generations)
    lam_e, g_e = _split_lambdas(pat, *last, base, others=lag, closed=closed, generations=generations)
    return {"win": lam, "g_win": g, "win_end": lam_e, "g_win_end": g_e}


def _split_lambdas(pat: PatientParams, one, others_at, base, *, others: bool, closed: bool, generations):
    """(P, V, K) Lambda - base at c_k = t_dx + one, c_{-k} = t_dx + others_at (V pairs, every k), and
    dLambda/dc_k there (or, with ``others``, sum_{j != k} dLambda/dc_j), in blocks of PAIR_VECTORS."""
    K = len(pat.organs)
    c = split_thresholds(pat.diagnosis_time(), one, others_at, K)
    P, V = pat.n, c.shape[1]
    lam, rate = np.empty((P, V)), np.empty((P, V))
    idx = np.arange(V) % K
    for lo in range(0, V, PAIR_VECTORS):
        r = slice(lo, min(lo + PAIR_VECTORS, V))
        L_, g_ = cluster_lambda(pat, c[:, r], closed=closed, grad=True, generations=generations)
        lam[:, r] = L_
        own = np.take_along_axis(g_, idx[None, r, None], axis=2)[:, :, 0]
        rate[:, r] = g_.sum(axis=2) - own if others else own
    n = V // K
    return np.maximum(lam.reshape(P, n, K) - base[:, None, None], 0.0), rate.reshape(P, n, K)


def _pair_lambdas(grid: Grid, pat: PatientParams, base: np.ndarray, *, closed: bool, generations):
    """(P, n_pairs, K) Lambda(c(s, x)) - base and dLambda/dc_k(c(s, x)) at the node pairs of
    ``grid`` (incidence.cluster_relapse), in blocks of PAIR_VECTORS threshold vectors."""
    pairs = node_pairs(grid)
    u = grid.u[grid.nodes.ravel()]
    return _split_lambdas(pat, u[pairs.x], u[pairs.s], base, others=False, closed=closed, generations=generations)


def cluster_terms(endpoint: Endpoint, grid: Grid, lam: Lambdas, hazard: np.ndarray,
                  mu: np.ndarray, after_relapse: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lw (P,), a (P, T, K'), b) as :func:`metakinetics.incidence.terms.terms`, from Lambda.

    Parameters
    ----------
    endpoint : Endpoint
    grid : Grid
    lam : Lambdas
        For Po unit-mu patients.
    hazard : numpy.ndarray
        (Po,) background death hazard (1/year).
    mu : numpy.ndarray
        (Po, J) shedding constants: every patient stands for J patients (P = Po J).
    after_relapse : numpy.ndarray or None
        (Po,) death hazard after the first detected distant metastasis (1/year); used by the
        endpoints counting organs found alive (needs ``lam.pair``, incidence.cluster_relapse).

    Returns
    -------
    lw, a, b : numpy.ndarray
    """
    inner, L = split(endpoint)
    Po, J = mu.shape
    P = Po * J
    T = grid.user.size

    def full(x):
        return x.reshape((P,) + x.shape[2:])

    if isinstance(inner, AtDiagnosis):
        prev = full(-np.expm1(-mu[:, :, None] * lam.base[:, None, :]))
        return np.zeros(P), np.broadcast_to(prev[:, None, :], (P, T, prev.shape[1])), np.ones((P, 1, 1))
    lw = (-mu * lam.base[:, None]).reshape(-1)
    u = grid.u
    after = (u[grid.user] >= L)[None, :, None]
    m3, m4 = mu[:, :, None], mu[:, :, None, None]
    if grid.pieces is None:
        any_k = dist = None
        if lam.any is not None:
            any_k = np.where(after, full(-np.expm1(-m4 * lam.any[:, None, grid.user])), 0.0)
        if lam.all is not None:
            dist = np.where(after, full(-np.expm1(-m3 * lam.all[:, None, grid.user]))[..., None], 0.0)
        if isinstance(inner, First):
            raise AssertionError("first needs the integral grid")
    else:
        decay = np.exp(-hazard[:, None] * np.maximum(u[None, :] - L, 0.0))[:, None, :, None]   # (Po, 1, N, 1)
        out = {}
        if lam.all is not None:
            surv_all = np.exp(-m3 * lam.all[:, None])[..., None]                             # (Po, J, N, 1)
            rate = m4 * lam.g_all[:, None] * decay                                            # (Po, J, N, K)
            if isinstance(inner, First):
                out["first"] = full(rate * surv_all)
            if isinstance(inner, (Distant, SiteShare, OrgansPerRelapse, MultiOrgan)):
                out["dist"] = full((rate * surv_all).sum(axis=3, keepdims=True))
        nu = np.zeros(Po) if after_relapse is None else np.broadcast_to(after_relapse, (Po,))
        if lam.pair is not None:
            out["any"] = alive_density(grid, node_pairs(grid), lam.any, lam.g_any, lam.pair, lam.g_pair,
                                       hazard, nu, mu, L)
        elif lam.any is not None:
            out["any"] = full(m4 * lam.g_any[:, None] * decay * np.exp(-m4 * lam.any[:, None]))
        res = {}
        for key, f in out.items():
            cum = cumulative(grid, f)
            res[key] = np.where(after, np.maximum(cum[:, grid.user] - cum[:, grid.landmark][:, None], 0.0), 0.0)
        if isinstance(inner, First):
            return lw, np.minimum(res["first"], 1.0), np.ones((P, 1, 1))
        if lam.win is not None:
            return (lw,) + _window_terms(inner, grid, lam, hazard, nu, mu, L, res.get("dist"), after)
        any_k, dist = res.get("any"), res.get("dist")
    if isinstance(inner, Any):
        return lw, any_k, np.ones((P, 1, 1))
    if isinstance(inner, Distant):
        return lw, dist, np.ones((P, 1, 1))
    if isinstance(inner, SiteShare):
        return lw, any_k, dist
    if isinstance(inner, OrgansPerRelapse):
        return lw, any_k.sum(axis=2, keepdims=True), dist
    raise InputError(f"endpoint '{inner.name}' with metastasis-to-metastasis seeding: the formulas cover any, "
                     f"first, distant, site_share, organs_per_relapse, multi_organ, lag, at_diagnosis and their "
                     f"landmarks; use method 'monte-carlo' (the cohort simulator follows seeding exactly)")


def _window_terms(inner: Endpoint, grid: Grid, lam: Lambdas, hazard, nu, mu, L: float, dist, after):
    """(a, b) of multi_organ (a (P, T, 1) the first relapse with another organ found alive within the
    window, b = distant) or lag (a (P, W - 1, K) organ k found alive within each lag of a first
    relapse elsewhere, b (P, 1, K) within the reach), from incidence.cluster_windows."""
    win = grid.windows
    g_s = lam.g_all[:, win.s]                                                   # (Po, n_o, K) first-site rates
    rate = g_s.sum(axis=2, keepdims=True) - g_s if isinstance(inner, Lag) else g_s
    h0 = (np.broadcast_to(lam.all[:, win.s][..., None], rate.shape), rate)
    N = window_counts(grid, window_pairs(grid), h0, lam.win, lam.g_win, lam.win_end, lam.g_win_end,
                      hazard, nu, mu, L)                                        # (P, n_o, W, K)
    if isinstance(inner, MultiOrgan):
        cum = outer_cumulative(grid, N[:, :, 0].sum(axis=2, keepdims=True))   # (P, nb, 1)
        return np.where(after, np.maximum(cum[:, grid.user] - cum[:, grid.landmark][:, None], 0.0), 0.0), dist
    cum = np.einsum("i,pijk->pjk", outer_weights(grid), N)                     # (P, W, K)
    return np.maximum(cum[:, :-1], 0.0), np.maximum(cum[:, -1:], 0.0)
