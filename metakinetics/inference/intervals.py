"""Uncertainty of fitted parameters: observed information (Wald), profile likelihood, and the
identifiability report (flat profiles, correlations above 0.95)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.stats import chi2

from .objective import Objective

#: 95% two-sided: the normal quantile and the chi-square(1) quantile of the likelihood-ratio test.
Z95 = 1.959963984540054
CHI2_95 = float(chi2.ppf(0.95, 1))  # 3.841...
#: Finite-difference step on the search scale (log units for log parameters): 1e-3 balances the
#: truncation error (~h^2) against the objective's quadrature noise (~1e-10 relative).
FD_STEP = 1e-3
#: Correlation above which two estimates are reported as not separately identifiable.
CORR_LIMIT = 0.95
#: A parameter whose information is below this fraction of the largest (and of 1) has no effect on
#: the likelihood: moving it by 1e7 search units changes -2 log L by less than one unit.
NO_EFFECT = 1e-14


@dataclass(frozen=True)
class Information:
    """Fisher information on the search scale and its inverse (the covariance)."""

    matrix: np.ndarray
    cov: np.ndarray
    singular: bool
    kind: str  # "gauss-newton (J^T J of likelihood residuals)" | "hessian (finite differences)"
    ineffective: tuple[int, ...] = ()  # parameters that do not change the likelihood (infinite variance)
    gradient: np.ndarray | None = None  # of -log L on the search scale, from the same evaluations


def _steps(obj: Objective, x: np.ndarray):
    lo, hi = obj.params.bounds()
    return np.minimum(x + FD_STEP, hi), np.maximum(x - FD_STEP, lo)


#: evaluates the information's target at many points at once: residual vectors where the objective
#: has them, else -log L as shape (1,) arrays (the fit's worker pool, ``[fit] workers``)
Evaluate = Callable[[list], list]


def serial_evaluate(obj: Objective) -> Evaluate:
    """The information's target at each point, one after another in this process.

    Parameters
    ----------
    obj : Objective
        The fit's objective.

    Returns
    -------
    callable
        ``points -> values``: residual vectors where ``obj.has_residuals``, else -log L (shape (1,)).
    """
    if obj.has_residuals:
        return lambda points: [obj.residuals(p) for p in points]
    if obj.scoring:
        return lambda points: [obj.score_terms(p) for p in points]
    return lambda points: [np.atleast_1d(-obj.loglik(p)) for p in points]


def minus_loglik(obj: Objective, value: np.ndarray) -> float:
    """-log L (up to a constant) from one value of the information's target (:func:`serial_evaluate`):
    sum r^2 / 2 of residuals, minus the patients' log-likelihoods, or the scalar as given.

    Parameters
    ----------
    obj : Objective
        The fit's objective.
    value : numpy.ndarray
        The target at one point.

    Returns
    -------
    float
    """
    value = np.asarray(value, dtype=float)
    if obj.has_residuals:
        return 0.5 * float(np.sum(value ** 2))
    if obj.scoring:
        ll = obj.loglik_terms()
        return 0.5 * float(np.sum(value[~ll] ** 2)) - float(np.sum(value[ll]))
    return float(value[0])


def _scores(obj: Objective, J: np.ndarray, t0: np.ndarray, blocks: bool = False):
    """The scoring information from the Jacobian ``J`` of :meth:`Objective.score_terms` (and its value
    ``t0``): J_r^T J_r of the residual rows plus S^T S of the patients' scores S (BHHH), with the
    gradient of -log L; with ``blocks``, one matrix per data set (and the priors) instead."""
    ll = obj.loglik_terms()
    if blocks:
        cuts = np.cumsum(obj.score_sizes())[:-1]
        return np.stack([Jd.T @ Jd for Jd in np.split(J, cuts, axis=0)])
    info = J.T @ J                                   # residual rows: J^T J; patient rows: s s^T
    grad = J[~ll].T @ t0[~ll] - J[ll].sum(axis=0)    # -log L = sum r^2 / 2 - sum l_i
    return info, grad


def _jacobian(obj: Objective, x: np.ndarray, evaluate: Evaluate) -> tuple[np.ndarray, np.ndarray]:
    """(J, r(x)): the residuals' Jacobian at ``x`` by central differences, and the residuals there."""
    plus, minus = _steps(obj, x)
    points = [x]
    for j in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[j], xm[j] = plus[j], minus[j]
        points += [xp, xm]
    r = evaluate(points)
    return np.stack([(r[1 + 2 * j] - r[2 + 2 * j]) / (plus[j] - minus[j]) for j in range(x.size)], axis=1), r[0]


