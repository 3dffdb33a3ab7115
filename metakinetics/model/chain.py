"""The mean dormancy chain forced by shedding: C(t), D_k(t) and founded colonies Phi_k(t) (= A_k).

A cell shed at r arrests in organ k after Exp(kappa) (probability f_k), leaves dormancy after
Exp(beta_k), beta = omega + delta, waking with probability omega/beta, and founds a colony with
probability eps. Before surgery (t <= t_s), with S(t) = int_0^t s, E_b(t) = int_0^t s(r) e^{-b(t-r)} dr
and C = E_kappa:

    D_k = f kappa (E_beta - C) / (kappa - beta),
    Phi_k = (f eps omega / beta) [S - kappa E_beta / (kappa - beta) + beta C / (kappa - beta)].

After surgery shedding stops, D_k is multiplied by (1 - kill_k) (kill_dormant and the organ's own), and the linear chain decays
as sums of exponentials from the state at t_s. Endocrine therapy (docs/model.md, "Endocrine
therapy") makes the wake rate piecewise constant after surgery: e omega_k on [t_s, t_s + d], omega_k
after (dormant death delta_k + endocrine_death, then delta_k), so the decay is two such pieces, the second starting from
the state at t_s + d: still exact. The moments S, E, C are closed form for an
exponential primary and computed by piecewise Gauss-Legendre quadrature otherwise. When kappa is
large C is not integrated piecewise (that would need pieces of 4/kappa) but by Gauss-Laguerre on the
kernel e^{-kappa v}: C(t) = L(t) - e^{-kappa t} L(0), L(t) = int_0^inf s(t - v) e^{-kappa v} dv
(s continued to t < 0 by its growth law), exact in structure and good to ~1e-10 relative.
This module is the one path for these quantities: incidence (founded colonies), population (CTC)
and the "semi-analytic" method of ``dynamics.solve`` all use it. Numpy only; years and cells.
"""
from __future__ import annotations

import math

import numpy as np

from .params import PatientParams

_GX, _GW = np.polynomial.legendre.leggauss(6)
_GU = (_GX + 1.0) / 2.0          # nodes on [0, 1]
_GWU = _GW / 2.0                 # weights on [0, 1]
#: 1/year: below this, or below LAGUERRE_RATIO x the fastest log-growth g of shedding, C is integrated
#: piecewise like E; above both, by n-node Gauss-Laguerre, whose relative error for a shedding
#: growing like e^{g t} is (g/kappa)^{2n} (n!)^2/(2n)!: n is the smallest of 2..4 that makes it
#: <= LAGUERRE_TOL (4 nodes: <= 2e-10 at g/kappa = 1/LAGUERRE_RATIO)
KAPPA_PIECEWISE = 100.0
LAGUERRE_RATIO = 10.0
LAGUERRE_TOL = 1e-10
#: patients x exponential rates from which the E recurrence is a loop over pieces, not a cumulative sum
SCAN_SIZE = 1000
G_STEP = 2.0                     # piece length x (log-growth of s + beta) <= 2: 6 Gauss nodes, error ~1e-12


#: where ``|kappa - beta| <= SINGULAR * kappa`` the dormant death rate is raised by ``2 SINGULAR kappa``,
#: so the removable singularity beta = kappa is never divided by; relative change of P ~ 1e-7
SINGULAR = 1e-7
_LAG_FACTOR = {n: math.factorial(n) ** 2 / math.factorial(2 * n) for n in (2, 3)}
_LAGUERRE = {n: np.polynomial.laguerre.laggauss(n) for n in (2, 3, 4)}


def _pb(a, ndim):
    return a.reshape(a.shape + (1,) * (ndim - a.ndim))


def _max_growth(pat: PatientParams, t_s: np.ndarray) -> np.ndarray:
    """Fastest log-growth of shedding on [0, t_s] (1/year, (P,)): growth laws slow down as they grow."""
    return pat.shedding_growth(np.stack([np.zeros(pat.n), t_s], axis=1)).max(axis=1)


