"""Primary growth laws in closed form: log size, shedding intensity and diagnosis time.

All functions take :class:`Patients` (arrays of shape (P,)) and times whose leading axis is P;
parameters are broadcast over the trailing axes. Log space keeps huge sizes finite.
"""
from __future__ import annotations

import numpy as np

from .params import Patients


def _b(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Reshape a (P,) parameter to broadcast against t of shape (P, ...)."""
    return a.reshape(a.shape + (1,) * (np.ndim(t) - 1))


def log_size(pat: Patients, t: np.ndarray) -> np.ndarray:
    """ln x(t) of the primary (cells), t in years since x = x0."""
    x0, r = _b(pat.x0, t), _b(pat.rate, t)
    if pat.law == "exponential":
        return np.log(x0) + r * t
    K = _b(pat.K, t)
    if pat.law == "gompertz":
        return np.log(K) + np.log(x0 / K) * np.exp(-r * t)
    if pat.law == "logistic":
        return np.log(K) - np.log1p((K / x0 - 1.0) * np.exp(-r * t))
    raise ValueError(f"unknown primary growth law {pat.law!r}")


def log_shedding(pat: Patients, t: np.ndarray) -> np.ndarray:
    """ln s(t), s = mu x^gamma the shedding intensity (cells/year), before surgery."""
    return np.log(_b(pat.mu, t)) + _b(pat.gamma, t) * log_size(pat, t)


def shedding_growth(pat: Patients, t: np.ndarray) -> np.ndarray:
    """d ln s / dt (1/year): gamma times the primary's specific growth rate."""
    r, g = _b(pat.rate, t), _b(pat.gamma, t)
    if pat.law == "exponential":
        return g * r * np.ones_like(t)
    K, x0 = _b(pat.K, t), _b(pat.x0, t)
    if pat.law == "gompertz":
        return -g * r * np.log(x0 / K) * np.exp(-r * t)
    # logistic: r (1 - x/K) = r / (1 + e^{rt} / (K/x0 - 1))
    return g * r / (1.0 + np.exp(r * t) / (K / x0 - 1.0))


def diagnosis_time(pat: Patients) -> np.ndarray:
    """t_dx (years): when the primary reaches the diagnosis size (P,)."""
    x0, r, size = pat.x0, pat.rate, pat.size
    if pat.law == "exponential":
        return np.log(size / x0) / r
    K = pat.K
    if pat.law == "gompertz":
        return np.log(np.log(x0 / K) / np.log(size / K)) / r
    return np.log((K / x0 - 1.0) / (K / size - 1.0)) / r
