"""Later generations of metastasis-to-metastasis seeding: the correction to the first-generation
Lambda(c) (incidence.secondary) when daughters shed too, by Picard iteration on the probability
that a colony and all its descendants stay undetected.

For a colony founded in organ k at absolute time s, with founding deadlines d_j = c_j - tau_j,

    q_k(s) = 1[s > d_k] exp(-sum_j int_s^hi psi_kj(s, u) (1 - q_j(u)) du),     hi = max_j d_j,

(its daughters in j are a Poisson process of rate psi_kj(s, u), each undetected with its whole line
w.p. q_j(u)), and Lambda(c) = sum_m int phi_m(s) (1 - q_m(s)) ds. Iterating from
q^(0) = 1[s > d_k] (colonies do not shed), q^(n) counts n generations below the primary's colonies:
q^(1) is the first-generation formula, and ``generations`` G of the cohort simulator (G = 2: the
primary's colonies shed, their daughters do not) is q^(G - 1). The iterates decrease to q (more
generations, more ways to be detected), so Lambda^(n) increases to Lambda; the difference between
successive iterates is at most the expected detected colonies of the added generation, which
:func:`truncation_bound` sums over every later generation.

Numerics: the daughter rate is a sum of three exponentials in the mother's age,
psi(a) = R1 e^{g a} - R2 e^{-beta a} + R3 e^{-kappa a} (model.colony_shedding), plus the adjuvant
kill kd psi(t_s - s) e^{-beta (u - t_s)} for s < t_s < u, which factorises in (s, u). So the inner
integrals are tails F_r(s) = int_s^hi e^{rho_r (u - s)} h(u) du, h = 1 - q, computed by one backward
recurrence over a grid (S uniform steps between the breakpoints: deadlines, surgery), each step exact
for h linear on it (exponential fitting: no error from the fast kappa and g terms). The outer integral
uses Gauss-Legendre nodes in every step, with h interpolated linearly and phi exact; only the
correction Lambda^(n) - Lambda^(1) is taken from the grid (Lambda^(1) stays the accurate
first-generation formula), and at n = 1 the grid is exact (h^(0) is a step at a breakpoint).

Non-exponential (Gompertz) colonies have a tabulated kernel (model.colony_tables) that does not
separate in (s, u): :func:`_table_correction` sums product-integration weights over the steps
(O(N^2) per row and iteration) and takes q linear between nodes in the outer integral.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..model.colony_shedding import MAX_EXPONENT, area_at, kernel_arrays, kernel_at, kernel_coefficients, pick
from ..model.params import PatientParams

#: uniform steps per interval between breakpoints; the correction is Richardson-extrapolated from
#: STEPS and 2 STEPS (the linear-h error is ~ step^2). Measured on the hub test model with extreme
#: seeding (tests/incidence/exp_hub.toml, liver mu' = 1e6, bone any at 6 years, every generation):
#: 48/96 gives 0.12438, 96/192 0.12481, 192/384 0.12484; plain 96 steps 0.12799
STEPS = 48
#: Gauss-Legendre nodes per fine step for the outer integral
OUTER = 3
#: iterations at most when every generation is asked for (``generations=None``), and the change in
#: h = 1 - q below which the iteration has converged
MAX_ITERATIONS = 60
TOLERANCE = 1e-12
#: patient x threshold-vector rows per block (memory ~ rows x STEPS x K^2 x 150 floats)
ROWS = 64
#: a tail integral above this means the colony's line is certainly detected (q = e^{-X} = 0)
HUGE = 1e250

_GX, _GW = np.polynomial.legendre.leggauss(OUTER)
_GU, _GWU = (_GX + 1.0) / 2.0, _GW / 2.0


def _weights(rho: np.ndarray, dt: np.ndarray):
    """(E1, E2, e^{rho dt}): E1 = int_0^dt e^{rho x} dx and E2 = int_0^dt e^{rho x} x / dt dx (0 where
    dt = 0), so that a step's integral of e^{rho x} against a linear h is h_0 E1 + (h_1 - h_0) E2."""
    z = np.minimum(rho * dt, MAX_EXPONENT)
    small = np.abs(z) < 1e-4
    zs = np.where(small, 1.0, z)
    e = np.exp(z)
    e1 = np.where(small, 1.0 + z / 2.0 + z * z / 6.0, np.expm1(zs) / zs)
    e2 = np.where(small, 0.5 + z / 3.0 + z * z / 8.0, (e * (zs - 1.0) + 1.0) / (zs * zs))
    return dt * e1, dt * e2, np.minimum(e, HUGE)


