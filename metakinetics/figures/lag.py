"""The lag from the first distant metastasis to an organ (brain by default): its CDF for several
models (e.g. with and without death after relapse, or with secondary seeding), medians marked."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from ..endpoints import Lag
from ..errors import InputError
from ..model import Model
from ..population import incidence
from .style import new_figure

#: Kennecke 2010 (data/cohorts, kennecke2010): median survival after a distant metastasis, luminal B
MEDIAN_SURVIVAL_AFTER_RELAPSE = 1.6   # years; nu = ln 2 / median


def lag_median(lags: np.ndarray, cdf: np.ndarray) -> float:
    """The lag (years) at which a CDF on ``lags`` reaches 0.5, by linear interpolation (nan if it
    does not within the grid)."""
    cdf = np.asarray(cdf, dtype=float)
    above = np.flatnonzero(cdf >= 0.5)
    if above.size == 0:
        return float("nan")
    j = int(above[0])
    if j == 0:
        return float(lags[0])
    x0, x1, y0, y1 = lags[j - 1], lags[j], cdf[j - 1], cdf[j]
    return float(x0 + (0.5 - y0) * (x1 - x0) / (y1 - y0))


def lag_curves(curves: Mapping[str, Model], organ: str = "brain", *, horizon: float = 10.0,
               within: float = 10.0, points: int = 41, nodes=None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """label -> (lags (years), CDF of the lag to ``organ``) for each model of ``curves``."""
    lags = np.linspace(0.0, within, points)
    out = {}
    for label, model in curves.items():
        if organ not in model.organ_names:
            raise InputError(f"organ '{organ}' is not in model '{model.name}' (organs: {', '.join(model.organ_names)})")
        opts = {} if nodes is None else {"nodes": nodes}
        res = incidence(model, Lag(horizon=horizon, within=within), lags, **opts)
        out[label] = (lags, res.column(organ))
    return out


def lag_figure(curves: Mapping[str, Model], organ: str = "brain", *, horizon: float = 10.0,
               within: float = 10.0, points: int = 41, nodes=None) -> Figure:
    """CDF of the time from the first distant metastasis (elsewhere) to ``organ``, one line per
    labelled model in ``curves``, with each median marked; x in months."""
    if not curves:
        raise InputError("lag figure: give at least one curve (label -> model)")
    data = lag_curves(curves, organ, horizon=horizon, within=within, points=points, nodes=nodes)
    fig, axes = new_figure(1, 1, width=6.0, height=4.0)
    ax = np.ravel(axes)[0]
    styles = ("-", "--", ":", "-.")
    for i, (label, (lags, cdf)) in enumerate(data.items()):
        med = lag_median(lags, cdf)
        line, = ax.plot(12 * lags, cdf, ls=styles[i % len(styles)], label=f"{label} (median {12 * med:.1f} mo)")
        ax.plot([12 * med], [0.5], "o", color=line.get_color())
    ax.axhline(0.5, color="grey", lw=0.6)
    ax.set_xlabel(f"months from the first distant metastasis to {organ}")
    ax.set_ylabel(f"share of patients with {organ} (CDF)")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(f"Time to {organ} after a first metastasis elsewhere (by {horizon:g} y; {organ} within {within:g} y)")
    return fig
