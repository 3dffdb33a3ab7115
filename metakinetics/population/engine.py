"""The population engine: endpoint expectations for D parameter sets x random-effect nodes.

P_pop = E[e^{lw} a] / E[e^{lw} b] (incidence.terms), the expectation over log-normal random
effects by tensor Gauss-Hermite quadrature or by seeded Monte Carlo draws of the normal scores
(common random numbers across parameter sets). M_k is linear in the shedding constant mu, so the
colony counts are computed once per (rate, diameter) node at unit mu and scaled over mu nodes.
One call of :func:`evaluate` serves a single model (D = 1), a sweep over a fit's draws and a
by_size curve (one parameter set per diameter). Per-set exactness: everything decided from a
set's own patients (active random effects, integration grid, the moment quadrature's piece
count) is decided per set, so a set's numbers never depend on which others share its batch.

Intrinsic classes (docs/model.md, "Classes") are extra parameter sets: each of the D sets becomes
C class sets (set-major), each class's weighted sums E_c[w a], E_c[w b] are kept with their log
scale ``top`` and combined as sum_c pi_c E_c[w a] / sum_c pi_c E_c[w b] (:func:`mixture`). Under
Monte Carlo each class draws its own scores (independent streams), so the delta-method SE of the
mixture is the sum of the classes' variances.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from ..endpoints import (AtDiagnosis, Any, Distant, Endpoint, First, Lag, MultiOrgan, NodalShare, OrgansPerRelapse,
                         SiteShare)
from ..errors import InputError, SolverError
from ..incidence import colony_counts, diagnosis_counts
from ..incidence.cluster_terms import cluster_terms, lambdas
from ..incidence.nodes import nodal_log_weight
from ..incidence.terms import (AFTER_FIRST, Grid, clinical_grid, endpoint_grid, integral_each, log_weight,
                              split, terms)
from ..model.chain import plan
from ..model import Model
from ..model.params import PatientParams, broadcast, prevalences, resolve, value_array
from .effects import DIMENSIONS, Scores, draws, hermite

#: quadrature evaluations per block of patients in the colony counts (cache-sized blocks)
COUNTS_BUDGET = 300_000
#: patient-nodes x grid points x organs per chunk of sets in the endpoint terms (~2.4 MB arrays)
TERMS_BUDGET = 300_000
#: patients whose seeding Lambdas (Lambda at every threshold an endpoint needs) are held at once:
#: their memory grows with patients x thresholds (a batch of 200 parameter draws held them all)
LAMBDA_ROWS = 256
#: largest block of patients whose moment quadrature shares one piece count (memory ~200 MB)
BLOCK_BUDGET = 3_000_000


@dataclass(frozen=True)
class Expectation:
    """How the population expectation is taken: Gauss-Hermite ``nodes`` (None: defaults), or
    Monte Carlo over ``patients`` random-effect draws from ``seed``; ``individual``: the typical
    patient (no random effects); ``generations``: with metastasis-to-metastasis seeding, the
    generations of colonies the formulas follow (1: colonies do not shed; 2: the primary's
    colonies shed, their daughters do not (the default); None: every generation)."""

    nodes: object = None
    patients: int | None = None
    seed: object = None
    individual: bool = False
    generations: int | None = 2

    @property
    def monte_carlo(self) -> bool:
        """Whether the expectation is a Monte Carlo average (``patients`` given)."""
        return self.patients is not None

    def scores(self, active: Mapping[str, bool], stream: int = 0) -> Scores:
        """Random-effect scores (with weights) for the dimensions that are ``active``: Monte Carlo
        draws or Gauss-Hermite nodes. ``stream`` > 0 (a class index): Monte Carlo draws from an
        independent child stream of the seed (stream 0 is the seed's own).
        """
        sd = {k: float(bool(active[k])) for k in DIMENSIONS}
        if self.monte_carlo:
            rng = self.seed if isinstance(self.seed, np.random.Generator) else np.random.default_rng(self.seed)
            if stream:
                rng = rng.spawn(stream)[-1]
            return draws(sd, self.patients, rng)
        return hermite(sd, self.nodes)


def spreads(model: Model, D: int, given: Mapping[str, np.ndarray], individual: bool,
            classes=None) -> dict[str, np.ndarray]:
    """(D,) standard deviations of log mu, log rate and log diameter for every parameter set
    (``classes``: (D,) class index of each set, whose own spreads apply)."""
    return {dim: np.zeros(D) if individual else value_array(model, D, given, f"population.{dim}_sd", classes, 0.0)
            for dim in ("mu", "rate", "diameter")}


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
    """values (D, T, K') and Monte Carlo standard errors (or None) of one endpoint; for a model
    with classes also per class, ``by_class`` (D, C, T, K') and ``by_class_se``."""

    values: np.ndarray
    se: np.ndarray | None
    closed: bool
    by_class: np.ndarray | None = None
    by_class_se: np.ndarray | None = None


def evaluate(model: Model, endpoint: Endpoint, times: np.ndarray, params: Mapping | None,
             expectation: Expectation, closed: bool, by_class: bool = False) -> Evaluation:
    """Population values of ``endpoint`` (checked) at clinical ``times`` (checked) for the D
    parameter sets of ``params`` (dotted keys -> numbers or (D,) arrays, model units); the
    mixture over the classes for a model with classes. Classes of prevalence 0 in every set are
    not evaluated (their ``by_class`` values are NaN) unless ``by_class`` asks for each class."""
    inner, L = split(endpoint)
    if model.classes:
        return _classes(model, endpoint, inner, L, times, params, expectation, closed, by_class)
    D, given = broadcast(model, params)
    base = resolve(model, params)
    check_workup(base, inner)
    sd = spreads(model, D, given, expectation.individual)
    K = len(model.organs) if endpoint.per_organ else 1
    values = np.empty((D, times.size, K))
    se = np.empty((D, times.size, K)) if expectation.monte_carlo else None
    active = np.stack([sd[k] > 0 for k in DIMENSIONS], axis=1)
    with np.errstate(over="ignore", invalid="ignore"):   # overflow is caught: the callers refuse non-finite values
        _fill(values, se, active, expectation, base, sd, endpoint, inner, L, times, closed)
    return Evaluation(values, se, closed)


def _fill(values, se, active, expectation, base, sd, endpoint, inner, L, times, closed, store=None,
          streams=None) -> None:
    """Values (and SE) of every set, grouped by the pattern of active random effects (and by
    ``streams``, the sets' Monte Carlo streams, when given); ``store`` keeps each set's sums."""
    keys = active if streams is None else np.column_stack([active, streams])
    for key in np.unique(keys, axis=0):
        idx = np.flatnonzero(np.all(keys == key, axis=1))
        pattern = key[:len(DIMENSIONS)]
        sc = expectation.scores(dict(zip(DIMENSIONS, pattern)), 0 if streams is None else int(key[-1]))
        pat, mu = node_patients(base, idx, sc, sd)
        nodal = nodal_log_weight(pat, mu, base.mu[np.repeat(idx, sc.rate.size)], closed=closed)
        sink = None if store is None else (lambda sets, acc, top, n, idx=idx: store.keep(idx[sets], acc, top, n))
        v, s = _evaluate(endpoint, inner, L, times, pat, mu, sc, idx.size, closed, expectation.monte_carlo, sink,
                         expectation.generations, nodal)
        values[idx] = v
        if se is not None:
            se[idx] = s


#: endpoints the formulas give with the work-up at a first relapse (without death: any and first
#: by incidence.workup; the others do not depend on it)
WORKUP_FORMULAS = (Any, First, SiteShare, OrgansPerRelapse)


def check_workup(base: PatientParams, inner: Endpoint) -> None:
    """Refuse, by name, an endpoint the formulas cannot give with the work-up at a first relapse
    (``organs.<k>.workup`` < 1): any, first, site_share and organs_per_relapse without death
    (incidence.workup), and distant, at_diagnosis and nodal_share (which it leaves alone); the
    cohort simulator follows every endpoint."""
    if not base.worked_up or isinstance(inner, (Distant, AtDiagnosis, NodalShare)):
        return
    if not isinstance(inner, WORKUP_FORMULAS):
        raise InputError(f"the work-up at a first relapse (organs.*.workup < 1) is followed by the cohort simulator "
                         f"(method 'monte-carlo'); the formulas give any, first, site_share, organs_per_relapse, "
                         f"distant, at_diagnosis and nodal_share with it, not '{inner.name}' yet")
    if np.any(base.hazard > 0) or np.any(base.after_relapse > 0):
        raise InputError(f"the work-up at a first relapse (organs.*.workup < 1) with death (mortality.hazard or "
                         f"after_relapse > 0): the formulas give '{inner.name}' without death only; use method "
                         "'monte-carlo' (the cohort simulator follows both)")


def _classes(model, endpoint, inner, L, times, params, expectation, closed, by_class) -> Evaluation:
    """The class mixture: D x C class sets evaluated together, their sums combined per set
    (classes absent from every set skipped unless ``by_class``: a data row about one class)."""
    D, given = broadcast(model, params)
    C = len(model.classes)
    pi_all = np.broadcast_to(prevalences(model, params), (D, C))
    live = np.flatnonzero(pi_all.any(axis=0) | by_class)
    pi = pi_all[:, live]
    C = live.size
    rows, cls = np.repeat(np.arange(D), C), np.tile(live, D)
    sets = {k: np.broadcast_to(v, (D,))[rows] for k, v in given.items()}
    base = resolve(model, sets, classes=cls)
    check_workup(base, inner)
    sd = spreads(model, D * C, sets, expectation.individual, cls)
    K = len(model.organs) if endpoint.per_organ else 1
    mc = expectation.monte_carlo
    per = np.empty((D * C, times.size, K))
    per_se = np.empty((D * C, times.size, K)) if mc else None
    store = _Store(D * C, times.size, K, mc)
    active = np.stack([sd[k] > 0 for k in DIMENSIONS], axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        _fill(per, per_se, active, expectation, base, sd, endpoint, inner, L, times, closed, store,
              cls if mc else None)
        values, se = mixture(store, pi, value_cap(inner, len(model.organs)))
    def every_class(a):                      # (D, all classes, T, K'): NaN for the classes skipped
        full = np.full((D, len(model.classes), times.size, K), np.nan)
        full[:, live] = a.reshape((D, C, times.size, K))
        return full

    return Evaluation(values, se, closed, every_class(per), None if per_se is None else every_class(per_se))


class _Store:
    """Each set's weighted sums (scaled by e^{-top}), log scale ``top`` and number of draws."""

    def __init__(self, n: int, T: int, K: int, mc: bool):
        self.sums = {k: np.zeros((n, T, K)) for k in (("a", "b", "aa", "ab", "bb") if mc else ("a", "b"))}
        self.top = np.zeros(n)
        self.n = np.ones(n)
        self.mc = mc

    def keep(self, sets: np.ndarray, acc: "_Sums", top: np.ndarray, n: int) -> None:
        """Store the sums of ``sets`` (global indices) from one accumulator."""
        for k, arr in self.sums.items():
            arr[sets] = getattr(acc, k)
        self.top[sets] = top
        self.n[sets] = n


def value_cap(inner: Endpoint, organs: int) -> float:
    """Largest value of an endpoint: K organs for organs_per_relapse, 1 for a probability."""
    return float(organs) if isinstance(inner, OrgansPerRelapse) else 1.0


def mixture(store: _Store, pi: np.ndarray, cap: float = 1.0):
    """Values (D, T, K) sum_c pi_c E_c[w a] / sum_c pi_c E_c[w b], clipped to [0, ``cap``], and
    Monte Carlo SE (or None).

    The classes' sums are on their own log scales ``top``; g_c = pi_c e^{top_c - max top} brings
    them to one. SE (independent draws per class): the delta method over the combined sums,
    Var R = sum_c g_c^2 Var_c(mean of w a - R w b) / (sum_c g_c E_c[w b])^2.
    """
    D, C = pi.shape
    s = {k: v.reshape((D, C) + v.shape[1:]) for k, v in store.sums.items()}
    top = store.top.reshape(D, C)
    g = pi * np.exp(top - top.max(axis=1, keepdims=True))
    g4 = g[:, :, None, None]
    num, den = (g4 * s["a"]).sum(axis=1), (g4 * s["b"]).sum(axis=1)
    val = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    if not store.mc:
        return np.clip(val, 0.0, cap), None
    R = np.nan_to_num(val)[:, None]
    n = store.n.reshape(D, C)[:, :, None, None]
    ss = s["aa"] - 2 * R * s["ab"] + R * R * s["bb"]          # sum of (q w a - R q w b)^2
    zbar = s["a"] - R * s["b"]                                  # mean of (w a - R w b)
    var_mean = np.maximum(n * n * ss - n * zbar ** 2, 0.0) / np.maximum(n - 1, 1) / n
    se = np.where(den > 0, np.sqrt((g4 * g4 * var_mean).sum(axis=1)) / np.where(den > 0, den, 1.0), np.nan)
    return np.clip(val, 0.0, cap), se


def _breaks(pat: PatientParams) -> list[float]:
    """Integration breakpoints (years after diagnosis): surgery and surgery + detection delays, and
    the end of endocrine therapy (where the founding rate jumps) and its shifts, and where screened
    organs' detections begin (the staging lead: nothing is detected before it)."""
    d = np.unique(np.concatenate([pat.delay, (pat.delay + pat.endocrine_years)[pat.endocrine]]))
    tau = pat.detection_delay()
    b = list(d[:20])
    if np.isfinite(tau).any():
        taus = np.unique(tau[np.isfinite(tau)])
        b += [float(x + y) for x in d[:5] for y in taus[:20]]
    if pat.staged:
        lead = pat.staging_lead()
        b += [float(x) for x in np.unique(lead[lead > 0])[:20]]
    return b


def _evaluate(ep, inner, L, t, pat, mu, sc, n: int, closed: bool, mc: bool, sink=None, generations=None,
              nodal=None):
    """Values and SE (n, T, K') for n sets of P_o patients each (pat set-major); ``nodal`` (n P_o, J):
    each patient's log nodal selection weight (incidence.nodes), added to the M0 weight.

    Patients are taken in chunks of at most TERMS_BUDGET patient x grid x organ elements (whole
    sets together when they fit, else rows of one set), their weighted sums accumulated per set:
    memory stays bounded whatever the number of times, and cost grows linearly with it."""
    Po, J = mu.shape[0] // n, mu.shape[1]
    atdx = isinstance(inner, AtDiagnosis)
    share = isinstance(inner, NodalShare)       # the nodal class is counted (a), not selected (weight)
    hz, nu = pat.hazard[::Po], pat.after_relapse[::Po]
    integral = integral_each(ep, hz, nu)
    worked = pat.worked_up and isinstance(inner, WORKUP_FORMULAS)    # the work-up: integrals (incidence.workup)
    integral |= worked
    grids: dict[bytes, tuple] = {}
    by_breaks: dict[tuple, Grid] = {}           # sets with the same breakpoints share one grid
    for d in range(n):
        if integral[d]:
            one = pat.take(slice(d * Po, (d + 1) * Po))
            brk = tuple(_breaks(one) + (_workup_breaks(one, t, L) if worked else []))
            if brk not in by_breaks:
                by_breaks[brk] = endpoint_grid(ep, t, True, list(brk))
            g = by_breaks[brk]
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
        chunked = False                       # seeding Lambdas computed block by block (below)
        if sub.secondary:                     # colonies seed colonies: a cluster process (incidence.cluster_terms)
            relapse = isinstance(inner, AFTER_FIRST) and bool(np.any(sub.after_relapse > 0))
            if relapse or isinstance(inner, (MultiOrgan, Lag)):
                check_pair_generations(inner, generations)
            # Lambda at every threshold the endpoint needs is computed LAMBDA_ROWS patients at a time
            # (below), its memory growing with patients x thresholds; the weights need only the base
            chunked = not atdx and ns * Po > LAMBDA_ROWS
            seeding = dict(closed=closed, integral=integ, generations=generations, relapse=relapse)
            lam = lambdas(ep, grid, sub, **seeding, only_base=chunked)
            lw = np.zeros(ns * Po * J) if atdx else (-mu_s * lam.base[:, None]).reshape(-1)
        else:
            M0, M, h = _counts(sub, ns, Po, grid.u, closed, integ)
            if h is not None and sub.staged:     # screened at diagnosis: none detected until M passes M0
                h = np.where(M > M0[:, None, :], h, 0.0)
            if worked:                           # the work-up counts N_k(u + Delta_k), organ by organ
                lead = sub.lead(sub.workup)
                if not np.allclose(lead, lead[:1]):
                    raise InputError("the work-up's lead differs between the patients of one evaluation "
                                     "(a random colony growth rate?): use method 'monte-carlo'")
                shifted = _shifted_counts(sub, grid.u, lead[0], closed)
                workup = (np.maximum(shifted - M0[:, None, :], 0.0), lead[0])
            lw = np.zeros(ns * Po * J) if atdx else log_weight(grid, M0, M, mu_s)    # at diagnosis: no M0 selection
        K_org = len(sub.organs)
        lwq = lw.reshape(ns, Po, J) + logq[None]
        nod = None if nodal is None else nodal.reshape(n, Po, J)[sets].reshape(ns * Po, J)
        if nod is not None and not share:
            lwq = lwq + nod.reshape(ns, Po, J)
        top = lwq.reshape(ns, -1).max(axis=1)                    # per set: weights e^{lw - top} <= 1
        if not np.all(np.isfinite(top)):
            raise SolverError("every patient of a parameter set has a metastasis at diagnosis or lies outside "
                              "its nodal class (the selection weight underflows to 0), so incidence among "
                              "those patients is undefined; shedding, efficiency or the nodal ratio is too "
                              "large or too small for the class")
        w_all = np.exp(lwq - top[:, None, None]).reshape(ns * Po, J)
        acc = _Sums(ns, t.size, K, mc, value_cap(inner, len(pat.organs)))
        step = max(TERMS_BUDGET // max(J * grid.u.size * K_org, 1), 1)   # rows per chunk
        lam_rows = max(LAMBDA_ROWS // step, 1) * step             # whole chunks per block of Lambdas
        for lo in range(0, ns * Po, step):
            r = slice(lo, min(lo + step, ns * Po))
            if chunked and lo % lam_rows == 0:                   # the next block's Lambdas
                R = slice(lo, min(lo + lam_rows, ns * Po))
                lam_R = lambdas(ep, grid, sub.take(R), **seeding)
            if share:
                rows = (r.stop - r.start) * J
                a = np.broadcast_to((np.zeros((rows,)) if nod is None else np.exp(nod[r].reshape(-1)))[:, None, None],
                                    (rows, t.size, 1))
                b = np.ones((rows, 1, 1))
            elif lam is not None:
                part = lam_R.take(slice(r.start - R.start, r.stop - R.start)) if chunked else lam.take(r)
                _, a, b = cluster_terms(ep, grid, part, sub.hazard[r], mu_s[r], sub.after_relapse[r])
            else:
                _, a, b = terms(ep, grid, M0[r], M[r], None if h is None else h[r], sub.hazard[r], mu_s[r],
                                sub.after_relapse[r], None if not worked else (workup[0][r], workup[1]))
            if atdx:
                a = np.broadcast_to(a[:, :1], (a.shape[0], t.size, a.shape[2]))
            acc.add(np.arange(r.start, r.stop) // Po, w_all[r].reshape(-1), a, b, J)
        v, s = acc.result(Po * J)
        if sink is not None:
            sink(sets, acc, top, Po * J)
        out[sets] = v
        if mc:
            err[sets] = s
    return out, err


def check_pair_generations(inner: Endpoint, generations: int | None) -> None:
    """Refuse, by name, more than two generations of colonies where the seeding formulas need
    Lambda on pairs of thresholds (incidence.cluster_relapse, incidence.cluster_windows: death
    after relapse for any, site_share and organs_per_relapse; multi_organ and lag): ~10^4 pairs
    per patient through the later-generation correction cost minutes per patient (460 s for
    2 x 10^4 vectors on the hub model); the cohort simulator follows every generation.

    Parameters
    ----------
    inner : Endpoint
        The endpoint (landmark removed).
    generations : int or None
        Generations of colonies followed (None: every generation).

    Raises
    ------
    InputError
    """
    if generations is None or generations > 2:
        raise InputError(f"'{inner.name}' with metastasis-to-metastasis seeding and generations "
                         f"{'all' if generations is None else generations}: with death after relapse "
                         f"(mortality.after_relapse > 0), and for multi_organ and lag, the formulas follow at most "
                         f"2 generations (every generation costs minutes per patient); use generations 2 or "
                         f"method 'monte-carlo'")


class _Sums:
    """Weighted sums per set over chunks of patients: sum w a, sum w b (and, for the Monte Carlo
    SE, sums of squares and products), from which the ratio and its delta-method SE follow."""

    def __init__(self, ns: int, T: int, K: int, mc: bool, cap: float = 1.0):
        z = lambda: np.zeros((ns, T, K))                     # noqa: E731
        self.mc, self.cap = mc, cap
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
        """Values (clipped to [0, cap]: 1 for probabilities, K for organ counts; nan where the
        denominator is 0) and SE (or None)."""
        val = np.where(self.b > 0, self.a / np.where(self.b > 0, self.b, 1.0), np.nan)
        if not self.mc:
            return np.clip(val, 0.0, self.cap), None
        v = np.nan_to_num(val)
        ss = self.aa - 2 * v * self.ab + v * v * self.bb     # sum of (w a - v w b)^2
        mean = (self.a - v * self.b) / n
        var = np.maximum(ss - n * mean ** 2, 0.0) / max(n - 1, 1)
        mb = self.b / n
        se = np.where(mb > 0, np.sqrt(var) / np.sqrt(n) / np.where(mb > 0, mb, 1.0), np.nan) \
            if n > 1 else np.full(val.shape, np.nan)
        return np.clip(val, 0.0, self.cap), se


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
    keys = np.zeros((starts.size, 2)) if closed else _regimes(pat, starts)
    K = len(pat.organs)
    M = np.empty((n * Po, N, K))
    M0 = np.empty((n * Po, K)) if pat.staged else None      # found by the staging at diagnosis
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
                if M0 is not None:
                    M0[rows] = diagnosis_counts(pat.take(rows), closed=closed)
                if rates:
                    h[rows] = hb
            if j is not None:
                block, count = [j], sizes[j]
    return (M[:, 0] if M0 is None else M0), M, h


def _workup_breaks(pat: PatientParams, t: np.ndarray, L: float) -> list[float]:
    """Breakpoints u - Delta_k (after the landmark) for the work-up's integrals (incidence.workup)."""
    leads = np.unique(pat.lead(pat.workup)[0])
    return [float(u - d) for u in t for d in leads if d > 0 and u - d > L]


def _shifted_counts(pat: PatientParams, u: np.ndarray, lead: np.ndarray, closed: bool) -> np.ndarray:
    """(P, N, K) M_k(t_dx + u + lead_k): each organ's colony counts at its own shifted times."""
    K = lead.size
    tdx = pat.diagnosis_time()
    times = tdx[:, None, None] + u[None, :, None] + lead[None, None, :]          # (P, N, K)
    M, _ = colony_counts(pat, times.reshape(pat.n, -1), closed=closed, rates=False)   # (P, N K, K)
    return M.reshape(pat.n, u.size, K, K)[:, :, np.arange(K), np.arange(K)]


def _regimes(pat: PatientParams, starts: np.ndarray) -> np.ndarray:
    """(units, 2): the piece count and piecewise-C flag that the numeric moments choose for each
    block of patients (model.chain.plan, the rule Moments applies)."""
    return np.stack(plan(pat, pat.surgery_time(), starts), axis=1).astype(float)
