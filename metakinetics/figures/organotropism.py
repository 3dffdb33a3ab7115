"""Organotropism: where colonies come from (seed and soil) against what blood flow alone predicts."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..errors import InputError
from ..model import Model
from .style import new_figure, organ_colour


def organotropism_shares(model: Model) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(organs, blood-flow share, colonisation share): each normalised to sum to 1 over the
    organs with a known blood flow. Colonisation weight per organ = f_k * eps_k *
    omega_k / (omega_k + delta_k) (the share of arrested cells that found a colony)."""
    organs = [o for o in model.organs if o.blood_flow is not None]
    if len(organs) < 2:
        raise InputError(f"model '{model.name}': an organotropism chart needs blood_flow for at "
                         f"least two organs")
    flow = np.array([o.blood_flow for o in organs], dtype=float)
    w = np.array([o.arrest_fraction * o.efficiency * o.wake / (o.wake + o.dormant_death)
                  for o in organs], dtype=float)
    if w.sum() <= 0:
        raise InputError(f"model '{model.name}': no organ can found a colony (all efficiencies 0)")
    return tuple(o.name for o in organs), flow / flow.sum(), w / w.sum()


def organotropism_figure(model: Model) -> Figure:
    """Left: share of colonies founded per organ (model) beside its blood-flow share. Right: the
    ratio (seed-and-soil enrichment; 1 = blood flow explains it)."""
    names, flow, col = organotropism_shares(model)
    fig, axes = new_figure(1, 2, width=7.5, height=3.0)
    x = np.arange(len(names))
    ax = axes[0, 0]
    ax.bar(x - 0.2, flow, 0.4, color="#BBBBBB", edgecolor="black", label="blood flow alone")
    ax.bar(x + 0.2, col, 0.4, color=[organ_colour(n, i) for i, n in enumerate(names)],
           edgecolor="black", label="model: arrest x dormancy exit x efficiency")
    ax.set_xticks(x, names)
    ax.set_xlabel("organ")
    ax.set_ylabel("share of colonies founded (fraction)")
    ax.legend(loc="upper right")
    ax.set_title("Where colonies are founded")
    ax = axes[0, 1]
    ratio = col / flow
    ax.bar(x, ratio, 0.6, color=[organ_colour(n, i) for i, n in enumerate(names)], edgecolor="black")
    ax.axhline(1.0, color="black", lw=0.8, ls="--")
    ax.set_yscale("log")
    ax.set_xticks(x, names)
    ax.set_xlabel("organ")
    ax.set_ylabel("enrichment over blood flow (ratio)")
    ax.set_title("Seed and soil beyond hemodynamics")
    fig.suptitle(f"Organotropism, model {model.name}")
    return fig