def plan(pat: PatientParams, t_s: np.ndarray, starts: np.ndarray, g0: np.ndarray | None = None):
    """How :class:`Moments` integrates each block of patients (blocks start at ``starts``): piece
    count N (the piece length is at most G_STEP / (fastest log-growth of s on [0, t_s] + fastest
    dormant exit rate), and 4 / kappa when C is integrated piecewise), whether C is integrated
    piecewise (kappa < KAPPA_PIECEWISE or < LAGUERRE_RATIO x the log-growth of s). ``g0``: that
    fastest log-growth per patient (1/year), when the caller has it already."""
    sizes = np.diff(np.append(starts, pat.n))
    unit = np.repeat(np.arange(starts.size), sizes)
    g0 = _max_growth(pat, t_s) if g0 is None else g0
    kmin = np.minimum.reduceat(pat.kappa, starts)
    exact_c = kmin < np.maximum(KAPPA_PIECEWISE, LAGUERRE_RATIO * np.maximum.reduceat(g0, starts))
    hmax = G_STEP / (g0 + pat.exit_rate.max(axis=1))
    hmax = np.where(exact_c[unit], np.minimum(hmax, 4.0 / pat.kappa), hmax)   # each patient's own kernel
    N = np.minimum(np.maximum(np.ceil(np.maximum.reduceat(t_s / hmax, starts)), 1), 20000)
    return N, exact_c


def _edges(knots: np.ndarray, end: float, n: int) -> np.ndarray:
    """Shared piece edges from 0 to ``end`` through every knot inside, each gap cut into equal
    pieces no longer than end / n (the knots themselves exactly, so values there need no partial piece)."""
    base = np.unique(np.concatenate([[0.0], knots[(knots > 0) & (knots < end)], [end]]))
    m = np.maximum(1, np.ceil(np.diff(base) * n / end - 1e-9)).astype(np.intp)
    j = np.repeat(np.arange(m.size), m)
    k = np.arange(m.sum()) - np.repeat(np.cumsum(m) - m, m)
    return np.append(base[j] + (base[j + 1] - base[j]) * k / m[j], end)


