"""Founded colonies per organ, Phi_k(t), and the founding rate phi_k(t) = eps omega D_k(t).

A cell shed at r arrests in organ k after Exp(kappa) (probability f_k), leaves dormancy after
Exp(beta_k), beta = omega + delta, waking with probability omega/beta, and founds a colony with
probability eps. Before surgery (t <= t_s), with S(t) = int_0^t s, E_b(t) = int_0^t s(r) e^{-b(t-r)} dr
and C = E_kappa:

    D_k = f kappa (E_beta - C) / (kappa - beta),
    Phi_k = (f eps omega / beta) [S - kappa E_beta / (kappa - beta) + beta C / (kappa - beta)].

After surgery shedding stops, D_k is multiplied by (1 - kill_dormant), and the linear chain decays
as sums of exponentials from the state at t_s. The moments S, E, C are closed form for an
exponential primary and computed by piecewise Gauss-Legendre quadrature otherwise (C by its
quasi-steady expansion s / (kappa + d ln s/dt), relative error O(g'/kappa^2) ~ 1e-9, when kappa is large).
"""
from __future__ import annotations

import numpy as np

from ..model.params import PatientParams

_GX, _GW = np.polynomial.legendre.leggauss(6)
_GU = (_GX + 1.0) / 2.0          # nodes on [0, 1]
_GWU = _GW / 2.0                 # weights on [0, 1]
KAPPA_QUASI_STEADY = 100.0       # 1/year: above this, C = s / (kappa + g) (error < 1e-8 relative)
G_STEP = 2.0                     # piece length x (log-growth of s + beta) <= 2: 6 Gauss nodes, error ~1e-12


#: where ``|kappa - beta| <= SINGULAR * kappa`` the dormant death rate is raised by ``2 SINGULAR kappa``,
#: so the removable singularity beta = kappa is never divided by; relative change of P ~ 1e-7
SINGULAR = 1e-7


def _pb(a, ndim):
    return a.reshape(a.shape + (1,) * (ndim - a.ndim))


def plan(pat: PatientParams, t_s: np.ndarray, starts: np.ndarray):
    """How :class:`Moments` integrates each block of patients (blocks start at ``starts``): piece
    count N (the piece length is at most G_STEP / (fastest log-growth of s on [0, t_s] + fastest
    dormant exit rate), and 4 / kappa when C is integrated exactly), whether C is integrated
    exactly (kappa < KAPPA_QUASI_STEADY) and whether the cumulative-sum form cannot overflow."""
    sizes = np.diff(np.append(starts, pat.n))
    unit = np.repeat(np.arange(starts.size), sizes)
    kmin = np.minimum.reduceat(pat.kappa, starts)
    exact_c = kmin < KAPPA_QUASI_STEADY
    g0 = np.maximum(pat.shedding_growth(np.zeros((pat.n, 1)))[:, 0], pat.shedding_growth(t_s[:, None])[:, 0])
    hmax = G_STEP / (g0 + pat.exit_rate.max(axis=1))
    hmax = np.where(exact_c[unit], np.minimum(hmax, 4.0 / kmin[unit]), hmax)
    N = np.minimum(np.maximum(np.ceil(np.maximum.reduceat(t_s / hmax, starts)), 1), 20000)
    bt = (pat.exit_rate * t_s[:, None]).max(axis=1)
    bt = np.where(exact_c[unit], np.maximum(bt, pat.kappa * t_s), bt)
    return N, exact_c, np.maximum.reduceat(bt, starts) < 600.0


