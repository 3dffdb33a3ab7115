"""Metastasis-to-metastasis seeding in the formulas: Lambda(c), with P(no detected colony in organ j
by c_j for every j) = exp(-mu Lambda(c)); the first generation here, later ones in
:mod:`metakinetics.incidence.generations`. The daughter kernel Psi_kj is
:mod:`metakinetics.model.colony_shedding`."""
from __future__ import annotations

import numpy as np

from ..model.colony_shedding import (exponential_colonies, kernel_arrays, kernel_by, kernel_coefficients, pick,
                                     tabulated_kernel)
from ..model.colony_tables import crossing
from ..model.params import PatientParams


# ---- P(no detected colony in organ j by c_j for every j) = exp(-mu Lambda(c)), first generation ----

#: where some daughter kernel exceeds SATURATED, 1 - e^{-sum Psi} is 1 to 4e-18: closed form there
SATURATED = 40.0
#: Gauss-Legendre nodes per piece and pieces per interval between breakpoints. Measured on the breast
#: model with strong seeding (mu' = 1e4 in every organ, `any`, 50 times to 25 years) against 12
#: pieces: 3 pieces err by 6.6e-6 relative, 6 pieces by 3.0e-8 (6 pieces x 16 nodes: 1.8e-9); the
#: integrand turns sharply where a kernel saturates, so pieces, not nodes, buy accuracy. On the test
#: models 4x the pieces changes Lambda by < 1e-8 (tests/incidence/test_secondary.py).
GL_NODES = 8
PIECES = 6
_GX, _GW = np.polynomial.legendre.leggauss(GL_NODES)
_GU, _GWU = (_GX + 1.0) / 2.0, _GW / 2.0


def _saturation_age(kp: dict, kd: np.ndarray) -> np.ndarray:
    """(P, K, K) a mother age after which Psi_kj exceeds SATURATED / (1 - kd) (a lower bound of Psi
    after the kill); inf where none is known (no shedding, no founding, or kd ~ 1). Closed form from
    Psi >= c A (P e^{g a} - 1/g), P = kappa beta / (g (g + beta)(g + kappa)) (the other terms of Psi
    fall from -P to -1/g), so it is never before the true crossing."""
    A, g, kap, beta, c = kp["A"], kp["g"], kp["kappa"], kp["beta"], kp["c"]
    target = SATURATED / np.maximum(1.0 - kd, 1e-300)[:, None, None]
    cA = c * A
    lead = kap * beta / (g * (g + beta) * (g + kap))
    with np.errstate(divide="ignore", invalid="ignore"):
        age = np.log((target / cA + 1.0 / g) / lead) / g
    ok = (cA > 0) & (lead > 0) & np.isfinite(age) & (kd[:, None, None] <= 0.999)
    return np.where(ok, np.maximum(age, 0.0), np.inf)


def _table_saturation(kern, kd: np.ndarray) -> np.ndarray:
    """(P, K, K) the first table node after which a tabulated Psi_kj exceeds SATURATED / (1 - kd)
    (Psi increases with age, so never before the true crossing); inf where the table never gets
    there (a Gompertz colony's shedding plateaus: Psi may stay small) or kd ~ 1."""
    target = SATURATED / np.maximum(1.0 - kd, 1e-300)[:, None, None]
    age = crossing(np.broadcast_to(target, np.shape(kern.scale)), kern, above=True)
    return np.where((kd <= 0.999)[:, None, None], age, np.inf)


#: patients x threshold vectors per block (memory: ~2,300 floats of kernel values per pair with 4 organs)
LAMBDA_BUDGET = 600


#: years: the central-difference step of the later-generation correction's gradient (relative to
#: the correction's scale of years, the truncation error ~ (STEP / 1 y)^2 of it)
STEP = 1e-3


