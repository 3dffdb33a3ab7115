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

Colonies with another deterministic growth law (Gompertz) have no closed form: their
kernel is tabulated (:mod:`metakinetics.model.colony_tables`) and :func:`kernel_at` /
:func:`kernel_by` take either representation (a coefficient tuple or a
:class:`~metakinetics.model.colony_tables.Tabulated`); the adjuvant kill's form holds for any
mother (dormancy is memoryless). Birth-death colonies (random size) are refused by the model.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from .colony_tables import Tabulated, area_at, build_tables, table_at
from .growth import COLONY_LAWS, GrowthLaw
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


def exponential_colonies(pat: PatientParams) -> bool:
    """Whether every shedding organ's colonies grow exponentially (then the closed-form kernel applies).

    Parameters
    ----------
    pat : PatientParams

    Returns
    -------
    bool
    """
    sheds = np.asarray(pat.secondary_shedding).any(axis=0) if pat.secondary_shedding is not None \
        else np.zeros(len(pat.colony_laws), bool)
    return all(law == "exponential" for law, s in zip(pat.colony_laws, sheds) if s)


def tabulated_kernel(pat: PatientParams, top: float) -> Tabulated:
    """The daughter kernel (mother k, daughter j) for any deterministic colony growth, tabulated (one
    table per distinct colony path and daughter chain).

    Parameters
    ----------
    pat : PatientParams
        Regularised (beta nudged off kappa as :func:`kernel_arrays` does).
    top : float
        Largest mother age needed (years).

    Returns
    -------
    Tabulated
        Arrays of shape (P, K, K).

    Raises
    ------
    InputError
        For birth-death colonies (random size: no deterministic path).
    """
    P, K = pat.colony_rate.shape
    kp = kernel_arrays(pat)
    laws = list(COLONY_LAWS)
    for name in pat.colony_laws:
        if not isinstance(COLONY_LAWS[name], GrowthLaw):
            raise InputError(f"the daughter kernel of '{name}' colonies is not tabulated: their size is random")
    gamma = np.broadcast_to(pat.secondary_gamma[:, None], (P, K))
    law_id = np.broadcast_to(np.array([laws.index(n) for n in pat.colony_laws], float), (P, K))
    path_rows = np.stack([law_id, pat.colony_rate, pat.colony_K, gamma], axis=2).reshape(-1, 4)
    paths, path_id = np.unique(path_rows, axis=0, return_inverse=True)
    beta = np.broadcast_to(kp["beta"][:, 0, :], (P, K))
    chain_rows = np.stack([np.broadcast_to(pat.kappa[:, None], (P, K)), beta], axis=2).reshape(-1, 2)
    chains, chain_id = np.unique(chain_rows, axis=0, return_inverse=True)
    tables = build_tables([(laws[int(r[0])], float(r[1]), float(r[2]), float(r[3])) for r in paths], chains,
                          max(float(top), 1e-6))
    index = path_id.reshape(P, K)[:, :, None] * len(chains) + chain_id.reshape(P, K)[:, None, :]
    scale = np.broadcast_to(kp["A"] * kp["c"], (P, K, K))
    return Tabulated(tables, index, scale, np.broadcast_to(kp["beta"], (P, K, K)))


def colony_kernel(pat: PatientParams, top: float):
    """The daughter kernel in the form :func:`kernel_at` takes.

    Parameters
    ----------
    pat : PatientParams
    top : float
        Largest mother age needed (years; used by the table only).

    Returns
    -------
    tuple or Tabulated
        The closed form's coefficients (:func:`kernel_coefficients`) for exponential colonies, else
        the tabulated kernel; arrays (P, K, K).
    """
    if exponential_colonies(pat):
        kp = kernel_arrays(pat)
        return kernel_coefficients(*np.broadcast_arrays(kp["A"], kp["g"], kp["kappa"], kp["beta"], kp["c"]))
    return tabulated_kernel(pat, top)


def pick(coef, take):
    """The kernel ``coef`` with ``take`` applied to each per-element array.

    Parameters
    ----------
    coef : tuple or Tabulated
    take : callable
        array -> array (an index, a reshape, a broadcast).

    Returns
    -------
    tuple or Tabulated
        Of the same kind (None entries of a coefficient tuple kept).
    """
    if isinstance(coef, Tabulated):
        return coef.take(take)
    return tuple(None if x is None else take(x) for x in coef)


def kernel_beta(coef):
    """The daughter organ's dormancy exit rate of a kernel, per element.

    Parameters
    ----------
    coef : tuple or Tabulated

    Returns
    -------
    numpy.ndarray
        beta (1/year).
    """
    return coef.beta if isinstance(coef, Tabulated) else coef[8]


def kernel_at(age, coef, rate: bool = False):
    """Psi(age) (and with ``rate`` psi(age)) from :func:`kernel_coefficients`, the three
    exponentials evaluated once for both (same values as :func:`daughters` / :func:`daughter_rate`
    up to rounding), or from a tabulated kernel."""
    if isinstance(coef, Tabulated):
        return table_at(age, coef, rate)
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


def kernel_by(s, t, t_s, kd, coef, rate: bool = False, kill: bool = True):
    """:func:`daughters_by` from :func:`kernel_coefficients` or a tabulated kernel; ``kill=False``
    when every kd is 0 (then Psi is a function of the mother's age alone)."""
    if not kill:
        return kernel_at(t - s, coef, rate)
    beta = kernel_beta(coef)
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