class _Tail:
    """F(s_a) = int_{s_a}^hi e^{rho (u - s_a)} h(u) du at every node of a grid, for any h linear
    between nodes; the weights and the doubling scan's products depend only on rho and the steps,
    so they are computed once and reused by every iteration."""

    def __init__(self, rho: np.ndarray, dt: np.ndarray, extra: int):
        """``rho`` broadcast against (rows, 1, ...) trailing axes, ``dt`` (rows, N - 1), ``extra``
        trailing axes of h beyond (rows, N)."""
        self.E1, self.E2, e = _weights(rho, dt.reshape(dt.shape + (1,) * extra))
        n = dt.shape[1] + 1
        M = np.zeros((e.shape[0], n) + e.shape[2:])
        M[:, :-1] = e
        self.levels = []                      # (k, M): F_a += M_a F_{a+k}, then M_a *= M_{a+k}
        k = 1
        while k < n:
            self.levels.append((k, M[:, :n - k].copy()))
            M[:, :n - k] = np.minimum(M[:, :n - k] * M[:, k:], HUGE)
            M[:, n - k:] = 0.0
            k *= 2

    def __call__(self, h: np.ndarray) -> np.ndarray:
        """The backward recurrence F_a = l_a + e_a F_{a+1} (l_a the step's own integral), solved by
        a doubling scan (log2 N vectorised steps), capped at HUGE so that no inf meets a 0."""
        l_ = h[:, :-1] * (self.E1 - self.E2) + h[:, 1:] * self.E2
        F = np.zeros((l_.shape[0], l_.shape[1] + 1) + l_.shape[2:])
        F[:, :-1] = np.minimum(l_, HUGE)
        n = F.shape[1]
        for k, M in self.levels:
            F[:, :n - k] = np.minimum(F[:, :n - k] + M * F[:, k:], HUGE)
        return F


class _Grid:
    """Per row (patient p, threshold vector v): nodes at ``steps`` uniform steps inside each interval
    between the sorted breakpoints ``ends`` (rows, I + 1), interval ends duplicated so h may jump
    there (a zero step between the copies)."""

    def __init__(self, ends: np.ndarray, steps: int):
        R = ends.shape[0]
        left, right = ends[:, :-1], ends[:, 1:]
        self.steps = steps
        frac = np.arange(steps + 1) / steps
        self.s = (left[:, :, None] + (right - left)[:, :, None] * frac).reshape(R, -1)   # (R, N)
        self.mid = np.repeat((left + right) / 2.0, steps + 1, axis=1)            # (R, N): side of a breakpoint
        self.dt = np.diff(self.s, axis=1)                                        # (R, N - 1)
        gap = np.zeros(self.s.shape[1] - 1, dtype=bool)
        gap[steps::steps + 1] = True
        self.dt[:, gap] = 0.0
        self.step = np.flatnonzero(~gap)                                         # the real steps' first nodes

    def locate(self, interval: np.ndarray, sub: np.ndarray) -> np.ndarray:
        """First node of step ``sub`` of ``interval``."""
        return interval * (self.steps + 1) + sub


def correction(pat: PatientParams, c: np.ndarray, generations: int | None, *, closed: bool,
               kern=None) -> np.ndarray:
    """Lambda^(G-1)(c) - Lambda^(1)(c) (P, V) at threshold vectors ``c`` (P, V, K) (absolute years,
    -inf: no condition), unit mu: what generations 3..G add to the first-generation Lambda
    (``generations`` G >= 2; None: every generation, iterated to convergence). ``kern``: the
    tabulated daughter kernel (P, K, K) of non-exponential colonies (None: the closed form)."""
    if generations is not None and generations <= 2:
        return np.zeros(c.shape[:2])
    return _by_rows(pat, c, generations, closed, bound=False, kern=kern)


