"""Exact event-level Monte Carlo of virtual patients: seeding, dormancy, colonies, detection.

Each patient's parameters are drawn from the model's log-normal population; shed cells form an
inhomogeneous Poisson process of intensity s(t) = mu x(t)^gamma on [0, t_s], simulated exactly by
thinning (Lewis-Shedler, envelope s(t_s): s is increasing while the primary grows) after the
independent marks that do not depend on time (arrest in organ k w.p. f_k, waking w.p.
omega/(omega+delta), founding w.p. eps) have thinned it. Every kept cell then gets its own times:
arrest after Exp(kappa), leaving dormancy after Exp(omega+delta) (killed at surgery w.p.
kill_dormant if still dormant), a colony that survives w.p. lambda/b (birth-death) and is detected
after tau_k or ln(x_det / W)/lambda, W ~ Exp(mean b/lambda) (killed at surgery w.p. kill_colony if
founded before and detected after t_s), and a background death time after diagnosis.
Nothing here uses the M_k formulas: agreement with them is the test. Vectorised over patients
with flat event arrays; every random number comes from one seeded numpy Generator.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..endpoints import AtDiagnosis, Any, Distant, Endpoint, First, Landmark, SiteShare
from ..errors import InputError
from ..model import Model, load_model

CHUNK = 100_000        # patients per batch (memory ~ tens of MB; results do not depend on it)


@dataclass(frozen=True)
class Cohort:
    """Virtual patients. Times are years after diagnosis (clinical time u) unless noted;
    ``detect`` is inf where organ k is never detected, ``death`` inf without background mortality."""

    model: str
    organs: tuple[str, ...]
    mu: np.ndarray            # (P,) shedding constant
    rate: np.ndarray          # (P,) primary growth rate (1/year)
    diameter: np.ndarray      # (P,) diameter at diagnosis (cm)
    t_dx: np.ndarray          # (P,) diagnosis time, years since the primary was x0 cells
    m0: np.ndarray            # (P,) bool: no detectable metastasis at diagnosis
    detect: np.ndarray        # (P, K) first detection in organ k, years after diagnosis (<= 0: at diagnosis)
    death: np.ndarray         # (P,) background death, years after diagnosis
    seed: object = None

    @property
    def n(self) -> int:
        return self.mu.size

    def columns(self) -> dict[str, np.ndarray]:
        """The cohort as named columns (for CSV): one row per patient."""
        cols = {"patient": np.arange(self.n), "mu": self.mu, "rate": self.rate, "diameter_cm": self.diameter,
                "t_dx": self.t_dx, "m0": self.m0}
        for k, name in enumerate(self.organs):
            cols[f"detect_{name}"] = self.detect[:, k]
        cols["death"] = self.death
        return cols


@dataclass(frozen=True)
class CohortIncidence:
    """Empirical incidence (T, K') with binomial standard errors (equal to Aalen-Johansen:
    every event and death time is observed, nothing is censored)."""

    endpoint: Endpoint
    times: np.ndarray
    columns: tuple[str, ...]
    values: np.ndarray
    se: np.ndarray
    n: np.ndarray             # (T, K') denominators


def _law(model):
    p = model.primary
    K = p.K if p.K is not None else math.inf
    if p.growth == "exponential":
        logx = lambda t, r: math.log(p.x0) + r * t
        tdx = lambda size, r: np.log(size / p.x0) / r
    elif p.growth == "gompertz":
        logx = lambda t, r: math.log(K) + math.log(p.x0 / K) * np.exp(-r * t)
        tdx = lambda size, r: np.log(math.log(p.x0 / K) / np.log(size / K)) / r
    else:
        logx = lambda t, r: math.log(K) - np.log1p((K / p.x0 - 1.0) * np.exp(-r * t))
        tdx = lambda size, r: np.log((K / p.x0 - 1.0) / (K / size - 1.0)) / r
    return logx, tdx, K


def simulate_cohort(model, patients: int, *, seed=None, individual: bool = False,
                    progress: Callable[[int], None] | None = None) -> Cohort:
    """Simulate ``patients`` virtual patients of ``model`` (seeded; same seed, same cohort).

    individual=True: every patient has the model's typical parameters (no random effects).
    ``progress(n)`` is called after each batch of n patients (the CLI's progress bar).
    """
    if not isinstance(model, Model):
        model = load_model(model)
    try:
        n = int(patients)
    except (TypeError, ValueError):
        raise InputError(f"number of patients must be a positive integer, found {patients!r}") from None
    if n < 1:
        raise InputError(f"number of patients must be at least 1, found {n}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    parts = []
    for lo in range(0, n, CHUNK):
        parts.append(_batch(model, min(CHUNK, n - lo), rng, individual))
        if progress is not None:
            progress(min(CHUNK, n - lo))
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return Cohort(model.name, model.organ_names, seed=seed if not isinstance(seed, np.random.Generator) else None, **cat)


def _batch(model: Model, n: int, rng: np.random.Generator, individual: bool) -> dict:
    pop = model.population
    z = rng.standard_normal((n, 3))
    sd = np.zeros(3) if individual else np.array([pop.mu_sd, pop.rate_sd, pop.diameter_sd])
    mu = model.shedding.mu * np.exp(sd[0] * z[:, 0])
    rate = model.primary.rate * np.exp(sd[1] * z[:, 1])
    logx, tdx_of, K = _law(model)
    size = np.clip(model.diagnosis.size * np.exp(3.0 * sd[2] * z[:, 2]),
                   model.primary.x0 * (1 + 1e-6), K * (1 - 1e-3))
    diameter = np.cbrt(size * 6.0 / (math.pi * 1e9))
    t_dx = tdx_of(size, rate)
    t_s = t_dx + model.diagnosis.surgery_delay
    gamma, kappa = model.shedding.gamma, model.circulation.clearance
    kd, kc = model.treatment.kill_dormant, model.treatment.kill_colony
    s_max = mu * np.exp(gamma * logx(t_s, rate))              # envelope: s is increasing on [0, t_s]
    detect = np.full((n, len(model.organs)), np.inf)
    for k, org in enumerate(model.organs):
        beta = org.wake + org.dormant_death
        p_keep = org.arrest_fraction * (org.wake / beta) * org.efficiency
        lam_env = p_keep * s_max * t_s                        # expected proposals per patient
        counts = rng.poisson(lam_env)
        pid = np.repeat(np.arange(n), counts)
        r = rng.random(pid.size) * t_s[pid]                  # proposal shed times, uniform on [0, t_s]
        s_r = mu[pid] * np.exp(gamma * logx(r, rate[pid]))
        keep = rng.random(pid.size) * s_max[pid] < s_r       # thinning: accept w.p. s(r) / s_max
        pid, r = pid[keep], r[keep]
        arrest = r + rng.exponential(1.0 / kappa, pid.size)
        wake = arrest + rng.exponential(1.0 / beta, pid.size)
        ts = t_s[pid]
        alive = ~((arrest < ts) & (wake > ts) & (rng.random(pid.size) < kd))
        if org.growth == "birth_death":
            lam, b = org.birth - org.death, org.birth
            alive &= rng.random(pid.size) < lam / b          # the colony escapes extinction
            W = rng.exponential(b / lam, pid.size)
            delay = np.maximum(np.log(org.detection / W) / lam, 0.0)
        else:
            delay = np.full(pid.size, org.detection_delay)
        det = wake + delay
        alive &= ~((wake < ts) & (det > ts) & (rng.random(pid.size) < kc))
        np.minimum.at(detect[:, k], pid[alive], det[alive])
    detect = detect - t_dx[:, None]
    h = model.mortality.hazard
    death = rng.exponential(1.0 / h, n) if h > 0 else np.full(n, np.inf)
    m0 = np.all(detect > 0.0, axis=1)
    return {"mu": mu, "rate": rate, "diameter": diameter, "t_dx": t_dx, "m0": m0, "detect": detect, "death": death}


def _prop(hit: np.ndarray, among: np.ndarray):
    n = np.broadcast_to(among, np.broadcast_shapes(hit.shape, among.shape)).sum(axis=1)
    p = np.where(n > 0, (hit & among).sum(axis=1) / np.maximum(n, 1), 0.0)
    return p, np.sqrt(p * (1.0 - p) / np.maximum(n, 1)), n


def cohort_incidence(cohort: Cohort, endpoint: Endpoint, times) -> CohortIncidence:
    """Empirical incidence of ``endpoint`` at clinical ``times`` (years) from a simulated cohort."""
    times = np.asarray(times, dtype=float)
    L = 0.0
    inner = endpoint
    if isinstance(endpoint, Landmark):
        inner, L = endpoint.inner, endpoint.at
    cols = cohort.organs if inner.per_organ else ("distant",)
    det, death = cohort.detect, cohort.death
    u = times[:, None, None]                                  # (T, 1, 1)
    if isinstance(inner, AtDiagnosis):
        hit = np.broadcast_to((det <= 0.0)[None], (times.size,) + det.shape)
        p, se, nn = _prop(hit, np.ones_like(hit, dtype=bool))
        return CohortIncidence(endpoint, times, cols, p, se, nn)
    first = det.min(axis=1)                                   # first distant detection
    base = cohort.m0 & (first > L) & (death > L)              # M0 and, for a landmark, free and alive at L
    seen = det <= death[:, None]                              # detected before background death
    first_seen = first <= death
    among = np.broadcast_to(base[None, :, None], (times.size, cohort.n, 1))
    valid = (times >= L)[:, None]
    if isinstance(inner, Any):
        hit = (det[None] <= u) & seen[None]
        p, se, nn = _prop(hit, among)
    elif isinstance(inner, First):
        hit = (det[None] <= u) & (det == first[:, None])[None] & first_seen[None, :, None]
        p, se, nn = _prop(hit, among)
    elif isinstance(inner, Distant):
        hit = ((first[None, :] <= times[:, None]) & first_seen[None])[:, :, None]
        p, se, nn = _prop(hit, among)
    elif isinstance(inner, SiteShare):
        dist = ((first[None, :] <= times[:, None]) & first_seen[None])[:, :, None] & among
        hit = (det[None] <= u) & seen[None]
        p, se, nn = _prop(hit, dist)
    else:
        raise InputError(f"endpoint '{inner.name}' is not available from a cohort")
    p, se = np.where(valid, p, 0.0), np.where(valid, se, 0.0)
    return CohortIncidence(endpoint, times, cols, p, se, nn)
