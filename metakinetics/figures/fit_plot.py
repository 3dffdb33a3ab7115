"""Data versus fit: one panel per data set of a fit result (reads the result, never refits), with
pointwise confidence bands of the fitted curves from parameter draws of the fit's uncertainty
(computed by ``metakinetics.inference.fit_bands``; drawn here)."""
from __future__ import annotations

import math

import numpy as np

from ..inference import FitBands, FitResult, fit_bands
from ..datasets.schema import CLINICIAN_ENDPOINTS, COUNT_ENDPOINTS
from ..inference.bands import curve_key, is_category, series_label, uncurved

_COLOURS = {"bone": "#1b9e77", "lung": "#d95f02", "liver": "#7570b3", "brain": "#e7298a",
            "distant": "#333333"}


def _colour(name: str, i: int) -> str:
    import matplotlib

    return _COLOURS.get(name, matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][i % 10])


def plot_fit(result, *, ncols: int = 2, figsize_per_panel=(4.6, 3.4), band: bool = True, draws: int = 200,
             seed: int | None = 0, level: float = 0.95, setup=None, directory=None,
             bands: FitBands | None = None):
    """A matplotlib Figure: observed points (with 95% limits or binomial intervals) and the
    fitted curves of each data set; individual data: model vs Aalen-Johansen by group.

    With ``band`` (default) the fitted curves carry shaded pointwise ``level`` bands and the fitted
    bars error bars, from ``draws`` parameter sets drawn (``seed``) from the fit's uncertainty
    (``inference.fit_bands``; pass ``bands`` to reuse ones already computed; ``setup``/``directory``
    locate the fit set-up when the result's own path does not)."""
    from matplotlib.figure import Figure

    fr = result if isinstance(result, FitResult) else FitResult.from_dict(result)
    res = fr.to_dict()
    if bands is None and band:
        bands = fit_bands(fr, draws=draws, seed=seed, level=level, setup=setup, directory=directory)
    sets = res["datasets"]
    n = len(sets)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(figsize_per_panel[0] * ncols, figsize_per_panel[1] * nrows))  # not in pyplot's state
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, (ax, d) in enumerate(zip(axes.flat, sets)):
        b = bands.datasets[i] if bands is not None and bands.datasets else None
        if d["likelihood"] == "time_to_event":
            _tte_panel(ax, d, b)
        else:
            _aggregate_panel(ax, d, b, bands.level if bands is not None else level)
        ax.set_title(f"{d['label']}: max |data - fit| {d['max_abs_diff_pp']:.1f} pp", fontsize=9)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    title = f"fit '{res['name']}': {res['status']}, log L = {res['loglik']:.1f}"
    if bands is not None and bands.datasets:
        # one panel is too narrow for one line: the band's description goes on a second
        title += ("\n" if ncols == 1 else "; ") + (f"shaded: {100 * bands.level:g}% band, "
                                                   f"{bands.draws - bands.failed} draws ({bands.method})")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _interval(r):
    lo, up = r.get("lower"), r.get("upper")
    if lo is not None and up is not None and math.isfinite(lo) and math.isfinite(up):
        return lo, up
    n = r.get("denominator")
    if n and r.get("endpoint") not in COUNT_ENDPOINTS:  # a binomial interval only for a proportion
        p = r["observed"]
        s = 1.96 * math.sqrt(max(p * (1 - p), 1e-12) / n)
        return max(p - s, 0.0), p + s
    return None


def _offset(x) -> float:
    """A small shift so a fitted point does not hide the observed one at the same x."""
    span = (max(x) - min(x)) if len(x) > 1 else 1.0
    return 0.03 * (span or 1.0)


def _row_kind(r: dict) -> tuple:
    """What separates a clinician-endpoint series from the others on a panel: (endpoint, options);
    () for the other endpoints (drawn per group and organ, as before)."""
    if r["endpoint"] not in CLINICIAN_ENDPOINTS:
        return ()
    return (r["endpoint"], tuple(sorted((k, float(r[k])) for k in ("window", "horizon", "within") if k in r)))


def _curve_kind(cv: dict) -> tuple:
    """:func:`_row_kind` of a stored fitted curve (its ``inner`` endpoint and ``options``)."""
    if cv.get("inner") not in CLINICIAN_ENDPOINTS:
        return ()
    return (cv["inner"], tuple(sorted((k, float(v)) for k, v in cv.get("options", {}).items())))


def _kind_label(kind: tuple) -> str:
    """' lag (horizon 10, within 5)' for a clinician series; '' otherwise."""
    if not kind:
        return ""
    opts = ", ".join(f"{k} {v:g}" for k, v in kind[1])
    return f" {kind[0]}" + (f" ({opts})" if opts else "")


def _axis_labels(rows) -> tuple[str, str, str]:
    """(x label, y label of proportions, y label of counts) for a panel's rows: lag rows run over
    years after the first distant metastasis; organs_per_relapse rows are mean organ counts."""
    eps = {r["endpoint"] for r in rows}
    if "by_size" in eps:
        xl = "primary diameter (cm)"
    elif eps == {"lag"}:
        xl = "lag: years after the first distant metastasis"
    elif "lag" in eps:
        xl = "years after diagnosis (lag rows: after the first distant metastasis)"
    else:
        xl = "years after diagnosis"
    return xl, "proportion of patients", "organs per relapsed patient (mean)"