def cluster_lambda(pat: PatientParams, c: np.ndarray, *, closed: bool, grad: bool = False,
                   generations: int | None = 2):
    """Lambda(c) and its gradient (see :func:`_cluster_lambda`), in blocks of patients, following
    ``generations`` generations of colonies (1: colonies do not shed; 2: the primary's colonies
    shed, their daughters do not;
    None: every generation; more than 2 adds :func:`metakinetics.incidence.generations.correction`,
    whose gradient is a central difference)."""
    from .generations import correction

    P, V, K = c.shape
    if generations == 1:                     # colonies do not shed: today's model
        pat = pat.with_arrays(secondary_shedding=np.zeros_like(pat.secondary_shedding))
    kern = None if exponential_colonies(pat) else _tabulated(pat, c)
    step = max(LAMBDA_BUDGET // max(V, 1), 1)
    out, grads = np.empty((P, V)), np.empty((P, V, K)) if grad else None
    for lo in range(0, P, step):
        r = slice(lo, min(lo + step, P))
        L, gr = _cluster_lambda(pat.take(r), c[r], closed=closed, grad=grad,
                                kern=None if kern is None else pick(kern, lambda x: x[r]))
        out[r] = L
        if grad:
            grads[r] = gr
    if generations is not None and generations <= 2:
        return out, grads
    out += correction(pat, c, generations, closed=closed, kern=kern)
    if grad:
        for k in range(K):
            ok = np.isfinite(c[:, :, k])
            if not ok.any():
                continue
            up, dn = c.copy(), c.copy()
            up[:, :, k] = np.where(ok, c[:, :, k] + STEP, c[:, :, k])
            dn[:, :, k] = np.where(ok, c[:, :, k] - STEP, c[:, :, k])
            diff = correction(pat, up, generations, closed=closed, kern=kern) \
                - correction(pat, dn, generations, closed=closed, kern=kern)
            grads[:, :, k] += np.where(ok, diff / (2 * STEP), 0.0)
    return out, grads


def _tabulated(pat: PatientParams, c: np.ndarray):
    """The tabulated daughter kernel (P, K, K) of non-exponential colonies, to the largest mother age
    the formulas ask for (the latest deadline or surgery, from the earliest deadline or 0)."""
    from ..model.chain import regularised

    pat = regularised(pat)
    ends = np.concatenate([c.reshape(-1), pat.surgery_time()])
    d = (c - pat.detection_delay()[:, None, :]).reshape(-1)
    # mothers founded from max(0, d) on; the gradient also asks at the deadlines d < 0 themselves
    first = min(float(np.min(d[np.isfinite(d)], initial=0.0)), 0.0)
    top = float(np.max(ends[np.isfinite(ends)], initial=0.0)) - first
    return tabulated_kernel(pat, top + 1.0)


def _cluster_lambda(pat: PatientParams, c: np.ndarray, *, closed: bool, grad: bool = False, kern=None):
    """Lambda(c) (P, V) at threshold vectors ``c`` (P, V, K) (absolute years; -inf: no condition on
    that organ), and with ``grad`` dLambda/dc_k (P, V, K), for unit shedding constant mu.

    First generation: colonies founded by the primary (rate phi_m) shed; their daughters do not::

        Lambda(c) = sum_m [Phi_m(c_m - tau_m) + int_{c_m - tau_m} phi_m(s) (1 - exp(-sum_j Psi_mj(s; c_j - tau_j))) ds],
        dLambda/dc_k = phi_k(d_k) exp(-sum_j Psi_kj(d_k; d_j)) + sum_m int_{d_m}^{d_k} phi_m(s) psi_mk(s; d_k) exp(-sum_j Psi_mj(s; d_j)) ds,

    d_j = c_j - tau_j. The s-integrals use Gauss-Legendre between the breakpoints (d_j, surgery)
    and the closed form Phi where some Psi_mj > SATURATED (1 - e^{-sum Psi} = 1 to 4e-18).
    ``kern``: the tabulated kernel of non-exponential colonies (None: the closed form).
    """
    from ..model.chain import founded, regularised

    pat = regularised(pat)
    P, V, K = c.shape
    tau = pat.detection_delay()                                   # (P, K): deterministic colonies
    kp = kernel_arrays(pat)
    kd = pat.kill_dormant
    t_s = pat.surgery_time()
    d = c - tau[:, None, :]                                       # founding deadlines (P, V, K)
    reach = (kp["c"][:, 0, :] > 0)[:, None, :]                    # (P, 1, K) organs that can be founded
    dd = np.where(reach & np.isfinite(d), d, -np.inf)
    hi = dd.max(axis=2)                                           # (P, V): no daughter after this matters
    sat = _saturation_age(kp, kd) if kern is None else _table_saturation(kern, kd)   # (P, M, J)
    s_star = (dd[:, :, None, :] - sat[:, None, :, :]).max(axis=3)  # (P, V, M): below, saturated
    lo = np.where(np.isfinite(d), d, -np.inf)                     # (P, V, M) mother undetected after lo
    a = np.maximum(np.maximum(lo, s_star), 0.0)
    b = np.maximum(hi[:, :, None], a)                             # (P, V, M) quadrature range
    # breakpoints inside [a, b]: the deadlines and surgery; PIECES Gauss pieces between them
    br = np.concatenate([a[..., None], np.clip(np.broadcast_to(dd[:, :, None, :], (P, V, K, K)), a[..., None], b[..., None]),
                         np.clip(np.broadcast_to(t_s[:, None, None, None], (P, V, K, 1)), a[..., None], b[..., None]),
                         b[..., None]], axis=3)
    br = np.sort(br, axis=3)                                      # (P, V, M, K + 3)
    L = np.diff(br, axis=3)                                       # (P, V, M, I)
    used = np.flatnonzero((L > 0).any(axis=(0, 1, 2)))            # intervals of zero length everywhere: dropped
    if used.size < L.shape[3]:
        br = np.concatenate([br[..., used], br[..., -1:]], axis=3) if used.size else br[..., :2]
        L = np.diff(br, axis=3) if used.size else np.zeros(br.shape[:3] + (1,))
        br = br if used.size else np.concatenate([br[..., :1], br[..., :1]], axis=3)
    frac = (np.arange(PIECES)[:, None] + _GU[None, :]).ravel() / PIECES          # (PIECES * GL,)
    wq = np.tile(_GWU, PIECES)
    I, Q = L.shape[3], frac.size
    IQ = I * Q
    left = br[..., :-1]                                           # (P, V, M, I)
    tj = np.where(np.isfinite(dd), dd, -np.inf)                   # (P, V, J)
    # X_m(s) = sum_j Psi_mj(s; d_j) is needed only at pairs (interval, daughter organ j) with the
    # interval before j's deadline (the deadlines are breakpoints, so a whole interval is on one side;
    # Psi_mj(s; d_j) = 0 for s >= d_j) and of positive length (zero weight adds nothing): on breast
    # with seeding ~1 pair in 10. Flat node n = ((p V + v) M + m) IQ + i Q + q, ascending.
    act = (left[..., None] < tj[:, :, None, None, :]) & (L > 0)[..., None]     # (P, V, M, I, J)
    ivs = np.flatnonzero(act.any(axis=4))                         # intervals with some pair
    iv_pair, j_pair = np.nonzero(act.reshape(-1, K)[ivs])
    qs = np.arange(Q)
    need = (ivs[:, None] * Q + qs).ravel()                        # the nodes where phi is needed
    at = (iv_pair[:, None] * Q + qs).ravel()                      # pair -> position in need
    j = np.repeat(j_pair, Q)
    Lv, leftv = L.reshape(-1)[ivs][:, None], left.reshape(-1)[ivs][:, None]
    s_n = (leftv + Lv * frac).ravel()                             # node times (years)
    w_n = (Lv * wq / PIECES).ravel()                              # node weights
    pvm = need // IQ                                              # (p V + v) M + m of each node
    pv = (ivs[iv_pair] // (K * I)).repeat(Q)                      # p V + v of each pair
    p_ = pv // V
    coef = kernel_coefficients(*np.broadcast_arrays(kp["A"], kp["g"], kp["kappa"], kp["beta"], kp["c"])) \
        if kern is None else kern                                 # (P, M, J) each
    kill = bool(np.any(kd != 0))
    pmj = (p_ * K + pvm[at] % K) * K + j
    # the rates are needed by the gradient and the kill (a table gives them at no extra cost)
    used_coef = coef if grad or kill or kern is not None else coef[:4] + (None,) * 3 + coef[7:]
    table = pick(used_coef, lambda x: np.broadcast_to(x, (P, K, K)).reshape(-1)[pmj])
    out = kernel_by(s_n[at], tj.reshape(-1)[pv * K + j], t_s[p_] if kill else None,
                    kd[p_] if kill else None, table, rate=grad, kill=kill)
    Psi, psi = out if grad else (out, None)
    # phi_m(s) is needed only at nodes with some kept pair (elsewhere X = 0: no contribution to
    # Lambda or its gradient): per (patient, mother) those nodes side by side in the columns of one
    # founded() call, padded after surgery (the cheap closed form)
    X = np.bincount(at, Psi, minlength=need.size)                             # at the needed nodes
    pn, mn = pvm // (V * K), pvm % K
    key = pn * K + mn
    counts = np.bincount(key, minlength=P * K)
    order = np.argsort(2 * key + (s_n >= t_s[pn]))                # before surgery first: only those
                                                                  # columns need the shedding moments
    rank = np.empty_like(need)
    rank[order] = np.arange(need.size) - (np.cumsum(counts) - counts)[key[order]]
    ncol = int(counts.max(initial=0))
    pad = np.where(np.isfinite(t_s), t_s + 1.0, 1.0)
    cols = np.broadcast_to(pad[:, None, None], (P, ncol, K)).copy()
    cols[pn, rank, mn] = s_n
    pts = np.concatenate([cols, np.where(np.isfinite(d), d, -1.0), np.where(np.isfinite(a), a, -1.0)], axis=1)
    Phi, phi = founded(pat, pts, closed=closed)
    phi_n = phi[pn, rank, mn]                                                 # at the needed nodes
    Phi_d, phi_d = Phi[:, ncol:ncol + V], phi[:, ncol:ncol + V]               # at d_m (P, V, M)
    Phi_a = Phi[:, ncol + V:]                                                 # at a_m
    Phi_d = np.where(np.isfinite(d), Phi_d, 0.0)
    Phi_a = np.where(np.isfinite(a), Phi_a, 0.0)
    # Lambda: the primary's colonies detected by c_m, and undetected mothers whose daughters are
    sat_part = np.maximum(Phi_a - Phi_d, 0.0)                     # mothers in [lo, a): all daughters saturated
    quad = np.bincount(pvm, phi_n * -np.expm1(-X) * w_n, minlength=P * V * K).reshape(P, V, K)
    Lam = (Phi_d + sat_part + quad).sum(axis=2)
    if not grad:
        return Lam, None
    # rate: the k-th mother detected at c_k with none of its daughters detected yet, and daughters in
    # k detected at c_k from undetected mothers (psi_mk at the deadline d_k)
    Psi_k, _ = kernel_by(np.where(np.isfinite(d), d, 0.0)[:, :, :, None], tj[:, :, None, :],
                         t_s[:, None, None, None], kd[:, None, None, None],
                         pick(coef, lambda x: x[:, None, :, :]), rate=True, kill=kill)
    own = np.where(np.isfinite(d), phi_d * np.exp(-Psi_k.sum(axis=3)), 0.0)   # (P, V, K)
    # sum_m int phi_m(s) psi_mk(s; d_k) e^{-X_m(s)} ds over s < d_k (psi is 0 for s >= d_k)
    cross = np.bincount(pv * K + j, (phi_n * np.exp(-X) * w_n)[at] * psi, minlength=P * V * K).reshape(P, V, K)
    return Lam, own + cross