class Moments:
    """S, E_beta (per organ) and C of the shedding intensity, for t in [0, t_s].

    The pieces are uniform per patient (t_s / N), or, given ``knots`` (times shared by every
    patient, years), one shared grid through the knots, so that values at knots are look-ups.
    """

    def __init__(self, pat: PatientParams, t_s: np.ndarray, closed: bool, knots: np.ndarray | None = None):
        self.pat, self.t_s, self.closed = pat, t_s, closed
        self.beta = pat.exit_rate                          # (P, K)
        if closed:
            return
        g0 = _max_growth(pat, t_s)
        N, exact_c = (v[0] for v in plan(pat, t_s, np.zeros(1, dtype=np.intp), g0))
        self.exact_c, N = bool(exact_c), int(N)
        if not self.exact_c:
            ratio = float(np.max(g0 / pat.kappa))
            n = next((n for n in (2, 3) if ratio ** (2 * n) * _LAG_FACTOR[n] <= LAGUERRE_TOL), 4)
            self.laguerre = _LAGUERRE[n]
            self.L0 = np.exp(pat.log_shedding(-self.laguerre[0] / pat.kappa[:, None])) @ self.laguerre[1]   # (P,)
        if knots is None:
            self.edges = t_s[:, None] / N * np.arange(N + 1)                     # (P, N + 1)
        else:
            end = float(t_s.max())
            self.edges = _edges(np.asarray(knots, dtype=float), end, N)[None, :]  # (1, N' + 1)
        self.N = self.edges.shape[1] - 1
        h = np.diff(self.edges, axis=1)                                          # (P or 1, N)
        self.betas = np.concatenate([self.beta, pat.kappa[:, None]], axis=1) if self.exact_c else self.beta
        r = self.edges[:, :-1, None] + h[..., None] * _GU                        # (P or 1, N, 6)
        s = np.exp(pat.log_shedding(r)) * _GWU * h[..., None]                    # weighted (P, N, 6)
        self.S_grid = np.concatenate([np.zeros((pat.n, 1)), np.cumsum(s.sum(-1), axis=1)], axis=1)
        Ep, step, group = self._piece_sums(s, h)                   # (P, N, B), (P, G, B), (N,)
        # E(g_{j+1}) = E(g_j) e^{-beta h_j} + Ep_j. Few patients: as one cumulative sum,
        # E(g_j) = e^{-beta g_j} sum_{i<j} Ep_i e^{beta g_{i+1}} (one exp per element; only where
        # beta g cannot overflow); many (P B >= SCAN_SIZE): a loop over pieces on (P, B) slices,
        # whose N numpy calls then cost less than the exponentials.
        E = np.zeros((pat.n, self.N + 1, self.betas.shape[1]))
        if pat.n * self.betas.shape[1] < SCAN_SIZE and float(np.max(self.betas * t_s[:, None])) < 600.0:
            grow = np.exp(self.betas[:, None, :] * self.edges[:, 1:, None])
            np.cumsum(Ep * grow, axis=1, out=E[:, 1:])
            E[:, 1:] /= grow
        else:
            for j in range(self.N):
                np.multiply(E[:, j], step[:, group[j]], out=E[:, j + 1])
                E[:, j + 1] += Ep[:, j]
        self.E_grid = E
        if knots is None:                                   # t_s is every patient's last edge
            K = self.beta.shape[1]
            self.at_surgery = (self.S_grid[:, -1:, None], E[:, -1:, :K], E[:, -1:, -1:] if self.exact_c else None)
        else:
            self.at_surgery = self._values(t_s[:, None, None])

    def _piece_sums(self, s, h):
        """Per piece, int s(r) e^{-beta (b - r)} dr (P, N, B), and e^{-beta h} per distinct piece
        width (P, G, B) with each piece's width group (N,): one kernel per width, not per piece."""
        if h.shape[0] > 1:                                  # uniform per patient: one width each
            widths, groups, group = [h[:, :1]], [slice(None)], np.zeros(h.shape[1], dtype=np.intp)
        else:                                               # shared grid: group equal widths
            w, first, group = np.unique(np.round(h[0] / h.max(), 12), return_index=True, return_inverse=True)
            widths = [h[0][i:i + 1] for i in first]
            groups = [slice(None)] if w.size == 1 else [group == g for g in range(w.size)]
        Ep = np.empty(s.shape[:2] + (self.betas.shape[1],))
        step = np.empty((s.shape[0], len(widths), self.betas.shape[1]))
        for g, (width, cols) in enumerate(zip(widths, groups)):
            dec = np.exp(-self.betas[:, None, :] * (width[..., None] * (1.0 - _GU)[None, :, None]))  # (P, 6, B)
            Ep[:, cols] = s[:, cols] @ dec
            step[:, g] = np.exp(-self.betas * width)
        return Ep, step, group.ravel()

    def _locate(self, t):
        """Piece index i in [0, N] (the edge at or left of t) and that edge, for t (P, M, Kt)."""
        shared = self.edges.shape[0] == 1
        i = np.searchsorted(self.edges[0], t, side="right") - 1 if shared \
            else np.floor(t / _pb(self.edges[:, 1], t.ndim)).astype(np.intp)
        i = np.clip(i, 0, self.N)
        a = np.take_along_axis(self.edges, i.reshape(i.shape[0], -1), axis=1).reshape(t.shape) \
            if self.edges.shape[0] > 1 else self.edges[0][i]
        return i, a

    def _values(self, t):
        """S (P, M, Kt), E (P, M, K) and, when integrated piecewise, C (P, M, Kt) at t in [0, t_s]
        from the grid, plus the partial piece from the edge left of t where t is not an edge."""
        P, M, Kt = t.shape
        i, a = self._locate(t)
        K = self.beta.shape[1]
        if Kt == 1 and self.edges.shape[0] == 1 and (i == i[:1]).all():   # shared grid, shared times
            j = i[0, :, 0]
            S, E = self.S_grid[:, j, None], self.E_grid[:, j, :K]
            C = self.E_grid[:, j, -1:] if self.exact_c else None
        else:
            flat = i.reshape(P, -1)
            S = np.take_along_axis(self.S_grid, flat, axis=1).reshape(t.shape)
            E = np.take_along_axis(self.E_grid[:, :, :K], i, axis=1) * np.ones((1, 1, K))
            C = np.take_along_axis(self.E_grid[:, :, -1], flat, axis=1).reshape(t.shape) if self.exact_c else None
        L = t - a
        cols = np.flatnonzero(_per_column(L != 0, np.logical_or))   # times off the edges: a partial piece
        if cols.size:
            Lc, tc = L[:, cols], t[:, cols]
            r = (tc - Lc)[..., None] + Lc[..., None] * _GU                       # (P, m, Kt, 6)
            s = np.exp(self.pat.log_shedding(r)) * _GWU
            S[:, cols] += Lc * s.sum(-1)
            E[:, cols] = _advance(E[:, cols], self.beta[:, None, :], Lc, s)
            if self.exact_c:
                C[:, cols] = _advance(C[:, cols], _pb(self.pat.kappa, 3), Lc, s)
        return S, E, C

    def at(self, t: np.ndarray):
        """S, E_beta_k, C at times t (P, M, Kt), Kt = K or 1, clipped to [0, t_s]; E (P, M, K) for
        organ k in column k (at t[..., k], or at t[..., 0] when Kt = 1)."""
        pat = self.pat
        t = np.clip(t, 0.0, _pb(self.t_s, t.ndim))
        beta = self.beta[:, None, :]
        kap = _pb(pat.kappa, t.ndim)
        if self.closed:
            A = _pb(np.exp(np.log(pat.mu) + pat.gamma * np.log(pat.x0)), t.ndim)
            g = _pb(pat.gamma * pat.rate, t.ndim)
            egt = np.exp(g * t)
            S = A * np.expm1(g * t) / g
            E = A * (egt - np.exp(-beta * t)) / (g + beta)
            C = A * (egt - np.exp(-kap * t)) / (g + kap)
            return S, E, C
        S, E, C = self._values(t)
        return S, E, self._laguerre_c(t) if C is None else C

    def _laguerre_c(self, t):
        """C(t) = L(t) - e^{-kappa t} L(0), L(t) = int_0^inf s(t - v) e^{-kappa v} dv by Gauss-Laguerre
        (cells; t (P, ...) years, before surgery; s continued to t < 0 by its growth law)."""
        x, w = self.laguerre
        k = _pb(self.pat.kappa, t.ndim)
        lag = np.exp(self.pat.log_shedding(t[..., None] - x / k[..., None])) @ w
        return (lag - np.exp(-k * t) * _pb(self.L0, t.ndim)) / k

    def state_at_surgery(self):
        """S, E_beta (P, K), C (P,) at t_s."""
        t_s = self.t_s[:, None, None]
        S, E, C = self.at(t_s) if self.closed else self.at_surgery
        C = self._laguerre_c(t_s) if C is None else C
        return S[:, 0, 0], E[:, 0, :], C[:, 0, 0]


