"""Exact event-level Monte Carlo of virtual patients: seeding, dormancy, colonies, detection.

Each patient's parameters are drawn from the model's log-normal population; shed cells form an
inhomogeneous Poisson process of intensity s(t) = mu x(t)^gamma on [0, t_s], simulated exactly by
thinning (Lewis-Shedler with a piecewise-constant envelope: s is increasing while the primary
grows, so s at the end of each of ENVELOPE pieces of [0, t_s] bounds it there) after the
independent marks that do not depend on time (arrest in organ k w.p. f_k, waking w.p.
omega/(omega+delta), founding w.p. eps) have thinned it. Every kept cell then gets its own times:
arrest after Exp(kappa), leaving dormancy after Exp(omega+delta) (killed at surgery w.p.
kill_dormant if still dormant; waking later under endocrine therapy, stochastic.endocrine), a colony that survives w.p. lambda/b (birth-death) and is detected
after tau_k or ln(x_det / W)/lambda, W ~ Exp(mean b/lambda) (killed at surgery w.p. kill_colony if
founded before and detected after t_s), and a death time after diagnosis: background death, or,
after the first detected distant metastasis, death at the extra hazard ``after_relapse`` (drawn
only when it is > 0, so a model without it simulates today's cohort exactly); detections after
death are never observed (status "death").
Optional administrative censoring (``follow_up``: end of study, staggered accrual, loss to
follow-up) is drawn from a child generator spawned from the same seed, independent of everything
else, so the uncensored cohort is the same with or without it. Incidence is the plain proportion
when nothing is censored and Aalen-Johansen (1 - Kaplan-Meier without competing events, with
delta-method / Greenwood standard errors) when censoring applies.
Nothing here uses the M_k formulas: agreement with them is the test. Vectorised over patients
with flat event arrays; every random number comes from one seeded numpy Generator.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..cumulative_incidence import aalen_johansen, kaplan_meier
from ..endpoints import (AtDiagnosis, Any, Distant, Endpoint, First, Lag, Landmark, MultiOrgan, NodalShare,
                         OrgansPerRelapse, SiteShare)
from ..seeds import check_seed
from ..errors import InputError, did_you_mean
from ..model import Model, load_model
from ..model.growth import BIRTH_DEATH
from ..nodal_classes import OPEN
from .endocrine import slowed_wake
from ..model.params import prevalences, resolve, value_array
from ..units import cells_to_diameter
from ..model.colony_shedding import check_generations
from .secondary import follow

CHUNK = 100_000        # patients per batch (memory ~ tens of MB; results do not depend on it)
#: Bytes kept per patient (8 float64 columns with 4 organs plus a flag: 81 with the bundled models,
#: more per extra organ), and the peak is twice that while the batches are joined.
BYTES_PER_PATIENT = 81
#: Measured simulation time per patient on one core (breast: 0.35 s per 100,000).
SECONDS_PER_PATIENT = 3.5e-6
#: Most patients one call simulates: memory and time grow linearly (~3.2 GB peak, ~1 min here);
#: a larger study is simulated in several seeded calls.
MAX_PATIENTS = 20_000_000
MAX_CELLS = 3e7        # founding cells followed per batch (~80 bytes each in flight: ~2.4 GB at most)
ENVELOPE = 32          # pieces of the piecewise-constant thinning envelope on [0, t_s] (exact for any)
STATUS = ("censored", "detected", "death")   # observed status codes 0, 1, 2 per organ
ESTIMATORS = ("auto", "aalen-johansen", "proportion")


@dataclass(frozen=True)
class FollowUp:
    """Administrative censoring, years after diagnosis: the study ends ``follow_up`` years after the
    last patient entered, entry is uniform over ``accrual`` years (censoring ~ U(F, F + A)), and
    patients are lost to follow-up at ``loss_rate`` per year (Exp); the earliest applies."""

    follow_up: float = math.inf
    accrual: float = 0.0
    loss_rate: float = 0.0

    def __post_init__(self):
        for name, label in (("follow_up", "follow-up"), ("accrual", "accrual"), ("loss_rate", "loss-to-follow-up rate")):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise InputError(f"{label} must be a number ({'per year' if name == 'loss_rate' else 'years'}), "
                                 f"found {v!r}")
            if math.isnan(v) or v < 0:
                raise InputError(f"{label} must be zero or positive, found {v!r}")
            if name != "follow_up" and math.isinf(v):
                raise InputError(f"{label} must be finite, found {v!r}")
        if self.accrual > 0 and math.isinf(self.follow_up):
            raise InputError("accrual needs a finite follow-up after the last entry (--follow-up)")
        if self.follow_up + self.accrual <= 0:
            raise InputError("follow-up must be positive: with follow-up 0 and no accrual every patient "
                             "is censored at diagnosis")

    @property
    def censors(self) -> bool:
        """Whether anyone is censored: a finite follow-up or a positive loss rate."""
        return math.isfinite(self.follow_up) or self.loss_rate > 0

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Censoring times (years after diagnosis) of ``n`` patients; inf where never censored."""
        c = np.full(n, float(self.follow_up))
        if self.accrual > 0:
            c += self.accrual * rng.random(n)
        if self.loss_rate > 0:
            c = np.minimum(c, rng.exponential(1.0 / self.loss_rate, n))
        return c


