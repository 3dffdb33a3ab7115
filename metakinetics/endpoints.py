"""Endpoint objects (docs/model.md, "What the clinic sees"): what the clinic observes, as frozen
values.

Clinical time u is years after diagnosis (surgery follows at u = delay). An endpoint says which
probability to compute; ``incidence`` and ``population`` compute it from any source.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InputError, did_you_mean


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


@dataclass(frozen=True)
class OrgansPerRelapse(Endpoint):
    """Mean number of organs detected (alive) by u among M0 patients with a distant metastasis by u
    (a count in [1, K], not a probability)."""

    name = "organs_per_relapse"
    per_organ = False


#: default window (years) within which a second organ makes a first relapse multi-organ (3 months)
WINDOW = 0.25


@dataclass(frozen=True)
class MultiOrgan(Endpoint):
    """Among M0 patients whose first distant metastasis is detected by u, the share with a second
    organ detected alive within ``window`` years of the first (default 3 months; the second organ
    may come after u: the first relapse's presentation is followed for the whole window)."""

    name = "multi_organ"
    per_organ = False
    window: float = WINDOW

    def __post_init__(self):
        _positive_years(self.window, "window")


@dataclass(frozen=True)
class Lag(Endpoint):
    """Time from the first distant metastasis to organ k (years), as a CDF over lags: among M0
    patients whose first distant metastasis is in another organ and detected by ``horizon`` years
    after diagnosis and whose organ k is detected alive within ``within`` years of it, the share
    with organ k within the lag. The "times" of this endpoint are lags, in [0, within]."""

    name = "lag"
    horizon: float = 10.0
    within: float = 10.0

    def __post_init__(self):
        _positive_years(self.horizon, "horizon")
        _positive_years(self.within, "within")


class NodalShare(Endpoint):
    """Share of M0 patients at diagnosis whose involved regional nodes (at surgery) are in the
    model's nodal class (``nodes.min``..``nodes.max``): the class is what is counted, not a
    selection. One column, ``nodes``; time 0 only."""

    name = "nodal_share"
    per_organ = False


ENDPOINTS: dict[str, type[Endpoint]] = {c.name: c for c in (Any, First, Distant, AtDiagnosis, DistantAtDiagnosis,
                                                             SiteShare, BySize, OrgansPerRelapse, MultiOrgan,
                                                             Lag, NodalShare)}
#: the options each endpoint takes (name -> option names), checked by :func:`endpoint_from_name`
OPTIONS = {"by_size": ("horizon",), "multi_organ": ("window",), "lag": ("horizon", "within")}


def _years(value, what: str) -> float:
    """A time in years: a real number, finite and >= 0 (not a string such as "5", not a boolean,
    whose numpy check was a TypeError traceback or a silent 1)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{what} must be a number of years, found {type(value).__name__} {value!r}")
    if not (np.isfinite(value) and value >= 0):
        raise InputError(f"{what} must be a finite number of years >= 0, found {value}")
    return float(value)


def _positive_years(value, what: str) -> float:
    """A positive, finite number of years (a window or the lag's reach)."""
    v = _years(value, what)
    if v <= 0:
        raise InputError(f"{what} must be a positive number of years, found {v:g}")
    return v


def endpoint_from_name(name: str, *, landmark: float | None = None, horizon: float | None = None,
                       window: float | None = None, within: float | None = None) -> Endpoint:
    """Endpoint object from its name (``any``, ``first``, ``distant``, ``at_diagnosis``,
    ``site_share``, ``by_size``, ``organs_per_relapse``, ``multi_organ``, ``lag``), with its
    options (``horizon`` for by_size and lag, ``window`` for multi_organ, ``within`` for lag; years),
    optionally as a landmark version from ``landmark`` years."""
    if name not in ENDPOINTS:
        raise InputError(f"unknown endpoint '{name}' (expected one of {', '.join(ENDPOINTS)})"
                         + did_you_mean(name, ENDPOINTS))
    given = {k: v for k, v in (("horizon", horizon), ("window", window), ("within", within)) if v is not None}
    for opt in given:
        if opt not in OPTIONS.get(name, ()):
            users = [n for n, o in OPTIONS.items() if opt in o]
            raise InputError(f"a {opt} applies to the {' and '.join(users)} endpoint{'s' if len(users) > 1 else ''} "
                             f"only, not '{name}'")
    if name == "by_size":
        ep = BySize(horizon=_years(horizon, "horizon") if horizon is not None else 0.0)
    elif name == "multi_organ":
        ep = MultiOrgan(window=_positive_years(window, "window") if window is not None else WINDOW)
    elif name == "lag":
        ep = Lag(horizon=_positive_years(horizon, "horizon") if horizon is not None else Lag.horizon,
                 within=_positive_years(within, "within") if within is not None else Lag.within)
    else:
        ep = ENDPOINTS[name]()
    if landmark is not None:
        ep = Landmark(inner=ep, at=_years(landmark, "landmark time"))
    return ep
