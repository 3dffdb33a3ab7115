"""Exact event-level simulation of metastasis-to-metastasis seeding: colonies as sources.

Every colony sheds from founding on (mother founded at s in organ k, y = e^{lambda_k a}); its
daughters founded in organ j form a Poisson process in absolute time with cumulative intensity
Psi_kj(s, t) (incidence.secondary: the shed cells' arrest, dormancy and founding marks and
delays, kill_dormant acting on daughter cells dormant at surgery; the kernel is checked against
quadrature separately). Each (mother, organ) pair is one stream: its n-th daughter is founded
when Psi crosses E_1 + ... + E_n (E ~ Exp(1)), found by inversion (Newton on ln Psi in a bracket). Only first
detections matter, so nothing founded after T_cut = max_i (min(D_i, t_dx + horizon) - tau_i) (D_i
the patient's earliest detection in organ i so far, an upper bound that only decreases) is
followed: exact for detections up to the horizon. Streams are advanced in rounds, every stream
whose next daughter comes before the patient's current T_cut and within STRIDE years of the
patient's earliest pending daughter firing once per round, and only streams whose lower bound is
within STRIDE of the patient's smallest one inverted (each daughter drawn is an event of the
process, whatever the order, so the order only sets the work; a new colony opens its own streams); a closed-form lower bound of
the crossing time, Psi <= c A P (e^{g a} - 1), P = kappa beta / (g (g + beta)(g + kappa)), retires
most streams without inverting anything. Flat arrays over all streams of all patients.

Colonies with another deterministic growth law (Gompertz) use the tabulated kernel
(model.colony_tables: Psi exact to ~1e-9 relative), built once per batch to the largest age
followed; its lower bound of a crossing is the last table node below the level, and the inversion
(the same Newton in a bracket) polishes the root of the tabulated Psi to TOLERANCE.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..model.colony_shedding import (exponential_colonies, kernel_arrays, kernel_by, kernel_coefficients, pick,
                                     tabulated_kernel)
from ..model.colony_tables import crossing
from ..model.params import PatientParams

STRIDE = 1.0          # years: a round fires the streams within this of the patient's earliest pending daughter
TOLERANCE = 1e-12     # years: founding times by inversion of Psi to this (Newton in a bracket)
MAX_STEPS = 200       # Newton/bisection steps at most
MAX_STREAMS = 3e7     # streams followed at once per batch (memory)


def follow(pat: PatientParams, pid: np.ndarray, organ: np.ndarray, found: np.ndarray, detect: np.ndarray,
           t_dx: np.ndarray, horizon: float, generations: int | None, rng: np.random.Generator) -> np.ndarray:
    """First detections (P, K), absolute years, with the descendants of the colonies
    (``pid``, ``organ``, founding time ``found``: generation 1) followed up to ``generations``
    (None: no cap) and the horizon (years after diagnosis). ``detect`` holds their own detections.
    ``pat``: the batch's parameters (colony and organ parameters equal for every patient)."""
    one = pat.take(np.zeros(1, dtype=np.intp))
    kp = kernel_arrays(one)
    A, g = kp["A"][0, :, 0], kp["g"][0, :, 0]                     # (K,) by mother organ
    kappa, beta, c = float(kp["kappa"][0, 0, 0]), kp["beta"][0, 0], kp["c"][0, 0]    # (K,) by daughter organ
    tau = one.detection_delay()[0]
    targets = np.flatnonzero(c > 0)                               # organs a daughter can be founded in
    t_s = pat.surgery_time()
    kd = float(pat.kill_dormant[0])
    T_H = t_dx + horizon
    cap = np.iinfo(np.int64).max if generations is None else int(generations)
    P = detect.shape[0]
    D = detect.copy()
    if targets.size == 0:
        return D
    K = A.size
    gg, bb = g[:, None], beta[None, :]
    lead = A[:, None] * c[None, :] * kappa * bb / (gg * (gg + bb) * (gg + kappa))   # c A P (K, K)
    # the kernel's coefficients by (mother organ, daughter organ), gathered per stream
    closed = exponential_colonies(one)
    if closed:
        coefK = tuple(np.broadcast_to(x, (K, K)) for x in kernel_coefficients(A[:, None], gg, kappa, bb, c[None, :]))
    else:                                                         # tabulated to the oldest mother followed
        top = float(np.max(np.concatenate([T_H, t_s[np.isfinite(t_s)]])))
        if not np.isfinite(top):
            raise InputError("horizon must be finite with non-exponential colonies (their daughter kernel is "
                             "tabulated up to it)")
        coefK = pick(tabulated_kernel(one, max(top, 0.0) + 1.0), lambda x: x[0])
    kill = kd != 0

    def cutoff(rows=slice(None)):
        x = np.minimum(D[rows][:, targets], T_H[rows, None]) - tau[targets][None, :]
        return x.max(axis=1)

    Tc = cutoff()                       # T_cut per patient, updated where D changes

    def bound(s, k, j, level):
        """Lower bound of the time Psi_kj(s, .) reaches ``level``."""
        if not closed:
            return s + crossing(level, pick(coefK, lambda x: x[k, j]), above=False)
        with np.errstate(divide="ignore"):
            return s + np.log1p(level / lead[k, j]) / g[k]

    # streams: patient, mother founding time, mother organ, daughter organ, mother generation,
    # level of the next daughter, lower bound of its time and whether that is its exact time
    S = {"pid": np.zeros(0, np.intp), "s": np.zeros(0), "k": np.zeros(0, np.intp), "j": np.zeros(0, np.intp),
         "gen": np.zeros(0, np.int64), "level": np.zeros(0), "lb": np.zeros(0), "exact": np.zeros(0, bool)}

    def open_streams(p, s, k, gen):
        sheds = (A[k] > 0) & (gen < cap) & (s < Tc[p])     # founded after T_cut: nothing to follow
        p, s, k, gen = p[sheds], s[sheds], k[sheds], gen[sheds]
        n = targets.size
        new = {"pid": np.repeat(p, n), "s": np.repeat(s, n), "k": np.repeat(k, n), "j": np.tile(targets, p.size),
               "gen": np.repeat(gen, n), "level": rng.exponential(1.0, p.size * n)}
        new["lb"] = bound(new["s"], new["k"], new["j"], new["level"])
        new["exact"] = np.zeros(new["lb"].size, bool)
        alive = new["lb"] < Tc[new["pid"]]
        for key in S:
            S[key] = np.concatenate([S[key], new[key][alive]])

    open_streams(pid, found, organ, np.ones(pid.size, dtype=np.int64))
    while S["pid"].size:
        if S["pid"].size > MAX_STREAMS:
            raise InputError(f"metastasis-to-metastasis seeding: {S['pid'].size:.3g} colony streams at once "
                             f"(at most {MAX_STREAMS:.0e}); use fewer patients or a shorter horizon")
        tc = Tc[S["pid"]]
        alive = S["lb"] < tc
        for key in S:
            S[key] = S[key][alive]
        tc = tc[alive]
        if not alive.any():
            break
        # exact times of the streams that may fire: none before T_cut if Psi(T_cut) < level
        # invert only near each patient's earliest possible daughter (a lower bound is never after the
        # exact time): the order of firing is free, so this only saves inversions of streams that a
        # smaller T_cut retires later
        near = np.full(P, np.inf)
        np.minimum.at(near, S["pid"], S["lb"])
        need = np.flatnonzero(~S["exact"] & (S["lb"] <= near[S["pid"]] + STRIDE))
        if need.size:
            p, s, k, j = S["pid"][need], S["s"][need], S["k"][need], S["j"][need]
            cf = pick(coefK, lambda x: x[k, j])
            top = kernel_by(s, tc[need], t_s[p], kd, cf, kill=kill)
            ok = top >= S["level"][need]
            S["lb"][need[~ok]] = np.inf
            i = need[ok]
            S["lb"][i] = _invert(S["level"][i], s[ok], np.maximum(S["lb"][i], s[ok]), tc[i], t_s[p[ok]], kd,
                                 pick(cf, lambda x: x[ok]), kill, closed)
            S["exact"][i] = True
        due = S["exact"] & (S["lb"] < tc)
        if not due.any():
            continue
        first = np.full(P, np.inf)
        np.minimum.at(first, S["pid"][due], S["lb"][due])
        fire = np.flatnonzero(due & (S["lb"] <= first[S["pid"]] + STRIDE))
        p, w, j, gen = S["pid"][fire], S["lb"][fire], S["j"][fire], S["gen"][fire] + 1
        np.minimum.at(D, (p, j), w + tau[j])
        Tc[p] = cutoff(p)                # repeated patients get the same value
        # the fired streams wait for their next daughter
        S["level"][fire] += rng.exponential(1.0, fire.size)
        S["lb"][fire] = np.maximum(bound(S["s"][fire], S["k"][fire], j, S["level"][fire]), w)
        S["exact"][fire] = False
        open_streams(p, w, j, gen)
    return D


