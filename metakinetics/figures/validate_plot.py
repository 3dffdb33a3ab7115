"""validate.png: leave-one-data-set-out predictions against the data, one panel per left-out data set.

Each data row is one position on the x axis: the grey bar is its 95% prediction band (parameter
draws from the refit without that data set, mixed with the row's sampling error; see
``metakinetics.inference.validation``), the open circle the prediction at the refit's estimate, the
filled marker the observed proportion (blue inside the band, vermillion outside). Reads a
:class:`~metakinetics.inference.validation.Validation` (or its dict), never refits.
"""
from __future__ import annotations

import math

from .style import OKABE_ITO, new_figure, styled

INSIDE = OKABE_ITO["blue"]
OUTSIDE = OKABE_ITO["vermillion"]


def plot_validation(validation, *, ncols: int = 2, panel_size=(4.6, 3.2)):
    """A matplotlib Figure of a leave-one-data-set-out validation: per row of each left-out data set,
    the 95% prediction band (bar), the prediction (open circle) and the observed proportion (filled,
    vermillion when outside the band).

    Parameters
    ----------
    validation : Validation or dict
        The result of :func:`metakinetics.inference.validation.validate` (or its ``to_dict()``).
    ncols : int
        Panels per figure row.
    panel_size : tuple of float
        Width and height of one panel, inches.

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot.
    """
    v = validation if isinstance(validation, dict) else validation.to_dict()
    sets = v["datasets"]
    n = max(len(sets), 1)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(nrows, ncols, width=panel_size[0] * ncols, height=panel_size[1] * nrows)
    flat = list(axes.flat)
    with styled():
        for ax, d in zip(flat, sets):
            _panel(ax, d)
        for ax in flat[len(sets):]:
            ax.set_visible(False)
        share = v.get("share_inside")
        pct = "no rows" if share is None else f"{100 * share:.0f}%"
        head = (f"{v['name']}: leave one data set out; observed inside the {100 * v['level']:g}% prediction "
                f"band in {v['n_inside']} of {v['n_rows']} rows ({pct}; target {100 * v['target']:g}%)"
                if v.get("bands", True) else
                f"{v['name']}: leave one data set out; refit predictions without bands (validate --no-bands)")
        fig.suptitle(head + _cv_line(v), fontsize=9)
    return fig


def _cv_line(v: dict) -> str:
    """A second title line with the cross-validated log-likelihood (none in a validate.json written before it)."""
    if v.get("cv_loglik") is None:
        return ""
    return (f"\ncross-validated log-likelihood {v['cv_loglik']:.2f} (held-out data sets: "
            f"{v['n_cv_datasets']} of {len(v['datasets'])})")


def _panel(ax, d: dict) -> None:
    rows = d["rows"]
    fixed = f"; fixed at full fit: {', '.join(d['fixed'])}" if d["fixed"] else ""
    status = "" if d["status"] == "validated" else f" [{d['status']}]"
    ll = d.get("heldout_loglik")
    held = "" if ll is None else f"\nheld-out log L {ll:.2f}"
    ax.set_title(f"without {d['label']}{status}{fixed}{held}", fontsize=8)
    if not rows:
        ax.text(0.5, 0.5, d.get("reason") or "no rows", ha="center", va="center", fontsize=8, wrap=True,
                transform=ax.transAxes)
        ax.set_xticks([])
        return
    x = list(range(len(rows)))
    for i, r in enumerate(rows):
        ax.plot([i, i], [r["low"], r["high"]], color="0.7", lw=6, solid_capstyle="butt", zorder=1)
    ax.scatter(x, [r["predicted"] for r in rows], facecolors="none", edgecolors="black", s=30, zorder=2,
               label="predicted (refit)")
    inside = [r["inside"] for r in rows]
    if all(s is None for s in inside):           # no bands (validate --no-bands): observed, uncoloured
        ax.scatter(x, [r["observed"] for r in rows], color="0.25", marker="D", s=18, zorder=3, label="observed")
    else:
        ax.scatter([i for i in x if inside[i]], [r["observed"] for r in rows if r["inside"]], color=INSIDE,
                   marker="D", s=18, zorder=3, label="observed, inside")
        ax.scatter([i for i in x if not inside[i]], [r["observed"] for r in rows if not r["inside"]],
                   color=OUTSIDE, marker="D", s=18, zorder=3, label="observed, outside")
    ax.set_xticks(x)
    ax.set_xticklabels([r["label"] for r in rows], rotation=35, ha="right", fontsize=6)
    ax.set_ylabel("proportion")
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.legend(fontsize=6, loc="best")