def follow_up_spec(spec) -> FollowUp | None:
    """None, a number (fixed end of follow-up, years), a mapping of FollowUp fields, or a FollowUp."""
    if spec is None or isinstance(spec, FollowUp):
        return spec
    if isinstance(spec, dict):
        bad = [k for k in spec if k not in ("follow_up", "accrual", "loss_rate")]
        if bad:
            raise InputError(f"unknown follow-up field '{bad[0]}' (expected follow_up, accrual, loss_rate)")
        return FollowUp(**spec)
    return FollowUp(follow_up=spec)


@dataclass(frozen=True)
class Cohort:
    """Virtual patients. Times are years after diagnosis (clinical time u) unless noted;
    ``detect`` is inf where organ k is never detected (latent: a detection after ``death`` is not
    observed), ``death`` inf without mortality; ``relapse_death`` marks deaths from the hazard after
    the first detected distant metastasis (None: not recorded)."""

    model: str
    organs: tuple[str, ...]
    mu: np.ndarray            # (P,) shedding constant
    rate: np.ndarray          # (P,) primary growth rate (1/year)
    diameter: np.ndarray      # (P,) diameter at diagnosis (cm)
    t_dx: np.ndarray          # (P,) diagnosis time, years since the primary was x0 cells
    m0: np.ndarray            # (P,) bool: no detectable metastasis at diagnosis
    detect: np.ndarray        # (P, K) first detection in organ k, years after diagnosis (<= 0: at diagnosis)
    death: np.ndarray         # (P,) death (background or after relapse), years after diagnosis
    censor: np.ndarray        # (P,) administrative censoring, years after diagnosis (inf: none)
    seed: object = None
    relapse_death: np.ndarray | None = None   # (P,) bool: died of the hazard after relapse
    klass: np.ndarray | None = None     # (P,) index into ``class_names`` (None: a model without classes)
    class_names: tuple[str, ...] = ()
    #: years after diagnosis up to which ``detect`` is complete (metastasis-to-metastasis seeding is
    #: followed up to it; inf without seeding)
    horizon: float = math.inf
    nodes: np.ndarray | None = None      # (P,) involved regional nodes at surgery (None: no nodal spread)
    #: (P,) bool: in the model's nodal class (nodes.min..nodes.max), the patients every endpoint
    #: describes (None: every patient)
    selected: np.ndarray | None = None

    def of_class(self, name: str) -> "Cohort":
        """The patients of one intrinsic class (a sub-cohort, e.g. for per-class incidence).

        Parameters
        ----------
        name : str
            A class of the cohort's model.

        Returns
        -------
        Cohort
        """
        if name not in self.class_names:
            raise InputError(f"unknown class '{name}' (the cohort's classes: {', '.join(self.class_names) or 'none'})"
                             + did_you_mean(str(name), self.class_names))
        keep = self.klass == self.class_names.index(name)
        fields = ("mu", "rate", "diameter", "t_dx", "m0", "detect", "death", "censor", "klass", "relapse_death",
                  "nodes", "selected")
        return replace(self, **{f: getattr(self, f)[keep] for f in fields if getattr(self, f) is not None})

    @property
    def time(self) -> np.ndarray:
        """(P, K) observed time per organ: detection, background death or censoring, the earliest."""
        return np.minimum(self.detect, np.minimum(self.death, self.censor)[:, None])

    @property
    def status(self) -> np.ndarray:
        """(P, K) observed status per organ: 1 detected, 2 died first, 0 censored (see STATUS);
        with no censoring and no death, 0 at time inf means never detected."""
        return np.stack([_observe(self.detect[:, k], self.death, self.censor)[1]
                         for k in range(len(self.organs))], axis=1) if self.organs else np.zeros((self.n, 0), int)

    @property
    def n(self) -> int:
        """Number of virtual patients."""
        return self.mu.size

    @property
    def described(self) -> np.ndarray:
        """(P,) bool: the patients the endpoints describe (the model's nodal class; every patient
        without a nodal selection)."""
        return np.ones(self.n, dtype=bool) if self.selected is None else self.selected

    def columns(self) -> dict[str, np.ndarray]:
        """The cohort as named columns (for CSV): one row per patient."""
        cols = {"patient": np.arange(self.n)}
        if self.klass is not None:
            cols["class"] = np.asarray(self.class_names, dtype=object)[self.klass]
        cols |= {"mu": self.mu, "rate": self.rate, "diameter_cm": self.diameter,
                "t_dx": self.t_dx, "m0": self.m0}
        if self.nodes is not None:
            cols |= {"nodes": self.nodes, "in_nodal_class": self.described}
        for k, name in enumerate(self.organs):
            cols[f"detect_{name}"] = self.detect[:, k]
        cols["death"] = self.death
        if self.relapse_death is not None:
            cols["death_after_relapse"] = self.relapse_death
        cols["censor"] = self.censor
        time, status = self.time, self.status
        for k, name in enumerate(self.organs):
            cols[f"time_{name}"] = time[:, k]
            cols[f"status_{name}"] = np.asarray(STATUS)[status[:, k]]
        return cols


