"""validate_patients.png: calibration of cross-validated per-patient risks, one panel per horizon.

Each marker is a decile of predicted risk: its mean held-out prediction (x) against the
Aalen-Johansen estimate of its patients (y, death competing, with a 95% bar), for the mechanistic
fit (blue) and the Cox model on the same covariates (orange); the diagonal is perfect calibration.
The legend carries each method's Harrell C and calibration slope. Reads a
:class:`~metakinetics.inference.patient_validation.PatientValidation`, never refits.
"""
from __future__ import annotations

from .style import OKABE_ITO, new_figure, styled

COLOURS = {"model": OKABE_ITO["blue"], "cox": OKABE_ITO["orange"]}
LABELS = {"model": "mechanistic fit", "cox": "Cox (same covariates)"}


def plot_patient_validation(v, *, panel_size=(3.6, 3.4)):
    """A matplotlib Figure of a patient-level validation: per horizon, observed against predicted risk
    by decile of predicted risk, for the fit and the Cox model.

    Parameters
    ----------
    v : PatientValidation
        The result of :func:`metakinetics.inference.patient_validation.validate_patients`.
    panel_size : tuple of float
        Width and height of one panel, inches.

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot.
    """
    n = len(v.horizons)
    fig, axes = new_figure(1, n, width=panel_size[0] * n, height=panel_size[1])
    with styled():
        for ax, tau in zip(axes[0], v.horizons):
            key = f"{tau:g}"
            top = 0.0
            for m in ("model", "cox"):
                met = v.metrics[m][key]
                cal = met["calibration"]
                err = [1.96 * s for s in cal["observed_se"]]
                ax.errorbar(cal["predicted"], cal["observed"], yerr=err, fmt="o", ms=4, color=COLOURS[m], lw=0.8,
                            label=f"{LABELS[m]}: C {met['harrell']:.3f}, slope {cal['slope']:.2f}")
                top = max(top, max(cal["predicted"]), max(o + e for o, e in zip(cal["observed"], err)))
            ax.plot([0, top], [0, top], color="0.6", lw=0.8, ls="--")
            ax.set_xlabel(f"predicted risk at {key} years (decile mean)")
            ax.set_ylabel("observed (Aalen-Johansen)")
            ax.set_title(f"distant metastasis by {key} years", fontsize=9)
            ax.legend(fontsize=7, loc="upper left")
        fig.suptitle(f"{v.name}: {v.folds}-fold cross-validation on {len(v.patients)} patients ({v.data})",
                     fontsize=9)
    return fig
