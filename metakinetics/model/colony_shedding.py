"""Metastasis-to-metastasis seeding: the daughter kernel Psi_kj of one shedding colony (numpy only:
the formulas in incidence.secondary and the cohort simulator both use it).

A colony founded in organ k at time s grows as y(a) = e^{lambda_k a} (a = t - s, years) and sheds
mu'_k y^gamma' cells/year from founding on, also after surgery (surgery removes only the primary).
Its cells take the same steps as the primary's: blood (Exp(kappa)), arrest in j (f_j), dormancy
(Exp(beta_j), waking w.p. omega_j/beta_j), founding (eps_j). The expected number of daughters
founded in j by mother age a is (symbolic.secondary_kernel, checked against quadrature)

    Psi_kj(a) = c_j A [kappa beta e^{g a} / (g (g + beta)(g + kappa)) + kappa e^{-beta a} / ((kappa - beta)(g + beta))
                       - beta e^{-kappa a} / ((kappa - beta)(g + kappa)) - 1/g],

A = mu'_k, g = gamma' lambda_k, c_j = f_j eps_j omega_j / beta_j; its rate psi = dPsi/da equals
eps_j omega_j x (expected daughter cells dormant in j). kill_dormant acts on daughter cells as on
the primary's: each cell dormant at surgery t_s is killed with that probability, so for a mother
founded before t_s and t > t_s, Psi(s, t) = Psi(t - s) - kd psi(t_s - s) (1 - e^{-beta (t - t_s)}) / beta.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from .params import PatientParams

#: largest exponent g a used (e^700 ~ 1e304): beyond it Psi is astronomically large either way
MAX_EXPONENT = 700.0


#: where ``|kappa - beta| <= SINGULAR * kappa`` beta is raised by ``2 SINGULAR kappa`` (the removable
#: singularity beta = kappa is never divided by), the rule of model.chain.regularised
SINGULAR = 1e-7


def check_generations(generations) -> int | None:
    """``generations`` checked: a whole number >= 1 (1: colonies do not shed; 2: the primary's
    colonies shed, their daughters do not) or None (every generation)."""
    if generations is None:
        return None
    if isinstance(generations, bool) or not isinstance(generations, (int, float, np.integer, np.floating)) \
            or generations != int(generations) or generations < 1:
        raise InputError(f"generations must be a whole number >= 1 (1: colonies do not shed) or None "
                         f"(every generation; 'all' on the command line), found {generations!r}")
    return int(generations)


def kernel_arrays(pat: PatientParams) -> dict[str, np.ndarray]:
    """Per patient, mother organ k (axis 1) and daughter organ j (axis 2): A, g (P, K, 1), kappa
    (P, 1, 1), beta, c (P, 1, K), with beta nudged off kappa where they (nearly) coincide."""
    beta = pat.exit_rate
    close = np.abs(pat.kappa[:, None] - beta) <= SINGULAR * pat.kappa[:, None]
    beta = np.where(close, beta + 2 * SINGULAR * pat.kappa[:, None], beta)
    c = pat.f * pat.eps * np.divide(pat.wake, beta, out=np.zeros_like(beta), where=beta > 0)
    return {"A": pat.secondary_shedding[:, :, None], "g": (pat.secondary_gamma[:, None] * pat.colony_rate)[:, :, None],
            "kappa": pat.kappa[:, None, None], "beta": beta[:, None, :], "c": c[:, None, :]}


def daughters(age, A, g, kappa, beta, c) -> np.ndarray:
    """Psi(age): expected daughters founded by mother ``age`` (years; 0 for age <= 0)."""
    a = np.maximum(age, 0.0)
    eg = np.exp(np.minimum(g * a, MAX_EXPONENT))
    val = (kappa * beta * eg / (g * (g + beta) * (g + kappa)) + kappa * np.exp(-beta * a) / ((kappa - beta) * (g + beta))
           - beta * np.exp(-kappa * a) / ((kappa - beta) * (g + kappa)) - 1.0 / g)
    return np.maximum(c * A * val, 0.0)


def daughter_rate(age, A, g, kappa, beta, c) -> np.ndarray:
    """psi(age) = dPsi/da (daughters per year at mother ``age``; 0 for age <= 0)."""
    a = np.maximum(age, 0.0)
    eg = np.exp(np.minimum(g * a, MAX_EXPONENT))
    val = kappa * beta * (eg / ((g + beta) * (g + kappa)) - np.exp(-beta * a) / ((kappa - beta) * (g + beta))
                          + np.exp(-kappa * a) / ((kappa - beta) * (g + kappa)))
    return np.where(age > 0, np.maximum(c * A * val, 0.0), 0.0)


def kernel_coefficients(A, g, kappa, beta, c) -> tuple:
    """The kernel as a sum of exponentials, coefficients computed once per (patient, mother, daughter
    organ) instead of at every quadrature node::

        Psi(a) = P1 e^{g a} + P2 e^{-beta a} - P3 e^{-kappa a} - P4,
        psi(a) = g P1 e^{g a} - beta P2 e^{-beta a} + kappa P3 e^{-kappa a},

    P1 = c A kappa beta / (g (g + beta)(g + kappa)), P2 = c A kappa / ((kappa - beta)(g + beta)),
    P3 = c A beta / ((kappa - beta)(g + kappa)), P4 = c A / g (the terms of :func:`daughters`)."""
    cA = c * A
    P1 = cA * kappa * beta / (g * (g + beta) * (g + kappa))
    P2 = cA * kappa / ((kappa - beta) * (g + beta))
    P3 = cA * beta / ((kappa - beta) * (g + kappa))
    return (P1, P2, P3, cA / g, g * P1, beta * P2, kappa * P3, g, beta, kappa)


def kernel_at(age, coef: tuple, rate: bool = False):
    """Psi(age) (and with ``rate`` psi(age)) from :func:`kernel_coefficients`, the three
    exponentials evaluated once for both (same values as :func:`daughters` / :func:`daughter_rate`
    up to rounding)."""
    P1, P2, P3, P4, R1, R2, R3, g, beta, kappa = coef
    a = np.maximum(age, 0.0)
    eg = np.exp(np.minimum(g * a, MAX_EXPONENT))
    eb = np.exp(-beta * a)
    ek = np.exp(-kappa * a)
    Psi = np.maximum(P1 * eg + P2 * eb - P3 * ek - P4, 0.0)
    if not rate:
        return Psi
    psi = np.maximum(R1 * eg - R2 * eb + R3 * ek, 0.0)
    return Psi, np.where(age > 0, psi, 0.0)


def kernel_by(s, t, t_s, kd, coef: tuple, rate: bool = False, kill: bool = True):
    """:func:`daughters_by` from :func:`kernel_coefficients`; ``kill=False`` when every kd is 0
    (then Psi is a function of the mother's age alone)."""
    if not kill:
        return kernel_at(t - s, coef, rate)
    beta = coef[8]
    killed = np.where((s < t_s) & (t > t_s), kd, 0.0)
    w = np.maximum(t - t_s, 0.0)
    _, at_surgery = kernel_at(t_s - s, coef, rate=True)
    frac = np.where(beta > 0, -np.expm1(-beta * w) / np.where(beta > 0, beta, 1.0), w)
    full = kernel_at(t - s, coef, rate)
    if not rate:
        return np.maximum(full - killed * at_surgery * frac, 0.0)
    Psi = np.maximum(full[0] - killed * at_surgery * frac, 0.0)
    psi = np.maximum(full[1] - killed * at_surgery * np.exp(-beta * w), 0.0)
    return Psi, psi


def daughters_by(s, t, t_s, kd, A, g, kappa, beta, c, rate: bool = False):
    """Psi(s, t): expected daughters founded by absolute time ``t`` of a mother founded at ``s``,
    cells dormant at surgery ``t_s`` killed w.p. ``kd``; with ``rate`` also dPsi/dt."""
    if np.ndim(kd) == 0 and kd == 0:                       # no adjuvant kill: a function of age alone
        Psi = daughters(t - s, A, g, kappa, beta, c)
        return (Psi, daughter_rate(t - s, A, g, kappa, beta, c)) if rate else Psi
    kill = np.where((s < t_s) & (t > t_s), kd, 0.0)
    w = np.maximum(t - t_s, 0.0)
    at_surgery = daughter_rate(t_s - s, A, g, kappa, beta, c)
    frac = np.where(beta > 0, -np.expm1(-beta * w) / np.where(beta > 0, beta, 1.0), w)
    Psi = np.maximum(daughters(t - s, A, g, kappa, beta, c) - kill * at_surgery * frac, 0.0)
    if not rate:
        return Psi
    psi = np.maximum(daughter_rate(t - s, A, g, kappa, beta, c) - kill * at_surgery * np.exp(-beta * w), 0.0)
    return Psi, psi


