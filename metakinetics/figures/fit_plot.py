"""Data versus fit: one panel per data set of a fit result (reads the result, never refits)."""
from __future__ import annotations

import math

import numpy as np

_COLOURS = {"bone": "#1b9e77", "lung": "#d95f02", "liver": "#7570b3", "brain": "#e7298a",
            "distant": "#333333"}


def _colour(name: str, i: int) -> str:
    import matplotlib.pyplot as plt

    return _COLOURS.get(name, plt.rcParams["axes.prop_cycle"].by_key()["color"][i % 10])


def plot_fit(result, *, ncols: int = 2, figsize_per_panel=(4.6, 3.4)):
    """A matplotlib Figure: observed points (with 95% limits or binomial intervals) and the
    fitted curves of each data set; individual data: model vs Aalen-Johansen by group."""
    import matplotlib.pyplot as plt

    res = result.to_dict() if hasattr(result, "to_dict") else result
    sets = res["datasets"]
    n = len(sets)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(figsize_per_panel[0] * ncols, figsize_per_panel[1] * nrows),
                             squeeze=False)
    for ax, d in zip(axes.flat, sets):
        if d["likelihood"] == "time_to_event":
            _tte_panel(ax, d)
        else:
            _aggregate_panel(ax, d)
        ax.set_title(f"{d['label']}: max |data - fit| {d['max_abs_diff_pp']:.1f} pp", fontsize=9)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle(f"fit '{res['name']}': {res['status']}, log L = {res['loglik']:.1f}", fontsize=10)
    fig.tight_layout()
    return fig


def _interval(r):
    lo, up = r.get("lower"), r.get("upper")
    if lo is not None and up is not None:
        return lo, up
    n = r.get("denominator")
    if n:
        p = r["observed"]
        s = 1.96 * math.sqrt(max(p * (1 - p), 1e-12) / n)
        return max(p - s, 0.0), p + s
    return None


def _aggregate_panel(ax, d):
    rows = d.get("rows", [])
    by_size = any(r["endpoint"] == "by_size" for r in rows)
    cats = [r for r in rows if r["endpoint"] in ("at_diagnosis", "site_share")]
    if cats and len(cats) == len(rows):
        _category_panel(ax, rows)
        return
    series = {}
    for r in rows:
        key = (r["group"], r["organ"])
        series.setdefault(key, []).append(r)
    multi = len({g for g, _ in series}) > 1
    for i, ((group, organ), rs) in enumerate(series.items()):
        c = _colour(organ if not multi else f"{group}:{organ}", i)
        x = [r["diameter_cm"] if by_size else r["time"] for r in rs]
        y = [r["observed"] for r in rs]
        label = organ if group == "all" else f"{group}: {organ}"
        ax.plot(x, y, "o", color=c, label=label, ms=4)
        for xi, r in zip(x, rs):
            iv = _interval(r)
            if iv:
                ax.plot([xi, xi], iv, "-", color=c, lw=1)
        for cv in d.get("curves", []):
            if cv["group"] == group and organ in cv["y"]:
                ax.plot(cv["x"], cv["y"][organ], "-", color=c, lw=1.2)
    ax.set_xlabel("primary diameter (cm)" if by_size else "years after diagnosis")
    ax.set_ylabel("proportion of patients")
    ax.legend(fontsize=6, frameon=False)


def _category_panel(ax, rows):
    labels = [f"{r['group'][:10]} {r['organ']}" if r["group"] != "all" else r["organ"] for r in rows]
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["observed"] for r in rows], 0.4, label="data", color="#999999")
    ax.bar(x + 0.2, [r["predicted"] for r in rows], 0.4, label="fit", color="#1f78b4")
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=6)
    ax.set_ylabel("proportion")
    ax.legend(fontsize=7, frameon=False)


def _tte_panel(ax, d):
    for i, g in enumerate(d.get("groups", [])):
        c = _colour(g["group"], i)
        ax.step(g["years"], g["aalen_johansen"], where="post", color=c, lw=1, label=f"{g['group']} (AJ)")
        ax.plot(g["curve"]["x"], g["curve"]["y"], "--", color=c, lw=1.2)
    ax.set_xlabel("years after surgery")
    ax.set_ylabel("cumulative incidence (death competing)")
    ax.legend(fontsize=6, frameon=False, title="solid: data, dashed: fit", title_fontsize=6)
