"""Corner plot of the fitted parameters: pairwise draws from the fit's uncertainty."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..scenarios import FitSummary, draw_parameters
from .style import new_figure


def _short(key: str) -> str:
    return key.replace("organs.", "").replace("population.", "").replace("*.", "all ")


def corner_figure(fit: FitSummary, *, draws: int = 2000, seed: int = 0, method: str = "covariance") -> Figure:
    """Histograms (diagonal) and pairwise scatter (below) of seeded parameter draws; log10 axes
    for parameters fitted in logs; red lines at the estimates."""
    d = draw_parameters(fit, draws, seed=seed, method=method)
    p = len(d.keys)
    x = np.where(np.array(fit.log)[None, :], np.log10(d.values), d.values)
    est = np.where(np.array(fit.log), np.log10(fit.estimate), fit.estimate)
    size = max(5.0, 1.25 * p)
    fig, axes = new_figure(p, p, width=size, height=size)
    labels = [("log10 " if lg else "") + _short(k) for k, lg in zip(d.keys, fit.log)]
    for i in range(p):
        for j in range(p):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(x[:, i], bins=30, color="#0072B2", alpha=0.7)
                ax.axvline(est[i], color="#D55E00", lw=1.0)
                ax.set_yticks([])
            else:
                ax.scatter(x[:, j], x[:, i], s=2, color="#0072B2", alpha=0.3, lw=0, rasterized=True)
                ax.axvline(est[j], color="#D55E00", lw=0.8)
                ax.axhline(est[i], color="#D55E00", lw=0.8)
            ax.tick_params(labelsize=6)
            ax.grid(False)
            if i == p - 1:
                ax.set_xlabel(labels[j], fontsize=7)
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(labels[i], fontsize=7)
            elif j > 0:
                ax.set_yticklabels([])
    fig.suptitle(f"Parameter uncertainty of fit {fit.name}: {draws} draws ({method}), seed {seed}")
    return fig
