"""Scenario comparison: incidence per organ under each scenario, with uncertainty bands."""
from __future__ import annotations

import math

from matplotlib.figure import Figure

from ..scenarios import Comparison
from .style import LINESTYLES, colour, new_figure

ENDPOINT_LABELS = {
    "any": "incidence (fraction of M0 patients)",
    "first": "first-site incidence (fraction of M0 patients)",
    "distant": "distant metastasis (fraction of M0 patients)",
    "at_diagnosis": "prevalence at diagnosis (fraction)",
    "site_share": "share of relapsed patients (fraction)",
    "landmark": "incidence after the landmark (fraction)",
}


def endpoint_label(name: str) -> str:
    """Axis label of an endpoint's incidence, by endpoint name."""
    return ENDPOINT_LABELS.get(name, f"{name} (fraction of patients)")


def scenario_figure(comparison: Comparison, *, title: str | None = None) -> Figure:
    """One panel per organ (or 'distant'): incidence against years after diagnosis, one line per
    scenario (baseline black), shaded percentile bands when the comparison carries draws."""
    cols = comparison.columns_
    n = len(cols)
    ncols = min(n, 2)
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(nrows, ncols, width=7.5 if ncols > 1 else 5.0, height=2.6 * nrows + 0.6,
                           sharex=True)
    v = comparison.grid("value")
    bands = comparison.level is not None
    lo = comparison.grid("lower") if bands else None
    hi = comparison.grid("upper") if bands else None
    t = comparison.times
    for k, col in enumerate(cols):
        ax = axes.ravel()[k]
        for s, label in enumerate(comparison.scenarios):
            c = "black" if s == 0 else colour(s - 1)
            ax.plot(t, v[s, :, k], color=c, ls=LINESTYLES[s % len(LINESTYLES)], label=label)
            if bands:
                ax.fill_between(t, lo[s, :, k], hi[s, :, k], color=c, alpha=0.15, lw=0)
        ax.set_title(col)
        ax.set_ylim(bottom=0)
        ax.set_ylabel(endpoint_label(comparison.endpoint))
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("time since diagnosis (years)")
    if n % ncols and nrows > 1:
        axes[-2, -1].set_xlabel("time since diagnosis (years)")
        axes[-2, -1].xaxis.set_tick_params(labelbottom=True)
    axes.ravel()[0].legend(loc="upper left", fontsize=7)
    band = f", {comparison.level:.0%} bands over parameter draws" if bands else ""
    fig.suptitle(title or f"Scenarios: {comparison.endpoint} endpoint{band}")
    return fig


def scenario_caption(comparison: Comparison) -> str:
    """Caption text: what each line is, how bands were made, and the source."""
    lines = [f"Scenario comparison, endpoint '{comparison.endpoint}' ({comparison.method}); source: "
             f"{comparison.source}.", "Lines (one per scenario):"]
    lines += [f"  {s}: {d}" for s, d in zip(comparison.scenarios, comparison.descriptions)]
    if comparison.level is not None:
        n = comparison.sweep.draws.n if comparison.sweep and comparison.sweep.draws else 0
        lines.append(f"Shaded: central {comparison.level:.0%} of {n} parameter draws from the fit "
                     f"({comparison.sweep.draws.method}); lines at the fitted estimates.")
    return "\n".join(lines)


__all__ = ["endpoint_label", "scenario_caption", "scenario_figure"]