def _advance(E, b, L, s):
    """E_b carried from a piece's left edge over a length L: E e^{-b L} + L sum_q s_q e^{-b L (1 - u_q)}
    (s: shedding at the Gauss nodes times their weights, (..., 6))."""
    return E * np.exp(-b * L) + L * (s * np.exp(-b[..., None] * (L[..., None] * (1.0 - _GU)))).sum(-1)


def chain(pat: PatientParams, targets: np.ndarray, t_s: np.ndarray, *, closed: bool,
          knots: np.ndarray | None = None, circulating: bool = True):
    """Expected circulating cells C, dormant cells D_k and colonies founded Phi_k (= A_k) at
    absolute times ``targets`` (P, M, Kt), Kt = K (a time per organ) or 1; surgery at ``t_s`` (P,)
    (inf: none). Returns C (P, M, Kt; None unless ``circulating``) and D, Phi (P, M, K); zero for
    t <= 0. ``closed``: exponential primary in closed form; ``knots``: times shared by every
    patient where values are wanted."""
    targets = np.asarray(targets, dtype=float)
    pat = regularised(pat)
    last = targets.reshape(targets.shape[0], -1).max(axis=1)   # no moments beyond the last time asked
    horizon = np.minimum(t_s, np.where(last > 0, last, 1.0))
    mom = Moments(pat, horizon, closed, knots)
    f, eps, om, beta = (a[:, None, :] for a in (pat.f, pat.eps, pat.wake, pat.exit_rate))
    kap = pat.kappa[:, None, None]
    c = f * eps * _ratio(om, beta)              # 0 where no cell ever leaves dormancy (omega = delta = 0)
    q = kap / (kap - beta)                      # and beta / (kappa - beta) = q - 1
    post = targets >= t_s[:, None, None]         # values at t_s are those just after surgery
    shape = np.broadcast_shapes(targets.shape, f.shape)
    C, D, Phi = np.zeros(targets.shape) if circulating else None, np.zeros(shape), np.zeros(shape)
    # the shedding moments are needed only at times some patient reaches before surgery (most
    # clinical times are well after); the decay after it only if some time is after surgery
    early = _columns(~_per_column(post, np.logical_and))
    if isinstance(early, slice) or early.size:
        S, E, Ce = mom.at(targets[:, early])
        if circulating:
            C[:, early] = Ce
        D[:, early] = f * q * (E - Ce)
        Phi[:, early] = c * (S - q * E + (q - 1.0) * Ce)
    if post.any():
        Ss, Es, Cs = mom.state_at_surgery()
        Es, Cs = Es[:, None, :], Cs[:, None, None]
        Phis = c * (Ss[:, None, None] - q * Es + (q - 1.0) * Cs)
        Ds = (1.0 - pat.kill_by_organ[:, None, :]) * f * q * (Es - Cs)
        w = np.maximum(targets - t_s[:, None, None], 0.0)
        state = (Cs, Ds, Phis)
        if pat.endocrine.any():                  # the therapy's window first (0 years where none)
            d = _pb(np.where(pat.endocrine, pat.endocrine_years, 0.0), 3)
            om1, de1 = (a[:, None, :] for a in pat.therapy_rates())
            state = _decay(*state, f, kap, om1 + de1, eps * om1, np.minimum(w, d))
            w = np.maximum(w - d, 0.0)
        Cw, Dw, Phiw = _decay(*state, f, kap, beta, eps * om, w)
        if circulating:
            np.copyto(C, Cw, where=post)
        np.copyto(D, Dw, where=post)
        np.copyto(Phi, Phiw, where=post)
    out = (C, D, Phi) if circulating else (D, Phi)
    for X in out:
        np.maximum(X, 0.0, out=X)
    if targets.min() <= 0:                       # nothing has happened by t <= 0
        for X in out:
            np.copyto(X, 0.0, where=targets <= 0)
    return C, D, Phi