@dataclass(frozen=True)
class CohortIncidence:
    """Empirical incidence (T, K') with standard errors: a proportion with binomial SE when nothing
    is censored, Aalen-Johansen (1 - Kaplan-Meier without competing events) with delta-method /
    Greenwood SE when censoring applies (the two agree exactly without censoring)."""

    endpoint: Endpoint
    times: np.ndarray
    columns: tuple[str, ...]
    values: np.ndarray
    se: np.ndarray
    n: np.ndarray             # (T, K') denominators (patients at the start or landmark)
    estimator: str = "proportion"
    at_risk: np.ndarray | None = None   # (T, K') still under observation (time >= t), when AJ is used


def simulate_cohort(model, patients: int, *, seed=None, individual: bool = False, follow_up=None,
                    progress: Callable[[int], None] | None = None, horizon: float | None = None,
                    generations: int | None = None) -> Cohort:
    """Simulate ``patients`` virtual patients of ``model`` (seeded; same seed, same cohort).

    individual=True: every patient has the model's typical parameters (no random effects).
    ``follow_up``: administrative censoring after diagnosis: None (none), a number of years (fixed
    end of study), a FollowUp or a mapping of its fields (accrual, loss_rate). Drawn from a child
    generator spawned from ``seed``, so every other column is unchanged by it.
    ``progress(n)`` is called after each batch of n patients (the CLI's progress bar).
    With metastasis-to-metastasis seeding (``secondary_shedding`` > 0) colonies are followed as
    sources up to ``horizon`` years after diagnosis (default DEFAULT_HORIZON; detections are
    complete up to it) and ``generations`` generations of colonies (None: no cap; 1: colonies do
    not shed).
    """
    fu = follow_up_spec(follow_up)
    if not isinstance(model, Model):
        model = load_model(model)
    try:   # a whole number (1e6 is fine; 1.5, nan, inf and True are not)
        n = int(patients)
        ok = not isinstance(patients, bool) and n == patients
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"number of patients must be a positive integer, found {patients!r}")
    if n < 1:
        raise InputError(f"number of patients must be at least 1, found {n}")
    if n > MAX_PATIENTS:
        per = 2 * (BYTES_PER_PATIENT + 8 * max(0, len(model.organ_names) - 4))
        raise InputError(f"patients: {n:,} would need ~{n * per / 1e9:,.3g} GB of memory and "
                         f"~{n * SECONDS_PER_PATIENT / 3600:,.3g} h; the budget is {MAX_PATIENTS:,} patients "
                         "per call (memory and time grow linearly): simulate in several seeded calls")
    check_seed(seed)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    secondary = any(o.secondary_shedding > 0 for o in model.organs)
    horizon = _horizon(horizon, secondary)
    generations = check_generations(generations)
    parts = []
    for lo in range(0, n, CHUNK):
        parts.append(_batch(model, min(CHUNK, n - lo), rng, individual, horizon, generations))
        if progress is not None:
            progress(min(CHUNK, n - lo))
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}   # every batch has the same keys
    # spawning leaves rng's own stream untouched
    cat["censor"] = fu.draw(rng.spawn(1)[0], n) if fu is not None and fu.censors else np.full(n, np.inf)
    if not model.classes:
        cat.pop("klass")
    return Cohort(model.name, model.organ_names, seed=seed if not isinstance(seed, np.random.Generator) else None,
                  class_names=model.class_names, horizon=horizon, **cat)


