"""One page per patient: her organ curves with bands, each what-if beside the baseline."""
from __future__ import annotations

import textwrap

from matplotlib.figure import Figure

from ..patient import Prediction
from .style import new_figure, organ_colour


def patient_figure(prediction: Prediction, i: int = 0) -> Figure:
    """Patient ``i``'s page: a column per scenario (the baseline first); top, each organ's cumulative
    incidence (lines; shaded: the fit's parameter bands); bottom, distant-metastasis-free survival
    with its band and, dotted, the 10th-90th percentile of look-alike patients' own DMFS.

    Parameters
    ----------
    prediction : Prediction
        A prediction over a time grid fine enough to draw (e.g. 0.5-year steps).
    i : int
        The patient's index.

    Returns
    -------
    matplotlib.figure.Figure
    """
    p = prediction.patients[i]
    S = len(prediction.scenarios)
    fig, axes = new_figure(2, S, width=3.2 * S + 0.8, height=7.0, sharex=True, sharey="row")
    t = prediction.times
    any_v = prediction.values["any"][i]
    dist = prediction.values["distant"][i]
    bands = prediction.bands
    for s, label in enumerate(prediction.scenarios):
        top, bottom = axes[0, s], axes[1, s]
        for k, organ in enumerate(prediction.organs):
            c = organ_colour(organ, k)
            top.plot(t, any_v[s, :, k], color=c, label=organ)
            if bands is not None:
                top.fill_between(t, bands["any"][0][i, s, :, k], bands["any"][1][i, s, :, k], color=c, alpha=0.18,
                                 lw=0)
        top.set_title(label if s else "baseline", fontsize=9)
        top.set_ylim(bottom=0)
        bottom.plot(t, 1.0 - dist[s, :, 0], color="black", label="DMFS")
        if bands is not None:
            bottom.fill_between(t, 1.0 - bands["distant"][1][i, s, :, 0], 1.0 - bands["distant"][0][i, s, :, 0],
                                color="black", alpha=0.18, lw=0, label=f"{prediction.level:.0%} parameter band")
        if prediction.spread is not None:
            sp = prediction.spread["distant"][i, s, :, 0]
            bottom.plot(t, 1.0 - sp[:, 2], color="grey", ls=":", label="look-alike patients 10-90%")
            bottom.plot(t, 1.0 - sp[:, 4], color="grey", ls=":")
        bottom.set_ylim(0, 1.01)
        bottom.set_xlabel("years since diagnosis")
    axes[0, 0].set_ylabel("organ cumulative incidence")
    axes[1, 0].set_ylabel("distant-metastasis-free survival")
    axes[0, 0].legend(loc="upper left", fontsize=7)
    axes[1, 0].legend(loc="lower left", fontsize=7)
    fig.suptitle(f"{p.id}: {p.describe()}  ({prediction.source})", fontsize=10)
    return fig


def patient_caption(prediction: Prediction, i: int = 0) -> str:
    """What patient ``i``'s page shows, the covariates not used and each scenario's note.

    Parameters
    ----------
    prediction : Prediction
        The prediction.
    i : int
        The patient's index.

    Returns
    -------
    str
    """
    p = prediction.patients[i]
    lines = [f"{p.id}: {p.describe()}; {prediction.source}.",
             "Top: cumulative incidence of a metastasis in each organ among patients with her covariates "
             "(M0 at diagnosis); bottom: distant-metastasis-free survival. "
             + (f"Shaded: {prediction.level:.0%} band over {prediction.draws} parameter draws of the fit. "
                if prediction.bands is not None else "No parameter bands (no draws or a model). ")
             + ("Dotted: 10th and 90th percentile of the own DMFS of patients who look alike (the spread "
                "of her random effects, not parameter uncertainty)." if prediction.spread is not None else "")]
    for cov, why in prediction.unused[i].items():
        lines.append(f"Not used: {cov} ({why}).")
    for label, desc, note in zip(prediction.scenarios, prediction.descriptions, prediction.notes):
        lines.append(f"{label}: {desc}" + (f" (note: {note})" if note else ""))
    return "\n".join(textwrap.fill(x, 100) for x in lines)
