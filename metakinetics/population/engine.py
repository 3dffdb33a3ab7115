"""The population engine: endpoint expectations for D parameter sets x random-effect nodes.

P_pop = E[e^{lw} a] / E[e^{lw} b] (incidence.terms), the expectation over log-normal random
effects by tensor Gauss-Hermite quadrature or by seeded Monte Carlo draws of the normal scores
(common random numbers across parameter sets). M_k is linear in the shedding constant mu, so the
colony counts are computed once per (rate, diameter) node at unit mu and scaled over mu nodes.
One call of :func:`evaluate` serves a single model (D = 1), a sweep over a fit's draws and a
by_size curve (one parameter set per diameter). Per-set exactness: everything decided from a
set's own patients (active random effects, integration grid, the moment quadrature's piece
count) is decided per set, so a set's numbers never depend on which others share its batch.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from ..endpoints import AtDiagnosis, Endpoint, First
from ..errors import SolverError
from ..incidence import colony_counts
from ..incidence.cluster_terms import cluster_terms, lambdas
from ..incidence.forcing import plan
from ..incidence.terms import clinical_grid, log_weight, split, terms
from ..model import Model
from ..model.params import PatientParams, broadcast, resolve
from .effects import DIMENSIONS, Scores, draws, hermite

#: quadrature evaluations per block of patients in the colony counts (cache-sized blocks)
COUNTS_BUDGET = 300_000
#: patient-nodes x grid points x organs per chunk of sets in the endpoint terms (~2.4 MB arrays)
TERMS_BUDGET = 300_000
#: largest block of patients whose moment quadrature shares one piece count (memory ~200 MB)
BLOCK_BUDGET = 3_000_000


@dataclass(frozen=True)
class Expectation:
    """How the population expectation is taken: Gauss-Hermite ``nodes`` (None: defaults), or
    Monte Carlo over ``patients`` random-effect draws from ``seed``; ``individual``: the typical
    patient (no random effects)."""

    nodes: object = None
    patients: int | None = None
    seed: object = None
    individual: bool = False

    @property
    def monte_carlo(self) -> bool:
        """Whether the expectation is a Monte Carlo average (``patients`` given)."""
        return self.patients is not None

    def scores(self, active: Mapping[str, bool]) -> Scores:
        """Random-effect scores (with weights) for the dimensions that are ``active``: Monte Carlo
        draws or Gauss-Hermite nodes.
        """
        sd = {k: float(bool(active[k])) for k in DIMENSIONS}
        if self.monte_carlo:
            rng = self.seed if isinstance(self.seed, np.random.Generator) else np.random.default_rng(self.seed)
            return draws(sd, self.patients, rng)
        return hermite(sd, self.nodes)


def spreads(model: Model, D: int, given: Mapping[str, np.ndarray], individual: bool) -> dict[str, np.ndarray]:
    """(D,) standard deviations of log mu, log rate and log diameter for every parameter set."""
    pop = model.population
    out = {}
    for dim, default in (("mu", pop.mu_sd), ("rate", pop.rate_sd), ("diameter", pop.diameter_sd)):
        key = f"population.{dim}_sd"
        out[dim] = np.zeros(D) if individual else np.broadcast_to(given.get(key, default), (D,)).astype(float)
    return out


def node_patients(base: PatientParams, idx: np.ndarray, sc: Scores, sd: Mapping[str, np.ndarray]):
    """Unit-mu patients (len(idx) x P_o, set-major) and mu multipliers (len(idx) x P_o, J) for the
    parameter sets ``idx`` of ``base`` at the random-effect scores ``sc``."""
    Po = sc.rate.size
    n = idx.size
    rows = np.repeat(idx, Po)

    def tile(s):
        return np.tile(s, n) if s.ndim == 1 else np.tile(s, (n, 1))

    pat = base.take(rows)
    size = (np.cbrt(pat.size) * np.exp(sd["diameter"][rows] * tile(sc.diameter))) ** 3
    size = np.clip(size, pat.x0 * (1 + 1e-6), np.where(np.isfinite(pat.K), pat.K * (1 - 1e-3), np.inf))
    rate = pat.rate * np.exp(sd["rate"][rows] * tile(sc.rate))
    mu = pat.mu[:, None] * np.exp(sd["mu"][rows][:, None] * tile(sc.mu))
    return replace(pat, size=size, rate=rate, mu=np.ones(pat.n)), mu


@dataclass(frozen=True)
class Evaluation:
    """values (D, T, K') and Monte Carlo standard errors (or None) of one endpoint."""

    values: np.ndarray
    se: np.ndarray | None
    closed: bool


def evaluate(model: Model, endpoint: Endpoint, times: np.ndarray, params: Mapping | None,
             expectation: Expectation, closed: bool) -> Evaluation:
    """Population values of ``endpoint`` (checked) at clinical ``times`` (checked) for the D
    parameter sets of ``params`` (dotted keys -> numbers or (D,) arrays, model units)."""
    inner, L = split(endpoint)
    D, given = broadcast(model, params)
    base = resolve(model, params)
    sd = spreads(model, D, given, expectation.individual)
    K = len(model.organs) if endpoint.per_organ else 1
    values = np.empty((D, times.size, K))
    se = np.empty((D, times.size, K)) if expectation.monte_carlo else None
    active = np.stack([sd[k] > 0 for k in DIMENSIONS], axis=1)
    with np.errstate(over="ignore", invalid="ignore"):   # overflow is caught: the callers refuse non-finite values
        _fill(values, se, active, expectation, base, sd, endpoint, inner, L, times, closed)
    return Evaluation(values, se, closed)


def _fill(values, se, active, expectation, base, sd, endpoint, inner, L, times, closed) -> None:
    """Values (and SE) of every set, grouped by the pattern of active random effects."""
    for pattern in np.unique(active, axis=0):
        idx = np.flatnonzero(np.all(active == pattern, axis=1))
        sc = expectation.scores(dict(zip(DIMENSIONS, pattern)))
        pat, mu = node_patients(base, idx, sc, sd)
        v, s = _evaluate(endpoint, inner, L, times, pat, mu, sc, idx.size, closed, expectation.monte_carlo)
        values[idx] = v
        if se is not None:
            se[idx] = s


def _breaks(pat: PatientParams) -> list[float]:
    """Integration breakpoints (years after diagnosis): surgery and surgery + detection delays."""
    d = np.unique(pat.delay)
    tau = pat.detection_delay()
    b = list(d[:20])
    if np.isfinite(tau).any():
        taus = np.unique(tau[np.isfinite(tau)])
        b += [float(x + y) for x in d[:5] for y in taus[:20]]
    return b


def _evaluate(ep, inner, L, t, pat, mu, sc, n: int, closed: bool, mc: bool):
    """Values and SE (n, T, K') for n sets of P_o patients each (pat set-major).

    Patients are taken in chunks of at most TERMS_BUDGET patient x grid x organ elements (whole
    sets together when they fit, else rows of one set), their weighted sums accumulated per set:
    memory stays bounded whatever the number of times, and cost grows linearly with it."""
    Po, J = mu.shape[0] // n, mu.shape[1]
    atdx = isinstance(inner, AtDiagnosis)
    hz = pat.hazard[::Po]
    integral = np.array([isinstance(inner, First) or (not atdx and h > 0) for h in hz])
    grids: dict[bytes, tuple] = {}
    for d in range(n):
        if integral[d]:
            g = clinical_grid(t, L, True, _breaks(pat.take(slice(d * Po, (d + 1) * Po))))
            key = b"I" + g.u.tobytes()
        else:
            key, g = b"plain", None
        if key not in grids:
            if g is None:
                g = clinical_grid(np.zeros(1) if atdx else t, 0.0 if atdx else L, False)
            grids[key] = (g, [], bool(integral[d]))
        grids[key][1].append(d)
    K = 1 if not ep.per_organ else len(pat.organs)
    out = np.empty((n, t.size, K))
    err = np.empty((n, t.size, K)) if mc else None
    logq = np.log(np.maximum(sc.q, 1e-300))                      # (Po, J)
    for grid, sets, integ in grids.values():
        sets = np.asarray(sets)
        ns = sets.size
        rows = (sets[:, None] * Po + np.arange(Po)[None, :]).ravel()
        sub = pat if ns == n else pat.take(rows)
        mu_s = mu.reshape(n, Po, J)[sets].reshape(ns * Po, J)
        lam = None
        if sub.secondary:                     # colonies seed colonies: a cluster process (incidence.cluster_terms)
            lam = lambdas(ep, grid, sub, closed=closed, integral=integ)
            lw = np.zeros(ns * Po * J) if atdx else (-mu_s * lam.base[:, None]).reshape(-1)
            K_org = len(sub.organs)
        else:
            M0, M, h = _counts(sub, ns, Po, grid.u, closed, integ)
            lw = np.zeros(ns * Po * J) if atdx else log_weight(grid, M0, M, mu_s)    # at diagnosis: no M0 selection
            K_org = M0.shape[1]
        lwq = lw.reshape(ns, Po, J) + logq[None]
        top = lwq.reshape(ns, -1).max(axis=1)                    # per set: weights e^{lw - top} <= 1
        if not np.all(np.isfinite(top)):
            raise SolverError("every patient of a parameter set has a metastasis at diagnosis (the M0 "
                              "weight underflows to 0), so incidence among M0 patients is undefined; "
                              "shedding or efficiency is too large")
        w_all = np.exp(lwq - top[:, None, None]).reshape(ns * Po, J)
        acc = _Sums(ns, t.size, K, mc)
        step = max(TERMS_BUDGET // max(J * grid.u.size * K_org, 1), 1)   # rows per chunk
        for lo in range(0, ns * Po, step):
            r = slice(lo, min(lo + step, ns * Po))
            if lam is not None:
                _, a, b = cluster_terms(ep, grid, lam.take(r), sub.hazard[r], mu_s[r])
            else:
                _, a, b = terms(ep, grid, M0[r], M[r], None if h is None else h[r], sub.hazard[r], mu_s[r])
            if atdx:
                a = np.broadcast_to(a[:, :1], (a.shape[0], t.size, a.shape[2]))
            acc.add(np.arange(r.start, r.stop) // Po, w_all[r].reshape(-1), a, b, J)
        v, s = acc.result(Po * J)
        out[sets] = v
        if mc:
            err[sets] = s
    return out, err


class _Sums:
    """Weighted sums per set over chunks of patients: sum w a, sum w b (and, for the Monte Carlo
    SE, sums of squares and products), from which the ratio and its delta-method SE follow."""

    def __init__(self, ns: int, T: int, K: int, mc: bool):
        z = lambda: np.zeros((ns, T, K))                     # noqa: E731
        self.mc = mc
        self.a, self.b = z(), z()
        if mc:
            self.aa, self.ab, self.bb = z(), z(), z()

    def add(self, set_of_row: np.ndarray, w: np.ndarray, a: np.ndarray, b: np.ndarray, J: int) -> None:
        """Patients of consecutive rows (J each), ``set_of_row`` giving each row's set."""
        starts = np.flatnonzero(np.r_[True, np.diff(set_of_row) != 0])
        idx = set_of_row[starts]
        at = starts * J
        wa = w[:, None, None] * a
        wb = np.broadcast_to(w[:, None, None] * b, wa.shape)
        self.a[idx] += np.add.reduceat(wa, at, axis=0)
        self.b[idx] += np.add.reduceat(wb, at, axis=0)
        if self.mc:
            self.aa[idx] += np.add.reduceat(wa * wa, at, axis=0)
            self.ab[idx] += np.add.reduceat(wa * wb, at, axis=0)
            self.bb[idx] += np.add.reduceat(wb * wb, at, axis=0)

    def result(self, n: int):
        """Values (clipped to [0, 1]; nan where the denominator is 0) and SE (or None)."""
        val = np.where(self.b > 0, self.a / np.where(self.b > 0, self.b, 1.0), np.nan)
        if not self.mc:
            return np.clip(val, 0.0, 1.0), None
        v = np.nan_to_num(val)
        ss = self.aa - 2 * v * self.ab + v * v * self.bb     # sum of (w a - v w b)^2
        mean = (self.a - v * self.b) / n
        var = np.maximum(ss - n * mean ** 2, 0.0) / max(n - 1, 1)
        mb = self.b / n
        se = np.where(mb > 0, np.sqrt(var) / np.sqrt(n) / np.where(mb > 0, mb, 1.0), np.nan) \
            if n > 1 else np.full(val.shape, np.nan)
        return np.clip(val, 0.0, 1.0), se


def _counts(pat: PatientParams, n: int, Po: int, u: np.ndarray, closed: bool, rates: bool):
    """M0 (n Po, K), M (n Po, N, K), h or None: colony counts at clinical times ``u`` for n sets.

    Each set's patients are evaluated in blocks (a memory bound); the numeric moments choose their
    piece count and method from the block they see, so blocks with the same choices are evaluated
    together and every patient gets the numbers its own set's call gives."""
    tdx = pat.diagnosis_time()
    N = u.size
    Q = 48 if pat.birth_death.any() else 1
    per = max((N + 2) * Q * len(pat.organs) * 8, 1)
    chunk = max(BLOCK_BUDGET // per, 1)
    starts = np.array([d * Po + lo for d in range(n) for lo in range(0, Po, chunk)], dtype=np.intp)
    sizes = np.diff(np.append(starts, n * Po))
    keys = np.zeros((starts.size, 3)) if closed else _regimes(pat, starts)
    K = len(pat.organs)
    M = np.empty((n * Po, N, K))
    h = np.empty((n * Po, N, K)) if rates else None
    cap = max(min(chunk, COUNTS_BUDGET // per), int(sizes.max()))
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
                Mb, hb = colony_counts(pat.take(rows), tdx[rows, None] + u[None, :], closed=closed, rates=rates)
                M[rows] = Mb
                if rates:
                    h[rows] = hb
            if j is not None:
                block, count = [j], sizes[j]
    return M[:, 0], M, h


def _regimes(pat: PatientParams, starts: np.ndarray) -> np.ndarray:
    """(units, 3): the piece count, exact-C flag and no-overflow flag that the numeric moments
    choose for each block of patients (incidence.forcing.plan, the rule Moments applies)."""
    return np.stack(plan(pat, pat.surgery_time(), starts), axis=1).astype(float)