#: years after diagnosis that metastasis-to-metastasis seeding is followed by default
DEFAULT_HORIZON = 30.0


def _horizon(horizon, secondary: bool) -> float:
    """The simulation horizon: inf without colony shedding (nothing to follow), else checked."""
    if horizon is None:
        return DEFAULT_HORIZON if secondary else math.inf
    if isinstance(horizon, bool) or not isinstance(horizon, (int, float, np.integer, np.floating)) \
            or not horizon > 0:
        raise InputError(f"horizon must be a positive number of years after diagnosis, found {horizon!r}")
    return float(horizon) if secondary else math.inf


def _batch(model: Model, n: int, rng: np.random.Generator, individual: bool,
           horizon: float = math.inf, generations: int | None = None) -> dict:
    """One batch of ``n`` patients: (class), random effects, then every organ's cells one by one
    (and, with metastasis-to-metastasis seeding, the colonies' daughters up to ``horizon``)."""
    cls = None
    if model.classes:           # each patient's class from the prevalences, then its class's values
        cum = np.cumsum(prevalences(model)[0])
        cls = np.minimum(np.searchsorted(cum / cum[-1], rng.random(n), side="right"), len(model.classes) - 1)
        base = resolve(model, classes=cls)
    else:
        base = resolve(model).repeat(n)
    z = rng.standard_normal((n, 3))
    sd = np.zeros((n, 3)) if individual else np.stack(
        [value_array(model, n, {}, f"population.{d}_sd", cls, 0.0) for d in ("mu", "rate", "diameter")], axis=1)
    size = np.clip(base.size * np.exp(3.0 * sd[:, 2] * z[:, 2]), base.x0 * (1 + 1e-6),
                   np.where(np.isfinite(base.K), base.K * (1 - 1e-3), np.inf))
    pat = replace(base, mu=base.mu * np.exp(sd[:, 0] * z[:, 0]), rate=base.rate * np.exp(sd[:, 1] * z[:, 1]),
                  size=size)
    t_dx = pat.diagnosis_time()
    t_s = pat.surgery_time()
    # envelope for thinning: s is increasing on [0, t_s], so on each of ENVELOPE pieces s(piece end)
    h = t_s / ENVELOPE
    ends = h[:, None] * np.arange(1, ENVELOPE + 1)[None, :]
    s_env = np.exp(pat.log_shedding(ends))                       # (n, ENVELOPE)
    mass = s_env * h[:, None]                                    # proposals per piece at unit keep
    total = mass.sum(axis=1)
    # pieces as one sorted axis: patient i's cumulative shares lie in (i, i + 1]
    cum = (np.cumsum(mass, axis=1) / total[:, None] + np.arange(n)[:, None]).ravel()
    cum[ENVELOPE - 1::ENVELOPE] = np.arange(1, n + 1)            # exact row ends despite rounding
    keep = pat.f * pat.eps * np.divide(pat.wake, pat.exit_rate, out=np.zeros_like(pat.wake), where=pat.exit_rate > 0)
    expected = float((keep.sum(axis=1) * total).sum())         # founding cells this batch will follow
    if expected > MAX_CELLS:
        raise InputError(f"model '{model.name}': the virtual patients would found ~{expected:.3g} colonies "
                         f"(~{expected * 80 / 1e9:.3g} GB to follow them one by one; at most {MAX_CELLS:.0e} per "
                         f"{CHUNK:,} patients); use the quadrature (method 'numeric') or fewer patients")
    tau = pat.detection_delay()
    staged = pat.staged                                          # staging at another size than detection
    tau_st = pat.at_staging().detection_delay() if staged else None
    found_dx = np.zeros(n, dtype=bool)                           # some colony found by the staging
    worked = pat.worked_up                                       # the work-up at a first relapse images organs
    lead_wu = pat.lead(pat.workup) if worked else None           # years before detection a colony is found then
    found_wu = np.full((n, len(model.organs)), np.inf)           # earliest time a colony has the work-up size
    kd, kc = pat.kill_by_organ, pat.kill_colony                    # (n, K): the adjuvant and each organ's own
    detect = np.full((n, len(model.organs)), np.inf)
    colonies = []                                                # (pid, organ, founding time) as sources
    for k, name in enumerate(pat.organs):
        p_keep = keep[:, k]                                      # arrest here, wake, found a colony
        if not np.any(p_keep > 0.0):
            continue
        pid = np.repeat(np.arange(n), rng.poisson(p_keep * total))
        piece = np.searchsorted(cum, pid + rng.random(pid.size), side="right") - pid * ENVELOPE
        piece = np.minimum(piece, ENVELOPE - 1)
        r = (piece + rng.random(pid.size)) * h[pid]              # proposal shed times within the piece
        accept = rng.random(pid.size) * s_env[pid, piece] < _shedding_at(pat, pid, r)   # w.p. s(r)/env
        pid, r = pid[accept], r[accept]
        arrest = r + rng.exponential(1.0 / pat.kappa[pid])
        wake = arrest + rng.exponential(1.0 / pat.exit_rate[pid, k])
        ts = t_s[pid]
        alive = ~((arrest < ts) & (wake > ts) & (rng.random(pid.size) < kd[pid, k]))
        if pat.endocrine.any():          # drawn only then: a model without it simulates today's cohort
            on = pat.endocrine[pid]
            wake, woken = slowed_wake(arrest, wake, ts, np.where(on, pat.endocrine_years[pid], 0.0),
                                      np.where(on, pat.endocrine_wake[pid], 1.0), pat.dormant_death[pid, k], rng,
                                      np.where(on, pat.endocrine_death[pid], 0.0))
            alive &= woken
        if pat.colony_laws[k] == BIRTH_DEATH.name:
            b = pat.birth[pid, k]
            d = b - pat.colony_rate[pid, k]
            alive &= rng.random(pid.size) < BIRTH_DEATH.survival(b, d)     # escapes extinction
            delay = BIRTH_DEATH.sample_delay(rng, b, d, pat.detection[pid, k])
            # the same growth path reaches staging x detection cells ln(staging) / lambda later
            delay_st = delay + np.log(pat.staging[pid, k]) / (b - d) if staged else None
        else:
            delay = tau[pid, k]
            delay_st = tau_st[pid, k] if staged else None
        det = wake + delay
        alive &= ~((wake < ts) & (det > ts) & (rng.random(pid.size) < kc[pid]))
        if staged:   # found by the staging at diagnosis (staging <= 1: also every colony detectable by then)
            dx = t_dx[pid]
            at_dx = alive & (wake + delay_st <= dx)
            found_dx[pid[at_dx]] = True
            det = np.where(at_dx, np.minimum(det, dx), det)
        np.minimum.at(detect[:, k], pid[alive], det[alive])
        if worked:
            np.minimum.at(found_wu[:, k], pid[alive], (wake + delay - lead_wu[pid, k])[alive])
        if pat.secondary:
            colonies.append((pid[alive], np.full(int(alive.sum()), k), wake[alive]))
    if pat.secondary and colonies:
        pid, organ, found = (np.concatenate(x) for x in zip(*colonies))
        if cls is None:
            detect = follow(pat, pid, organ, found, detect, t_dx, horizon, generations, rng)
        else:                   # follow() takes one set of organ and colony values: class by class
            for c in np.unique(cls):
                rows = np.flatnonzero(cls == c)
                sel = cls[pid] == c
                detect[rows] = follow(pat.take(rows), np.searchsorted(rows, pid[sel]), organ[sel], found[sel],
                                      detect[rows], t_dx[rows], horizon, generations, rng)
    if worked:                  # at the first relapse after diagnosis, the other organs are imaged
        first = detect.min(axis=1)
        seen = (first > t_dx)[:, None] & (found_wu <= first[:, None])
        detect = np.where(seen, np.minimum(detect, first[:, None]), detect)
    detect = detect - t_dx[:, None]
    hz, nu = pat.hazard, pat.after_relapse
    death = np.where(hz > 0, rng.exponential(1.0 / np.where(hz > 0, hz, 1.0)), np.inf) if np.any(hz > 0) \
        else np.full(n, np.inf)
    relapse_death = np.zeros(n, dtype=bool)
    if np.any(nu > 0):                   # after the first detection seen alive (at diagnosis: from 0)
        first = np.maximum(detect.min(axis=1), 0.0)
        wait = rng.exponential(1.0 / np.where(nu > 0, nu, 1.0))
        after = np.where((first < death) & (nu > 0), first + wait, np.inf)
        relapse_death = after < death
        death = np.minimum(death, after)
    m0 = np.all(detect > 0.0, axis=1)
    if staged:                          # found at diagnosis = by the staging (its detections are at u <= 0)
        m0 = ~found_dx
    out = {"mu": pat.mu, "rate": pat.rate, "diameter": cells_to_diameter(size), "t_dx": t_dx, "m0": m0,
           "detect": detect, "death": death, "relapse_death": relapse_death,
           "klass": np.zeros(n, dtype=np.intp) if cls is None else cls}
    if np.any(pat.nodes_ratio > 0):      # drawn last: a model without nodal spread simulates today's cohort
        nodes = _nodal_deposits(pat, base.mu, total, cum, s_env, h, rng)
        lo, hi = pat.nodes_min, pat.nodes_max
        out |= {"nodes": nodes, "selected": (nodes >= lo) & ((nodes <= hi) | (hi >= OPEN))}
    return out


