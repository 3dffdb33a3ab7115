"""The nodal selection weight: P(a patient's involved-node count is in the described class).

A patient whose involved-node count is Poisson with mean m is in the class lo..hi with probability
P(lo <= N <= hi) = P(lo, m) - P(hi + 1, m), P the regularised lower incomplete gamma function. With
a gamma frailty of variance d on the mean (``nodes.dispersion``: nodal spread varying between
patients beyond their shedding), N is negative binomial (mean m, variance m + d m^2) and the
incomplete gamma functions become regularised incomplete beta functions I_p(1/d, n + 1),
p = 1 / (1 + d m). The mean is m = ratio x mu_ref^(1 - b) x mu^b x S_1(t_s) (docs/model.md,
"Nodes"): S_1 the cells shed per unit mu up to surgery, when the nodes are examined; mu the
patient's shedding constant, mu_ref the population's (the model's ``shedding.mu``), b the
coupling. The weight multiplies the M0 weight, so every endpoint is among the patients of the class.
"""
from __future__ import annotations

import numpy as np

from scipy import special

from ..model.chain import shed_by
from ..model.params import PatientParams
from ..nodal_classes import OPEN, selects


def log_class_probability(m: np.ndarray, lo: np.ndarray, hi: np.ndarray, dispersion=0.0) -> np.ndarray:
    """log P(lo <= N <= hi) for N ~ Poisson(m) (``dispersion`` d = 0) or negative binomial with mean m
    and variance m + d m^2 (d > 0), elementwise (hi >= OPEN: no upper bound); exactly 0 where the
    class is 0..open. Each tail from the side that does not cancel."""
    m, lo, hi, d = np.broadcast_arrays(np.asarray(m, dtype=float), np.asarray(lo, dtype=float),
                                       np.asarray(hi, dtype=float), np.asarray(dispersion, dtype=float))
    a, b = np.maximum(lo, 1), hi + 1
    if np.any(d > 0):                 # P(N >= n) = I_{1-p}(n, k), P(N < n) = I_p(k, n), k = 1/d
        k = 1.0 / np.where(d > 0, d, 1.0)
        q = np.where(d > 0, d * m / (1.0 + d * m), 0.0)                          # 1 - p
        nb = d > 0

        def tail(n, upper):           # P(N >= n) (upper) or P(N < n), Poisson where d = 0
            pois = special.gammainc(n, m) if upper else special.gammaincc(n, m)
            neg = special.betainc(n, k, q) if upper else special.betainc(k, n, 1.0 - q)
            return np.where(nb, neg, pois)
    else:
        def tail(n, upper):
            return special.gammainc(n, m) if upper else special.gammaincc(n, m)
    upper = np.where(lo > 0, tail(a, True), 1.0)              # P(N >= lo)
    above = np.where(hi < OPEN, tail(b, True), 0.0)           # P(N > hi)
    below = np.where(lo > 0, tail(a, False), 0.0)             # P(N < lo)
    within = np.where(hi < OPEN, tail(b, False), 1.0)         # P(N <= hi)
    # P = upper - above = within - below: the first when the mean is below the class, else the second
    p = np.where(m < 0.5 * (lo + np.minimum(hi, OPEN)), upper - above, within - below)
    with np.errstate(divide="ignore"):
        out = np.log(np.maximum(p, 0.0))
    # far below a class whose lower tail underflows: the leading Poisson term, log of m^lo e^-m / lo!
    tiny = (p < 1e-300) & (lo > 0) & (m > 0) & (m < lo) & (d == 0)
    if np.any(tiny):
        lead = lo * np.log(np.where(m > 0, m, 1.0)) - m - special.gammaln(lo + 1)
        out = np.where(tiny, lead, out)
    return np.where(selects(lo, hi), out, 0.0)


def nodal_mean(pat: PatientParams, mu: np.ndarray, mu_ref: np.ndarray, *, closed: bool) -> np.ndarray:
    """Expected involved nodes (P, J) of unit-mu patients ``pat`` (P rows) at shedding constants
    ``mu`` (P, J), population shedding ``mu_ref`` (P,)."""
    S1 = shed_by(pat, pat.surgery_time(), closed=closed) / pat.mu         # cells per unit mu
    b = pat.nodes_coupling[:, None]
    ref = mu_ref[:, None]
    return (pat.nodes_ratio * S1)[:, None] * ref * (mu / ref) ** b


def nodal_log_weight(pat: PatientParams, mu: np.ndarray, mu_ref: np.ndarray, *, closed: bool) -> np.ndarray:
    """log P(nodes_min <= N <= nodes_max) (P, J) for unit-mu patients ``pat`` at shedding ``mu``
    (P, J); exactly 0 where the class is every patient."""
    if not pat.nodal_selection:
        return np.zeros(mu.shape)
    m = nodal_mean(pat, mu, mu_ref, closed=closed)
    return log_class_probability(m, pat.nodes_min[:, None], pat.nodes_max[:, None], pat.nodes_dispersion[:, None])
