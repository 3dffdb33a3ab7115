"""Compartment trajectories of one typical patient (dynamics.solve): primary, circulating cells,
dormant pools and founded colonies per organ, before and after surgery."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..dynamics import diagnosis_time, solve
from ..model import Model
from .style import new_figure, organ_colour


def _positive(a: np.ndarray) -> np.ndarray:
    """Zeros (e.g. the primary after surgery) as gaps on a log axis."""
    return np.where(a > 0, a, np.nan)


def trajectory_figure(model: Model, *, before: float = 12.0, after: float = 20.0, points: int = 600,
                      method: str = "auto") -> Figure:
    """Four panels against years after diagnosis: primary x (cells), expected circulating cells
    C, dormant cells D_k and expected colonies founded per organ; solid with surgery, dashed
    without (what surgery prevents). A dotted line marks surgery."""
    t_dx = float(diagnosis_time(model)[0])
    start = max(0.0, t_dx - before)
    t = np.linspace(start, t_dx + after, points)
    with_s = solve(model, t, method=method)
    without = solve(model, t, method=method, surgery=False)
    u = t - t_dx
    u_s = float(with_s.t_s[0]) - t_dx
    fig, axes = new_figure(2, 2, width=7.5, height=5.2, sharex=True)
    ax = axes[0, 0]
    ax.plot(u, _positive(with_s.x[0]), color="black", label="with surgery")
    ax.plot(u, _positive(without.x[0]), color="black", ls="--", label="no surgery")
    ax.axhline(model.diagnosis.size, color="grey", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_ylabel("primary tumour x (cells)")
    ax.set_title("Primary tumour")
    ax.legend(loc="lower right")
    ax = axes[0, 1]
    c = with_s.C[0]
    ax.plot(u, _positive(c), color="black")
    ax.plot(u, _positive(without.C[0]), color="black", ls="--")
    peak = max(float(np.max(without.C[0])), 1e-300)
    ax.set_yscale("log")
    ax.set_ylim(max(peak * 1e-8, 1e-6), peak * 3)
    ax.set_ylabel("circulating tumour cells C (cells)")
    ax.set_title("Circulation (expected CTCs)")
    for k, organ in enumerate(with_s.organs):
        col = organ_colour(organ, k)
        axes[1, 0].plot(u, _positive(with_s.D[0, :, k]), color=col, label=organ)
        axes[1, 0].plot(u, _positive(without.D[0, :, k]), color=col, ls="--", lw=1.0)
        axes[1, 1].plot(u, with_s.founded[0, :, k], color=col, label=organ)
        axes[1, 1].plot(u, without.founded[0, :, k], color=col, ls="--", lw=1.0)
    ax = axes[1, 0]
    ax.set_yscale("log")
    top = float(np.nanmax(without.D[0]))
    ax.set_ylim(max(top * 1e-6, 1e-6), top * 3)
    ax.set_ylabel("dormant cells D$_k$ (cells)")
    ax.set_title("Dormant pools")
    ax.legend(loc="lower left", ncol=2)
    ax = axes[1, 1]
    ax.set_ylabel("colonies founded (expected number)")
    ax.set_title("Colonies founded by time t")
    ax.set_ylim(0, float(np.max(with_s.founded[0])) * 1.6 + 1e-12)
    for ax in axes.ravel():
        ax.axvline(0.0, color="grey", lw=0.8, ls="-")
        ax.axvline(u_s, color="grey", lw=0.8, ls=":")
    for ax in axes[1]:
        ax.set_xlabel("time since diagnosis (years)")
    fig.suptitle(f"Compartments of a typical patient, model {model.name} (surgery at "
                 f"{u_s * 12:.2g} months after diagnosis)")
    return fig