def _nodal_deposits(pat, mu_ref, total, cum, s_env, h, rng) -> np.ndarray:
    """(n,) involved regional nodes at surgery: lymphatic deposits form a Poisson process of
    intensity G ratio (mu_ref / mu)^(1 - b) s(t) on [0, t_s], simulated by the same thinning as the
    blood's cells (proposals from the piecewise-constant envelope, accepted w.p. s(r) / envelope);
    G ~ Gamma(mean 1, variance ``nodes.dispersion``) per patient (1 where the dispersion is 0)."""
    n = pat.n
    scale = pat.nodes_ratio * (mu_ref / pat.mu) ** (1.0 - pat.nodes_coupling)
    d = pat.nodes_dispersion
    if np.any(d > 0):
        scale = scale * np.where(d > 0, rng.gamma(1.0 / np.where(d > 0, d, 1.0), np.where(d > 0, d, 1.0)), 1.0)
    pid = np.repeat(np.arange(n), rng.poisson(scale * total))
    piece = np.minimum(np.searchsorted(cum, pid + rng.random(pid.size), side="right") - pid * ENVELOPE,
                       ENVELOPE - 1)
    r = (piece + rng.random(pid.size)) * h[pid]
    accept = rng.random(pid.size) * s_env[pid, piece] < _shedding_at(pat, pid, r)
    return np.bincount(pid[accept], minlength=n)