class Moments:
    """S, E_beta (per organ) and C of the shedding intensity, for t in [0, t_s]."""

    def __init__(self, pat: PatientParams, t_s: np.ndarray, closed: bool):
        self.pat, self.t_s, self.closed = pat, t_s, closed
        self.beta = pat.exit_rate                          # (P, K)
        if closed:
            return
        N, exact_c, no_overflow = (v[0] for v in plan(pat, t_s, np.zeros(1, dtype=np.intp)))
        self.exact_c = bool(exact_c)
        N = int(N)
        self.N, self.h = N, t_s / N                         # (P,)
        betas = self.beta
        if self.exact_c:
            betas = np.concatenate([betas, pat.kappa[:, None]], axis=1)
        self.betas = betas
        i = np.arange(N)
        r = self.h[:, None, None] * (i[None, :, None] + _GU)                 # (P, N, 6)
        s = np.exp(pat.log_shedding(r)) * _GWU * self.h[:, None, None]       # weighted
        self.S_grid = np.concatenate([np.zeros((pat.n, 1)), np.cumsum(s.sum(-1), axis=1)], axis=1)
        dec = np.exp(-betas[:, None, :] * (self.h[:, None, None] * (1.0 - _GU)[None, :, None]))  # (P, 6, B)
        Ep = s @ dec                                 # (P, N, B)
        step = np.exp(-betas * self.h[:, None])                                # (P, B)
        E = np.zeros((pat.n, N + 1, betas.shape[1]))
        if no_overflow:          # E(g_j) = e^{-beta g_j} sum_{i<j} Ep_i e^{beta g_{i+1}}, no overflow
            g = self.h[:, None, None] * np.arange(1, N + 1)[None, :, None]
            E[:, 1:] = np.cumsum(Ep * np.exp(betas[:, None, :] * g), axis=1) * np.exp(-betas[:, None, :] * g)
        else:
            for j in range(N):
                E[:, j + 1] = E[:, j] * step + Ep[:, j]
        self.E_grid = E

    def at(self, t: np.ndarray):
        """S, E_beta_k, C at times t (P, M, K) clipped to [0, t_s]; E for organ k in column k."""
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
        S, E = self._piece(t, self.beta)
        if self.exact_c:
            _, C = self._piece(t, np.broadcast_to(pat.kappa[:, None], self.beta.shape), col=-1)
        else:
            C = np.exp(pat.log_shedding(t)) / (kap + pat.shedding_growth(t))
            C = np.where(t > 0, C, 0.0)
        return S, E, C

    def _piece(self, t, beta, col=None):
        h = _pb(self.h, t.ndim)
        i = np.clip(np.floor(t / h), 0, self.N - 1).astype(np.intp)
        a = i * h
        P, M, K = t.shape
        Sg = np.take_along_axis(self.S_grid, i.reshape(P, -1), axis=1).reshape(t.shape)
        if col is None:
            Eg = np.take_along_axis(self.E_grid[:, :, :K], i, axis=1)
        else:
            Eg = np.take_along_axis(self.E_grid[:, :, -1:], i, axis=1)
        L = t - a
        r = a[..., None] + L[..., None] * _GU                                  # (P, M, K, 6)
        s = np.exp(self.pat.log_shedding(r)) * _GWU
        b = beta[:, None, :]
        S = Sg + L * s.sum(-1)
        E = Eg * np.exp(-b * L) + L * np.einsum("pmkq,pmkq->pmk", s, np.exp(-b[..., None] * (L[..., None] * (1.0 - _GU))))
        return S, E

    def state_at_surgery(self):
        """S, E_beta (P, K), C (P,) at t_s."""
        pat = self.pat
        if self.closed:
            S, E, C = self.at(np.broadcast_to(self.t_s[:, None, None], (pat.n, 1, self.beta.shape[1])).copy())
            return S[:, 0, 0], E[:, 0, :], C[:, 0, 0]
        S = self.S_grid[:, -1]
        E = self.E_grid[:, -1, : self.beta.shape[1]]
        if self.exact_c:
            C = self.E_grid[:, -1, -1]
        else:
            ts = self.t_s[:, None]
            C = (np.exp(pat.log_shedding(ts)) / (pat.kappa[:, None] + pat.shedding_growth(ts)))[:, 0]
        return S, E, C