def truncation_bound(pat: PatientParams, c: np.ndarray, generations: int, *, closed: bool,
                     kern=None) -> np.ndarray:
    """An upper bound (P, V) on Lambda(c) - Lambda^(G-1)(c), what the generations beyond
    ``generations`` G add (G = 1: colonies do not shed; 2: the first-generation formula), unit mu.

    A colony's line, undetected through n generations w.p. q^(n), is detected only through deeper
    ones w.p. at most min(q^(n), sum_{i>n} e^(i)), e^(i)(s) the expected detected descendants of
    generation i (e^(0) = 1[s <= d], e^(i+1) = sum_j int psi_kj e^(i)_j: the same tails, linear),
    summed until the terms fall below 1e-15 of the sum (or MAX_ITERATIONS terms: then min with q^(n)
    alone). The bound is computed on the grid (the fine one, no extrapolation); refused for a
    tabulated ``kern`` (non-exponential colonies)."""
    return _by_rows(pat, c, generations, closed, bound=True, kern=kern)


def _by_rows(pat: PatientParams, c: np.ndarray, generations, closed: bool, bound: bool, kern=None) -> np.ndarray:
    """:func:`_correction` over blocks of ROWS (patient, threshold vector) rows; rows where no mother
    can be undetected before the last deadline (every reachable deadline equal) add 0."""
    from ..model.chain import regularised

    pat = regularised(pat)
    P, V, K = c.shape
    out = np.zeros(P * V)
    kp = kernel_arrays(pat)
    d = (c - pat.detection_delay()[:, None, :]).reshape(P * V, K)
    reach = np.repeat(kp["c"][:, 0, :] > 0, V, axis=0)
    dd = np.where(reach, d, -np.inf)
    hi = dd.max(axis=1)
    open_ = np.isfinite(hi) & (hi > 0) & ((dd < hi[:, None]) & reach).any(axis=1)
    rows = np.flatnonzero(open_)
    if kern is not None:
        if bound:
            raise InputError("truncation_bound is not defined for non-exponential colonies (it integrates the "
                             "closed-form kernel's exponentials)")
        for r in rows:                        # one row at a time: the kernel matrices are (N, N, K, K)
            out[r] = _table_correction(pat.take(np.array([r // V])), d[r:r + 1], generations, closed=closed,
                                       kern=pick(kern, lambda x: x[r // V:r // V + 1]))[0]
        return out.reshape(P, V)
    for lo in range(0, rows.size, ROWS):
        r = rows[lo:lo + ROWS]
        out[r] = _correction(pat.take(r // V), d[r], generations, closed=closed, bound=bound)
    return out.reshape(P, V)


def _step_weights(s: np.ndarray, dt: np.ndarray, kern) -> tuple[np.ndarray, np.ndarray]:
    """For grid nodes ``s`` (N,) and steps ``dt`` (N - 1,) of one row, and its tabulated kernel
    (1, K, K): (Wlo, Whi) (N, N - 1, K, K) with int_{step b} psi_kj(u - s_a) h(u) du = Wlo h_b +
    Whi h_{b+1} for h linear on the step (product integration: Psi and its integral from the table,
    exact for the interpolant); 0 for steps before s_a and steps of zero length."""
    lag = np.maximum(s[None, :] - s[:, None], 0.0)[..., None, None]           # (N, N, 1, 1) node to node
    step = dt[None, :, None, None]
    one = pick(kern, lambda x: x[0])                                            # (K, K)
    Psi, area = kernel_at(lag, one), area_at(lag, one)                          # each step's ends share them
    P0, P1 = Psi[:, :-1], Psi[:, 1:]
    mean = (area[:, 1:] - area[:, :-1]) / np.where(step > 0, step, 1.0)
    ok = ((s[None, :-1] >= s[:, None]) & (dt[None, :] > 0))[..., None, None]
    I1 = np.where(ok, P1 - mean, 0.0)                                           # int psi theta
    return np.where(ok, P1 - P0, 0.0) - I1, I1


def _outer(pat: PatientParams, d: np.ndarray, closed: bool):
    """What both corrections share for founding deadlines ``d`` (R, K): the kernel arrays, beta by
    daughter organ (R, K), surgery time, kill, the latest reachable deadline ``hi`` (R,), whether any
    kill acts, the coarse (STEPS) and fine (2 STEPS) grids between 0, the deadlines, surgery and
    ``hi``, the outer nodes (OUTER Gauss points in every fine step) with their weights, and phi there
    (R, M, OUTER, K)."""
    from ..model.chain import founded

    R, K = d.shape
    kp = kernel_arrays(pat)
    beta = np.broadcast_to(kp["beta"], (R, 1, K))[:, 0]           # (R, K) by daughter organ
    t_s = pat.surgery_time()
    kd = pat.kill_dormant
    reach = kp["c"][:, 0, :] > 0
    hi = np.where(reach, d, -np.inf).max(axis=1)
    ts_c = np.clip(t_s, 0.0, hi)
    ends = np.sort(np.concatenate([np.zeros((R, 1)), np.clip(np.where(np.isfinite(d), d, 0.0), 0.0, hi[:, None]),
                                   ts_c[:, None], hi[:, None]], axis=1), axis=1)
    coarse, fine = _Grid(ends, STEPS), _Grid(ends, 2 * STEPS)
    so = fine.s[:, fine.step][:, :, None] + fine.dt[:, fine.step][:, :, None] * _GU   # (R, M, Q)
    wo = fine.dt[:, fine.step][:, :, None] * _GWU
    M = so.shape[1]
    _, phi = founded(pat, np.broadcast_to(so.reshape(R, M * OUTER, 1), (R, M * OUTER, K)).copy(), closed=closed)
    return (kp, beta, t_s, ts_c, kd, hi, bool(np.any(kd != 0)), coarse, fine, so, wo,
            phi.reshape(R, M, OUTER, K))


def _table_correction(pat: PatientParams, d: np.ndarray, generations: int | None, *, closed: bool,
                      kern) -> np.ndarray:
    """:func:`correction` for one row (R = 1) with a tabulated kernel (non-exponential colonies).

    The inner integrals X_k(s_a) = sum_j int_{s_a}^hi psi_kj(u - s_a) h_j(u) du are sums over the
    grid's steps of product-integration weights (:func:`_step_weights`, exact for h linear on a
    step: no separable form as for the closed form's exponentials, so O(N^2) per iteration); the
    adjuvant kill's term kd psi(t_s - s) int_{t_s} e^{-beta (u - t_s)} h du is the closed form's.
    q is linear between grid nodes in the outer integral (Gauss nodes in the fine steps, phi
    exact); both errors are ~ step^2, removed by the same Richardson extrapolation."""
    R, K = d.shape
    kp, beta, t_s, ts_c, kd, hi, kill, coarse, fine, so, wo, phi = _outer(pat, d, closed)
    phi = phi[0]                                                                # (M, Q, K)
    interval, sub = np.divmod(fine.step, 2 * STEPS + 1)

    def integral(grid: _Grid, a: np.ndarray) -> float:
        """sum_m int phi_m (q^(1)_m - q^(n)_m) ds on ``grid``, ``a`` the first node of the grid step
        holding each outer node."""
        s, dt = grid.s[0], grid.dt[0]
        above = grid.mid[0][:, None] > d[0][None, :]                            # (N, K)
        Wlo, Whi = _step_weights(s, dt, kern)
        ks = Ft = None
        tb = _Tail(-beta[:, None], grid.dt, 1)
        if kill:
            _, at_s = kernel_at((t_s[0] - s)[:, None, None], pick(kern, lambda x: x[0]), rate=True)
            ks = np.where((s < t_s[0])[:, None, None], kd[0] * at_s, 0.0)        # (N, K, K)
            its = int(np.argmin(np.abs(s - ts_c[0])))

        def q_of(h):
            """q at the grid nodes (N, K) from h = 1 - q of the generation below."""
            X = np.einsum("abkj,bj->ak", Wlo, h[:-1]) + np.einsum("abkj,bj->ak", Whi, h[1:])
            if kill:
                X = X - (ks * tb(h[None])[0, its][None, None, :]).sum(axis=2)
            return np.where(above, np.exp(-np.maximum(X, 0.0)), 0.0)

        def outer(q):
            """q at the outer nodes (M, Q, K): linear in the grid step."""
            dta = dt[a]
            theta = (so[0] - s[a][:, None]) / np.where(dta > 0, dta, 1.0)[:, None]
            return q[a][:, None, :] + (q[a + 1] - q[a])[:, None, :] * theta[..., None]

        h = 1.0 - above
        q1 = q_of(h)
        n_iter = MAX_ITERATIONS if generations is None else generations - 1
        q = q1
        for _ in range(1, n_iter):
            h_new = 1.0 - q
            change = np.abs(h_new - h).max(initial=0.0)
            h = h_new
            q = q_of(h)
            if generations is None and change <= TOLERANCE:
                break
        return float((phi * (outer(q1) - outer(q)) * wo[0][..., None]).sum())

    lo, hi_ = integral(coarse, coarse.locate(interval, sub // 2)), integral(fine, fine.step)
    return np.array([max((4.0 * hi_ - lo) / 3.0, 0.0)])


def _correction(pat: PatientParams, d: np.ndarray, generations: int | None, *, closed: bool,
                bound: bool = False) -> np.ndarray:
    """:func:`correction` (or with ``bound`` :func:`truncation_bound`) for one row per patient,
    founding deadlines ``d`` (R, K): Richardson extrapolation of the grid with STEPS and 2 STEPS
    steps per interval, the outer Gauss nodes (in the fine steps) and phi there shared by both."""
    R, K = d.shape
    kp, beta, t_s, ts_c, kd, hi, kill, coarse, fine, so, wo, phi = _outer(pat, d, closed)
    coef = kernel_coefficients(kp["A"], kp["g"], kp["kappa"], kp["beta"], kp["c"])
    R1, R2, R3 = (np.broadcast_to(x, (R, K, K)) for x in coef[4:7])
    g = np.broadcast_to(kp["g"], (R, K, 1))                       # by mother organ
    kappa = np.broadcast_to(kp["kappa"], (R, 1, 1))[:, 0]         # (R, 1)
    above_o = fine.mid[:, fine.step][:, :, None] > d[:, None, :]                  # (R, M, K)
    ks_o = None
    if kill:
        _, at_o = kernel_at((t_s[:, None, None] - so)[..., None, None], tuple(x[:, None, None] for x in coef),
                            rate=True)
        ks_o = np.where((so < t_s[:, None, None])[..., None, None], kd[:, None, None, None, None] * at_o, 0.0)
    # each outer node's step in either grid: fine step j of an interval lies in coarse step j // 2
    interval, sub = np.divmod(fine.step, 2 * STEPS + 1)

    def exposure(Fg, Fb, Fk, ks_=None, Ft=None):
        """X_k = sum_j int psi_kj (1 - q_j) from the tails (leading axes (R, ...), last two (k, j)
        for Fg and (j) for Fb, Fk)."""
        lead = Fg.ndim - 3
        r1, r2, r3 = (x.reshape((R,) + (1,) * lead + (K, K)) for x in (R1, R2, R3))
        X = (np.where(r1 > 0, r1 * Fg, 0.0) - r2 * Fb[..., None, :] + r3 * Fk[..., None, :])
        if ks_ is not None:
            X = X - ks_ * Ft.reshape((R,) + (1,) * lead + (1, K))
        return np.maximum(X.sum(axis=-1), 0.0)

    def integral(grid: _Grid, a: np.ndarray) -> np.ndarray:
        """sum_m int phi_m (q^(1)_m - q^(n)_m) ds (R,) on ``grid`` (with ``bound``: the bound), ``a``
        the first node of the grid step holding each outer node."""
        s = grid.s
        above = grid.mid[:, :, None] > d[:, None, :]                              # (R, N, K)
        tg = _Tail(g[:, None], grid.dt, 2)                                        # (R, N, K, 1) -> with h (.., 1, K)
        tb = _Tail(-beta[:, None], grid.dt, 1)
        tk = _Tail(-kappa[:, None], grid.dt, 1)
        ks = its = None
        if kill:
            _, at_s = kernel_at((t_s[:, None] - s)[:, :, None, None], tuple(x[:, None] for x in coef), rate=True)
            ks = np.where((s < t_s[:, None])[:, :, None, None], kd[:, None, None, None] * at_s, 0.0)
            its = np.argmin(np.abs(s - ts_c[:, None]), axis=1)                    # a node at surgery
        a1 = a + 1
        delta = grid.s[:, a1][:, :, None] - so                                    # (R, M, Q) to the step's end
        dta = grid.dt[:, a]
        theta = (so - grid.s[:, a][:, :, None]) / np.where(dta > 0, dta, 1.0)[:, :, None]
        wg = _weights(g[:, None, None], delta[..., None, None])                   # (R, M, Q, K, 1)
        wb = _weights(-beta[:, None, None], delta[..., None])                     # (R, M, Q, K)
        wk = _weights(-kappa[:, None, None], delta[..., None])                    # (R, M, Q, 1)

        def tails(h):
            return tg(h[:, :, None, :]), tb(h), tk(h)

        def x_outer(h, F):
            """X at the outer nodes (R, M, Q, K) from h on the grid and its tails at the nodes."""
            h0, h1 = h[:, a][:, :, None], h[:, a1][:, :, None]                    # (R, M, 1, K)
            hs = h0 + (h1 - h0) * theta[..., None]                                # (R, M, Q, K)
            Fg = np.minimum(hs[..., None, :] * (wg[0] - wg[1]) + h1[..., None, :] * wg[1]
                            + wg[2] * F[0][:, a1][:, :, None], HUGE)
            Fb = np.minimum(hs * (wb[0] - wb[1]) + h1 * wb[1] + wb[2] * F[1][:, a1][:, :, None], HUGE)
            Fk = np.minimum(hs * (wk[0] - wk[1]) + h1 * wk[1] + wk[2] * F[2][:, a1][:, :, None], HUGE)
            Ft = F[1][np.arange(R), its] if kill else None
            return exposure(Fg, Fb, Fk, ks_o, Ft)

        def q_outer(h, F):
            """q at the outer nodes (R, M, Q, K)."""
            return np.where(above_o[:, :, None, :], np.exp(-x_outer(h, F)), 0.0)

        def bound_of(e, F, qn):
            """sum_m int phi_m min(q^(n)_m, sum_{i>n} e^(i)_m) ds from e^(0) = ``e`` and its tails."""
            n = 0 if generations is None else generations - 1
            total = np.zeros(np.broadcast_shapes(qn.shape, phi.shape))
            for i in range(1, MAX_ITERATIONS + 1):
                if i > n:
                    term = x_outer(e, F)
                    total += term
                    if np.all(term <= 1e-15 * total):
                        break
                e = np.minimum(exposure(*F, ks, F[1][np.arange(R), its] if kill else None), HUGE)
                F = tails(e)
            else:
                total = np.full(total.shape, np.inf)
            return (phi * np.minimum(qn, total) * wo[..., None]).sum(axis=(1, 2, 3))

        h = 1.0 - above                                                           # h^(0): colonies do not shed
        F = tails(h)
        if bound and generations == 1:
            return bound_of(h, F, above_o.astype(float)[:, :, None, :])
        q1 = q_outer(h, F)
        n_iter = MAX_ITERATIONS if generations is None else generations - 1
        for _ in range(1, n_iter):
            Ft = F[1][np.arange(R), its] if kill else None
            h_new = 1.0 - np.where(above, np.exp(-exposure(*F, ks, Ft)), 0.0)
            change = np.abs(h_new - h).max(initial=0.0)
            h = h_new
            F = tails(h)
            if generations is None and change <= TOLERANCE:
                break
        qn = q_outer(h, F) if n_iter > 1 else q1
        if bound:
            return bound_of(1.0 - above, tails(1.0 - above), qn)
        return (phi * (q1 - qn) * wo[..., None]).sum(axis=(1, 2, 3))

    if bound:
        return integral(fine, fine.step)
    lo, hi_ = integral(coarse, coarse.locate(interval, sub // 2)), integral(fine, fine.step)
    return np.maximum((4.0 * hi_ - lo) / 3.0, 0.0)             # Richardson: the step^2 error removed
