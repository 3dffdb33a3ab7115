"""The daughter kernel Psi_kj of a colony with any deterministic growth path (Gompertz, or
exponential as a check of the closed form), tabulated on an age grid and interpolated (numpy only: the formulas in
incidence.secondary and the cohort simulator both use it).

A colony founded in organ k sheds mu'_k y(a)^gamma' cells/year at age a (years), y(a) its size
(cells) from y(0) = 1 by its growth law. A shed cell founds a daughter in organ j by a delay tau
after its shedding with probability c_j chi_j(tau) (blood Exp(kappa), arrest f_j, dormancy
Exp(beta_j), waking w.p. omega_j / beta_j, founding eps_j; c_j = f_j eps_j omega_j / beta_j), the
hypoexponential distribution function

    chi(tau) = [kappa (1 - e^{-beta tau}) - beta (1 - e^{-kappa tau})] / (kappa - beta),

so Psi_kj(a) = c_j mu'_k int_0^a y(b)^gamma' chi_j(a - b) db. The convolution is the linear chain
blood B, dormant D, woken W of unit cells (dB/da = y^gamma' - kappa B, dD/da = kappa B - beta D,
dW/da = beta D): Psi = c mu' W, psi = dPsi/da = c mu' beta D and dpsi/da = c mu' beta (kappa B - beta D).

Tabulation. The chain is propagated node to node exactly (each step's decay in closed form; its
source integral int y^gamma'(a + h - u) w(u) du, w = e^{-kappa u}, kappa phi(u) or chi(u), by
Gauss-Legendre on pieces halving towards u = 0, so the fast blood exit is resolved), and between
nodes Psi is the quintic Hermite interpolant of (Psi, psi, dpsi/da) at both ends. Node ages grow
geometrically (ratio 1 + GRADE) from 1e-3 / (fastest rate) and then every STEP_SCALE / (fastest
rate of the smooth part) years, at most MAX_STEP, so every step is short against the local time scale: measured
against scipy.integrate.quad (tests/model/test_colony_tables.py) the relative error of Psi and psi
is within 1e-8 (measured ~1e-12 to 1e-10) at ages from 0.05 to 39 years. One table per distinct
(growth law, rate, K, gamma', kappa, beta): mu' and c are scales applied at evaluation.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections import OrderedDict

import numpy as np

from .growth import COLONY_LAWS, GrowthLaw

#: growth of the node spacing near age 0, where the blood (kappa) and dormancy (beta) transients live
GRADE = 0.1
#: uniform node spacing = STEP_SCALE / the fastest smooth rate (the initial specific shedding growth
#: gamma' y'/y at founding, beta and kappa when they are slow): quintic Hermite error ~ STEP_SCALE^6 / 46080
STEP_SCALE = 0.1
#: node spacing at most (years)
MAX_STEP = 0.05
#: Gauss-Legendre nodes per piece of a step's source integral, and pieces halving towards u = 0 until
#: kappa x the smallest piece is below 1
GL_NODES = 12
_GX, _GW = np.polynomial.legendre.leggauss(GL_NODES)
_GU, _GWU = (_GX + 1.0) / 2.0, _GW / 2.0


@dataclass(frozen=True)
class KernelTables:
    """Unit daughter kernels (mu' = c = 1) at common node ages, one row per distinct colony path and
    daughter chain.

    ``ages`` (N,) years, ascending from 0; ``W`` (T, N) the unit Psi (woken cells per unit
    shedding); ``rate`` (T, N) its derivative (cells/year); ``curve`` (T, N) the second derivative
    (cells/year^2); ``area`` (T, N) its integral from age 0 (cell-years: the integral of the
    interpolant, exact between nodes)."""

    ages: np.ndarray
    W: np.ndarray
    rate: np.ndarray
    curve: np.ndarray
    area: np.ndarray

    @property
    def top(self) -> float:
        """The largest age tabulated (years)."""
        return float(self.ages[-1])


@dataclass(frozen=True)
class Tabulated:
    """A daughter kernel per element (any array shape, broadcast alike): ``index`` the row of
    ``tables``, ``scale`` = c_j mu'_k (daughters per unit W), ``beta`` the daughter organ's dormancy
    exit rate (1/year, used by the adjuvant kill)."""

    tables: KernelTables
    index: np.ndarray
    scale: np.ndarray
    beta: np.ndarray

    def take(self, pick) -> "Tabulated":
        """The same kernel with ``pick`` (a function of an array) applied to every per-element array."""
        return Tabulated(self.tables, pick(self.index), pick(self.scale), pick(self.beta))


def node_ages(top: float, fast: float, smooth: float) -> np.ndarray:
    """Node ages (years) from 0 to at least ``top``: geometric (ratio 1 + GRADE) from 1e-3 / ``fast``
    until the spacing reaches min(MAX_STEP, STEP_SCALE / ``smooth``), then uniform.

    Parameters
    ----------
    top : float
        Largest age needed (years).
    fast : float
        The fastest rate of the kernel (1/year: kappa, beta or the initial shedding growth).
    smooth : float
        The fastest rate still acting at ages past the blood transient (1/year).

    Returns
    -------
    numpy.ndarray
        Ascending node ages (years), starting at 0.
    """
    h = min(MAX_STEP, STEP_SCALE / max(smooth, 1e-12))
    start = min(1e-3 / max(fast, 1e-12), h)
    n_geo = max(int(np.ceil(np.log(h / (GRADE * start)) / np.log1p(GRADE))), 0) if h > GRADE * start else 0
    geo = start * (1.0 + GRADE) ** np.arange(n_geo + 1)
    geo = geo[geo <= max(top, start)] if geo[-1] > top else geo
    end = geo[-1]
    n_uni = max(int(np.ceil((top - end) / h)), 0)
    return np.concatenate([[0.0], geo, end + h * np.arange(1, n_uni + 1)])


def _chain_weights(u: np.ndarray, kappa, beta):
    """For a unit cell shed u years ago (u >= 0): P(in blood), P(dormant), P(woken) =
    e^{-kappa u}, kappa phi(u), chi(u) (the closed-form chain, stable for small u)."""
    blood = np.exp(-kappa * u)
    dormant = kappa * np.exp(-beta * u) * -np.expm1(-(kappa - beta) * u) / (kappa - beta)
    woken = (kappa * -np.expm1(-beta * u) - beta * -np.expm1(-kappa * u)) / (kappa - beta)
    return blood, dormant, np.maximum(woken, 0.0)


def _step_sources(log_source, a0: np.ndarray, h: np.ndarray, kappa, beta):
    """Per step [a0, a0 + h] (arrays (N - 1,)) and chain (``kappa``, ``beta`` (T, 1)): the unit cells
    shed during the step that are in blood, dormant and woken at its end (T, N - 1) each, by
    Gauss-Legendre on pieces [h 2^{-i-1}, h 2^{-i}] of u = a0 + h - b and a last piece [0, h 2^{-L}]."""
    levels = int(np.clip(np.ceil(np.log2(max(float(np.max(kappa * h.max())), 1.0))) + 1, 1, 60))
    edges = np.concatenate([[0.0], 2.0 ** -np.arange(levels, -1, -1)])          # fractions of h
    lo, width = edges[:-1], np.diff(edges)
    frac = (lo[:, None] + width[:, None] * _GU[None, :]).ravel()                # (L * G,)
    wfrac = (width[:, None] * _GWU[None, :]).ravel()
    u = h[:, None] * frac[None, :]                                              # (N - 1, L * G)
    src = np.exp(log_source(a0[:, None] + h[:, None] - u)) * (h[:, None] * wfrac[None, :])
    return [np.einsum("tnq,nq->tn", np.broadcast_to(w, (kappa.shape[0],) + u.shape), src)
            for w in _chain_weights(u[None], kappa[..., None], beta[..., None])]


def tabulate(log_source, ages: np.ndarray, kappa: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, ...]:
    """W, dW/da, d^2W/da^2 at ``ages`` for the unit source e^{log_source(a)} through the chains
    ``kappa``, ``beta``, by exact node-to-node propagation.

    Parameters
    ----------
    log_source : callable
        a (years, array) -> ln of the shed cells per year per unit mu'.
    ages : numpy.ndarray
        (N,) ascending node ages (years) from 0.
    kappa, beta : array_like
        (T,) blood clearance and dormancy exit rates (1/year), one chain per row.

    Returns
    -------
    tuple of numpy.ndarray
        (W, rate, curve), each (T, N): woken cells per unit mu' and c (the unit Psi), and its first
        and second derivatives in age (per year, per year^2).
    """
    kappa, beta = np.asarray(kappa, float)[:, None], np.asarray(beta, float)[:, None]
    h = np.diff(ages)
    sB, sD, sW = _step_sources(log_source, ages[:-1], h, kappa, beta)
    eB, eD, eW = _chain_weights(h[None, :], kappa, beta)                  # B(a) carried over the step
    stay = np.exp(-beta * h[None, :])
    leave = -np.expm1(-beta * h[None, :])
    T, N = sB.shape[0], ages.size
    B, D, W = (np.zeros((T, N)) for _ in range(3))
    for n in range(N - 1):
        b, d = B[:, n], D[:, n]
        B[:, n + 1] = eB[:, n] * b + sB[:, n]
        D[:, n + 1] = eD[:, n] * b + stay[:, n] * d + sD[:, n]
        W[:, n + 1] = W[:, n] + eW[:, n] * b + leave[:, n] * d + sW[:, n]
    return W, beta * D, beta * (kappa * B - beta * D)


def colony_log_source(law: str, rate: float, K: float, gamma: float):
    """ln y(a)^gamma' of a colony grown by ``law`` from one cell.

    Parameters
    ----------
    law : str
        A deterministic colony law of :data:`metakinetics.model.growth.COLONY_LAWS`.
    rate : float
        Its growth rate (1/year).
    K : float
        Its carrying capacity (cells; inf for exponential).
    gamma : float
        The shedding exponent gamma'.

    Returns
    -------
    callable
        a (years) -> gamma' ln y(a).
    """
    growth = COLONY_LAWS[law]
    if not isinstance(growth, GrowthLaw):
        raise ValueError(f"colony law '{law}' has no deterministic path")

    def log_source(a):
        return gamma * growth.log_size(a, 1.0, rate, K)
    return log_source


def initial_growth(law: str, rate: float, K: float, gamma: float) -> float:
    """gamma' d ln y/da at founding: the fastest specific growth of a colony's shedding (it only
    slows for Gompertz).

    Parameters
    ----------
    law, rate, K, gamma
        As :func:`colony_log_source`.

    Returns
    -------
    float
        1/year.
    """
    return float(gamma * COLONY_LAWS[law].specific_rate(0.0, 1.0, rate, K))


#: tables are built to a multiple of this many years (so that calls with nearby horizons share them)
TOP_QUANTUM = 10.0


#: bytes of tables kept for later calls (least recently used dropped first). A count would not do:
#: a fast colony's table has ~100x the nodes of a slow one's, and a fit that varies the colony rate
#: made a new table at every step (32 kept tables of ~0.5 GB each filled 18 GB)
CACHE_BYTES = 256 * 2 ** 20
_CACHE: OrderedDict = OrderedDict()


def build_tables(paths: list[tuple], chains: np.ndarray, top: float) -> KernelTables:
    """Tables for every (path, chain) pair, ages to at least ``top`` years (rounded up to
    TOP_QUANTUM; recent tables are kept, up to CACHE_BYTES: a fit or a population calls with the
    same colony parameters again and again).

    Parameters
    ----------
    paths : list of tuple
        (law, rate, K, gamma') of each mother colony path (see :func:`colony_log_source`).
    chains : numpy.ndarray
        (C, 2) (kappa, beta) of each daughter chain (1/year).
    top : float
        Largest mother age needed (years).

    Returns
    -------
    KernelTables
        Row m * C + c is path m through chain c.
    """
    top = TOP_QUANTUM * float(np.ceil(max(top, 1e-6) / TOP_QUANTUM))
    key = (tuple(tuple(p) for p in paths), tuple(map(tuple, np.asarray(chains, float).tolist())), top)
    tables = _CACHE.pop(key, None)
    if tables is None:
        tables = _build(*key)
    _CACHE[key] = tables                          # most recent last
    while len(_CACHE) > 1 and cached_bytes() > CACHE_BYTES:
        _CACHE.popitem(last=False)
    return tables


def cached_bytes() -> int:
    """Bytes of the tables :func:`build_tables` keeps."""
    return sum(sum(a.nbytes for a in (t.ages, t.W, t.rate, t.curve, t.area)) for t in _CACHE.values())


def clear_cache() -> None:
    """Forget the tables kept by :func:`build_tables` (after changing the grid constants)."""
    _CACHE.clear()


def _build(paths: tuple, chains: tuple, top: float) -> KernelTables:
    """:func:`build_tables` (hashable arguments)."""
    chains = np.array(chains, float)
    kappa, beta = chains[:, 0], chains[:, 1]
    fast = max(float(kappa.max()), float(beta.max()), *(initial_growth(*p) for p in paths))
    smooth = max(max(initial_growth(*p) for p in paths), float(beta.max()),
                 float(np.min(np.where(kappa * MAX_STEP > 40.0, 0.0, kappa))))
    ages = node_ages(top, fast, smooth)
    rows = [tabulate(colony_log_source(*p), ages, kappa, beta) for p in paths]
    W, rate, curve = (np.concatenate([r[i] for r in rows], axis=0) for i in range(3))
    h = np.diff(ages)
    steps = h * ((W[:, :-1] + W[:, 1:]) / 2 + h * (rate[:, :-1] - rate[:, 1:]) / 10
                 + h * h * (curve[:, :-1] + curve[:, 1:]) / 120)           # the interpolant's integral
    area = np.concatenate([np.zeros((W.shape[0], 1)), np.cumsum(steps, axis=1)], axis=1)
    for arr in (ages, W, rate, curve, area):
        arr.setflags(write=False)                 # shared by every caller of the cache
    return KernelTables(ages, W, rate, curve, area)


def _hermite(t, h, f0, f1, d0, d1, c0, c1, derivative: bool):
    """Quintic Hermite interpolant (value or derivative) on a step of length ``h`` at fraction ``t``
    from values ``f``, derivatives ``d`` and second derivatives ``c`` at both ends."""
    t2, t3 = t * t, t * t * t
    if not derivative:
        h00 = 1 - 10 * t3 + 15 * t3 * t - 6 * t3 * t2
        h01 = 1 - h00
        h10 = t - 6 * t3 + 8 * t3 * t - 3 * t3 * t2
        h11 = -4 * t3 + 7 * t3 * t - 3 * t3 * t2
        h20 = 0.5 * (t2 - 3 * t3 + 3 * t3 * t - t3 * t2)
        h21 = 0.5 * (t3 - 2 * t3 * t + t3 * t2)
        return f0 * h00 + f1 * h01 + h * (d0 * h10 + d1 * h11) + h * h * (c0 * h20 + c1 * h21)
    g00 = -30 * t2 + 60 * t3 - 30 * t3 * t
    g10 = 1 - 18 * t2 + 32 * t3 - 15 * t3 * t
    g11 = -12 * t2 + 28 * t3 - 15 * t3 * t
    g20 = 0.5 * (2 * t - 9 * t2 + 12 * t3 - 5 * t3 * t)
    g21 = 0.5 * (3 * t2 - 8 * t3 + 5 * t3 * t)
    return (f1 - f0) * -g00 / h + d0 * g10 + d1 * g11 + h * (c0 * g20 + c1 * g21)


def _hermite_area(t, h, f0, f1, d0, d1, c0, c1):
    """Integral of the quintic Hermite interpolant of :func:`_hermite` from the step's start to
    fraction ``t`` (times the step length ``h``)."""
    t2, t3, t4, t5, t6 = t * t, t ** 3, t ** 4, t ** 5, t ** 6
    a00 = t - 2.5 * t4 + 3 * t5 - t6
    a01 = 2.5 * t4 - 3 * t5 + t6
    a10 = t2 / 2 - 1.5 * t4 + 1.6 * t5 - 0.5 * t6
    a11 = -t4 + 1.4 * t5 - 0.5 * t6
    a20 = 0.5 * (t3 / 3 - 0.75 * t4 + 0.6 * t5 - t6 / 6)
    a21 = 0.5 * (t4 / 4 - 0.4 * t5 + t6 / 6)
    return h * (f0 * a00 + f1 * a01 + h * (d0 * a10 + d1 * a11) + h * h * (c0 * a20 + c1 * a21))


def _locate(age, tb) -> tuple:
    """(age clipped at 0, the table step holding it, the step's start and length); ages beyond the
    table are refused (the caller builds it to the largest age it needs)."""
    a = np.maximum(age, 0.0)
    if np.any(a > tb.top * (1 + 1e-12)):
        raise ValueError(f"daughter kernel asked at age {float(np.max(a)):g}, tabulated to {tb.top:g} years")
    i = np.clip(np.searchsorted(tb.ages, a, side="right") - 1, 0, tb.ages.size - 2)
    return a, i, tb.ages[i], tb.ages[i + 1] - tb.ages[i]


def area_at(age, kern: Tabulated) -> np.ndarray:
    """int_0^age Psi (daughter-years) of a tabulated kernel; 0 for age <= 0.

    Parameters
    ----------
    age : array_like
        Mother ages (years), broadcast against the kernel's arrays.
    kern : Tabulated

    Returns
    -------
    numpy.ndarray
        The integral of the interpolant (exact between nodes), times the kernel's scale.
    """
    tb = kern.tables
    a, i, a0, h = _locate(age, tb)
    row = kern.index
    part = _hermite_area((a - a0) / h, h, tb.W[row, i], tb.W[row, i + 1], tb.rate[row, i], tb.rate[row, i + 1],
                         tb.curve[row, i], tb.curve[row, i + 1])
    return np.maximum(kern.scale * (tb.area[row, i] + part), 0.0)


def table_at(age, kern: Tabulated, rate: bool = False):
    """Psi(age) (and with ``rate`` psi(age)) of a tabulated kernel; 0 for age <= 0.

    Parameters
    ----------
    age : array_like
        Mother ages (years), broadcast against the kernel's arrays.
    kern : Tabulated
    rate : bool
        Also return psi = dPsi/da.

    Returns
    -------
    numpy.ndarray or tuple of numpy.ndarray
        Psi (expected daughters), and with ``rate`` psi (daughters/year).

    Raises
    ------
    ValueError
        For ages beyond the table (the caller builds it to the largest age it needs).
    """
    tb = kern.tables
    a, i, a0, h = _locate(age, tb)
    t = (a - a0) / h
    row = kern.index
    args = (tb.W[row, i], tb.W[row, i + 1], tb.rate[row, i], tb.rate[row, i + 1],
            tb.curve[row, i], tb.curve[row, i + 1])
    Psi = np.maximum(kern.scale * _hermite(t, h, *args, derivative=False), 0.0)
    if not rate:
        return Psi
    psi = np.maximum(kern.scale * _hermite(t, h, *args, derivative=True), 0.0)
    return Psi, np.where(age > 0, psi, 0.0)


def crossing(target, kern: Tabulated, *, above: bool) -> np.ndarray:
    """A table node age bracketing where Psi reaches ``target`` (Psi increases with age): with
    ``above``, the smallest node age where Psi has reached it (never before the true crossing: a
    saturation bound for the formulas); without, the largest node age where Psi is still below it
    (never after: a lower bound from which the simulator's inversion starts).

    Parameters
    ----------
    target : array_like
        Expected daughters, broadcast against the kernel's arrays.
    kern : Tabulated
    above : bool
        Which side of the crossing.

    Returns
    -------
    numpy.ndarray
        Mother ages (years); inf where the table never reaches ``target``.
    """
    tb = kern.tables
    unit = target / np.where(kern.scale > 0, kern.scale, np.nan)
    out = np.full(np.shape(unit), np.inf)
    flat_rows, flat_unit = np.broadcast_arrays(kern.index, unit)
    for r in np.unique(flat_rows):
        sel = flat_rows == r
        pos = np.searchsorted(tb.W[r], flat_unit[sel], side="left")
        node = np.minimum(pos, tb.ages.size - 1) if above else np.maximum(pos - 1, 0)
        out[sel] = np.where(pos < tb.ages.size, tb.ages[node], np.inf)
    return np.where(np.isfinite(unit), out, np.inf)
