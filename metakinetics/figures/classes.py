"""Class-specific incidence: per organ, each intrinsic class's curve beside the pooled mixture."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ..model import Model
from ..population import incidence
from .style import label_bottom_row, new_figure


def class_incidence_figure(model: Model, *, endpoint: str = "any", horizon: float = 20.0,
                           points: int = 41) -> Figure:
    """One panel per organ and one for any distant metastasis: the ``endpoint`` incidence of each
    intrinsic class (thin lines) and of the whole cohort (the exact mixture, thick black) against
    years after diagnosis (population expectation with the M0 reweighting within each class).

    Parameters
    ----------
    model : Model
        A model with intrinsic classes.
    endpoint : str
        Per-organ endpoint of the organ panels ("any" or "first").
    horizon : float
        Last time drawn (years after diagnosis).
    points : int
        Number of times drawn.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = np.linspace(0.0, horizon, points)
    res = incidence(model, endpoint, t, by_class=True)
    dist = incidence(model, "distant", t, by_class=True)
    organs = model.organ_names
    n = len(organs) + 1
    ncols = 3 if n > 4 else 2
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(nrows, ncols, width=8.0 if ncols == 3 else 7.0, height=2.5 * nrows + 0.8, sharex=True)
    flat = axes.ravel()
    colours = [f"C{i}" for i in range(len(model.classes))]
    panels = [(organ, res, organ) for organ in organs] + [("distant (any organ)", dist, "distant")]
    for ax, (title, r, col) in zip(flat, panels):
        for c, name in enumerate(model.class_names):
            ax.plot(t, r.by_class[name].column(col), color=colours[c], lw=1.2,
                    label=f"{name} ({model.classes[c].prevalence:.0%})")
        ax.plot(t, r.column(col), color="black", lw=2.4, label="pooled (mixture)")
        ax.set_title(title)
        ax.set_ylim(0, None)
        ax.set_ylabel("cumulative incidence (fraction)")
    flat[0].legend(loc="upper left", fontsize="small")
    label_bottom_row(flat, n, ncols, "time since diagnosis (years)")
    fig.suptitle(f"Incidence ('{endpoint}') by intrinsic class and pooled, model {model.name}")
    return fig
