"""Incidence by endpoint for each organ (population expectation with the M0 reweighting)."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ..model import Model
from ..population import incidence
from .style import label_bottom_row, new_figure, organ_colour

#: Endpoints drawn per organ panel: (name, line style, legend label).
ENDPOINT_LINES = (("any", "-", "any involvement"), ("first", "--", "first site"))


def incidence_figure(model: Model, *, horizon: float = 20.0, points: int = 41, nodes=None) -> Figure:
    """One panel per organ: 'any' (organ involved) and 'first' (organ among the first sites)
    incidence against years after diagnosis; a last panel with any distant metastasis."""
    t = np.linspace(0.0, horizon, points)
    opts = {} if nodes is None else {"nodes": nodes}
    res = {name: incidence(model, name, t, **opts) for name, _, _ in ENDPOINT_LINES}
    distant = incidence(model, "distant", t, **opts)
    organs = model.organ_names
    n = len(organs) + 1
    ncols = 3 if n > 4 else 2
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(nrows, ncols, width=8.0 if ncols == 3 else 7.0, height=2.5 * nrows + 0.5,
                           sharex=True)
    flat = axes.ravel()
    top = max(float(np.max(r.values)) for r in res.values())
    for k, organ in enumerate(organs):
        ax = flat[k]
        for name, ls, label in ENDPOINT_LINES:
            ax.plot(t, res[name].column(organ), color=organ_colour(organ, k), ls=ls, label=label)
        ax.set_title(organ)
        ax.set_ylim(0, top * 1.08)
        ax.set_ylabel("cumulative incidence (fraction)")
    ax = flat[len(organs)]
    ax.plot(t, distant.values[:, 0], color="black", label="any distant")
    ax.set_title("distant (any organ)")
    ax.set_ylim(0, float(np.max(distant.values)) * 1.08 + 1e-12)
    ax.set_ylabel("cumulative incidence (fraction)")
    ax.legend(loc="lower right")
    flat[0].legend(loc="upper left")
    label_bottom_row(flat, n, ncols, "time since diagnosis (years)")
    fig.suptitle(f"Incidence by endpoint among M0 patients, model {model.name} ({res['any'].method})")
    return fig