def _shedding_at(pat, pid: np.ndarray, r: np.ndarray) -> np.ndarray:
    """s(r) = mu x(r)^gamma (cells/year) of patient ``pid`` at shed time ``r``, elementwise."""
    log_x = pat.law.log_size(r, pat.x0[pid], pat.rate[pid], pat.K[pid])
    return np.exp(np.log(pat.mu[pid]) + pat.gamma[pid] * log_x)


def _observe(x, death, censor):
    """Observed (time, cause) of event times ``x`` with background death competing and censoring:
    cause 1 the event, 2 death first, 0 censored (or nothing ever happens: time inf)."""
    time = np.minimum(x, np.minimum(death, censor))
    cause = np.where(np.isfinite(x) & (x <= death) & (x <= censor), 1,
                     np.where(np.isfinite(death) & (death < x) & (death <= censor), 2, 0))
    return time, cause


def _prop(hit: np.ndarray, among: np.ndarray):
    n = np.broadcast_to(among, np.broadcast_shapes(hit.shape, among.shape)).sum(axis=1)
    p = np.where(n > 0, (hit & among).sum(axis=1) / np.maximum(n, 1), 0.0)
    return p, np.sqrt(p * (1.0 - p) / np.maximum(n, 1)), n


def _cif(time, cause, base, times):
    """Cumulative incidence of cause 1 at ``times`` among ``base``: 1 - Kaplan-Meier (Greenwood SE)
    when no competing event is observed, else Aalen-Johansen (delta-method SE)."""
    t, c = time[base], cause[base]
    if t.size == 0:
        return np.zeros(times.size), np.zeros(times.size), np.zeros(times.size, dtype=int)
    est = aalen_johansen if np.any(c == 2) else kaplan_meier
    f, se = est(t, c, at=times, se=True)
    at_risk = t.size - np.searchsorted(np.sort(t), times, side="left")
    return f, se, at_risk