def _decay(C0, D0, Phi0, f, kap, beta, found, w):
    """The chain without shedding, ``w`` years (>= 0) after a state (C0, D0, Phi0): C leaves the blood
    at kappa, D_k gains f_k kappa C and leaves at beta_k, Phi_k gains ``found`` D_k (found = eps_k x
    the wake rate, 1/year). Sums of exponentials; returns (C, D, Phi) broadcast over w."""
    q = kap / (kap - beta)
    eb, ek = np.exp(-beta * w), np.exp(-kap * w)
    ib = _one_minus_exp_over(beta, w)
    return C0 * ek, D0 * eb + f * q * C0 * (eb - ek), Phi0 + found * (D0 * ib + f * q * C0 * (ib + np.expm1(-kap * w) / kap))


def wake_factor(pat: PatientParams, targets: np.ndarray) -> np.ndarray:
    """Factor on the wake rates at absolute times ``targets`` (P, ...): endocrine_wake on
    [t_s, t_s + endocrine_years) of a set with endocrine therapy, 1 elsewhere (dimensionless)."""
    if not pat.endocrine.any():
        return np.ones(targets.shape)
    ts = _pb(pat.surgery_time(), targets.ndim)
    on = (targets >= ts) & (targets < ts + _pb(pat.endocrine_years, targets.ndim)) & _pb(pat.endocrine, targets.ndim)
    return np.where(on, _pb(pat.endocrine_wake, targets.ndim), 1.0)


