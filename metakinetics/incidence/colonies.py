"""Expected detectable colonies M_k(t) and their rate h_k = dM_k/dt, per patient and organ.

M_k(t) = int_0^t phi_k(s) F_k(t - s) ds, F_k the probability that a colony founded s ago is
detected. Deterministic growth: F is a step at tau_k, so M_k(t) = Phi_k(t - tau_k). Birth-death
growth: F(w) = (lambda/b) exp(-(lambda x_det / b) e^{-lambda w}); the detection delay is
T = (ln(lambda x_det / b) + G) / lambda with G standard Gumbel (clipped at 0), so
M_k(t) = (lambda/b) E_G[Phi_k(t - T)], computed by Gauss-Legendre over the Gumbel quantile.
The staging at diagnosis may find colonies at another size (``staging``): :func:`diagnosis_counts`.
kill_colony: a colony founded before t_s and not yet detected at t_s is killed with that probability,
so for t > t_s, M_k(t) = E_T[Phi(t - T) - kill [Phi(min(t - T, t_s)) - Phi(t_s - T)]^+].
"""
from __future__ import annotations

import numpy as np

from ..model.growth import BIRTH_DEATH
from ..model.params import PatientParams
from ..model.chain import founded

#: quantile nodes for birth-death detection delays. The quadrature converges like nq^-2 (the quantile
#: transform is singular at 0): on breast_birth_death M_k is within 4e-6 absolute of 400 nodes
#: (tests/incidence/test_colonies.py), 1e-5 to 3e-5 relative where it exceeds 1e-4, more in the far tail
GUMBEL_NODES = 48


def delay_nodes(pat: PatientParams, nq: int = GUMBEL_NODES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detection delays T (P, Q, K), quadrature weights (Q,) summing to 1, survival (P, K)."""
    bd = pat.birth_death
    tau = pat.detection_delay()
    if not bd.any():
        return tau[:, None, :], np.ones(1), np.ones_like(tau)
    x, w = np.polynomial.legendre.leggauss(nq)
    G = -np.log(-np.log((x + 1.0) / 2.0))                            # Gumbel quantiles (Q,)
    b = np.where(bd, pat.birth, 2.0)[:, None, :]                     # placeholders where deterministic
    d = np.where(bd, pat.birth - pat.colony_rate, 1.0)[:, None, :]
    T_bd = BIRTH_DEATH.delay_at(G[None, :, None], b, d, pat.detection[:, None, :])
    T = np.where(bd[None, None, :], T_bd, np.nan_to_num(tau)[:, None, :])
    return T, w / 2.0, pat.survival


def colony_counts(pat: PatientParams, times: np.ndarray, *, closed: bool, rates: bool = True,
                  nq: int = GUMBEL_NODES) -> tuple[np.ndarray, np.ndarray | None]:
    """M_k and h_k at absolute times ``times`` (P, N) (years): arrays (P, N, K)."""
    times = np.asarray(times, dtype=float)
    P, N = times.shape
    T, wq, sigma = delay_nodes(pat, nq)
    Q, K = T.shape[1], T.shape[2]
    t_s = pat.surgery_time()
    tt = times[:, :, None, None] - T[:, None, :, :]                  # (P, N, Q, K)
    ks = t_s[:, None, None] - T                                      # (P, Q, K): t_s - T
    ts3 = np.broadcast_to(t_s[:, None, None], (P, 1, K))
    targets = np.concatenate([tt.reshape(P, N * Q, K), ks, ts3], axis=1)
    Phi, phi = founded(pat, targets, closed=closed)
    Phi_t, Phi_k, Phi_ts = Phi[:, : N * Q].reshape(P, N, Q, K), Phi[:, N * Q:-1], Phi[:, -1:]
    phi_t = phi[:, : N * Q].reshape(P, N, Q, K)
    kc = pat.kill_colony[:, None, None, None]
    after = times[:, :, None, None] > t_s[:, None, None, None]
    Phi_min = np.where(tt < t_s[:, None, None, None], Phi_t, Phi_ts[:, :, None, :])
    killed = np.where(after, kc * np.maximum(Phi_min - Phi_k[:, None], 0.0), 0.0)
    M = np.einsum("pnqk,q->pnk", Phi_t - killed, wq) * sigma[:, None, :]
    if not rates:
        return M, None
    undetected_at_surgery = after & (tt < t_s[:, None, None, None])
    h = np.einsum("pnqk,q->pnk", phi_t * np.where(undetected_at_surgery, 1.0 - kc, 1.0), wq) * sigma[:, None, :]
    return np.maximum(M, 0.0), h


def diagnosis_counts(pat: PatientParams, *, closed: bool) -> np.ndarray:
    """(P, K) expected colonies the staging at diagnosis finds: M_k(t_dx) with the staging size
    (``staging`` x ``detection``) as the detection size. The M0 weight is exp(-mu sum_k of it); among
    M0 patients the colonies detected by t_dx + u number max(M_k(t_dx + u) - it, 0) exactly, for
    staging below or above 1 (docs/model.md, "Staging at diagnosis")."""
    staged = pat.at_staging() if pat.staged else pat
    return colony_counts(staged, staged.diagnosis_time()[:, None], closed=closed, rates=False)[0][:, 0]