def cohort_incidence(cohort: Cohort, endpoint: Endpoint, times, *, estimator: str = "auto") -> CohortIncidence:
    """Empirical incidence of ``endpoint`` at clinical ``times`` (years) from a simulated cohort.

    estimator: "auto" (the plain proportion when no patient is censored, else Aalen-Johansen),
    "aalen-johansen" (always), "proportion" (observed events / patients at the start: biased low
    under censoring, kept to show why the censoring-aware estimator matters).
    """
    if estimator not in ESTIMATORS:
        raise InputError(f"unknown estimator '{estimator}' (expected one of {', '.join(ESTIMATORS)})"
                         + did_you_mean(str(estimator), ESTIMATORS))
    times = np.asarray(times, dtype=float)
    if times.size and times.max() > cohort.horizon:
        raise InputError(f"times: the cohort's detections are complete up to {cohort.horizon:g} years after "
                         f"diagnosis (its horizon); found {times.max():g}: simulate with a longer horizon")
    inner, L = (endpoint.inner, endpoint.at) if isinstance(endpoint, Landmark) else (endpoint, 0.0)
    cols = cohort.organs if inner.per_organ else ("distant",)
    det, death, cens = cohort.detect, cohort.death, cohort.censor
    u = times[:, None, None]                                  # (T, 1, 1)
    if isinstance(inner, AtDiagnosis):                        # seen at diagnosis: censoring comes later
        seen = det <= 0.0 if inner.per_organ else (det <= 0.0).any(axis=1, keepdims=True)
        hit = np.broadcast_to(seen[None], (times.size,) + seen.shape)
        p, se, nn = _prop(hit, np.broadcast_to(cohort.described[None, :, None], hit.shape))
        return CohortIncidence(endpoint, times, cols, p, se, nn)
    if isinstance(inner, (OrgansPerRelapse, MultiOrgan, Lag)):
        return _after_first(cohort, endpoint, inner, L, times, cols)
    if isinstance(inner, NodalShare):                         # M0 patients in the model's nodal class
        hit = np.broadcast_to(cohort.described[None, :, None], (times.size, cohort.n, 1))
        p, se, nn = _prop(hit, np.broadcast_to(cohort.m0[None, :, None], hit.shape))
        return CohortIncidence(endpoint, times, ("nodes",), p, se, nn)
    if not isinstance(inner, (Any, First, Distant, SiteShare)):
        raise InputError(f"endpoint '{inner.name}' is not available from a cohort")
    first = det.min(axis=1)                                   # first distant detection
    base = cohort.m0 & cohort.described & (first > L) & (death > L) & (cens > L)   # M0 of the nodal class;
    #                                                         landmark: free, alive, followed at L
    t_k, c_k = _observe(det, death[:, None], cens[:, None])   # (P, K) per organ
    t_d, c_d = _observe(first, death, cens)                   # (P,) first distant
    valid = (times >= L)[:, None]
    use_aj = estimator == "aalen-johansen" or (estimator == "auto" and bool(np.any(np.isfinite(cens[base]))))
    at_risk = None
    if not use_aj:
        among = np.broadcast_to(base[None, :, None], (times.size, cohort.n, 1))
        dist = ((t_d[None, :] <= times[:, None]) & (c_d == 1)[None])[:, :, None]
        if isinstance(inner, Any):
            p, se, nn = _prop((t_k[None] <= u) & (c_k == 1)[None], among)
        elif isinstance(inner, First):
            p, se, nn = _prop(dist & (det == first[:, None])[None], among)
        elif isinstance(inner, Distant):
            p, se, nn = _prop(dist, among)
        else:                                                 # SiteShare
            p, se, nn = _prop((t_k[None] <= u) & (c_k == 1)[None], dist & among)
        name = "proportion"
    else:
        nb = int(base.sum())
        if isinstance(inner, (Any, SiteShare)):
            fk, sk, rk = zip(*(_cif(t_k[:, k], c_k[:, k], base, times) for k in range(det.shape[1])))
            p, se, at_risk = np.stack(fk, 1), np.stack(sk, 1), np.stack(rk, 1)
        elif isinstance(inner, First):                        # another organ first: a competing event
            parts = [_cif(t_d, np.where((c_d == 1) & (det[:, k] != first), 2, c_d), base, times)
                     for k in range(det.shape[1])]
            p, se, at_risk = (np.stack(a, 1) for a in zip(*parts))
        if isinstance(inner, (Distant, SiteShare)):
            fd, sd, rd = (a[:, None] for a in _cif(t_d, c_d, base, times))
        nn = np.full(p.shape if not isinstance(inner, Distant) else (times.size, 1), nb)
        if isinstance(inner, Distant):
            p, se, at_risk = fd, sd, rd
        elif isinstance(inner, SiteShare):
            # share = F_any_k / F_distant; SE as a proportion among the effective number of distant
            # cases F_d N_eff, N_eff = F_d (1 - F_d) / Var(F_d) (exactly the binomial one uncensored)
            share = np.where(fd > 0, p / np.where(fd > 0, fd, 1.0), 0.0)
            n_eff = np.where(sd > 0, fd * fd * (1.0 - fd) / np.where(sd > 0, sd, 1.0) ** 2, fd * nb)
            se = np.where(n_eff > 0, np.sqrt(share * (1.0 - share) / np.where(n_eff > 0, n_eff, 1.0)), 0.0)
            nn = np.broadcast_to((base[None] & (t_d[None] <= times[:, None]) & (c_d == 1)[None]).sum(1)[:, None],
                                 p.shape)
            p, at_risk = share, np.broadcast_to(rd, p.shape)
        name = "aalen-johansen"
    p, se = np.where(valid, p, 0.0), np.where(valid, se, 0.0)
    return CohortIncidence(endpoint, times, cols, p, se, nn, name, at_risk)


