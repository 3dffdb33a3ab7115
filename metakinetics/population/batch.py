"""Population incidence for D parameter sets at once: scenario sweeps over a fit's draws.

``incidence_batch(model, endpoint, times, params)`` with ``params`` dotted keys -> (D,) arrays
returns values (D, T, K') equal to D calls ``incidence(model, endpoint, times, params=row)``
(Gauss-Hermite expectation or the typical patient; deterministic methods). All D x nodes unit-mu
patients are resolved at once and the colony counts and endpoint terms are computed in numpy
over chunks of whole draws. Per-draw exactness: draws are grouped so that everything the scalar
call decides from its own patients (active random effects, integration grid, the moment
quadrature's piece count) is decided per draw here too, so a draw's numbers never depend on
which other draws share its batch.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..endpoints import AtDiagnosis, BySize, Endpoint, First, Landmark
from ..errors import InputError, MetakineticsError
from ..incidence import colony_counts, diagnosis_time, resolve, surgery_time
from ..incidence.forcing import G_STEP, KAPPA_QUASI_STEADY
from ..incidence.growth import shedding_growth
from ..incidence.terms import clinical_grid, split, terms
from ..model import Model, load_model
from ..model.batch import broadcast
from .core import _BUDGET, _breaks, _closed, _endpoint, _take, check_method, check_times
from .effects import DIMENSIONS, hermite
from .result import IncidenceResult

#: patient-nodes x grid points x organs per chunk of draws in the endpoint terms (2.4 MB per
#: array: small enough to stay in cache, the fastest of 1e5..4e6 on the benchmark sweep)
TERMS_BUDGET = 300_000
#: quadrature evaluations per block of patients in the colony counts (cache-sized, as above)
COUNTS_BUDGET = 300_000


@dataclass(frozen=True)
class IncidenceBatch:
    """values[d, i, j]: probability for parameter set d at times[i] (years after diagnosis) for
    columns[j] (organ names, or ('distant',))."""

    endpoint: Endpoint
    times: np.ndarray
    columns: tuple[str, ...]
    values: np.ndarray
    method: str
    model: str
    info: dict = field(default_factory=dict, compare=False)

    def __len__(self) -> int:
        return self.values.shape[0]

    def result(self, d: int) -> IncidenceResult:
        """Parameter set ``d`` as an :class:`IncidenceResult` (what ``incidence`` returns)."""
        return IncidenceResult(self.endpoint, self.times, self.columns, self.values[d], None, self.method,
                               self.model, dict(self.info))


def incidence_batch(model, endpoint, times, params: Mapping | None = None, *, individual: bool = False,
                    method: str = "auto", nodes=None) -> IncidenceBatch:
    """Incidence of ``endpoint`` at ``times`` (years after diagnosis) for D parameter sets.

    ``params``: dotted keys of ``model.values()`` (or ``diagnosis.size``) -> numbers or (D,)
    arrays, applied on top of the model (like ``incidence(..., params=...)`` per row); any key,
    including the spreads ``population.*_sd``. method: "auto", "closed-form" or "numeric";
    ``nodes`` as for ``incidence``; ``individual``: the typical patient. by_size endpoints and
    Monte Carlo (patients / method="monte-carlo") are per-draw only: use ``incidence``.
    """
    if not isinstance(model, Model):
        model = load_model(model)
    ep = _endpoint(endpoint)
    m = check_method(method)
    if m == "monte-carlo":
        raise InputError("incidence_batch: method 'monte-carlo' simulates each parameter set separately; "
                         "use population.incidence per parameter set")
    if isinstance(ep, BySize) or (isinstance(ep, Landmark) and isinstance(ep.inner, BySize)):
        raise InputError("incidence_batch: by_size endpoints are not batched; use population.incidence")
    inner, L = split(ep)
    t = check_times(times)
    closed = _closed(model, m)
    b = broadcast(model, params)
    D = b.P
    _validate(model, b)
    columns = model.organ_names if ep.per_organ else ("distant",)
    sd = {"mu": b.get("population.mu_sd"), "rate": b.get("population.rate_sd"),
          "diameter": b.get("population.diameter_sd")}
    if individual:
        sd = {k: np.zeros(D) for k in sd}
    active = np.stack([sd[k] > 0 for k in DIMENSIONS], axis=1)            # (D, 3)
    values = np.empty((D, t.size, len(columns)))
    for pattern in np.unique(active, axis=0):
        idx = np.flatnonzero(np.all(active == pattern, axis=1))
        sc = hermite({k: float(a) for k, a in zip(DIMENSIONS, pattern)}, nodes)
        pat, mu = _patients(model, b, idx, sc, sd)
        values[idx] = _evaluate(ep, inner, L, t, pat, mu, sc, len(idx), closed)
    name = "closed-form" if closed else "numeric"
    return IncidenceBatch(ep, t, columns, values, name, model.name,
                          {"individual": bool(individual), "expectation": "gauss-hermite", "draws": D})


def _validate(model: Model, b) -> None:
    """Every distinct parameter set must make a valid model (the model layer's own checks)."""
    keys = [k for k in b.given if k != "diagnosis.size"]
    if not keys:
        return
    rows = np.stack([np.broadcast_to(b.given[k], (b.P,)) for k in keys], axis=1)
    uniq, first = np.unique(rows, axis=0, return_index=True)
    for row, d in zip(uniq, first):
        try:
            model.with_values({k: float(v) for k, v in zip(keys, row)})
        except MetakineticsError as exc:
            raise InputError(f"params: parameter set {int(d)} does not make a valid model: {exc}") from None


def _patients(model: Model, b, idx: np.ndarray, sc, sd: dict):
    """Unit-mu patients (n Po, draw-major) and mu multipliers (n Po, J) for draws ``idx``:
    the batched form of population.core._patients (same operations, element by element)."""
    Po = sc.rate.size
    n = idx.size

    def per(a):                                            # (D,) -> (n Po,) repeated per node
        return np.repeat(np.asarray(a)[idx], Po)

    def tile(s):
        return np.tile(s, n) if s.ndim == 1 else np.tile(s, (n, 1))

    size0 = b.size()
    d0 = np.cbrt(per(size0))
    size = (d0 * np.exp(per(sd["diameter"]) * tile(sc.diameter))) ** 3
    x0 = per(b.get("primary.x0"))
    K = per(b.get("primary.K", np.inf)) if model.primary.growth != "exponential" else np.inf
    size = np.clip(size, x0 * (1 + 1e-6), K * (1 - 1e-3))
    p = {k: per(np.broadcast_to(v, (b.P,))) for k, v in b.given.items() if not k.startswith("population.")}
    p.update({"shedding.mu": 1.0, "primary.rate": per(b.get("primary.rate")) * np.exp(per(sd["rate"]) * tile(sc.rate)),
              "diagnosis.size": size})
    p.pop("diagnosis.diameter_cm", None)
    mu = per(b.get("shedding.mu"))[:, None] * np.exp(per(sd["mu"])[:, None] * tile(sc.mu))
    return resolve(model, p), mu


def _evaluate(ep, inner, L, t, pat, mu, sc, n: int, closed: bool) -> np.ndarray:
    """Values (n, T, K') for n draws of Po patients each (pat draw-major)."""
    Po, J = mu.shape[0] // n, mu.shape[1]
    atdx = isinstance(inner, AtDiagnosis)
    hz_draw = pat.hazard[::Po]
    integral = np.array([isinstance(inner, First) or (not atdx and h > 0) for h in hz_draw])
    # the evaluation grid of each draw (the same for every draw unless it needs an integral)
    grids: dict[bytes, tuple] = {}
    for d in range(n):
        if atdx:
            key, g = b"atdx", None
        elif integral[d]:
            g = clinical_grid(t, L, True, _breaks(_take(pat, slice(d * Po, (d + 1) * Po))))
            key = b"I" + g.u.tobytes()
        else:
            key, g = b"plain", None
        if key not in grids:
            if g is None:
                g = clinical_grid(np.zeros(t.size) + np.arange(t.size), 0.0, False) if atdx \
                    else clinical_grid(t, L, False)
            grids[key] = (g, [], bool(integral[d]))
        grids[key][1].append(d)
    out = np.empty((n, t.size, 1 if not ep.per_organ else len(pat.organs)))
    q = sc.q.reshape(-1)
    logq = np.log(np.maximum(q, 1e-300))
    for grid, draws, integ in grids.values():
        draws = np.asarray(draws)
        rows = (draws[:, None] * Po + np.arange(Po)[None, :]).ravel()
        sub = pat if draws.size == n else _take(pat, rows)
        u = np.zeros(1) if atdx else grid.u
        M0, M, h = _counts(sub, draws.size, Po, u, closed, integ)
        K = M0.shape[1]
        Pd = Po * J
        per_draw = max(Pd * max(grid.u.size, 1) * K, 1)
        step = max(TERMS_BUDGET // per_draw, 1)
        mus = mu.reshape(n, Po, J)[draws]
        for lo in range(0, draws.size, step):
            hi = min(lo + step, draws.size)
            c = hi - lo
            r = slice(lo * Po, hi * Po)
            mu_c = mus[lo:hi].reshape(c * Po, J)
            M0f = (mu_c[:, :, None] * M0[r][:, None, :]).reshape(c * Pd, K)
            if atdx:
                Mf = np.broadcast_to(M0f[:, None, :], (c * Pd, grid.u.size, K))
            else:
                Mf = (mu_c[:, :, None, None] * M[r][:, None]).reshape(c * Pd, M.shape[1], K)
            hf = None if h is None else (mu_c[:, :, None, None] * h[r][:, None]).reshape(c * Pd, h.shape[1], K)
            hz = np.repeat(sub.hazard[r], J)
            lw, a, bb = terms(ep, grid, M0f, Mf, hf, hz)
            lwq = lw.reshape(c, Pd) + logq[None, :]
            w = np.exp(lwq - lwq.max(axis=1, keepdims=True))
            num = np.einsum("dp,dptk->dtk", w, a.reshape((c, Pd) + a.shape[1:]))
            den = np.einsum("dp,dptk->dtk", w, bb.reshape((c, Pd) + bb.shape[1:]))
            val = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
            out[draws[lo:hi]] = np.clip(val, 0.0, 1.0)
    return out


def _counts(pat, n: int, Po: int, u: np.ndarray, closed: bool, rates: bool):
    """M0 (n Po, K), M (n Po, N, K), h or None: population.core._counts for n draws at once.

    The scalar call evaluates each draw's patients in blocks of ``chunk`` (a memory bound); the
    numeric moments choose their piece count and method from the block they see. Here every such
    block is a unit, units with the same choices are evaluated together, so each patient gets the
    numbers its scalar call gives."""
    tdx = diagnosis_time(pat)
    N = u.size
    Q = 48 if any(law == "birth_death" for law in pat.colony_law) else 1
    per = max((N + 2) * Q * len(pat.organs) * 8, 1)
    chunk = max(_BUDGET // per, 1)
    starts = np.array([d * Po + lo for d in range(n) for lo in range(0, Po, chunk)], dtype=np.intp)
    sizes = np.diff(np.append(starts, n * Po))
    keys = np.zeros((starts.size, 3)) if closed else _regimes(pat, starts, sizes)
    K = len(pat.organs)
    M = np.empty((n * Po, N, K))
    h = np.empty((n * Po, N, K)) if rates else None
    cap = max(min(chunk, COUNTS_BUDGET // per), int(sizes.max()))   # whole units, cache-sized blocks
    for key in np.unique(keys, axis=0):
        units = np.flatnonzero(np.all(keys == key, axis=1))
        block: list[int] = []
        count = 0
        for j in list(units) + [None]:
            if j is not None and count + sizes[j] <= cap:
                block.append(j)
                count += sizes[j]
                continue
            if block:
                rows = np.concatenate([np.arange(starts[i], starts[i] + sizes[i]) for i in block])
                sub = _take(pat, rows)
                Mb, hb = colony_counts(sub, tdx[rows, None] + u[None, :], closed=closed, rates=rates)
                M[rows] = Mb
                if rates:
                    h[rows] = hb
            if j is not None:
                block, count = [j], sizes[j]
    return M[:, 0], M, h


def _regimes(pat, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """(units, 3): piece count, exact-C flag and no-overflow flag the numeric moments
    (incidence.forcing._Moments) choose for each block of patients, computed per block."""
    unit = np.repeat(np.arange(starts.size), sizes)
    kmin = np.minimum.reduceat(pat.kappa, starts)
    exact_c = kmin < KAPPA_QUASI_STEADY
    t_s = surgery_time(pat)
    g0 = np.maximum(shedding_growth(pat, np.zeros((pat.n, 1)))[:, 0], shedding_growth(pat, t_s[:, None])[:, 0])
    hmax = G_STEP / (g0 + pat.beta.max(axis=1))
    hmax = np.where(exact_c[unit], np.minimum(hmax, 4.0 / kmin[unit]), hmax)
    N = np.minimum(np.maximum(np.ceil(np.maximum.reduceat(t_s / hmax, starts)), 1), 20000)
    bt = (pat.beta * t_s[:, None]).max(axis=1)
    bt = np.where(exact_c[unit], np.maximum(bt, pat.kappa * t_s), bt)
    no_overflow = np.maximum.reduceat(bt, starts) < 600.0
    return np.stack([N, exact_c, no_overflow], axis=1).astype(float)
