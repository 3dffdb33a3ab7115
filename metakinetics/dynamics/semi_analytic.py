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
from ..model.params import PatientParams
from .args import columns, structure_of

#: Gauss-Legendre nodes per sub-interval. Sub-intervals have width h <= 1/(rho + lambda_max), so the
#: integrands behave like e^{c u} with c h <= 1; n-point Gauss-Legendre on e^{beta x}, x in [-1, 1],
#: beta = c h/2 <= 1/2, errs by 2^(2n+1) (n!)^4 / ((2n+1) ((2n)!)^3) beta^(2n) e^beta: 2e-9 relative
#: for n = 4 (8e-13 for n = 5), well inside the 1e-6 target of benchmark P1.
N_NODES = 4
#: Target relative truncation error of the circulation series, (rho/kappa)^(N+1).
SERIES_TOL = 1e-9
#: Largest series order; beyond it (rho/kappa too large) the series is not used.
MAX_ORDER = 8
#: Largest rho/kappa for which the series is trusted.
MAX_RATIO = 0.05


def log_rate_bound(p: PatientParams) -> np.ndarray:
    """Upper bound rho (1/year) on ``|d^n ln s/dt^n|^(1/n)``-like rates of ``s = mu x^gamma``, per set.

    Exponential: ``gamma r`` (exact). Gompertz: ``gamma r ln(K/x0)`` (largest at t = 0) ``+ r`` for
    the higher derivatives of ``e^{-rt}``. Logistic: ``gamma r + r``.
    """
    law = structure_of(p).growth
    if law == "exponential":
        return p.gamma * p.rate
    if law == "gompertz":
        return p.gamma * p.rate * np.log(p.K / p.x0) + p.rate
    return p.gamma * p.rate + p.rate


def series_order(p: PatientParams) -> int | None:
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