def _after_first(cohort: Cohort, endpoint: Endpoint, inner: Endpoint, L: float, times: np.ndarray,
                 cols: tuple[str, ...]) -> CohortIncidence:
    """organs_per_relapse, multi_organ and lag from an uncensored cohort: plain means and
    proportions among the patients each endpoint conditions on (binomial SE; for the organ
    count, the sample SD / sqrt(n)). Detections after death are not seen."""
    det, death = cohort.detect, cohort.death
    if np.any(np.isfinite(cohort.censor)):
        raise InputError(f"endpoint '{inner.name}' is computed from an uncensored cohort only "
                         "(simulate without follow_up)")
    first = det.min(axis=1)
    which = det.argmin(axis=1)
    alive = det <= death[:, None]                             # (P, K) organ k found while alive
    base = cohort.m0 & cohort.described & (first > L) & (death > L)
    relapsed = base & np.isfinite(first) & (first <= death)   # first distant metastasis seen alive
    if isinstance(inner, Lag):                                # times are lags
        with np.errstate(invalid="ignore"):                   # inf - inf: never relapsed (not among)
            lag = det - first[:, None]
        among = (relapsed & (first <= inner.horizon))[:, None] & (which[:, None] != np.arange(det.shape[1])) \
            & alive & (lag <= inner.within)
        hit = among[None] & (lag[None] <= times[:, None, None])
        p, se, nn = _prop(hit, among[None])
        return CohortIncidence(endpoint, times, cols, p, se, nn)
    u = times[:, None]
    dist = relapsed[None] & (first[None] <= u)                # (T, P)
    if isinstance(inner, OrgansPerRelapse):
        count = ((det[None] <= u[:, :, None]) & alive[None]).sum(axis=2).astype(float)   # (T, P)
        nn = dist.sum(axis=1)
        m = np.where(nn > 0, (count * dist).sum(axis=1) / np.maximum(nn, 1), 0.0)
        var = np.where(nn > 1, ((count - m[:, None]) ** 2 * dist).sum(axis=1) / np.maximum(nn - 1, 1), 0.0)
        return CohortIncidence(endpoint, times, cols, m[:, None], np.sqrt(var / np.maximum(nn, 1))[:, None],
                               nn[:, None])
    other = np.arange(det.shape[1])[None, :] != which[:, None]
    # ties with the first (organs the work-up at the first relapse finds) are synchronous: multi-organ
    second = (other & alive & (det >= first[:, None]) & (det <= first[:, None] + inner.window)).any(axis=1)
    p, se, nn = _prop(second[None, :, None] & dist[:, :, None], dist[:, :, None])
    return CohortIncidence(endpoint, times, cols, p, se, nn)
