"""The fast semi-analytic solver: exact in structure, vectorised over P parameter sets.

x(t) in closed form; shedding s = mu x^gamma. Circulation: over any interval [a, b] on which s is
smooth, C(u) = Q(u) + (C(a) - Q(a)) e^{-kappa (u - a)} with Q = sum_{n<=N} (-1)^n s^(n)/kappa^(n+1)
the asymptotic series in 1/kappa (sympy derivatives, lambdified with cse); its truncation error is
about (rho/kappa)^(N+1) relative, rho the log-rate of s, and N is chosen from that bound.
So C(t) = Q(t) - Q(0) e^{-kappa t} before surgery and C(t_s) e^{-kappa (t - t_s)} after.
Dormant pools D_k = kappa f_k int e^{-lambda_k (t-u)} C(u) du (lambda_k = omega_k + delta_k) and
founded colonies A_k = eps_k omega_k int D_k follow the exact decay recurrence over sub-intervals,
D(b) = e^{-lambda h} D(a) + kappa f [int_a^b e^{-lambda (b-u)} Q(u) du + transient term], with the
smooth part by Gauss-Legendre quadrature and the e^{-kappa u} transient integrated exactly.
Surgery splits the sub-interval that holds t_s (per parameter set); s = 0 after it.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import SolverError
from ..symbolic.compile import circulation_series, primary_size
from .params import Params

#: Gauss-Legendre nodes per sub-interval; with sub-intervals of width h <= 1/(rho + lambda_max) the
#: integrands e^{c u} with c h <= 1 are integrated to ~ (c h)^12 / 12! ~ 2e-9 relative.
N_NODES = 6
#: Target relative truncation error of the circulation series, (rho/kappa)^(N+1).
SERIES_TOL = 1e-11
#: Largest series order; beyond it (rho/kappa too large) the series is not used.
MAX_ORDER = 8
#: Largest rho/kappa for which the series is trusted.
MAX_RATIO = 0.05


def log_rate_bound(p: Params) -> np.ndarray:
    """Upper bound rho (1/year) on |d^n ln s/dt^n|^(1/n)-like rates of s = mu x^gamma, per set.

    Exponential: gamma r (exact). Gompertz: gamma r ln(K/x0) (largest at t = 0) + r for the higher
    derivatives of e^{-rt}. Logistic: gamma r + r.
    """
    law = p.structure.growth
    if law == "exponential":
        return p.gamma * p.rate
    if law == "gompertz":
        return p.gamma * p.rate * np.log(p.K / p.x0) + p.rate
    return p.gamma * p.rate + p.rate


def series_order(p: Params) -> int | None:
    """Smallest N with (rho/kappa)^(N+1) <= SERIES_TOL over all sets, or None if rho/kappa is too big."""
    ratio = float(np.max(log_rate_bound(p) / p.kappa))
    if ratio > MAX_RATIO:
        return None
    if ratio == 0:
        return 0
    n = math.ceil(math.log(SERIES_TOL) / math.log(ratio)) - 1
    return int(min(max(n, 1), MAX_ORDER))


def _grid(times: np.ndarray, h_max: float) -> tuple[np.ndarray, np.ndarray]:
    """Shared sub-interval edges from 0 through every output time, no wider than h_max;
    and the index of each output time among the edges."""
    base = np.concatenate([[0.0], times]) if times[0] > 0 else times.copy()
    widths = np.diff(base)
    m = np.maximum(1, np.ceil(widths / h_max - 1e-9)).astype(int)
    pieces = [base[:1]]
    for lo, w, k in zip(base[:-1], widths, m):
        pieces.append(lo + w * np.arange(1, k + 1) / k)
    edges = np.concatenate(pieces)
    edges[np.cumsum(np.concatenate([[0], m]))] = base  # output times exactly
    idx = np.cumsum(np.concatenate([[0], m]))
    if times[0] > 0:
        idx = idx[1:]
    return edges, idx


def solve_semi_analytic(p: Params, times: np.ndarray, t_s: np.ndarray, *, n_nodes: int = N_NODES,
                        order: int | None = None):
    """x (P,T), C (P,T), D (P,T,K), A (P,T,K) at ``times``; surgery at t_s (inf: none)."""
    if order is None:
        order = series_order(p)
        if order is None:
            ratio = float(np.max(log_rate_bound(p) / p.kappa))
            raise SolverError(f"semi-analytic solver: shedding changes too fast for the circulation "
                              f"series (rho/kappa = {ratio:.3g} > {MAX_RATIO}); use method='ode'")
    P, K = p.P, p.f.shape[1]
    rho = log_rate_bound(p)
    lam = p.lam                                              # (P, K)
    h_max = 1.0 / float(np.max(rho + lam.max(axis=1)))
    edges, out_idx = _grid(times, h_max)                     # (E,), (T,)
    S0 = edges.size - 1

    # Sub-intervals, split (for every set) where some set's surgery falls strictly inside.
    lo, hi = edges[:-1], edges[1:]
    inside = (t_s[:, None] > lo[None, :]) & (t_s[:, None] < hi[None, :])   # (P, S0)
    split = inside.any(axis=0)
    mid = np.where(inside, t_s[:, None], 0.5 * (lo + hi)[None, :])          # (P, S0)
    reps = np.where(split, 2, 1)
    col = np.repeat(np.arange(S0), reps)                       # sub-interval -> base interval
    first = np.concatenate([[True], col[1:] != col[:-1]])      # first half (or whole) of its interval
    a = np.where(first[None, :], lo[col][None, :], mid[:, col])               # (P, S)
    b = np.where(first[None, :] & ~split[col][None, :], hi[col][None, :],
                 np.where(first[None, :], mid[:, col], hi[col][None, :]))
    ends = np.cumsum(reps) - 1                                 # sub-interval ending at edge j+1
    h = b - a
    on = a < t_s[:, None]                                      # primary present on the sub-interval

    # Circulation series at the sub-interval ends and the quadrature nodes (one vectorised call).
    xi, w = np.polynomial.legendre.leggauss(n_nodes)
    u = a[..., None] + h[..., None] * (xi + 1) / 2             # (P, S, n)
    Qf = circulation_series(p.structure, order)
    args = [v[:, None] for v in (p.x0, p.rate, p.K, p.mu, p.gamma, p.kappa)]
    pts = np.concatenate([a[:, :1], b, u.reshape(P, -1)], axis=1)
    Qall = np.asarray(Qf(pts, *args), dtype=float) * np.ones_like(pts)
    Q0 = Qall[:, 0]
    Qb = Qall[:, 1:1 + b.shape[1]] * on
    Qn = Qall[:, 1 + b.shape[1]:].reshape(u.shape) * on[..., None]

    # Transient amplitude R_j = C(a_j) - Q(a_j), in closed form (no recurrence needed).
    kappa = p.kappa[:, None]
    Qs = np.asarray(Qf(np.minimum(t_s, edges[-1]), *[v[:, 0] for v in args]), dtype=float) * np.ones(P)
    C_ts = Qs - Q0 * np.exp(-p.kappa * t_s)                    # C just before/after surgery (continuous)
    with np.errstate(over="ignore", invalid="ignore"):
        R = np.where(on, -Q0[:, None] * np.exp(-kappa * a), C_ts[:, None] * np.exp(-kappa * (a - t_s[:, None])))
    Ek = np.exp(-kappa * h)                                    # (P, S)
    C_end = Qb + R * Ek                                        # C at each sub-interval's right end

    # Kernels per organ: e^{-lambda (b-u)} at the nodes, and the exact transient integrals.
    lamS = lam[:, None, :]                                     # (P, 1, K)
    hk = h[..., None]                                          # (P, S, 1)
    El = np.exp(-lamS * hk)                                    # (P, S, K) e^{-lambda h}
    kern = np.exp(-lamS[..., None] * (hk[..., None] * (1 - xi) / 2))   # (P, S, K, n)
    wts = (w / 2) * hk[..., None]                              # (P, S, 1, n)
    G1 = np.einsum("psn,pskn->psk", Qn, kern * wts)            # int e^{-lambda(b-u)} Q du
    G0 = np.einsum("psn,psn->ps", Qn, wts[:, :, 0, :])[..., None]   # int Q du
    kK = kappa[..., None]
    psi = (El - Ek[..., None]) / (kK - lamS)                   # int_0^h e^{-kappa v} e^{-lambda (h-v)} dv
    phi = ((-np.expm1(-kK * hk)) / kK - psi) / lamS            # int_0^h e^{-kappa v} (1 - e^{-lambda(h-v)})/lambda dv
    kf = (p.kappa[:, None] * p.f)[:, None, :]                  # (P, 1, K)
    F = kf * (G1 + R[..., None] * psi)                         # source of D over the sub-interval
    Fa = kf * ((G0 - G1) / lamS + R[..., None] * phi)          # source of int D over it

    # Exact decay recurrence for D; kill_dormant applied at the end of the last pre-surgery interval.
    killed = on & (b >= t_s[:, None])
    keep = np.where(killed, 1.0 - p.kill_dormant[:, None], 1.0)[..., None]
    alpha = np.ascontiguousarray(np.moveaxis(El * keep, 1, 0))  # (S, P, K)
    beta = np.ascontiguousarray(np.moveaxis(F * keep, 1, 0))
    D_end = np.empty_like(beta)
    d = np.zeros((P, K))
    for j in range(alpha.shape[0]):
        d = alpha[j] * d + beta[j]
        D_end[j] = d
    D_end = np.moveaxis(D_end, 0, 1)                            # (P, S, K) D at right ends (post-kill)
    D_start = np.concatenate([np.zeros((P, 1, K)), D_end[:, :-1]], axis=1)
    # int_a^b D = D(a) (1 - e^{-lambda h})/lambda + Fa  (D(a) is after any kill at a)
    incA = D_start * (-np.expm1(-lamS * hk)) / lamS + Fa
    A_end = np.cumsum(incA, axis=1) * (p.eps * p.omega)[:, None, :]

    # Outputs: the state at edge j is the state at the end of sub-interval ends[j-1]; edge 0 is t = 0.
    sel = np.concatenate([[-1], ends])[out_idx]
    def pick(arr, zero):
        full = np.concatenate([zero, arr], axis=1)
        return full[:, sel + 1]
    C = pick(C_end, np.zeros((P, 1)))
    D = pick(D_end, np.zeros((P, 1, K)))
    A = pick(A_end, np.zeros((P, 1, K)))
    x = np.asarray(primary_size(p.structure)(times[None, :], *[v[:, None] for v in (p.x0, p.rate, p.K)]),
                   dtype=float) * np.ones((P, times.size))
    return x, C, D, A