def founded(pat: PatientParams, targets: np.ndarray, *, closed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Phi_k and phi_k at absolute times ``targets`` (P, M, K): expected colonies founded by t
    in organ k (column k) and the founding rate (colonies/year). Zero for t <= 0."""
    targets = np.asarray(targets, dtype=float)
    pat = regularised(pat)
    t_s = pat.surgery_time()
    mom = Moments(pat, t_s, closed)
    f, eps, om, beta = (a[:, None, :] for a in (pat.f, pat.eps, pat.wake, pat.exit_rate))
    kap = pat.kappa[:, None, None]
    c = f * eps * _ratio(om, beta)              # 0 where no cell ever leaves dormancy (omega = delta = 0)
    post = targets > t_s[:, None, None]
    # the shedding moments are needed only where some patient's target is before surgery (after
    # it everything follows from the state at surgery): most clinical times are well after
    need = np.flatnonzero(~post.all(axis=(0, 2)))
    S, E, C = mom.at(targets[:, need])
    Phi_pre = np.zeros(targets.shape)
    D_pre = np.zeros(targets.shape)
    Phi_pre[:, need] = c * (S - kap / (kap - beta) * E + beta / (kap - beta) * C)
    D_pre[:, need] = f * kap / (kap - beta) * (E - C)
    # after surgery
    Ss, Es, Cs = mom.state_at_surgery()
    Es, Cs = Es[:, None, :], Cs[:, None, None]
    Phis = c * (Ss[:, None, None] - kap / (kap - beta) * Es + beta / (kap - beta) * Cs)
    Ds = (1.0 - pat.kill_dormant[:, None, None]) * f * kap / (kap - beta) * (Es - Cs)
    w = np.maximum(targets - t_s[:, None, None], 0.0)
    eb, ek = np.exp(-beta * w), np.exp(-kap * w)
    D_post = Ds * eb + f * kap * Cs * (eb - ek) / (kap - beta)
    ib = _one_minus_exp_over(beta, w)
    Phi_post = Phis + eps * om * (Ds * ib + f * kap * Cs * (ib - _one_minus_exp_over(kap, w)) / (kap - beta))
    Phi = np.where(post, Phi_post, Phi_pre)
    D = np.where(post, D_post, D_pre)
    pos = targets > 0
    return np.where(pos, np.maximum(Phi, 0.0), 0.0), np.where(pos, np.maximum(eps * om * D, 0.0), 0.0)


def regularised(pat: PatientParams) -> PatientParams:
    """``pat`` with the dormant death rate nudged where omega + delta is within SINGULAR of kappa."""
    close = np.abs(pat.kappa[:, None] - pat.exit_rate) <= SINGULAR * pat.kappa[:, None]
    if not close.any():
        return pat
    return pat.with_arrays(dormant_death=pat.dormant_death + np.where(close, 2 * SINGULAR * pat.kappa[:, None], 0.0))


def _ratio(a, b):
    """a / b, and 0 where b = 0 (a is then 0 too: a rate that is part of b)."""
    return np.divide(a, b, out=np.zeros(np.broadcast_shapes(np.shape(a), np.shape(b))), where=b > 0)


def _one_minus_exp_over(b, w):
    """(1 - e^{-b w}) / b, with its limit w at b = 0."""
    b, w = np.broadcast_arrays(b, w)
    return np.where(b > 0, -np.expm1(-b * w) / np.where(b > 0, b, 1.0), w)


def circulating(pat: PatientParams, t: np.ndarray) -> np.ndarray:
    """Expected circulating tumour cells C(t) in the whole blood at absolute times ``t`` (P,)."""
    t_s = pat.surgery_time()
    mom = Moments(pat, t_s, closed=pat.law.name == "exponential")
    tt = np.minimum(t, t_s)[:, None, None] * np.ones((1, 1, len(pat.organs)))
    C = mom.at(tt)[2][:, 0, 0]
    return np.where(t > t_s, C * np.exp(-pat.kappa * np.maximum(t - t_s, 0.0)), C)
