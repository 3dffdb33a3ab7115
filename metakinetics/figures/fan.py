"""Fan chart of stochastic trajectories: noisy primary growth (stochastic SDE engine, seeded)."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..dynamics import diagnosis_time, solve
from ..model import Model
from ..stochastic import simulate
from .style import new_figure

#: Central bands drawn, widest first (probability mass inside).
BANDS = (0.9, 0.5)


def fan_chart(model: Model, *, paths: int = 400, sigma: float = 0.4, seed: int = 0,
              horizon: float | None = None, points: int = 161, step: float = 2e-3) -> Figure:
    """Median and 50%/90% bands of the primary size under noisy Gompertz/exponential growth
    dx = g(x) dt + sigma x dW (Euler-Maruyama), against the deterministic curve; the share of
    paths that reached the diagnosis size by each time in the lower panel."""
    t_dx = float(diagnosis_time(model)[0])
    end = horizon if horizon is not None else 1.6 * t_dx
    t = np.linspace(0.0, end, points)
    window = t >= 0.4 * t_dx  # the clinically visible part: the primary from ~1e5 cells on
    ens = simulate(model, t, paths, np.random.default_rng(seed), method="sde", sigma=sigma, step=step)
    x = ens.column("x")
    logx = np.log10(np.maximum(x, 1.0))
    det = solve(model, t, surgery=False).x[0]
    fig, axes = new_figure(2, 1, width=6.5, height=5.0, sharex=True)
    ax = axes[0, 0]
    for i, level in enumerate(BANDS):
        lo, hi = np.percentile(logx, [50 * (1 - level), 50 * (1 + level)], axis=0)
        ax.fill_between(t, 10**lo, 10**hi, color="#0072B2", alpha=0.18 + 0.17 * i, lw=0,
                        label=f"{level:.0%} of paths")
    ax.plot(t, 10 ** np.median(logx, axis=0), color="#0072B2", label="median path")
    ax.plot(t, det, color="black", ls="--", label="deterministic")
    ax.axhline(model.diagnosis.size, color="#D55E00", lw=1.0, ls=":", label="diagnosis size")
    ax.set_yscale("log")
    ax.set_xlim(t[window][0], t[-1])
    ax.set_ylim(10 ** np.percentile(logx[:, window][:, 0], 1) / 3, 10 ** np.max(np.percentile(logx, 99, axis=0)) * 3)
    ax.set_ylabel("primary tumour x (cells)")
    ax.set_title(f"Noisy primary growth: {paths} paths, sigma = {sigma:g} / sqrt(year), seed {seed}")
    ax.legend(loc="lower right")
    ax = axes[1, 0]
    reached = np.maximum.accumulate(x >= model.diagnosis.size, axis=1).mean(axis=0)
    ax.step(t, reached, where="post", color="#0072B2", label="simulated")
    ax.axvline(t_dx, color="black", ls="--", lw=1.0, label="deterministic diagnosis")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("time since the first cancer cell (years)")
    ax.set_ylabel("diagnosed by t (fraction of paths)")
    ax.legend(loc="upper left")
    fig.suptitle(f"Fan chart of stochastic trajectories, model {model.name}")
    return fig
