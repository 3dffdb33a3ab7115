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

with background mortality the any/distant events are integrated like first, weighted by survival.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ..endpoints import AtDiagnosis, Any, Distant, Endpoint, First, SiteShare
from ..errors import InputError
from ..model.params import PatientParams
from .secondary import cluster_lambda
from .terms import Grid, cumulative, split


@dataclass(frozen=True)
class Lambdas:
    """Lambda at the thresholds an endpoint needs, unit mu, per patient (P rows)."""

    base: np.ndarray                  # (P,) Lambda(all t_dx + L), or the at-diagnosis values (P, K')
    any: np.ndarray | None = None     # (P, N, K) Lambda(c_k = t_dx + u, others t_dx + L) - base
    all: np.ndarray | None = None     # (P, N) Lambda(all t_dx + u) - base
    g_any: np.ndarray | None = None   # (P, N, K) dLambda/dc_k at the any thresholds
    g_all: np.ndarray | None = None   # (P, N, K) dLambda/dc_k at the all thresholds

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


def lambdas(endpoint: Endpoint, grid: Grid, pat: PatientParams, *, closed: bool, integral: bool,
            generations: int | None = 2) -> Lambdas:
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

    Returns
    -------
    Lambdas
    """
    inner, L = split(endpoint)
    tdx = pat.diagnosis_time()
    K = len(pat.organs)
    P = pat.n
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
    want_any = isinstance(inner, (Any, SiteShare))
    want_all = isinstance(inner, (Distant, SiteShare, First))
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
    return Lambdas(**out)


def cluster_terms(endpoint: Endpoint, grid: Grid, lam: Lambdas, hazard: np.ndarray,
                  mu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
            if isinstance(inner, (Distant, SiteShare)):
                out["dist"] = full((rate * surv_all).sum(axis=3, keepdims=True))
        if lam.any is not None:
            out["any"] = full(m4 * lam.g_any[:, None] * decay * np.exp(-m4 * lam.any[:, None]))
        res = {}
        for key, f in out.items():
            cum = cumulative(grid, f)
            res[key] = np.where(after, np.maximum(cum[:, grid.user] - cum[:, grid.landmark][:, None], 0.0), 0.0)
        if isinstance(inner, First):
            return lw, np.minimum(res["first"], 1.0), np.ones((P, 1, 1))
        any_k, dist = res.get("any"), res.get("dist")
    if isinstance(inner, Any):
        return lw, any_k, np.ones((P, 1, 1))
    if isinstance(inner, Distant):
        return lw, dist, np.ones((P, 1, 1))
    if isinstance(inner, SiteShare):
        return lw, any_k, dist
    raise InputError(f"endpoint '{inner.name}' with metastasis-to-metastasis seeding: the formulas cover any, "
                     f"first, distant, site_share, at_diagnosis and their landmarks; use method 'monte-carlo' "
                     f"(the cohort simulator follows seeding exactly)")