def _aggregate_panel(ax, d, b=None, level=0.95):
    rows = d.get("rows", [])
    by_size = any(r["endpoint"] == "by_size" for r in rows)
    if is_category(d):
        _category_panel(ax, rows, b)
        return
    bands = {c["key"]: c for c in b["curves"]} if b else {}
    no_curve = uncurved(d)
    series = {}
    for r in rows:
        series.setdefault((series_label(r), r["organ"], _row_kind(r)), []).append(r)
    counts = {k for k in series if k[2] and k[2][0] in COUNT_ENDPOINTS}
    # a mean organ count (>= 1) beside proportions gets its own axis on the right
    cax = ax.twinx() if counts and len(counts) < len(series) else ax
    multi = len({g for g, _, _ in series}) > 1
    for i, ((group, organ, kind), rs) in enumerate(series.items()):
        c = _colour(organ if not (multi or kind) else f"{group}:{organ}{kind}", i)
        axi = cax if (group, organ, kind) in counts else ax
        x = [r["diameter_cm"] if by_size else r["time"] for r in rs]
        y = [r["observed"] for r in rs]
        label = (organ if group == "all" else f"{group}: {organ}") + _kind_label(kind)
        axi.plot(x, y, "o", color=c, label=label, ms=4)
        for xi, r in zip(x, rs):
            iv = _interval(r)
            if iv:
                axi.plot([xi, xi], iv, "-", color=c, lw=1)
        if (group, organ) in no_curve:  # no curve: the fitted value itself, with its band as a bar
            idx = [rows.index(r) for r in rs]
            yp = [r["predicted"] for r in rs]
            yerr = None
            if b is not None and "lo" in b:
                lo, hi = np.array(b["lo"])[idx], np.array(b["hi"])[idx]
                yerr = np.vstack([np.clip(yp - lo, 0, None), np.clip(hi - yp, 0, None)])
            axi.errorbar(np.asarray(x, dtype=float) + _offset(x), yp, yerr=yerr, fmt="x", color=c, ms=5, lw=1.5,
                         capsize=3, label="fit" + (f" ({100 * level:g}% band)" if yerr is not None else ""))
        for cv in d.get("curves", []):
            if series_label(cv) == group and organ in cv["y"] and _curve_kind(cv) == kind:
                axi.plot(cv["x"], cv["y"][organ], "-", color=c, lw=1.2)
                bc = bands.get(curve_key(cv))
                if bc is not None and organ in bc["lo"]:
                    axi.fill_between(bc["x"], bc["lo"][organ], bc["hi"][organ], color=c, alpha=0.2, lw=0)
    xl, yl, yc = _axis_labels(rows)
    ax.set_xlabel(xl)
    ax.set_ylabel(yc if counts and cax is ax else yl)
    if cax is not ax:
        cax.set_ylabel(yc)
        cax.legend(fontsize=6, frameon=False, loc="lower right")
    ax.legend(fontsize=6, frameon=False)


def _category_panel(ax, rows, b=None):
    labels = [f"{series_label(r)[:10]} {r['organ']}" if series_label(r) != "all" else r["organ"] for r in rows]
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["observed"] for r in rows], 0.4, label="data", color="#999999")
    pred = np.array([r["predicted"] for r in rows])
    # asymmetric error bars: the band's ends around the fitted value
    yerr = np.vstack([np.clip(pred - np.array(b["lo"]), 0, None), np.clip(np.array(b["hi"]) - pred, 0, None)]) \
        if b is not None else None
    ax.bar(x + 0.2, pred, 0.4, label="fit", color="#1f78b4", yerr=yerr, error_kw={"lw": 0.8, "capsize": 1.5})
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=6)
    ax.set_ylabel("proportion")
    ax.legend(fontsize=7, frameon=False)


def _tte_panel(ax, d, b=None):
    for i, g in enumerate(d.get("groups", [])):
        c = _colour(g["group"], i)
        ax.step(g["years"], g["aalen_johansen"], where="post", color=c, lw=1, label=f"{g['group']} (AJ)")
        ax.plot(g["curve"]["x"], g["curve"]["y"], "--", color=c, lw=1.2)
        if b is not None:
            bg = b["groups"][i]
            ax.fill_between(bg["x"], bg["lo"], bg["hi"], color=c, alpha=0.2, lw=0)
    ax.set_xlabel("years after surgery")
    # "death competing" only where the fit has a death hazard (a data set without deaths has none)
    competing = any(float(g.get("death_hazard", 0.0) or 0.0) > 0 for g in d.get("groups", []))
    ax.set_ylabel("cumulative incidence" + (" (death competing)" if competing else ""))
    ax.legend(fontsize=6, frameon=False, title="solid: data, dashed: fit", title_fontsize=6)