def _pick(arr: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """arr[:, sel] along the sub-interval axis, with sel = -1 meaning t = 0 (empty state)."""
    if sel.size == arr.shape[1] and np.array_equal(sel, np.arange(sel.size)):
        return arr
    out = arr[:, np.maximum(sel, 0)]
    out[:, sel < 0] = 0.0
    return out


def _interval_sources(Qn, h, lam, kf, xi, w, col, split):
    """Per sub-interval and organ: e^{-lambda h}, F = kf int_a^b e^{-lambda(b-u)} Q du and
    Fa = kf int_a^b Q (1 - e^{-lambda(b-u)})/lambda du, by Gauss-Legendre on the nodes.

    Sub-intervals of one shared width (no surgery inside) share one (P, n, 2K) kernel, applied as
    a batched matrix product; split sub-intervals (widths per set) get their kernels explicitly.
    Returns El (P, S, K), F (P, S, K), Fa (P, S, K).
    """
    P, S, n = Qn.shape
    K = lam.shape[1]
    El = np.empty((P, S, K))
    out = np.empty((P, S, 2 * K))
    whole = ~split[col]
    hw = h[0]
    lamn = lam[:, None, :]                                     # (P, 1, K)
    if np.any(whole):
        # group equal widths (to 1e-12 relative: float grids differ in the last bits; the kernel
        # error that causes, ~ lambda h 1e-12, is far below the quadrature error)
        _, first_of, inv = np.unique(np.round(hw[whole] / hw.max(), 12), return_index=True,
                                     return_inverse=True)
        idx = np.flatnonzero(whole)
        for g, width in enumerate(hw[whole][first_of]):
            cols = idx[inv == g]
            e = np.exp(-lamn * (width * (1 - xi) / 2)[None, :, None])     # (P, n, K)
            wn = (w * width / 2)[None, :, None]
            W = np.concatenate([kf * wn * e, kf * wn * _decayed(lamn, (width * (1 - xi) / 2)[None, :, None])], axis=2)
            out[:, cols] = np.matmul(Qn[:, cols], W)
            El[:, cols] = np.exp(-lam * width)[:, None, :]
    if np.any(~whole):
        cols = np.flatnonzero(~whole)
        hh = h[:, cols][..., None, None]                       # (P, s, 1, 1)
        e = np.exp(-lam[:, None, :, None] * hh * (1 - xi) / 2)  # (P, s, K, n)
        wn = (w / 2) * hh
        Qc = Qn[:, cols]
        out[:, cols, :K] = kf * np.einsum("psn,pskn->psk", Qc, wn * e)
        out[:, cols, K:] = kf * np.einsum("psn,pskn->psk", Qc, wn * _decayed(lam[:, None, :, None], hh * (1 - xi) / 2))
        El[:, cols] = np.exp(-lamn * h[:, cols, None])
    return El, out[..., :K], out[..., K:]


def _decayed(lam, x):
    """(1 - e^{-lambda x}) / lambda, with its limit x at lambda = 0 (cells never leave dormancy)."""
    lam, x = np.broadcast_arrays(lam, x)
    pos = lam > 0
    return np.where(pos, -np.expm1(-lam * x) / np.where(pos, lam, 1.0), x)


def solve_semi_analytic(p: PatientParams, times: np.ndarray, t_s: np.ndarray, *, n_nodes: int = N_NODES,
                        order: int | None = None):
    """x (P,T), C (P,T), D (P,T,K), A (P,T,K) at ``times``; surgery at t_s (inf: none)."""
    if order is None:
        order = series_order(p)
        if order is None:
            ratio = float(np.max(log_rate_bound(p) / p.kappa))
            raise SolverError(f"semi-analytic solver: shedding changes too fast for the circulation "
                              f"series (rho/kappa = {ratio:.3g} > {MAX_RATIO}); use method='ode'")
    P, K = p.n, p.f.shape[1]
    rho = log_rate_bound(p)
    lam = p.exit_rate                                              # (P, K)
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
    if split.any():
        first = np.concatenate([[True], col[1:] != col[:-1]])  # first half (or whole) of its interval
        a = np.where(first[None, :], lo[col][None, :], mid[:, col])               # (P, S)
        b = np.where(first[None, :] & ~split[col][None, :], hi[col][None, :],
                     np.where(first[None, :], mid[:, col], hi[col][None, :]))
    else:                                                      # one grid shared by every set
        a, b = lo[None, :], hi[None, :]                        # (1, S)
    ends = np.cumsum(reps) - 1                                 # sub-interval ending at edge j+1
    h = b - a
    S = h.shape[1]
    on = a < t_s[:, None]                                      # primary present on the sub-interval
    all_on = bool(on.all())

    # Circulation series at t = 0, the sub-interval ends and the quadrature nodes (one call).
    xi, w = np.polynomial.legendre.leggauss(n_nodes)
    pts = np.empty((a.shape[0], 1 + S + S * n_nodes))
    pts[:, 0] = 0.0
    pts[:, 1:1 + S] = b
    pts[:, 1 + S:].reshape(-1, S, n_nodes)[...] = a[..., None] + h[..., None] * ((xi + 1) / 2)
    Qf = circulation_series(structure_of(p), order)
    args = [v[:, None] for v in columns(p)[:6]]
    Qall = np.asarray(Qf(pts, *args), dtype=float)
    Qall = np.broadcast_to(Qall, (P, pts.shape[1])) if Qall.shape[0] != P else Qall
    Q0 = Qall[:, 0]
    Qb = Qall[:, 1:1 + S]
    Qn = Qall[:, 1 + S:].reshape(P, S, n_nodes)
    if not all_on:
        Qb = Qb * on
        Qn = Qn * on[..., None]

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
    kf = (p.kappa[:, None] * p.f)[:, None, :]                  # (P, 1, K)
    # F: source of D over the sub-interval; Fa: source of int D over it (smooth part)
    El, F, Fa = _interval_sources(Qn, h, lam, kf, xi, w, col, split)
    # The transient R e^{-kappa (u-a)} (start-up and after surgery), integrated exactly, on the
    # sub-intervals where it has not underflowed to exactly zero.
    rc = np.flatnonzero(np.any(R != 0, axis=0))
    if rc.size:
        kK = kappa[..., None]
        El_r, Ek_r, h_r, R_r = El[:, rc], Ek[:, rc, None], hk[:, rc], R[:, rc, None]
        psi = (El_r - Ek_r) / (kK - lamS)                      # int_0^h e^{-kappa v} e^{-lambda (h-v)} dv
        # int_0^h e^{-kappa v} (1 - e^{-lambda(h-v)})/lambda dv; at lambda = 0 (no exit from
        # dormancy) its limit int_0^h e^{-kappa v} (h - v) dv = h/kappa - (1 - e^{-kappa h})/kappa^2
        pos = lamS > 0
        phi = np.where(pos, ((-np.expm1(-kK * h_r)) / kK - psi) / np.where(pos, lamS, 1.0),
                       h_r / kK + np.expm1(-kK * h_r) / kK ** 2)
        F[:, rc] += kf * R_r * psi
        Fa[:, rc] += kf * R_r * phi

    # Exact decay recurrence for D; kill_dormant applied at the end of the last pre-surgery interval.
    alpha = np.moveaxis(El, 1, 0).copy()                       # (S, P, K), C order, own memory
    beta = np.moveaxis(F, 1, 0).copy()                         # (kill below must not touch El/F)
    killed = on & (b >= t_s[:, None])                          # (P, S)
    if np.any(killed):
        ks, kp = np.nonzero(killed.T)
        keep = (1.0 - p.kill_dormant[kp])[:, None]
        alpha[ks, kp] *= keep
        beta[ks, kp] *= keep
    # int_a^b D = D(a) (1 - e^{-lambda h})/lambda + Fa, D(a) the value after any kill at a
    # (1 - El loses ~1e-16/(lambda h) relative: ~1e-13 at the smallest lambda h used here).
    gam = np.ascontiguousarray(np.moveaxis(_decayed(lamS, hk), 1, 0))
    inc = np.ascontiguousarray(np.moveaxis(Fa, 1, 0))
    D_end = np.empty_like(beta)
    A_end = np.empty_like(beta)
    d = np.zeros((P, K))
    acc = np.zeros((P, K))
    eo = p.eps * p.wake
    for j in range(S):   # small (P, K) arrays per step: cache-resident, cheaper than strided scans
        acc += gam[j] * d + inc[j]
        d = alpha[j] * d + beta[j]
        D_end[j] = d
        A_end[j] = acc * eo
    D_end = np.moveaxis(D_end, 0, 1)                            # (P, S, K) D at right ends (post-kill)
    A_end = np.moveaxis(A_end, 0, 1)

    # Outputs: the state at edge j is the state at the end of sub-interval ends[j-1]; edge 0 is t = 0.
    sel = np.concatenate([[-1], ends])[out_idx]
    C, D, A = (_pick(arr, sel) for arr in (C_end, D_end, A_end))
    x = np.asarray(primary_size(structure_of(p))(times[None, :], *[v[:, None] for v in columns(p)[:3]]),
                   dtype=float) * np.ones((P, times.size))
    return x, C, D, A