def _per_column(mask, op):
    """``op`` (logical and/or) of a (P, M, Kt) mask over patients and organs: (M,). Reduced over the
    leading axis first (vectorised over the rest), much faster than one reduction over (0, 2)."""
    return op.reduce(op.reduce(mask, axis=0), axis=1)


def _columns(mask):
    """The time columns where ``mask`` holds: a slice when it holds everywhere (no gather), else indices."""
    return slice(None) if mask.all() else np.flatnonzero(mask)


def founded(pat: PatientParams, targets: np.ndarray, *, closed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Phi_k and phi_k at absolute times ``targets`` (P, M, K): expected colonies founded by t
    in organ k (column k) and the founding rate eps omega D_k (colonies/year; omega times the
    endocrine factor during therapy), surgery at the patient's t_s. Zero for t <= 0."""
    _, D, Phi = chain(pat, targets, pat.surgery_time(), closed=closed, circulating=False)
    phi = (pat.eps * pat.wake)[:, None, :] * D
    if pat.endocrine.any():
        phi = phi * wake_factor(pat, np.asarray(targets, dtype=float))
    return Phi, phi


def regularised(pat: PatientParams) -> PatientParams:
    """``pat`` with the dormant death rate nudged where omega + delta (or, under endocrine therapy,
    the exit rate during it) is within SINGULAR of kappa."""
    close = np.abs(pat.kappa[:, None] - pat.exit_rate) <= SINGULAR * pat.kappa[:, None]
    if pat.endocrine.any():
        during = sum(pat.therapy_rates())
        close |= pat.endocrine[:, None] & (np.abs(pat.kappa[:, None] - during) <= SINGULAR * pat.kappa[:, None])
    if not close.any():
        return pat
    return pat.with_arrays(dormant_death=pat.dormant_death + np.where(close, 2 * SINGULAR * pat.kappa[:, None], 0.0))


def _ratio(a, b):
    """a / b, and 0 where b = 0 (a is then 0 too: a rate that is part of b)."""
    return np.divide(a, b, out=np.zeros(np.broadcast_shapes(np.shape(a), np.shape(b))), where=b > 0)


def _one_minus_exp_over(b, w):
    """(1 - e^{-b w}) / b, with its limit w at b = 0."""
    if np.all(b > 0):                           # the usual case: no limit to take
        return -np.expm1(-b * w) / b
    b, w = np.broadcast_arrays(b, w)
    return np.where(b > 0, -np.expm1(-b * w) / np.where(b > 0, b, 1.0), w)


def shed_by(pat: PatientParams, t: np.ndarray, *, closed: bool) -> np.ndarray:
    """S(t) = int_0^t mu x(r)^gamma dr, the cells shed into the blood by absolute time ``t`` (P,)
    (years, at most the surgery time: shedding stops there)."""
    t = np.minimum(np.asarray(t, dtype=float), pat.surgery_time())
    mom = Moments(regularised(pat), np.maximum(t, 1e-12), closed)
    return np.where(t > 0, mom.at(t[:, None, None])[0][:, 0, 0], 0.0)


def circulating(pat: PatientParams, t: np.ndarray) -> np.ndarray:
    """Expected circulating tumour cells C(t) in the whole blood at absolute times ``t`` (P,)."""
    return chain(pat, np.asarray(t, dtype=float)[:, None, None], pat.surgery_time(),
                 closed=pat.law.name == "exponential")[0][:, 0, 0]
