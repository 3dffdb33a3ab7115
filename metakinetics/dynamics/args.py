"""Resolved parameters in the argument order of the compiled symbolic functions."""
from __future__ import annotations

import numpy as np

from ..model.params import PatientParams
from ..symbolic.derive import Structure


def structure_of(p: PatientParams) -> Structure:
    """The symbolic structure (primary growth law, number of organs) of resolved parameters."""
    return Structure(p.law.name, len(p.organs))


def _K(p: PatientParams) -> np.ndarray:
    # the compiled functions of a law without capacity never use K; pass a finite placeholder
    return np.where(np.isfinite(p.K), p.K, 1.0)


def columns(p: PatientParams) -> tuple[np.ndarray, ...]:
    """All parameter sets as columns (each (P,)) in compiled-function order."""
    return (p.x0, p.rate, _K(p), p.mu, p.gamma, p.kappa, *p.f.T, *p.wake.T, *p.dormant_death.T, *p.eps.T)


def row(p: PatientParams, i: int) -> tuple[float, ...]:
    """Parameter set ``i`` as the flat tuple the compiled functions take."""
    return tuple(float(c[i]) for c in columns(p))