def _hessian_points(x: np.ndarray, h: np.ndarray) -> list[np.ndarray]:
    """The central-difference stencil of a Hessian at ``x`` with steps ``h``: x, x + h_i, x - h_i,
    then the four corners of every pair (i, j), j < i."""
    n = x.size
    E = np.diag(h)
    points = [x] + [x + E[i] for i in range(n)] + [x - E[i] for i in range(n)]
    for i in range(n):
        for j in range(i):
            points += [x + E[i] + E[j], x + E[i] - E[j], x - E[i] + E[j], x - E[i] - E[j]]
    return points


def _hessians(f: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hessians (m, n, n) and gradients (m, n) of m functions from their values ``f`` (points, m) at
    the stencil of :func:`_hessian_points`."""
    n = h.size
    f0, f_plus, f_minus = f[0], f[1:n + 1], f[n + 1:2 * n + 1]
    H = np.empty((f.shape[1], n, n))
    idx = np.arange(n)
    H[:, idx, idx] = ((f_plus - 2 * f0 + f_minus) / h[:, None] ** 2).T
    m = 0
    for i in range(n):
        for j in range(i):
            a, b, c, d = f[2 * n + 1 + 4 * m: 2 * n + 5 + 4 * m]
            H[:, i, j] = H[:, j, i] = (a - b - c + d) / (4 * h[i] * h[j])
            m += 1
    return H, ((f_plus - f_minus) / (2 * h[:, None])).T


def information_parts(obj: Objective, x: np.ndarray, evaluate: Evaluate | None = None) -> np.ndarray:
    """(D + 1, n, n): the observed information at ``x`` split by data set (D, in set-up order) and,
    last, the priors, from one set of evaluations. The log-likelihood is a sum over data sets, so
    the parts add up to :func:`information`'s matrix (same steps, same stencil) and the information
    without data set i is the sum of the others: leave-one-out validation needs one stencil, not one
    per data set. J_d^T J_d of each data set's residual block where every data set has residuals
    or the objective scores (its patients' scores' outer product for individual data), else the
    finite-difference Hessian of each part of -log L.

    Parameters
    ----------
    obj : Objective
        The fit's objective.
    x : numpy.ndarray
        Search-scale point (n,).
    evaluate : callable, optional
        Evaluates many points at once; its target must be ``obj.loglik_parts`` (with residuals
        ``obj.residuals``; with scoring ``obj.score_terms``). Default: this process, one point
        after another.

    Returns
    -------
    numpy.ndarray
        Symmetrised information parts on the search scale.
    """
    if obj.has_residuals:
        J, _ = _jacobian(obj, x, evaluate or serial_evaluate(obj))
        sizes = [b.size for b in obj.residual_blocks(obj.evaluate(x))]
        cuts = np.cumsum(sizes)[:-1]
        return np.stack([Jd.T @ Jd for Jd in np.split(J, cuts, axis=0)])
    if obj.scoring:
        J, t0 = _jacobian(obj, x, evaluate or serial_evaluate(obj))
        return _scores(obj, J, t0, blocks=True)
    plus, minus = _steps(obj, x)
    h = (plus - minus) / 2
    values = (evaluate or (lambda pts: [obj.loglik_parts(p) for p in pts]))(_hessian_points(x, h))
    H, _ = _hessians(-np.array([np.asarray(v, dtype=float) for v in values]), h)
    return 0.5 * (H + np.swapaxes(H, 1, 2))


def information(obj: Objective, x: np.ndarray, evaluate: Evaluate | None = None) -> Information:
    """Observed information at ``x``: J^T J of the likelihood residuals where every data set has
    them (Fisher scoring), else the finite-difference Hessian of -log L; its points are evaluated
    all at once by ``evaluate`` (default: :func:`serial_evaluate`), so a worker pool can share them."""
    n = x.size
    evaluate = evaluate or serial_evaluate(obj)
    plus, minus = _steps(obj, x)
    if obj.has_residuals:
        J, r0 = _jacobian(obj, x, evaluate)
        info = J.T @ J
        grad = J.T @ r0                       # -log L = sum r^2 / 2 + const
        kind = "gauss-newton (J^T J of likelihood residuals, central differences)"
    elif obj.scoring:
        J, t0 = _jacobian(obj, x, evaluate)
        info, grad = _scores(obj, J, t0)
        kind = ("scoring (J^T J of likelihood residuals plus the outer product of per-patient scores, BHHH; "
                "central differences)")
    else:
        h = (plus - minus) / 2
        f = np.array([[float(v[0])] for v in evaluate(_hessian_points(x, h))])
        H, g = _hessians(f, h)
        info, grad = H[0], g[0]
        kind = "hessian of -log L (central differences)"
    info = 0.5 * (info + info.T)
    if not np.all(np.isfinite(info)):
        return Information(matrix=info, cov=np.full((n, n), np.nan), singular=True, kind=kind, gradient=grad)
    d = np.abs(np.diag(info))
    dead = d <= NO_EFFECT * max(d.max(), 1.0)
    live = np.flatnonzero(~dead)
    cov = np.zeros((n, n))
    cov[dead, dead] = np.inf   # not determined at all: its interval is the whole allowed range
    singular = bool(dead.any())
    if live.size:
        sub = info[np.ix_(live, live)]
        w = np.linalg.eigvalsh(sub)
        singular |= bool(w.min() <= 1e-10 * max(w.max(), 1e-300))
        cov[np.ix_(live, live)] = np.linalg.pinv(sub)
    return Information(matrix=info, cov=cov, singular=singular, kind=kind,
                       ineffective=tuple(int(j) for j in np.flatnonzero(dead)), gradient=grad)


def gradient(obj: Objective, x: np.ndarray, evaluate: Evaluate | None = None) -> np.ndarray:
    """Gradient of -log L at ``x`` on the search scale by central differences (2n evaluations),
    with the steps of :func:`information`, its points evaluated by ``evaluate``.

    Parameters
    ----------
    obj : Objective
        The fit's objective.
    x : numpy.ndarray
        Search-scale point.
    evaluate : callable, optional
        As for :func:`information` (default: :func:`serial_evaluate`).

    Returns
    -------
    numpy.ndarray
        Shape (n,).
    """
    evaluate = evaluate or serial_evaluate(obj)
    plus, minus = _steps(obj, x)
    h = (plus - minus) / 2
    E = np.diag(h)
    values = evaluate([x + e for e in E] + [x - e for e in E])
    f = np.array([minus_loglik(obj, v) for v in values])         # constants cancel in the difference
    return (f[:x.size] - f[x.size:]) / (2 * h)


@dataclass(frozen=True)
class NewtonStep:
    """The Newton step of -log L from an estimate over the parameters not held at a bound, and
    ``gain`` = g^T H^-1 g / 2: the log-likelihood a quadratic model says is still to be gained."""

    x: np.ndarray
    gain: float


def newton_step(info: Information, x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> NewtonStep | None:
    """The Newton step from ``x`` (search scale) with the information and gradient of ``info``;
    a parameter at a bound whose gradient pushes it outwards stays there. None where the information
    of the others is not positive definite (no quadratic model to trust) or has no gradient.

    Parameters
    ----------
    info : Information
        Observed information and gradient of -log L at ``x``.
    x : numpy.ndarray
        The estimate on the search scale.
    lower, upper : numpy.ndarray
        Search-scale bounds.

    Returns
    -------
    NewtonStep or None
    """
    if info.gradient is None or not np.all(np.isfinite(info.gradient)) or not np.all(np.isfinite(info.matrix)):
        return None
    g = info.gradient
    tol = 1e-6 * np.maximum(1.0, upper - lower)
    held = ((x - lower <= tol) & (g > 0)) | ((upper - x <= tol) & (g < 0))
    free = np.flatnonzero(~held)
    if free.size == 0:
        return NewtonStep(x=x.copy(), gain=0.0)
    try:
        chol = np.linalg.cholesky(info.matrix[np.ix_(free, free)])
    except np.linalg.LinAlgError:
        return None
    d = np.linalg.solve(chol.T, np.linalg.solve(chol, -g[free]))
    out = x.copy()
    out[free] = np.clip(x[free] + d, lower[free], upper[free])
    return NewtonStep(x=out, gain=float(-0.5 * g[free] @ d))


def wald(x: np.ndarray, cov: np.ndarray):
    """Standard errors and 95% limits on the search scale."""
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    return se, x - Z95 * se, x + Z95 * se


def correlations(cov: np.ndarray) -> np.ndarray:
    """Correlations in [-1, 1]; 0 with a parameter of infinite or zero variance, 1 on the diagonal."""
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = cov / np.outer(se, se)
    c = np.clip(np.where(np.isfinite(c), c, 0.0), -1.0, 1.0)
    np.fill_diagonal(c, 1.0)
    return c


def profile(obj: Objective, x_hat: np.ndarray, j: int, se: float, *, max_steps: int = 8):
    """95% profile-likelihood limits of parameter j (search scale): the values where
    -2 log L, re-minimised over the others, rises by 3.84. Returns (lower, upper, flat_lower,
    flat_upper); a side is flat when the bound is reached first."""
    lo_b, hi_b = obj.params.bounds()
    f_hat = -2 * obj.loglik(x_hat)
    others = [i for i in range(x_hat.size) if i != j]

    def at(v: float, z=None) -> np.ndarray:      # x_hat with parameter j at v (and the others at z)
        x = x_hat.copy()
        x[j] = v
        if z is not None:
            x[others] = z
        return x

    def prof(v: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        if not others:
            return -2 * obj.loglik(at(v)), at(v)

        def f(z):
            ll = obj.loglik(at(v, z))
            return -2 * ll if np.isfinite(ll) else 1e12

        res = minimize(f, start[others], method="L-BFGS-B",
                       bounds=list(zip(lo_b[others], hi_b[others])), options={"maxiter": 200})
        return float(res.fun), at(v, res.x)

    out = []
    step0 = se if np.isfinite(se) and se > 0 else 0.5
    for sign in (-1, 1):
        bound = lo_b[j] if sign < 0 else hi_b[j]
        prev_v, prev_d, start = x_hat[j], 0.0, x_hat.copy()
        found, flat = None, True
        for k in range(max_steps):
            v = x_hat[j] + sign * step0 * (1.0 + k) ** 1.5
            if (v - bound) * sign >= 0:
                v = bound
            d, start = prof(v, start)
            d -= f_hat
            if d >= CHI2_95:
                # interpolate on the signed root, which is close to linear in the parameter
                r0, r1 = np.sqrt(max(prev_d, 0)), np.sqrt(d)
                t = (np.sqrt(CHI2_95) - r0) / (r1 - r0) if r1 > r0 else 1.0
                found, flat = prev_v + t * (v - prev_v), False
                break
            prev_v, prev_d = v, d
            if v == bound:
                break
        out += [found if found is not None else bound, flat]
    return out[0], out[2], out[1], out[3]


def identifiability(labels, corr: np.ndarray, se_search: np.ndarray, params, singular: bool,
                    flat: dict | None = None, ineffective=()) -> list[dict]:
    """Identifiability flags of a fit: parameters that do not act on the likelihood, whose profile is
    flat (or the information is singular, or the Wald interval spans more than half the allowed
    range), and pairs with ``|correlation| > 0.95``.

    Parameters
    ----------
    labels : sequence of str
        Labels of the free parameters, in the order of ``corr`` and ``se_search``.
    corr : numpy.ndarray
        Correlation matrix of the estimates (search scale).
    se_search : numpy.ndarray
        Standard errors on the search scale (log for log-scale parameters).
    params : sequence of FreeParameter
        The free parameters (their ``search_bounds`` and ``log``).
    singular : bool
        Whether the Fisher information is singular.
    flat : dict, optional
        Parameter index -> the bounds ("lower", "upper") its profile likelihood did not rise
        by 3.84 before.
    ineffective : collection of int
        Indices of parameters that do not change the likelihood.

    Returns
    -------
    list of dict
        One ``{"parameters", "issue", "detail"}`` per flag: issue "no effect", "flat profile",
        "singular information" or "high correlation".
    """
    issues = []
    n = len(labels)
    lo = np.array([p.search_bounds[0] for p in params])
    hi = np.array([p.search_bounds[1] for p in params])
    for j in range(n):
        width = 2 * Z95 * se_search[j]
        if j in ineffective:
            issues.append({"parameters": [labels[j]], "issue": "no effect",
                           "detail": "changing it does not change the likelihood (the model or these data "
                                     "ignore it): not estimated, its interval is the whole allowed range"})
        elif flat and flat.get(j):
            issues.append({"parameters": [labels[j]], "issue": "flat profile",
                           "detail": "the profile likelihood does not rise by 3.84 before the bound(s): "
                                     + ", ".join(flat[j])})
        elif not np.isfinite(width) or width > 0.5 * (hi[j] - lo[j]):
            issues.append({"parameters": [labels[j]], "issue": "flat profile",
                           "detail": f"the 95% Wald interval (width {width:.3g} on the search scale) spans "
                                     f"more than half the allowed range {hi[j] - lo[j]:.3g}"})
    if singular:
        issues.append({"parameters": list(labels), "issue": "singular information",
                       "detail": "the Fisher information is singular: some combination of parameters is not "
                                 "determined by the data"})
    for i in range(n):
        for j in range(i):
            if abs(corr[i, j]) > CORR_LIMIT:
                both_log = bool(getattr(params[i], "log", False) and getattr(params[j], "log", False))
                if corr[i, j] > 0:  # they move together: the difference on the search scale is pinned
                    what = "their ratio" if both_log else "their difference"
                    detail = f"{what} is well determined, their common level much less"
                else:               # they trade off: the sum on the search scale is pinned
                    what = "their product" if both_log else "their sum"
                    detail = f"{what} is well determined, each one alone much less"
                issues.append({"parameters": [labels[j], labels[i]], "issue": "high correlation",
                               "detail": f"correlation {corr[i, j]:+.3f} (|r| > {CORR_LIMIT}): {detail}"})
    return issues