def _invert(level, s, lo, hi, t_s, kd, coef, kill, closed: bool = True) -> np.ndarray:
    """The time t in [lo, hi] with Psi(s, t) = level (Psi increasing in t, Psi(lo) <= level <= Psi(hi);
    ``coef`` from :func:`metakinetics.model.colony_shedding.kernel_coefficients`, per stream):
    Newton's method on ln Psi (nearly linear in t once the colony's e^{g a} dominates) kept inside
    a shrinking bracket (bisection whenever Newton would leave it), to TOLERANCE. Started at the
    root of the dominant terms, P1 e^{g a} - P4 = level, where that is inside the bracket (else at
    lo; a tabulated kernel (``closed`` False) starts at lo, its table node just below the root);
    the streams still iterating are kept contiguous."""
    out = np.empty(level.size)
    a, b = lo.copy(), hi.copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        guess = s + np.log((level + coef[3]) / coef[0]) / coef[7] if closed else lo
    t = np.where((guess > a) & (guess < b), guess, a)
    idx = np.arange(level.size)
    log_level = np.log(level)
    for _ in range(MAX_STEPS):
        F, f = kernel_by(s, t, t_s, kd, coef, rate=True, kill=kill)
        below = F < level
        a = np.where(below, t, a)
        b = np.where(below, b, t)
        with np.errstate(divide="ignore", invalid="ignore"):
            nt = t - (np.log(F) - log_level) * F / f
        inside = (nt > a) & (nt < b) & np.isfinite(nt)
        # a Newton step within TOLERANCE ends the search (also when rounding puts it on the bracket's
        # edge, where a bisection would only halve a bracket already ~TOLERANCE wide)
        conv = np.abs(nt - t) <= TOLERANCE
        nt = np.where(conv, np.clip(nt, a, b), np.where(inside, nt, 0.5 * (a + b)))
        done = conv | (np.abs(nt - t) <= TOLERANCE) | (b - a <= TOLERANCE)
        t = nt
        out[idx[done]] = nt[done]
        if done.all():
            return out
        go = ~done
        idx, s, t, a, b, level, log_level = idx[go], s[go], t[go], a[go], b[go], level[go], log_level[go]
        t_s = t_s[go]
        coef = pick(coef, lambda x: x[go])
    out[idx] = t
    return out
