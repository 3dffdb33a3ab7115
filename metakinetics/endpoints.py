"""Endpoint objects (docs/model.md, "What the clinic sees"): what the clinic observes, as frozen
values.

Clinical time u is years after diagnosis (surgery follows at u = delay). An endpoint says which
probability to compute; ``incidence`` and ``population`` compute it from any source.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InputError, nearest


@dataclass(frozen=True)
class Endpoint:
    """Base class; ``name`` is the key used in files and on the command line."""

    name = "endpoint"
    per_organ = True  # False: one column ('distant') instead of one per organ


@dataclass(frozen=True)
class Any(Endpoint):
    """Organ-k incidence by u among M0 patients (other organs ignored)."""

    name = "any"


@dataclass(frozen=True)
class First(Endpoint):
    """Organ k among the first detected sites (competing risks), among M0 patients."""

    name = "first"


@dataclass(frozen=True)
class Distant(Endpoint):
    """Any distant metastasis by u among M0 patients."""

    name = "distant"
    per_organ = False


@dataclass(frozen=True)
class AtDiagnosis(Endpoint):
    """Prevalence of a detectable metastasis at diagnosis, all patients (no M0 selection)."""

    name = "at_diagnosis"


@dataclass(frozen=True)
class DistantAtDiagnosis(AtDiagnosis):
    """Prevalence of a detectable metastasis in any organ at diagnosis, all patients."""

    name = "distant_at_diagnosis"
    per_organ = False


@dataclass(frozen=True)
class SiteShare(Endpoint):
    """Among patients with a distant metastasis by u, the share with organ k involved."""

    name = "site_share"


@dataclass(frozen=True)
class BySize(Endpoint):
    """Distant metastasis against diameter at diagnosis (cm). ``horizon`` 0: any organ at diagnosis,
    every patient (as ``distant_at_diagnosis``); ``horizon`` > 0: a distant metastasis by
    ``horizon`` years after diagnosis among patients free of metastasis at diagnosis (as ``distant``)."""

    name = "by_size"
    per_organ = False
    horizon: float = 0.0


@dataclass(frozen=True)
class Landmark(Endpoint):
    """``inner`` among patients still free of distant metastasis at ``at`` years after diagnosis."""

    name = "landmark"
    inner: Endpoint = Distant()
    at: float = 5.0

    @property
    def per_organ(self) -> bool:  # type: ignore[override]
        return self.inner.per_organ


ENDPOINTS: dict[str, type[Endpoint]] = {c.name: c for c in (Any, First, Distant, AtDiagnosis, DistantAtDiagnosis,
                                                             SiteShare, BySize)}


def _years(value, what: str) -> float:
    """A time in years: a real number, finite and >= 0 (not a string such as "5", not a boolean,
    whose numpy check was a TypeError traceback or a silent 1)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{what} must be a number of years, found {type(value).__name__} {value!r}")
    if not (np.isfinite(value) and value >= 0):
        raise InputError(f"{what} must be a finite number of years >= 0, found {value}")
    return float(value)


def endpoint_from_name(name: str, *, landmark: float | None = None, horizon: float | None = None) -> Endpoint:
    """Endpoint object from its name (``any``, ``first``, ``distant``, ``at_diagnosis``,
    ``site_share``, ``by_size``), optionally as a landmark version from ``landmark`` years."""
    if name not in ENDPOINTS:
        hint = nearest(name, ENDPOINTS)
        raise InputError(f"unknown endpoint '{name}' (expected one of {', '.join(ENDPOINTS)})"
                         + (f"; did you mean '{hint}'?" if hint else ""))
    if horizon is not None and name != "by_size":
        raise InputError(f"a horizon applies to the by_size endpoint only, not '{name}'")
    if horizon is not None:
        horizon = _years(horizon, "horizon")
    ep = BySize(horizon=float(horizon or 0.0)) if name == "by_size" else ENDPOINTS[name]()
    if landmark is not None:
        ep = Landmark(inner=ep, at=_years(landmark, "landmark time"))
    return ep
